"""The walk-in queue at the desk: add a resident, call the next one, remove one.

Thin on purpose: the queue itself (offers, expiry, accepting) is the booking
feature's ``telecentre.booking.queue``.
"""
from datetime import datetime

from flask_babel import gettext as _

from telecentre.audit.services import record
from telecentre.booking import queue
from telecentre.common.errors import Conflict, DomainError
from telecentre.common.time import utcnow
from telecentre.extensions import db


def call_next(actor, site, now: datetime | None = None):
    """Give the first resident in line who can take it the computer on offer; return
    ``(entry, booking, passed_over)``.

    Free seats are offered first (to the queue, in order). Someone who cannot take
    the seat now (the booking rules refuse: daily minutes, another booking then, …)
    never blocks the line: they are passed over, keep their place, and
    ``passed_over`` lists ``(name, reason)`` for the attendant. Raises Conflict when
    nobody waits, no computer is free, or nobody in line can take it (then nothing
    changes: the caller rolls back).
    """
    now = now or utcnow()
    queue.offer_free_seats(site, now)
    entries = queue.waiting(site)
    if not entries:
        raise Conflict(_("Nobody is waiting in the queue."), code="queue_empty")
    passed_over: list[tuple[str, str]] = []
    skipped: set[int] = set()
    while True:
        offered = [e for e in queue.waiting(site) if e.status == "offered"
                   and e.id not in skipped]
        if not offered:
            break
        entry = offered[0]
        name, entry_id = entry.resident.display_name, entry.id
        try:
            with db.session.begin_nested():
                booking = queue.accept_offer(actor, entry, now)
        except DomainError as exc:
            passed_over.append((name, exc.message))
            skipped.add(entry_id)
            queue.pass_over(db.session.get(type(entry), entry_id), now, skip=skipped)
            continue
        record(actor, "queue.call_next", target=booking, site=site,
               details={"entry": entry_id, "resident": name, "seat": booking.seat.name,
                        "passed_over": [n for n, _why in passed_over]})
        return db.session.get(type(entry), entry_id), booking, passed_over
    if passed_over:
        raise Conflict(_("Nobody in line can take the free computer now: %(reasons)s",
                         reasons=" ".join(f"{n}: {why}" for n, why in passed_over)),
                       code="nobody_can_take")
    raise Conflict(_("No computer is free for %(name)s yet.",
                     name=entries[0].resident.display_name), code="no_free_seat")
