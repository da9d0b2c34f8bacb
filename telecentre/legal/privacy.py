"""The privacy notice (RODO art. 13 and 14), built from the county's settings.

Nothing here is stored: the notice is the settings and the retention the
code applies, so it cannot drift from what the system does. Its version is
``PRIVACY_NOTICE_VERSION``; the version a resident accepted is kept on the
account.
"""
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext


def _days(n: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", n)


def notice() -> dict:
    """Return the notice's parts for the template, in the current language."""
    cfg = current_app.config
    retention = int(cfg["RETENTION_DAYS"])
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
    kinds = [
        (_("Bookings and sessions linked to you"),
         _("%(days)s, then kept only without your name, as counts",
           days=_days(retention))),
        (_("Your account"), _("until you delete it (Account page) or ask the office to")),
        (_("Network monitoring of the offices' devices (no personal data)"),
         _("%(raw)s raw, %(hourly)s as hourly averages",
           raw=_days(7), hourly=_days(400))),
    ]
    return {
        "version": cfg["PRIVACY_NOTICE_VERSION"],
        "controller": cfg["PUBLIC_BODY_NAME"],
        "address": cfg["PUBLIC_BODY_ADDRESS"],
        "contact_email": cfg.get("PRIVACY_CONTACT_EMAIL") or "",
        "dpo_email": cfg.get("DPO_EMAIL") or "",
        "purposes": purposes,
        "retention": kinds,
    }
