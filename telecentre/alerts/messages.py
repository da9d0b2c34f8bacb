"""What an alert message says: the mail, the text message and the webhook bodies.

Written in the server's default language (tasks have no reader); the alert's
``title`` column already holds its text in that language.
"""
from __future__ import annotations

from email.message import EmailMessage

from flask_babel import gettext as _

from telecentre.common.labels import label

# Teams cards take a colour per message.
COLOURS = {"critical": "D13438", "warning": "FFB900", "info": "0078D4"}


def line(alert, event: str) -> str:
    """One line about an alert event: ``[critical] UPS-1 is running on battery``."""
    severity = label(alert.severity, "severity")
    if event == "resolved":
        return _("Resolved: %(title)s", title=alert.title)
    if event == "repeat":
        return _("Still active: [%(severity)s] %(title)s", severity=severity, title=alert.title)
    return f"[{severity}] {alert.title}"


def compose_mail(config, opened, resolved, recipients: list[str]) -> EmailMessage | None:
    """One message listing new and resolved alerts; None when nothing to say or nobody to tell."""
    if not (opened or resolved) or not recipients:
        return None
    lines = []
    if opened:
        lines.append(_("New alerts:"))
        lines += [f"  [{label(a.severity, 'severity')}] {a.title}" for a in opened]
    if resolved:
        lines.append(_("Resolved:"))
        lines += [f"  {a.title}" for a in resolved]
    msg = EmailMessage()
    msg["Subject"] = _("Telecentre: %(opened)d new, %(resolved)d resolved alert(s)",
                       opened=len(opened), resolved=len(resolved))
    msg["From"] = config.get("MAIL_FROM", "telecentre@localhost")
    msg["To"] = ", ".join(recipients)
    msg.set_content("\n".join(lines) + "\n")
    return msg


def sms_text(alert, event: str) -> str:
    """The text message: ``Telecentre: [critical] UPS-1 is running on battery``."""
    return f"Telecentre: {line(alert, event)}"


def webhook_body(config, alert, event: str, fmt: str, site_slug: str | None) -> dict:
    """The JSON body for a webhook in ``fmt``: ``json`` (every field of the alert),
    ``slack`` (Slack and Mattermost incoming webhooks) or ``teams`` (a Teams message card)."""
    text = line(alert, event)
    if fmt == "slack":
        return {"text": text}
    if fmt == "teams":
        return {"@type": "MessageCard", "@context": "https://schema.org/extensions",
                "summary": text, "themeColor": COLOURS.get(alert.severity, "0078D4"),
                "title": "Telecentre", "text": text}
    base = (config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return {"event": event, "text": text, "url": f"{base}/it/alerts/{alert.id}", "alert": {
        "id": alert.id, "key": alert.key, "source": alert.source, "site": site_slug,
        "severity": alert.severity, "title": alert.title, "status": alert.status,
        "details": alert.details or {},
        "opened_at": alert.opened_at.isoformat() if alert.opened_at else None,
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None}}
