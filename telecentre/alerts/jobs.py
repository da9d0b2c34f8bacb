"""Periodic work of alert messages: repeats, retries, and what quiet hours held back."""
from telecentre.jobs import job


@job("alerts.deliveries", "interval", seconds=30)
def deliver_due():
    """Record repeat messages for alerts still open, then send every delivery now due."""
    from flask import current_app

    from telecentre.alerts.deliveries import send_due
    from telecentre.alerts.routing import record_repeats
    from telecentre.extensions import db

    repeats = record_repeats()
    db.session.commit()
    sent, failed = send_due(current_app.config)
    return f"{len(repeats)} repeats; {sent} sent, {failed} not sent"
