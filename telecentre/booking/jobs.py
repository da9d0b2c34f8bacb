"""Periodic jobs of booking: release no-shows, move the walk-in queue along."""
from sqlalchemy import select

from telecentre.jobs import job


@job("booking.release_no_shows", "interval", seconds=60)
def release_no_shows_job():
    """Release bookings whose resident did not come within the grace period; return how many."""
    from telecentre.booking.services import release_no_shows
    return release_no_shows()


@job("booking.queue_offers", "interval", seconds=30)
def queue_offers_job():
    """Expire offers that ran out and offer free seats to the next in line; return offers made."""
    from telecentre.booking.models import ACTIVE_QUEUE_STATUSES, QueueEntry
    from telecentre.booking.queue import offer_free_seats
    from telecentre.extensions import db
    from telecentre.sites.models import Site
    site_ids = set(db.session.scalars(select(QueueEntry.site_id).where(
        QueueEntry.status.in_(ACTIVE_QUEUE_STATUSES))))
    return sum(offer_free_seats(db.session.get(Site, sid)) for sid in sorted(site_ids))
