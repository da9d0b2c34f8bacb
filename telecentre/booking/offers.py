"""Telling a resident that a seat is on offer for them: e-mail and SMS, after the commit.

The texts are written while the offer is made (in the resident's language)
and handed to a task worker only once the offer is committed
(``telecentre.common.outgoing``), so a rolled-back offer is never announced.
A failed mail or text is retried by the worker and changes nothing: the queue
page shows the offer anyway.
"""
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from telecentre.common.outgoing import mail_after_commit, sms_after_commit
from telecentre.common.sms import sms_enabled
from telecentre.common.time import to_local
from telecentre.common.urls import public_url


def offer_texts(entry, seat) -> dict:
    """Return the subject, mail body and SMS text of an offer, in the resident's language."""
    resident, site = entry.resident, seat.site
    languages = current_app.config["LANGUAGES"]
    locale = resident.locale if resident.locale in languages else \
        current_app.config["BABEL_DEFAULT_LOCALE"]
    until = to_local(entry.offered_until).strftime("%H:%M")
    # From PUBLIC_BASE_URL, never the request's Host header; jobs have no request at all.
    try:
        link = public_url("residents.site_queue", slug=site.slug)
    except RuntimeError:  # a job (the no-show release): no request to build the path in
        link = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/sites/{site.slug}/queue"
    with force_locale(locale):
        subject = _("A computer is free for you: %(seat)s", seat=seat.name)
        sms = _("%(site)s: computer %(seat)s is free for you until %(time)s. Take it on the "
                "queue page or at the desk.", site=site.name, seat=seat.name, time=until)
        body = _("Hello %(name)s,\n\ncomputer %(seat)s at %(site)s is free for you until "
                 "%(time)s. Take it on the queue page or at the desk; after that time it goes "
                 "to the next person in line.", name=resident.display_name or resident.login,
                 seat=seat.name, site=site.name, time=until)
        body += "\n\n" + _("Queue page: %(link)s", link=link)
    return {"subject": subject, "body": body, "sms": sms}


def notify_offer_after_commit(entry, seat) -> None:
    """Send the offer's mail (when the resident has an address) and SMS (when a phone and a
    gateway are known) once this transaction commits."""
    resident = entry.resident
    config = current_app.config
    wants_mail = bool(resident.email) and bool(config.get("SMTP_HOST"))
    wants_sms = bool(resident.phone) and sms_enabled(config)
    if not (wants_mail or wants_sms):
        return
    texts = offer_texts(entry, seat)
    if wants_mail:
        mail = EmailMessage()
        mail["Subject"], mail["From"], mail["To"] = (texts["subject"], config.get("MAIL_FROM"),
                                                     resident.email)
        mail.set_content(texts["body"] + "\n")
        mail_after_commit(mail)
    if wants_sms:
        sms_after_commit(resident.phone, texts["sms"])
