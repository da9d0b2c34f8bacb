"""The walk-in queue of a site: join, leave, offers of freed seats, accepting an offer.

When a seat is free now, the first resident waiting is offered it for
``QUEUE_OFFER_MINUTES``. Accepting books the seat from the running slot;
an offer that runs out goes to the next in line.
"""
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from telecentre.audit.services import record
from telecentre.booking import rules
from telecentre.booking.models import (ACTIVE_QUEUE_STATUSES, HOLDING_STATUSES, Booking,
                                       QueueEntry)
from telecentre.booking.offers import notify_offer_after_commit
from telecentre.booking.slots import opening_ranges, slot_start_at
from telecentre.common.errors import Conflict, Forbidden, NotFound
from telecentre.common.time import to_local, utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.seats.services import seat_states

DEFAULT_OFFER_MINUTES = 5


def offer_minutes() -> int:
    """Return how long an offered seat is held for the resident (config QUEUE_OFFER_MINUTES)."""
    return int(current_app.config.get("QUEUE_OFFER_MINUTES", DEFAULT_OFFER_MINUTES))


def active_entry(site, resident) -> QueueEntry | None:
    """Return the resident's waiting or offered entry at ``site``, or None."""
    return db.session.scalar(select(QueueEntry).where(
        QueueEntry.site_id == site.id, QueueEntry.resident_id == resident.id,
        QueueEntry.status.in_(ACTIVE_QUEUE_STATUSES)))


def join_queue(actor, site, resident, now: datetime | None = None) -> QueueEntry:
    """Put ``resident`` at the end of the site's queue and offer a free seat at once if any.

    Raises PolicyViolation when the site takes no walk-ins or is closed now,
    Conflict when the resident already waits there. Flushes and audits.
    """
    now = now or utcnow()
    if resident.role != "resident" or not resident.active:
        raise Forbidden(_("Only residents can join the queue."))
    policy = rules.current_policy(site)
    if not policy.walk_in_allowed:
        raise rules.violation("walk_in_allowed", _("This site takes no walk-in visitors; "
                                                   "please book a computer instead."))
    if slot_start_at(site, now, policy.slot_minutes) is None:
        raise rules.violation("opening_hours", _("The site is closed now; the queue opens "
                                                 "with the site."))
    if active_entry(site, resident) is not None:
        raise Conflict(_("You are already in the queue at this site."), code="already_queued")
    entry = QueueEntry(site_id=site.id, resident_id=resident.id, status="waiting",
                       created_at=now, added_by_id=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("You are already in the queue at this site."),
                       code="already_queued") from None
    record(actor, "queue.join", target=entry, site=site, details={"resident": resident.login})
    offer_free_seats(site, now)
    return entry


def leave_queue(actor, entry: QueueEntry, now: datetime | None = None) -> None:
    """Take the entry out of the queue (an offered seat goes to the next in line). Flushes."""
    now = now or utcnow()
    if entry.status not in ACTIVE_QUEUE_STATUSES:
        raise Conflict(_("You are not in the queue any more."), code="not_queued")
    had_offer = entry.status == "offered"
    entry.status, entry.ended_at = "left", now
    record(actor, "queue.leave", target=entry, site=entry.site_id)
    db.session.flush()
    if had_offer:
        from telecentre.sites.models import Site
        offer_free_seats(db.session.get(Site, entry.site_id), now)


def waiting(site) -> list[QueueEntry]:
    """Return the site's active entries, first in line first."""
    return list(db.session.scalars(select(QueueEntry).where(
        QueueEntry.site_id == site.id, QueueEntry.status.in_(ACTIVE_QUEUE_STATUSES))
        .order_by(QueueEntry.created_at, QueueEntry.id)))


def position(entry: QueueEntry) -> int:
    """Return the 1-based place of a waiting entry among those still waiting (0 if offered)."""
    if entry.status != "waiting":
        return 0
    ahead = db.session.scalar(select(func.count(QueueEntry.id)).where(
        QueueEntry.site_id == entry.site_id, QueueEntry.status == "waiting",
        (QueueEntry.created_at < entry.created_at)
        | ((QueueEntry.created_at == entry.created_at) & (QueueEntry.id < entry.id))))
    return ahead + 1


def walk_in_start(seat: Seat, slot_start: datetime, now: datetime, resident=None) -> datetime:
    """Return when a walk-in on ``seat`` starts: the running slot's start, or later when a
    booking of the seat (or of ``resident``) that ended early ran into that slot.

    A booking ended early keeps ``[start, left)`` (``Booking.release_rest``), so the
    walk-in begins where it stopped and never overlaps it.
    """
    owners = Booking.seat_id == seat.id
    if resident is not None:
        owners = or_(owners, Booking.resident_id == resident.id)
    ended = db.session.scalar(select(func.max(Booking.end)).where(
        owners, Booking.status.in_(HOLDING_STATUSES), Booking.end > slot_start,
        Booking.end <= now))
    return max(slot_start, ended) if ended is not None else slot_start


def seat_free_for_walk_in(seat: Seat, slot_start: datetime, slot_end: datetime,
                          now: datetime) -> bool:
    """Return True when nobody uses or books ``seat`` from the walk-in start to the slot's end."""
    from telecentre.booking.services import seat_is_free
    return seat_is_free(seat, walk_in_start(seat, slot_start, now), slot_end, now)


def free_seats_now(site, now: datetime, *, keep: int | None = None) -> list[Seat]:
    """Return the site's PCs that nobody uses, books or has been offered right now.

    A PC without an enrolled agent (state ``no_agent``) is never offered: nothing
    there would unlock it. ``keep`` is an entry whose own offer does not count as held.
    """
    policy = rules.current_policy(site)
    start = slot_start_at(site, now, policy.slot_minutes)
    if start is None:
        return []
    held = set(db.session.scalars(select(QueueEntry.offered_seat_id).where(
        QueueEntry.site_id == site.id, QueueEntry.status == "offered",
        QueueEntry.id != (keep or 0))))
    seats = list(db.session.scalars(select(Seat).where(
        Seat.site_id == site.id, Seat.kind == "pc", Seat.in_service)
        .order_by(Seat.bookable, Seat.name)))  # walk-in-only seats first
    states = seat_states(seats, now)
    end = start + timedelta(minutes=policy.slot_minutes)
    return [s for s in seats if s.id not in held and states[s.id] != "no_agent"
            and seat_free_for_walk_in(s, start, end, now)]


def pass_over(entry: QueueEntry, now: datetime, skip=()) -> None:
    """The resident on offer cannot take the seat now: back to waiting, keeping the place,
    and the seat goes to the next in line (not to those in ``skip``). Flushes and audits."""
    entry.status, entry.offered_seat_id, entry.offered_until = "waiting", None, None
    record(None, "queue.pass_over", target=entry, site=entry.site_id)
    db.session.flush()
    from telecentre.sites.models import Site
    offer_free_seats(db.session.get(Site, entry.site_id), now, skip=skip)


def offer_free_seats(site, now: datetime | None = None, skip=()) -> int:
    """Expire stale offers, then offer each free seat to the next in line; return offers made.

    An offer whose seat was taken meanwhile (a desk walk-in, a booking made for now)
    goes back to waiting, keeping its place, so the line never stalls on it; entries
    in ``skip`` (passed over by the desk just now) get no new offer. Each new
    offer is sent to the resident by e-mail and SMS after the commit (``notify``).
    """
    now = now or utcnow()
    expire_offers(site, now)
    _withdraw_taken_offers(site, now)
    queue = [e for e in waiting(site) if e.status == "waiting" and e.id not in skip]
    if not queue:
        return 0
    made = 0
    for seat, entry in zip(free_seats_now(site, now), queue, strict=False):
        entry.status = "offered"
        entry.offered_seat_id = seat.id
        entry.offered_until = now + timedelta(minutes=offer_minutes())
        record(None, "queue.offer", target=entry, site=site, details={"seat": seat.name})
        notify_offer_after_commit(entry, seat)
        made += 1
    db.session.flush()
    return made


def _withdraw_taken_offers(site, now: datetime) -> None:
    """Put offers whose seat is no longer free back to waiting (their place is kept)."""
    policy = rules.current_policy(site)
    start = slot_start_at(site, now, policy.slot_minutes)
    if start is None:
        return
    end = start + timedelta(minutes=policy.slot_minutes)
    for entry in db.session.scalars(select(QueueEntry).where(
            QueueEntry.site_id == site.id, QueueEntry.status == "offered")).all():
        seat = entry.offered_seat
        if seat is not None and seat.in_service and seat_free_for_walk_in(seat, start, end, now):
            continue
        entry.status, entry.offered_seat_id, entry.offered_until = "waiting", None, None
        record(None, "queue.withdraw", target=entry, site=site)
    db.session.flush()


def expire_offers(site, now: datetime) -> int:
    """Mark the site's offers that ran out as expired; return how many."""
    stale = db.session.scalars(select(QueueEntry).where(
        QueueEntry.site_id == site.id, QueueEntry.status == "offered",
        QueueEntry.offered_until <= now)).all()
    for entry in stale:
        entry.status, entry.ended_at = "expired", now
        record(None, "queue.expire", target=entry, site=site)
    db.session.flush()
    return len(stale)


def accept_offer(actor, entry: QueueEntry, now: datetime | None = None):
    """Book the offered seat from the running slot for as long as the policy and the seat allow.

    Returns the booking. Raises Conflict when there is no live offer.
    Must run before anything else is written in the transaction.
    """
    from telecentre.booking.services import create_booking
    from telecentre.sessions.seated import ensure_not_seated_elsewhere
    now = now or utcnow()
    if entry.status != "offered" or entry.offered_until is None or entry.offered_until <= now:
        raise Conflict(_("There is no seat on offer for you now. Stay in the queue; you will "
                         "be offered the next free one."), code="no_offer")
    # One computer per person: a resident already at a PC somewhere cannot take this one.
    ensure_not_seated_elsewhere(entry.resident,
                                for_staff=getattr(actor, "id", None) != entry.resident_id)
    from telecentre.sites.models import Site
    site = db.session.get(Site, entry.site_id)
    policy = rules.current_policy(site)
    slot_start = slot_start_at(site, now, policy.slot_minutes)
    if slot_start is None:
        raise rules.violation("opening_hours", _("The site is closed now."))
    slot_end = slot_start + timedelta(minutes=policy.slot_minutes)
    seat = entry.offered_seat
    if seat is None or not seat.in_service or not seat_free_for_walk_in(
            seat, slot_start, slot_end, now):
        # Taken since it was offered: another free PC if there is one (nothing is written
        # before the booking, which must come first in the transaction).
        seat = next(iter(free_seats_now(site, now, keep=entry.id)), None)
        if seat is None:
            raise Conflict(_("The computer offered to you has just been taken. You keep your "
                             "place in the queue; the next free computer is offered to you."),
                           code="offer_taken")
    start = walk_in_start(seat, slot_start, now, entry.resident)
    closes = next(c for o, c in opening_ranges(site, to_local(now).date()) if o <= now < c)
    end = min(slot_start + timedelta(minutes=policy.max_booking_minutes), closes)
    following = db.session.scalar(select(func.min(Booking.start)).where(
        Booking.seat_id == seat.id, Booking.status.in_(HOLDING_STATUSES), Booking.start > now))
    if following is not None:
        end = min(end, following)
    entry_id, resident = entry.id, entry.resident
    booking = create_booking(actor, resident, seat=seat, start=start, end=end, source="queue",
                             now=now, walk_in=True)
    entry = db.session.get(QueueEntry, entry_id)
    entry.status, entry.booking_id, entry.ended_at = "accepted", booking.id, now
    entry.offered_seat_id = seat.id
    record(actor, "queue.accept", target=entry, site=site, details={"booking": booking.id})
    db.session.flush()
    return booking


def entry_of(resident, site) -> QueueEntry:
    """Return the resident's active entry at ``site``; Conflict (409) when not in the queue."""
    entry = active_entry(site, resident)
    if entry is None:
        raise Conflict(_("You are not in the queue at this site."), code="not_queued")
    return entry


def entry_at_site(site, entry_id: int) -> QueueEntry:
    """Return queue entry ``entry_id`` of ``site`` (for the desk); NotFound otherwise."""
    entry = db.session.get(QueueEntry, entry_id)
    if entry is None or entry.site_id != site.id:
        raise NotFound(_("There is no such place in this site's queue."))
    return entry
