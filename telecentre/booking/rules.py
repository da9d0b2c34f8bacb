"""The booking rules of a site's policy, each refusal naming its rule.

``check_request`` holds the rules that depend only on the request (run
before the lock); ``check_resident`` and ``check_walk_in_share`` read other
bookings and must run inside the serialised transaction.
"""
import math
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from telecentre.booking.models import HOLDING_STATUSES, OPEN_STATUSES, Booking
from telecentre.booking.slots import is_on_grid, range_containing, slot_start_at
from telecentre.common.errors import Conflict, InvalidInput, PolicyViolation
from telecentre.common.time import local_day_bounds, local_today, to_local
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.models import SitePolicy


def violation(rule: str, message: str) -> PolicyViolation:
    """Return the 422 refusal for ``rule`` (the API shows it in ``details.rule``)."""
    return PolicyViolation(message, details={"rule": rule})


def current_policy(site) -> SitePolicy:
    """Return the site's policy, or an unsaved one with the defaults (writes nothing)."""
    if site.policy is not None:
        return site.policy
    defaults = {c.name: c.default.arg for c in SitePolicy.__table__.columns
                if c.default is not None and not callable(c.default.arg)}
    return SitePolicy(**defaults)


def _hm(moment: datetime) -> str:
    return to_local(moment).strftime("%H:%M")


def check_request(site, policy: SitePolicy, seat: Seat | None, start: datetime, end: datetime,
                  now: datetime, *, walk_in: bool = False) -> None:
    """Check the rules that need no other booking: seat, hours, grid, length, past, ahead."""
    if start >= end:
        raise InvalidInput(_("The end of a booking must come after its start."))
    if seat is not None:
        if not seat.in_service:
            raise violation("seat_out_of_service", _(
                "%(seat)s is out of service. Pick another computer.", seat=seat.name))
        if not walk_in and (seat.kind != "pc" or not seat.bookable):
            raise violation("seat_not_bookable", _(
                "%(seat)s cannot be booked: it is for walk-in use only. Pick another computer.",
                seat=seat.name))
    opening = range_containing(site, start, end)
    if opening is None:
        raise violation("opening_hours", _(
            "The site is not open for all of that time. Pick a time within its opening hours."))
    slot = policy.slot_minutes
    if not is_on_grid(opening[0], start, slot) or not is_on_grid(opening[0], end, slot):
        raise violation("slot_minutes", _(
            "Bookings start and end on the %(n)d-minute grid of this site (e.g. %(time)s).",
            n=slot, time=_hm(opening[0])))
    minutes = int((end - start).total_seconds() // 60)
    if minutes > policy.max_booking_minutes:
        raise violation("max_booking_minutes", _(
            "A booking here lasts at most %(n)d minutes.", n=policy.max_booking_minutes))
    running = slot_start_at(site, now, slot)
    if end <= now or (start < now and (running is None or start < running)):
        raise violation("past", _("That time has passed. Pick a time from now on."))
    last_day = local_today(now) + timedelta(days=policy.days_ahead)
    if to_local(start).date() > last_day:
        raise violation("days_ahead", _(
            "You can book at most %(n)d days ahead, until %(day)s.", n=policy.days_ahead,
            day=last_day.isoformat()))


def _holding_of(resident_id: int):
    return select(Booking).where(Booking.resident_id == resident_id,
                                 Booking.status.in_(HOLDING_STATUSES))


def check_resident(resident, policy: SitePolicy, start: datetime, end: datetime,
                   now: datetime) -> None:
    """Check the resident's own bookings: overlap (409), gap, open bookings, daily minutes."""
    own = db.session.scalars(_holding_of(resident.id).where(
        Booking.start < end, Booking.end > start).limit(1)).first()
    if own is not None:
        raise Conflict(_(
            "You already have a booking at that time (%(seat)s, %(start)s–%(end)s). "
            "Pick another time or cancel that booking first.", seat=own.seat.name,
            start=_hm(own.start), end=_hm(own.end)), code="overlapping_booking")
    gap = timedelta(minutes=policy.min_gap_minutes)
    if gap:
        near = db.session.scalars(_holding_of(resident.id).where(
            Booking.start < end + gap, Booking.end > start - gap).limit(1)).first()
        if near is not None:
            raise violation("min_gap_minutes", _(
                "Leave at least %(n)d minutes between your sessions; you have a booking "
                "%(start)s–%(end)s.", n=policy.min_gap_minutes, start=_hm(near.start),
                end=_hm(near.end)))
    open_count = db.session.scalar(select(func.count(Booking.id)).where(
        Booking.resident_id == resident.id, Booking.status.in_(OPEN_STATUSES),
        Booking.end > now))
    if open_count >= policy.max_open_bookings:
        raise violation("max_open_bookings", _(
            "You may hold at most %(n)d bookings at a time. Cancel one or wait until one is "
            "over.", n=policy.max_open_bookings))
    day_start, day_end = local_day_bounds(to_local(start).date())
    booked = db.session.scalars(_holding_of(resident.id).where(
        Booking.start >= day_start, Booking.start < day_end)).all()
    used = sum(int((b.end - b.start).total_seconds() // 60) for b in booked)
    wanted = int((end - start).total_seconds() // 60)
    if used + wanted > policy.daily_minutes:
        raise violation("daily_minutes", _(
            "You may book at most %(n)d minutes a day across all sites; %(left)d are left "
            "for that day.", n=policy.daily_minutes, left=max(0, policy.daily_minutes - used)))


def _minutes(start, end):
    """SQL: the whole minutes between two timestamps (PostgreSQL or SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.floor(func.extract("epoch", end - start) / 60)
    return func.round((func.julianday(end) - func.julianday(start)) * 1440)


def resident_within_policy(resident, policy: SitePolicy, start: datetime, end: datetime,
                           now: datetime) -> bool:
    """Every quota of ``check_resident`` in one statement: True when all of them pass.

    One aggregate over the resident's bookings (overlap or too near, open
    bookings, minutes booked that day). When it says False, ``check_resident``
    runs to name the rule that failed with its details.
    """
    gap = timedelta(minutes=policy.min_gap_minutes)
    day_start, day_end = local_day_bounds(to_local(start).date())
    holding = Booking.status.in_(HOLDING_STATUSES)
    near, open_now, minutes = db.session.execute(
        select(func.count(case((holding & (Booking.start < end + gap)
                                & (Booking.end > start - gap), 1))),
               func.count(case((Booking.status.in_(OPEN_STATUSES) & (Booking.end > now), 1))),
               func.coalesce(func.sum(case((holding & (Booking.start >= day_start)
                                            & (Booking.start < day_end),
                                            _minutes(Booking.start, Booking.end)))), 0))
        .where(Booking.resident_id == resident.id, holding)).one()
    wanted = int((end - start).total_seconds() // 60)
    return (not near and open_now < policy.max_open_bookings
            and int(minutes) + wanted <= policy.daily_minutes)


def bookable_cap(site_id: int, policy: SitePolicy) -> int | None:
    """Return how many seats may be booked at once, or None when no share is kept for walk-ins."""
    if not policy.walk_in_share_percent:
        return None
    seats = db.session.scalar(select(func.count(Seat.id)).where(
        Seat.site_id == site_id, Seat.kind == "pc", Seat.in_service))
    return seats - math.ceil(seats * policy.walk_in_share_percent / 100)


def peak_bookings(site_id: int, start: datetime, end: datetime) -> int:
    """Return the most holding bookings of the site running at one instant in ``[start, end)``."""
    rows = db.session.execute(select(Booking.start, Booking.end).where(
        Booking.site_id == site_id, Booking.status.in_(HOLDING_STATUSES),
        Booking.start < end, Booking.end > start)).all()
    points = {start} | {s for s, _e in rows if s > start}
    return max((sum(1 for s, e in rows if s <= p < e) for p in points), default=0)


def check_walk_in_share(site, policy: SitePolicy, start: datetime, end: datetime) -> None:
    """Refuse when booking would leave fewer seats than the walk-in share."""
    cap = bookable_cap(site.id, policy)
    if cap is not None and peak_bookings(site.id, start, end) >= cap:
        raise violation("walk_in_share_percent", _(
            "The remaining computers at that time are kept for walk-in visitors "
            "(%(n)d%%). Pick another time.", n=policy.walk_in_share_percent))
