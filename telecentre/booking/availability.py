"""Availability: which seats of a site are free in each slot of a day."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from telecentre.booking import rules
from telecentre.booking.models import HOLDING_STATUSES, Booking
from telecentre.booking.services import candidate_seats
from telecentre.booking.slots import day_slots, slot_start_at
from telecentre.common.time import local_day_bounds, local_today, to_local, utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.services import public_holiday


@dataclass
class Slot:
    """One slot of the grid and the seats that can be booked from it."""

    start: datetime
    end: datetime
    free: list[int] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)  # held by a booking or in use now
    bookable: bool = True  # False for past slots and days beyond the booking window
    kept_for_walk_ins: bool = False

    @property
    def local_start(self) -> datetime:
        """Return the start in Europe/Warsaw."""
        return to_local(self.start)


@dataclass
class DayAvailability:
    """The grid of a site's day: the seats considered and every slot."""

    day: date
    slot_minutes: int
    max_booking_minutes: int
    seats: list[Seat]
    slots: list[Slot]
    holiday: str | None


def day_availability(site, day: date, *, accessible: bool = False, seat_id: int | None = None,
                     now: datetime | None = None) -> DayAvailability:
    """Return the free seats of ``site`` in each slot of the local ``day``.

    A slot is free for a seat when no holding booking overlaps it (and, for
    the slot running now, nobody sits there). Past slots, days beyond the
    booking window and slots where only the walk-in share is left offer no seat.
    """
    now = now or utcnow()
    policy = rules.current_policy(site)
    seats = [s for s in candidate_seats(site, accessible) if seat_id is None or s.id == seat_id]
    grid = day_slots(site, day, policy.slot_minutes)
    slots = [Slot(start, end) for start, end in grid]
    if not slots:
        return DayAvailability(day, policy.slot_minutes, policy.max_booking_minutes, seats, [],
                               public_holiday(day))
    first, last = slots[0].start, slots[-1].end
    site_bookings = db.session.execute(select(Booking.seat_id, Booking.start, Booking.end).where(
        Booking.site_id == site.id, Booking.status.in_(HOLDING_STATUSES),
        Booking.start < last, Booking.end > first, Booking.starts_after(first))).all()
    busy_now = set(db.session.scalars(select(UsageSession.seat_id).where(
        UsageSession.site_id == site.id, UsageSession.ended_at.is_(None))))
    cap = rules.bookable_cap(site.id, policy)
    running = slot_start_at(site, now, policy.slot_minutes)
    too_far = day > local_today(now) + timedelta(days=policy.days_ahead)
    for slot in slots:
        slot.bookable = not too_far and slot.end > now and (
            slot.start >= now or (running is not None and slot.start >= running))
        if not slot.bookable:
            continue
        taken = {sid for sid, s, e in site_bookings if s < slot.end and e > slot.start}
        if slot.start <= now:
            taken |= busy_now
        slot.taken = taken
        if cap is not None and sum(1 for _sid, s, e in site_bookings
                                   if s < slot.end and e > slot.start) >= cap:
            slot.kept_for_walk_ins = True
            continue
        slot.free = [s.id for s in seats if s.id not in taken]
    return DayAvailability(day, policy.slot_minutes, policy.max_booking_minutes, seats, slots,
                           None)


def longest_from(avail: DayAvailability, start: datetime, seat_id: int | None) -> int:
    """Return how many minutes can be booked from ``start`` (on ``seat_id`` or on any one seat)."""
    index = next((i for i, s in enumerate(avail.slots) if s.start == start), None)
    if index is None:
        return 0
    best = 0
    seat_ids = [seat_id] if seat_id else [s.id for s in avail.seats]
    for sid in seat_ids:
        minutes, previous_end = 0, start
        for slot in avail.slots[index:]:
            if slot.start != previous_end or sid not in slot.free:
                break
            minutes += avail.slot_minutes
            previous_end = slot.end
            if minutes >= avail.max_booking_minutes:
                break
        best = max(best, minutes)
    return best


# ------------------------------------------------------------------ the resident's grid

CELL_STATES = ("free", "booked", "yours", "closed", "past")


@dataclass
class Cell:
    """One seat in one slot, as the resident sees it; ``booking_id`` for the resident's own."""

    seat: Seat
    state: str
    booking_id: int | None = None


@dataclass
class GridRow:
    """One slot of the grid: the slot and a cell per seat column."""

    slot: Slot
    cells: list[Cell]

    @property
    def free_count(self) -> int:
        """Return how many seats of the row can be booked."""
        return sum(1 for c in self.cells if c.state == "free")


def grid_columns(avail: DayAvailability) -> list[Seat]:
    """Return the grid's seat columns: by name, as the room labels them."""
    return sorted(avail.seats, key=lambda s: s.name)


def seat_grid(avail: DayAvailability, site, resident=None, *,
              now: datetime | None = None) -> list[GridRow]:
    """Return the seat × slot grid of ``avail`` with each cell's state for ``resident``.

    ``yours`` is the resident's own booking; ``past`` a slot that is over;
    ``closed`` a slot beyond the booking window or kept for walk-ins; ``booked``
    taken by someone else (or in use now); ``free`` bookable from that slot.
    """
    now = now or utcnow()
    if not avail.slots:
        return []
    first, last = avail.slots[0].start, avail.slots[-1].end
    own = []
    if resident is not None and getattr(resident, "is_authenticated", False):
        own = db.session.execute(select(Booking.id, Booking.seat_id, Booking.start, Booking.end)
                                 .where(Booking.resident_id == resident.id,
                                        Booking.site_id == site.id,
                                        Booking.status.in_(HOLDING_STATUSES),
                                        Booking.start < last, Booking.end > first,
                                        Booking.starts_after(first))).all()
    rows = []
    for slot in avail.slots:
        cells = []
        for seat in grid_columns(avail):
            mine = next((bid for bid, sid, s, e in own
                         if sid == seat.id and s < slot.end and e > slot.start), None)
            if mine is not None:
                cells.append(Cell(seat, "yours", mine))
            elif slot.end <= now or (not slot.bookable and slot.start < now):
                cells.append(Cell(seat, "past"))
            elif not slot.bookable or (slot.kept_for_walk_ins and seat.id not in slot.taken):
                cells.append(Cell(seat, "closed"))
            elif seat.id in slot.free:
                cells.append(Cell(seat, "free"))
            else:
                cells.append(Cell(seat, "booked"))
        rows.append(GridRow(slot, cells))
    return rows


def bookings_elsewhere(resident, site, day: date) -> list[Booking]:
    """Return the resident's holding bookings at other sites on the local ``day`` (they bar
    the same hours here, and the minimum gap around them)."""
    if resident is None or not getattr(resident, "is_authenticated", False):
        return []
    start, end = local_day_bounds(day)
    return list(db.session.scalars(select(Booking).where(
        Booking.resident_id == resident.id, Booking.site_id != site.id,
        Booking.status.in_(HOLDING_STATUSES), Booking.start < end, Booking.end > start,
        Booking.starts_after(start))
        .order_by(Booking.start)))


def opening_day(site, now: datetime | None = None, *, horizon: int = 31) -> date:
    """Return the first local day from today on with a slot not yet over (holidays and dated
    exceptions respected); today when none opens within ``horizon`` days."""
    now = now or utcnow()
    today = local_today(now)
    slot = rules.current_policy(site).slot_minutes
    for offset in range(horizon + 1):
        day = today + timedelta(days=offset)
        if any(end > now for _start, end in day_slots(site, day, slot)):
            return day
    return today


def refusal(resident, site, seat: Seat | None, start: datetime, end: datetime, *,
            accessible: bool = False, now: datetime | None = None):
    """Return the DomainError a booking of ``[start, end)`` would meet, or None; writes nothing.

    The same rules as ``create_booking``, in the same order, read without the
    lock, so the booking page can say why a cell cannot be booked.
    """
    from telecentre.booking.services import seat_is_free
    from telecentre.common.errors import DomainError
    now = now or utcnow()
    policy = rules.current_policy(site)
    try:
        rules.check_request(site, policy, seat, start, end, now)
        rules.check_resident(resident, policy, start, end, now)
        rules.check_walk_in_share(site, policy, start, end)
    except DomainError as exc:
        return exc
    candidates = [seat] if seat is not None else candidate_seats(site, accessible)
    if any(seat_is_free(c, start, end, now) for c in candidates):
        return None
    return rules.seat_taken(seat, start) if seat is not None else rules.no_free_seat()
