"""Booking a seat, cancelling, checking in, and releasing no-shows.

Two guards make a double booking impossible: the check-and-insert runs in a
serialised transaction (``BEGIN IMMEDIATE`` on SQLite; on PostgreSQL the
resident's row is locked, so the resident's own overlap and daily quota are
atomic) and, on PostgreSQL, the exclusion constraint on ``[start, end)``
refuses a second holding booking of a seat even if two checks race.
"""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Integer, bindparam, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from telecentre.audit.services import record
from telecentre.auth.blocks import ensure_not_blocked
from telecentre.booking import rules
from telecentre.booking.codes import new_code, normalise_code
from telecentre.booking.models import HOLDING_STATUSES, LONGEST, Booking
from telecentre.common.db import run_core, serialized
from telecentre.common.errors import Conflict, Forbidden, InvalidInput, NotFound
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sessions.seated import ensure_not_seated_elsewhere

SOURCES = ("web", "api", "desk", "kiosk", "queue")


def seat_is_free(seat: Seat, start: datetime, end: datetime, now: datetime) -> bool:
    """Return True when no holding booking (nor, for a booking starting now, a session) uses it."""
    if _booked_over(seat, start, end):
        return False
    if start <= now:
        return not db.session.scalar(select(exists().where(
            UsageSession.seat_id == seat.id, UsageSession.ended_at.is_(None))))
    return True


def _booked_over(seat: Seat, start: datetime, end: datetime) -> bool:
    """Return True when a holding booking of ``seat`` overlaps ``[start, end)``."""
    return db.session.scalar(select(exists().where(
        Booking.seat_id == seat.id, Booking.status.in_(HOLDING_STATUSES),
        Booking.start < end, Booking.end > start, Booking.starts_after(start))))


_QUEUE = select(func.pg_advisory_xact_lock(bindparam("seat_id", type_=Integer),
                                           bindparam("minute", type_=Integer)))
_when = Booking.start.type
# Binds seat_id, resident_id, start, end and since (start - LONGEST: see booking.models).
HELD_BY_ANOTHER = exists().where(
    Booking.seat_id == bindparam("seat_id"), Booking.resident_id != bindparam("resident_id"),
    Booking.status.in_(HOLDING_STATUSES), Booking.start < bindparam("end", type_=_when),
    Booking.end > bindparam("start", type_=_when), Booking.start > bindparam("since", type_=_when))
_HELD_BY_ANOTHER = select(HELD_BY_ANOTHER)  # built once: the usual loser's one read


def queue_for(seat: Seat, start: datetime) -> None:
    """PostgreSQL: wait for the other requests for this seat and start that came first.

    A transaction-level advisory lock on (seat, start minute). Requests for
    the same seat and time then meet the winner's committed booking in
    ``held_by_another`` (one read, a 409) instead of all running every check
    in parallel and waiting on the winner at the insert. Only an
    optimisation: overlaps with other starts are still refused by the
    checks and the exclusion constraint. SQLite serialises writers anyway.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    run_core(db.session, _QUEUE, {"seat_id": seat.id,
                                  "minute": int(start.timestamp() // 60) % 2**31})


def held_by_another(seat: Seat, resident, start: datetime, end: datetime) -> bool:
    """Return True when another resident's holding booking of ``seat`` overlaps ``[start, end)``."""
    return bool(run_core(db.session, _HELD_BY_ANOTHER, {
        "seat_id": seat.id, "resident_id": resident.id, "start": start, "end": end,
        "since": start - LONGEST}).scalar())


def candidate_seats(site, accessible: bool = False) -> list[Seat]:
    """Return the bookable seats of ``site`` in the order "any free seat" tries them.

    Only accessible seats when asked; otherwise accessible seats come last, so
    that they stay free for the residents who need them. By name within that.
    """
    query = select(Seat).where(Seat.site_id == site.id, Seat.kind == "pc", Seat.bookable,
                               Seat.in_service).order_by(Seat.accessible, Seat.name)
    if accessible:
        query = query.where(Seat.accessible)
    return list(db.session.scalars(query))


def create_booking(actor, resident, *, start: datetime, end: datetime, seat: Seat | None = None,
                   site=None, accessible: bool = False, source: str = "web",
                   now: datetime | None = None, walk_in: bool = False,
                   checked: bool = False) -> Booking:
    """Book ``seat`` (or any free seat of ``site``) for ``resident`` over ``[start, end)``.

    Raises PolicyViolation (422, naming the rule), Conflict (409: seat taken,
    the resident already booked then) or InvalidInput. ``walk_in`` lets the
    queue give out seats kept for walk-ins. ``checked``: this transaction has
    already found no block on the resident, waited its turn for ``seat`` at
    ``start`` and found it not held by another (the booking API's first look,
    ``booking.context``; ``seat`` may then be its copy of the seat). Must be
    called before anything else is written in the transaction. Flushes and
    audits.
    """
    now = now or utcnow()
    # current_user is a proxy; the row lock needs the model instance behind it.
    resident = getattr(resident, "_get_current_object", lambda: resident)()
    if resident is None or resident.role != "resident" or not resident.active:
        raise Forbidden(_("Only residents' accounts can hold bookings."))
    if not checked:
        ensure_not_blocked(resident, for_staff=getattr(actor, "is_staff", False), now=now)
    if source not in SOURCES:
        raise InvalidInput(_("Unknown booking source %(source)s.", source=source))
    if seat is None and site is None:
        raise InvalidInput(_("Choose a computer or a site."))
    site = seat.site if seat is not None else site
    policy = rules.current_policy(site)
    if accessible and seat is not None and not seat.accessible:
        raise rules.violation("accessible", _("%(seat)s is not an accessible seat.",
                                              seat=seat.name))
    rules.check_request(site, policy, seat, start, end, now, walk_in=walk_in)
    candidates = [seat] if seat is not None else candidate_seats(site, accessible)
    if not candidates:
        raise rules.violation("no_seat", _("This site has no accessible computer that can be "
                                           "booked.") if accessible else
                              _("This site has no computer that can be booked."))
    if seat is not None and not checked:
        queue_for(seat, start)
    if seat is not None and not checked and held_by_another(seat, resident, start, end):
        # Under contention most requests lose this way: answered by one read, before the
        # lock and the quota checks (the resident's own booking there goes on to them, to be
        # named as such). The check inside the lock and the constraint still decide.
        raise rules.seat_taken(seat, start)
    locks = [resident] + ([site] if policy.walk_in_share_percent else [])
    serialized(db.session, *locks)
    if not rules.resident_within_policy(resident, policy, start, end, now):
        # names the rule broken (a walk-in keeps no gap after a booking that has ended)
        rules.check_resident(resident, policy, start, end, now, walk_in=walk_in)
    rules.check_walk_in_share(site, policy, start, end)
    for candidate in candidates:
        if not seat_is_free(candidate, start, end, now):
            continue
        booking = _insert(actor, resident, candidate, start, end, source)
        if booking is not None:
            return booking
    # The refusal names the seat and time, or says that every seat is taken (rules.py).
    raise rules.seat_taken(seat, start) if seat is not None else rules.no_free_seat()


def _insert(actor, resident, seat: Seat, start, end, source) -> Booking | None:
    """Insert the booking; None when the exclusion constraint refuses it (the seat is taken).

    PostgreSQL: one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (the ORM's
    bulk insert, which gives back the loaded booking). A conflict, with the
    exclusion constraint or with another open booking's code at the site,
    inserts nothing and raises nothing, so the transaction needs no savepoint
    (two round trips) and no unit of work; the seat is looked at again to
    tell the two apart. On SQLite, which has no exclusion constraint (the
    write lock keeps the checks and the insert together), the insert runs in
    a savepoint whose code clash is caught.
    """
    postgres = db.session.get_bind().dialect.name == "postgresql"
    for _attempt in range(8):
        values = dict(site_id=seat.site_id, seat_id=seat.id, resident_id=resident.id,
                      start=start, end=end, status="booked", code=new_code(), source=source,
                      created_by_id=getattr(actor, "id", None))
        if postgres:
            booking = db.session.scalars(
                pg_insert(Booking).values(created_at=utcnow(), **Booking.checked_span(values))
                .on_conflict_do_nothing().returning(Booking)).first()
            if booking is None:
                if _booked_over(seat, start, end):
                    return None
                continue  # the code clashed with another open booking's: draw again
        else:
            booking = Booking(**values)
            try:
                with db.session.begin_nested():
                    db.session.add(booking)
                    db.session.flush()
            except IntegrityError as exc:
                kind = integrity_kind(exc)
                if kind == "overlap":
                    return None
                if kind == "code":
                    continue  # a code clash among the site's open bookings: draw again
                raise
        _audit_new(actor, resident, seat, booking, source)
        return booking
    raise Conflict(_("Could not find a free booking code. Please try again."), code="code")


def _audit_new(actor, resident, seat: Seat, booking: Booking, source: str) -> None:
    record(actor, "booking.create", target=booking, site=seat.site_id,
           details={"seat": seat.name, "start": booking.start.isoformat(),
                    "end": booking.end.isoformat(), "resident": resident.login,
                    "source": source})


def integrity_kind(exc: IntegrityError) -> str:
    """Classify an integrity error: ``overlap`` (exclusion, 23P01), ``code`` (clash), ``other``."""
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    text = str(orig)
    if state == "23P01" or "ex_bookings_no_overlap" in text:
        return "overlap"
    if "uq_bookings_open_code" in text or "bookings.site_id, bookings.code" in text:
        return "code"
    return "other"


def cancel_booking(actor, booking: Booking, now: datetime | None = None) -> Booking:
    """Cancel a booking that has not begun to be used; offer the seat to the queue. Flushes."""
    now = now or utcnow()
    if booking.status != "booked":
        raise Conflict(_("This booking cannot be cancelled any more (it is %(status)s).",
                         status=status_label(booking.status)), code="not_cancellable")
    if booking.end <= now:
        raise Conflict(_("This booking is already over."), code="not_cancellable")
    booking.status = "cancelled"
    booking.cancelled_at = now
    record(actor, "booking.cancel", target=booking, site=booking.site_id,
           details={"code": booking.code})
    db.session.flush()
    from telecentre.booking.queue import offer_free_seats
    offer_free_seats(booking.seat.site, now)
    return booking


def check_in(actor, booking: Booking, now: datetime | None = None) -> Booking:
    """Mark the resident as arrived (from one slot before the start until the end). Flushes."""
    now = now or utcnow()
    if booking.status != "booked":
        raise Conflict(_("This booking cannot be checked in (it is %(status)s).",
                         status=status_label(booking.status)), code="not_checkable")
    ensure_not_blocked(booking.resident, for_staff=getattr(actor, "is_staff", False), now=now)
    ensure_not_seated_elsewhere(booking.resident, seat=booking.seat,
                                for_staff=getattr(actor, "is_staff", False))
    slot = rules.current_policy(booking.seat.site).slot_minutes
    if now < booking.start - timedelta(minutes=slot) or now >= booking.end:
        raise Conflict(ngettext("Check-in is open from %(num)d minute before the start until "
                                "the end.", "Check-in is open from %(num)d minutes before the "
                                "start until the end.", slot), code="not_checkable")
    booking.status = "checked_in"
    booking.checked_in_at = now
    record(actor, "booking.check_in", target=booking, site=booking.site_id)
    db.session.flush()
    return booking


def find_by_code(site, text: str) -> Booking:
    """Return the open booking of ``site`` with the code typed as ``text``; NotFound otherwise."""
    code = normalise_code(text)
    booking = None
    if code is not None:
        booking = db.session.scalar(select(Booking).where(
            Booking.site_id == site.id, Booking.code == code,
            Booking.status.in_(("booked", "checked_in"))))
    if booking is None:
        raise NotFound(_("No open booking at this site has that code."))
    return booking


def release_no_shows(now: datetime | None = None) -> int:
    """Release bookings whose resident did not arrive within the site's grace; return how many.

    Also marks checked-in bookings that are over as completed, and offers the
    freed seats to the walk-in queue. Flushes.
    """
    now = now or utcnow()
    from telecentre.booking.queue import offer_free_seats
    late = db.session.scalars(select(Booking).where(
        Booking.status == "booked", Booking.start <= now).order_by(Booking.start)).all()
    sites = {}
    released = 0
    # A session opened on the seat for this booking means the resident came, even
    # if nothing marked the booking as checked in.
    attended = set(db.session.scalars(select(UsageSession.booking_id).where(
        UsageSession.booking_id.in_([b.id for b in late]))))
    for booking in late:
        grace = rules.current_policy(booking.seat.site).no_show_grace_minutes
        if booking.id in attended:
            booking.status = "checked_in"
            booking.checked_in_at = booking.checked_in_at or now
            continue
        if booking.start + timedelta(minutes=grace) > now:
            continue
        booking.status = "released"
        booking.cancelled_at = now
        record(None, "booking.release", target=booking, site=booking.site_id,
               details={"code": booking.code, "grace_minutes": grace})
        sites[booking.site_id] = booking.seat.site
        released += 1
    for booking in db.session.scalars(select(Booking).where(
            Booking.status == "checked_in", Booking.end <= now)):
        booking.status = "completed"
    db.session.flush()
    for site in sites.values():
        offer_free_seats(site, now)
    return released


def bookings_of(resident, *, upcoming: bool = True, now: datetime | None = None,
                limit: int = 100) -> list[Booking]:
    """Return the resident's upcoming and running bookings, or the past ones newest first."""
    now = now or utcnow()
    query = select(Booking).where(Booking.resident_id == resident.id)
    if upcoming:
        query = query.where(Booking.end > now, Booking.status.in_(("booked", "checked_in")))
        query = query.order_by(Booking.start)
    else:
        query = query.where((Booking.end <= now) | Booking.status.in_(
            ("cancelled", "released", "completed"))).order_by(Booking.start.desc())
    return list(db.session.scalars(query.limit(limit)))


def booking_of(resident, booking_id: int) -> Booking:
    """Return the resident's booking ``booking_id``; NotFound for anyone else's."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.resident_id != resident.id:
        raise NotFound(_("You have no booking with this number."))
    return booking


_STATUS_LABELS = {  # one gettext per call, not five: the console lists hundreds of bookings
    "booked": lambda: _("booked"), "checked_in": lambda: _("checked in"),
    "completed": lambda: _("completed"), "cancelled": lambda: _("cancelled"),
    "released": lambda: _("released (no-show)")}


def status_label(status: str) -> str:
    """Return the translated name of a booking status."""
    label = _STATUS_LABELS.get(status)
    return label() if label is not None else status
