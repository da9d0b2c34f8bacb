"""The walk-in queue at the desk: add a resident, call the next one, remove one.

Thin on purpose: the queue itself (offers, expiry, accepting) is the booking
feature's ``telecentre.booking.queue``.
"""
from datetime import datetime

from flask_babel import gettext as _

from telecentre.audit.services import record
from telecentre.booking import queue
from telecentre.common.errors import Conflict
from telecentre.common.time import utcnow


def call_next(actor, site, now: datetime | None = None):
    """Give the first resident in line the computer on offer for them; return (entry, booking).

    Free seats are offered first (to the queue, in order). Raises Conflict
    when nobody waits or no computer is free for the first in line.
    """
    now = now or utcnow()
    queue.offer_free_seats(site, now)
    entries = queue.waiting(site)
    if not entries:
        raise Conflict(_("Nobody is waiting in the queue."), code="queue_empty")
    first = entries[0]
    if first.status != "offered":
        raise Conflict(_("No computer is free for %(name)s yet.",
                         name=first.resident.display_name), code="no_free_seat")
    name, entry_id = first.resident.display_name, first.id
    booking = queue.accept_offer(actor, first, now)
    record(actor, "queue.call_next", target=booking, site=site,
           details={"entry": entry_id, "resident": name, "seat": booking.seat.name})
    return first, booking
