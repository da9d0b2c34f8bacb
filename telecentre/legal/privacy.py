"""The privacy notice (RODO art. 13 and 14), built from the county's settings.

Nothing here is stored: the notice is the settings and the retention the
code applies, so it cannot drift from what the system does. Its version is
``PRIVACY_NOTICE_VERSION``; the version a resident accepted is kept on the
account.
"""
from flask import current_app
from flask_babel import gettext as _

from telecentre.legal.retention import kinds


def notice() -> dict:
    """Return the notice's parts for the template, in the current language."""
    cfg = current_app.config
    purposes = [
        (_("Your account, bookings, the walk-in queue and unlocking a computer"),
         _("Art. 6(1)(e) RODO: a task in the public interest (public internet access, "
           "digital inclusion)"),
         _("login, name, e-mail or phone if you give them, card number, bookings")),
        (_("Counting use for the EU-funded programme's indicators"),
         _("Art. 6(1)(c) RODO: the programme's reporting duties"),
         _("sessions (site, computer, times); reports hold only counts")),
        (_("Security of the service and of the public computers"),
         _("Art. 6(1)(c) and (e) RODO with the national cybersecurity act"),
         _("sign-in attempts, network address, actions of staff")),
        (_("Messages about your booking or your turn in the queue"),
         _("Art. 6(1)(e) RODO; only if you gave an e-mail address or phone number"),
         _("e-mail address, phone number")),
    ]
    if cfg["SESSION_LOG_ENABLED"]:
        purposes.append((
            _("Answering requests made under the law (police, prosecutor, court) about who "
              "used a public computer when"),
            _("Art. 6(1)(c) RODO: the legal duty to answer such requests"),
            _("which computer you used and when")))
    return {
        "version": cfg["PRIVACY_NOTICE_VERSION"],
        "controller": cfg["PUBLIC_BODY_NAME"],
        "address": cfg["PUBLIC_BODY_ADDRESS"],
        "contact_email": cfg.get("PRIVACY_CONTACT_EMAIL") or "",
        "dpo_email": cfg.get("DPO_EMAIL") or "",
        "purposes": purposes,
        "retention": kinds(),
    }


def notice_as_text(lang: str | None = None) -> dict:
    """The notice as plain text for the PC's lock screen, in ``lang`` (else the request's language).

    Rendered from the page's own template, so the lock screen says exactly what
    the page says; ``url`` is the page's public address for reading it later.
    """
    from flask import render_template
    from flask_babel import force_locale, get_locale

    from telecentre.common.urls import public_url
    from telecentre.legal.plaintext import html_to_text

    if lang not in current_app.config["LANGUAGES"]:
        lang = str(get_locale())
    with force_locale(lang):
        text, headings = html_to_text(render_template("legal/_privacy_notice.html",
                                                      notice=notice()))
        title = _("Privacy notice")
    return {"version": current_app.config["PRIVACY_NOTICE_VERSION"], "lang": lang,
            "title": title, "text": text, "headings": headings,
            "url": public_url("legal.privacy")}
