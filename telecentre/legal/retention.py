"""Every kind of record the system keeps, how long, and what happens then: one list.

The privacy notice and the admin's retention page both read it, so neither
can say something the retention jobs do not do.
"""
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext


def days(n: int) -> str:
    """Return "N days" with the language's plural form."""
    return ngettext("%(num)d day", "%(num)d days", n)


def kinds() -> list[dict]:
    """Return the kinds of record: ``label``, ``kept`` (how long), ``then``, ``setting``."""
    from telecentre.monitoring.history import HOURLY_DAYS, RAW_DAYS
    cfg = current_app.config
    usage = int(cfg["RETENTION_DAYS"])
    return [
        {"label": _("Your account"), "kept": _("until you delete it (Account page) or ask the "
                                               "office to"),
         "then": _("name, contact and card erased; the login stays reserved"), "setting": ""},
        {"label": _("Bookings and sessions linked to you"), "kept": days(usage),
         "then": _("bookings deleted; sessions kept only without your name, as counts"),
         "setting": "RETENTION_DAYS"},
        {"label": _("Messages to residents, the walk-in queue, guest passes"),
         "kept": days(usage), "then": _("deleted"), "setting": "RETENTION_DAYS"},
        {"label": _("Personal details in the audit log (login, network address, names)"),
         "kept": days(int(cfg["AUDIT_PERSONAL_RETENTION_DAYS"])),
         "then": _("erased; the entry stays in the tamper-evident log under an account number"),
         "setting": "AUDIT_PERSONAL_RETENTION_DAYS"},
        *([{"label": _("Log of who used which computer when (kept for requests under the "
                        "law)"),
            "kept": days(int(cfg["SESSION_LOG_DAYS"])),
            "then": _("the link to you is removed, as for bookings and sessions"),
            "setting": "SESSION_LOG_DAYS"}] if cfg["SESSION_LOG_ENABLED"] else []),
        {"label": _("Print jobs (when, pages, colour, cost; never the document or its name)"),
         "kept": days(usage),
         "then": _("kept only without your name, as counts"), "setting": "RETENTION_DAYS"},
        {"label": _("The computers' own event log"),
         "kept": days(int(cfg["AGENT_EVENT_RETENTION_DAYS"])), "then": _("deleted"),
         "setting": "AGENT_EVENT_RETENTION_DAYS"},
        {"label": _("Network monitoring of the offices' devices (no personal data)"),
         "kept": _("%(raw)s raw, %(hourly)s as hourly averages", raw=days(RAW_DAYS),
                   hourly=days(HOURLY_DAYS)),
         "then": _("deleted"), "setting": ""},
        {"label": _("E-mails and text messages sent to you"), "kept": _("not stored"),
         "then": "", "setting": ""},
    ]
