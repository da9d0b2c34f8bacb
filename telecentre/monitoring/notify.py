"""The alert mail of the catch-all route ``ALERT_RECIPIENTS`` (SMTP settings ``TELECENTRE_SMTP_*``).

Routes, deliveries and their sending live in ``telecentre.alerts``; after a sweep
the callers use :func:`telecentre.alerts.deliveries.announce`.
"""
from __future__ import annotations

from email.message import EmailMessage

from telecentre.alerts.messages import compose_mail
from telecentre.alerts.routing import alert_recipients


def compose(config, opened, resolved) -> EmailMessage | None:
    """One message to ``ALERT_RECIPIENTS`` listing new and resolved alerts; None when
    nothing changed or nobody is to be told."""
    return compose_mail(config, opened, resolved, alert_recipients(config))
