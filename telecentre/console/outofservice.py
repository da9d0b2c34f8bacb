"""Taking a seat out of service and back: its bookings move to a free seat or are cancelled,
and the residents are told.

A booking is moved only to a seat that is free for its whole range (the
booking feature's ``seat_is_free``); on PostgreSQL the exclusion constraint
still guards the move, which runs in a savepoint so a lost race tries the next
seat. Accessible seats are tried first for a booking of an accessible seat.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from telecentre.audit.services import record
from telecentre.booking.models import OPEN_STATUSES, Booking
from telecentre.booking.queue import offer_free_seats
from telecentre.booking.services import cancel_booking, candidate_seats, integrity_kind, \
    seat_is_free
from telecentre.common.db import serialized
from telecentre.common.errors import Conflict, InvalidInput
from telecentre.common.time import to_local, utcnow
from telecentre.console import notices
from telecentre.console.actions import running_session
from telecentre.extensions import db
from telecentre.seats.models import Seat


@dataclass
class Outcome:
    """What happened to the bookings of a seat taken out of service."""

    moved: list[tuple[Booking, Seat]] = field(default_factory=list)  # booking, from seat
    cancelled: list[Booking] = field(default_factory=list)


def take_out_of_service(actor, seat: Seat, reason: str, now: datetime | None = None) -> Outcome:
    """Mark ``seat`` out of service with ``reason``; move or cancel its open bookings.

    Refused (Conflict) while a session runs there: end it first. Flushes and audits.
    """
    now = now or utcnow()
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 300:
        raise InvalidInput(_("Say why the computer is out of service (3 to 300 characters)."))
    if not seat.in_service:
        raise Conflict(_("%(seat)s is already out of service.", seat=seat.name))
    if running_session(seat) is not None:
        raise Conflict(_("Someone is using %(seat)s: end the session first.", seat=seat.name),
                       code="seat_busy")
    serialized(db.session, seat)
    seat.in_service, seat.out_of_service_reason = False, reason
    db.session.flush()
    outcome = Outcome()
    bookings = db.session.scalars(select(Booking).where(
        Booking.seat_id == seat.id, Booking.status.in_(OPEN_STATUSES), Booking.end > now)
        .order_by(Booking.start)).all()
    for booking in bookings:
        target = _move(actor, booking, seat, now)
        if target is not None:
            outcome.moved.append((booking, seat))
            _tell(booking, _("Your booking on %(day)s at %(time)s has moved from %(old)s to "
                             "%(new)s at %(site)s: %(old)s is out of service.",
                             **_when(booking), old=seat.name, new=target.name,
                             site=seat.site.name))
        else:
            _cancel(actor, booking, now)
            outcome.cancelled.append(booking)
            _tell(booking, _("Your booking on %(day)s at %(time)s at %(site)s is cancelled: "
                             "%(seat)s is out of service and no other computer is free then. "
                             "We are sorry.", **_when(booking), seat=seat.name,
                             site=seat.site.name))
    record(actor, "seat.out_of_service", target=seat, site=seat.site_id,
           details={"seat": seat.name, "reason": reason, "moved": len(outcome.moved),
                    "cancelled": len(outcome.cancelled)})
    return outcome


def back_in_service(actor, seat: Seat, now: datetime | None = None) -> None:
    """Put ``seat`` back in service and offer it to the walk-in queue. Flushes and audits."""
    if seat.in_service:
        raise Conflict(_("%(seat)s is already in service.", seat=seat.name))
    seat.in_service, seat.out_of_service_reason = True, ""
    db.session.flush()
    record(actor, "seat.in_service", target=seat, site=seat.site_id, details={"seat": seat.name})
    offer_free_seats(seat.site, now or utcnow())


def _move(actor, booking: Booking, old: Seat, now: datetime) -> Seat | None:
    """Move ``booking`` to a free seat of the site; return it, or None when none is free."""
    seats = [s for s in candidate_seats(old.site) if s.id != old.id]
    seats.sort(key=lambda s: s.accessible != old.accessible)  # like for like first
    for seat in seats:
        if not seat_is_free(seat, booking.start, booking.end, now):
            continue
        try:
            with db.session.begin_nested():
                booking.seat_id = seat.id
                db.session.flush()
        except IntegrityError as exc:
            if integrity_kind(exc) != "overlap":
                raise
            continue  # taken in the meantime (PostgreSQL): try the next seat
        record(actor, "booking.move", target=booking, site=booking.site_id,
               details={"from": old.name, "to": seat.name, "reason": "out_of_service"})
        return seat
    return None


def _cancel(actor, booking: Booking, now: datetime) -> None:
    if booking.status == "booked":
        cancel_booking(actor, booking, now)
        return
    # Checked in but nobody sits there (no session runs): nothing left to keep.
    booking.status, booking.cancelled_at = "cancelled", now
    record(actor, "booking.cancel", target=booking, site=booking.site_id,
           details={"code": booking.code, "reason": "out_of_service"})
    db.session.flush()


def _when(booking: Booking) -> dict:
    start = to_local(booking.start)
    return {"day": start.strftime("%d.%m.%Y"), "time": start.strftime("%H:%M")}


def _tell(booking: Booking, text: str) -> None:
    notices.tell(booking.resident, text, site=booking.site_id, booking=booking)
