"""E-mail to IT when alerts open or resolve (SMTP settings ``TELECENTRE_SMTP_*``)."""
from __future__ import annotations

from email.message import EmailMessage

from flask_babel import gettext as _

from telecentre.common.mail import smtp_send
from telecentre.monitoring.alert_texts import alert_title



def compose(config, opened, resolved) -> EmailMessage | None:
    """One message listing the sweep's new and resolved alerts; None when nothing changed."""
    recipients = config.get("ALERT_RECIPIENTS") or []
    if isinstance(recipients, str):
        recipients = [r.strip() for r in recipients.split(",") if r.strip()]
    if not (opened or resolved) or not recipients:
        return None
    lines = []
    if opened:
        lines.append(_("New alerts:"))
        lines += [f"  [{a.severity}] {alert_title(a.details)}" for a in opened]
    if resolved:
        lines.append(_("Resolved:"))
        lines += [f"  {alert_title(a.details)}" for a in resolved]
    msg = EmailMessage()
    msg["Subject"] = _("Telecentre: %(opened)d new, %(resolved)d resolved alert(s)",
                       opened=len(opened), resolved=len(resolved))
    msg["From"] = config.get("MAIL_FROM", "telecentre@localhost")
    msg["To"] = ", ".join(recipients)
    msg.set_content("\n".join(lines) + "\n")
    return msg


def send(config, opened, resolved) -> bool:
    """Send the alert mail if SMTP is configured; a mail failure never breaks a sweep."""
    msg = compose(config, opened, resolved)
    if msg is None:
        return False
    return smtp_send(config, msg)
