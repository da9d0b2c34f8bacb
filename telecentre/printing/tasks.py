"""Printing work on the task queue: one site's held queues read per task, on any worker."""
from __future__ import annotations

from celery import shared_task

from telecentre.extensions import db
from telecentre.printing import services


@shared_task(name="printing.sync_site", ignore_result=True)
def sync_site(site_id: int):
    """Read the site's held queues and record or follow its jobs."""
    settings = services.settings_of(site_id)
    if not settings.enabled:
        return "printing is off"
    try:
        found = services.sync_site(settings)
    except services.PrintServerDown as exc:
        db.session.rollback()
        return str(exc)
    db.session.commit()
    return f"{found['added']} new, {found['gone']} gone"
