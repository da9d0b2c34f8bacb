"""Alert messages on the task queue: sent by a worker, never inside the sweep."""
from celery import shared_task
from flask import current_app

from telecentre.alerts.deliveries import send_due


@shared_task(name="alerts.deliver", ignore_result=True)
def deliver(delivery_ids: list[int]):
    """Send the given deliveries if they are still pending and due."""
    sent, failed = send_due(current_app.config, ids=delivery_ids)
    return f"{sent} sent, {failed} not sent"
