"""Scheduler jobs: read the held queues (one task per site), purge what waited too long."""
from sqlalchemy import select

from telecentre.extensions import db
from telecentre.jobs import job

SYNC_SECONDS = 20


@job("printing.sync", "interval", seconds=SYNC_SECONDS)
def sync():
    """Send ``printing.sync_site`` for every site that prints."""
    from telecentre.printing.models import PrintSettings
    from telecentre.printing.tasks import sync_site
    from telecentre.tasks import send
    site_ids = list(db.session.scalars(select(PrintSettings.site_id).where(
        PrintSettings.enabled)))
    db.session.rollback()  # the tasks write in transactions of their own
    for site_id in site_ids:
        send(sync_site, site_id, expires=SYNC_SECONDS)
    return f"{len(site_ids)} sites"


@job("printing.purge", "interval", minutes=1)
def purge():
    """Cancel held jobs past the site's time and, after closing, all of them."""
    from telecentre.printing.services import purge_due
    return f"{purge_due()} purged"
