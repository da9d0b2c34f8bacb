"""The booking rules of a site's policy, each refusal naming its rule.

``check_request`` holds the rules that depend only on the request (run
before the lock); ``check_resident`` and ``check_walk_in_share`` read other
bookings and must run inside the serialised transaction.
"""
import math
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, select

from telecentre.booking.models import HOLDING_STATUSES, LONGEST, OPEN_STATUSES, Booking
from telecentre.booking.slots import is_on_grid, range_containing, slot_start_at
from telecentre.common.db import run_core
from telecentre.common.errors import Conflict, InvalidInput, PolicyViolation
from telecentre.common.time import local_day_bounds, local_today, to_local
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.models import SitePolicy


def violation(rule: str, message: str, details: dict | None = None) -> PolicyViolation:
    """Return the 422 refusal for ``rule`` (the API shows it in ``details.rule``)."""
    return PolicyViolation(message, details={"rule": rule, **(details or {})})


def current_policy(site) -> SitePolicy:
    """Return the site's policy, or an unsaved one with the defaults (writes nothing)."""
    if site.policy is not None:
        return site.policy
    defaults = {c.name: c.default.arg for c in SitePolicy.__table__.columns
                if c.default is not None and not callable(c.default.arg)}
    return SitePolicy(**defaults)


def _hm(moment: datetime) -> str:
    return to_local(moment).strftime("%H:%M")


def _hours_of(site, day) -> str:
    from telecentre.sites.services import format_minute, intervals_on
    return ", ".join(f"{format_minute(o)}–{format_minute(c)}" for o, c in intervals_on(site, day))


def closed_reason(site, day) -> str | None:
    """Return why ``site`` is closed all of the local ``day`` (translated), or None if it opens."""
    from telecentre.sites.services import intervals_on, public_holiday
    if intervals_on(site, day):
        return None
    note = next((e.note for e in site.exceptions if e.day == day and e.note), None)
    holiday = public_holiday(day)
    if note:
        return _("%(site)s is closed on %(day)s (%(reason)s).", site=site.name,
                 day=day.isoformat(), reason=note)
    if holiday:
        return _("%(site)s is closed on %(day)s: public holiday (%(reason)s).", site=site.name,
                 day=day.isoformat(), reason=holiday)
    return _("%(site)s does not open on %(day)s.", site=site.name, day=day.isoformat())


def check_request(site, policy: SitePolicy, seat: Seat | None, start: datetime, end: datetime,
                  now: datetime, *, walk_in: bool = False) -> None:
    """Check the rules that need no other booking: seat, past, ahead, hours, grid, length.

    The order puts the refusal a resident understands first: a time that has
    passed is ``past`` even if the site was closed then.
    """
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
    slot = policy.slot_minutes
    running = slot_start_at(site, now, slot)
    if end <= now or (start < now and (running is None or start < running)):
        raise violation("past", _("%(time)s has passed. Pick a time from now on.",
                                  time=f"{to_local(start).date().isoformat()} {_hm(start)}"))
    last_day = local_today(now) + timedelta(days=policy.days_ahead)
    if to_local(start).date() > last_day:
        raise violation("days_ahead", _(
            "You can book at most %(n)d days ahead, until %(day)s.", n=policy.days_ahead,
            day=last_day.isoformat()))
    day = to_local(start).date()
    reason = closed_reason(site, day)
    if reason is not None:
        raise violation("closed", reason + " " + _("Pick another day."))
    opening = range_containing(site, start, end)
    if opening is None:
        raise violation("opening_hours", _(
            "The site is not open for all of that time; on %(day)s it is open %(hours)s. "
            "Pick a time within its opening hours.", day=day.isoformat(),
            hours=_hours_of(site, day)))
    # A walk-in from the queue may start inside the running slot, where a booking that
    # was ended early gave the seat back (see Booking.release_rest).
    joins_running = walk_in and running is not None and running <= start <= now
    if (not (is_on_grid(opening[0], start, slot) or joins_running)
            or not is_on_grid(opening[0], end, slot)):
        raise violation("slot_minutes", _(
            "Bookings start and end on the %(n)d-minute grid of this site (e.g. %(time)s).",
            n=slot, time=_hm(opening[0])))
    minutes = int((end - start).total_seconds() // 60)
    if minutes > policy.max_booking_minutes:
        raise violation("max_booking_minutes", _(
            "A booking here lasts at most %(n)d minutes.", n=policy.max_booking_minutes))


def seat_taken(seat: Seat, start: datetime) -> Conflict:
    """Return the 409 refusal for a seat someone else holds at ``start``."""
    return Conflict(_("%(seat)s is already booked at %(time)s. Pick another computer or "
                      "another time.", seat=seat.name, time=_hm(start)), code="seat_taken",
                    details={"seat": seat.name, "start": to_local(start).isoformat()})


def no_free_seat() -> Conflict:
    """Return the 409 refusal when every seat of the site is held then."""
    return Conflict(_("Every computer is booked at that time. Pick another time or join the "
                      "walk-in queue."), code="no_free_seat")


def _where(booking: Booking) -> dict:
    """Return the names that place ``booking``: site, seat, day and times (local)."""
    return {"site": booking.seat.site.name, "seat": booking.seat.name,
            "day": to_local(booking.start).date().isoformat(), "start": _hm(booking.start),
            "end": _hm(booking.end)}


def _booking_details(booking: Booking) -> dict:
    return {"booking_id": booking.id, "site": booking.seat.site.slug, "seat": booking.seat.name,
            "start": to_local(booking.start).isoformat(), "end": to_local(booking.end).isoformat()}


def _holding_of(resident_id: int):
    return select(Booking).where(Booking.resident_id == resident_id,
                                 Booking.status.in_(HOLDING_STATUSES))


def check_resident(resident, policy: SitePolicy, start: datetime, end: datetime,
                   now: datetime, *, walk_in: bool = False) -> None:
    """Check the resident's own bookings: overlap (409), gap, open bookings, daily minutes.

    For a ``walk_in`` (a seat from the queue, now) the gap is not kept after a booking
    that has already ended: the resident waited in line for this seat.
    """
    own = db.session.scalars(_holding_of(resident.id).where(
        Booking.start < end, Booking.end > start, Booking.starts_after(start)
    ).order_by(Booking.start).limit(1)).first()
    if own is not None:
        raise Conflict(_(
            "You already have a booking at that time: %(site)s, %(seat)s, %(day)s "
            "%(start)s–%(end)s. Pick another time or cancel that booking first.",
            **_where(own)), code="overlapping_booking", details=_booking_details(own))
    # A walk-in from the queue keeps no gap after a booking that has already ended.
    check_gap(resident, policy, start, end, ended_before=now if walk_in else None)
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


def check_gap(resident, policy: SitePolicy, start: datetime, end: datetime, *,
              ended_before: datetime | None = None) -> None:
    """Refuse a booking closer to another of the resident's bookings, at any site, than the
    minimum gap; the gap is the larger of the two sites' policies. Bookings that ended
    before ``ended_before`` (a walk-in from the queue: now) keep no gap."""
    widest = max(policy.min_gap_minutes,
                 db.session.scalar(select(func.max(SitePolicy.min_gap_minutes))) or 0)
    if not widest:
        return
    reach = timedelta(minutes=widest)
    query = _holding_of(resident.id).where(Booking.start < end + reach,
                                           Booking.end > start - reach,
                                           Booking.starts_after(start - reach))
    if ended_before is not None:
        query = query.where(Booking.end > ended_before)
    near = db.session.scalars(query.order_by(Booking.start)).all()
    for other in near:
        need = max(policy.min_gap_minutes, current_policy(other.seat.site).min_gap_minutes)
        gap = timedelta(minutes=need)
        if other.start < end + gap and other.end > start - gap:
            raise violation("min_gap_minutes", _(
                "Leave at least %(n)d minutes between your sessions; you have a booking at "
                "%(site)s, %(seat)s, %(day)s %(start)s–%(end)s.", n=need, **_where(other)),
                details=_booking_details(other))


def minutes_allowed(resident, policy: SitePolicy, start: datetime) -> int:
    """Return the most minutes the resident may book from ``start``: what is left of the day's
    quota, and the time until their next booking (less the minimum gap), at any site."""
    day_start, day_end = local_day_bounds(to_local(start).date())
    booked = db.session.execute(select(Booking.start, Booking.end).where(
        Booking.resident_id == resident.id, Booking.status.in_(HOLDING_STATUSES),
        Booking.start >= day_start, Booking.start < day_end)).all()
    used = sum(int((e - s).total_seconds() // 60) for s, e in booked)
    allowed = min(policy.max_booking_minutes, max(0, policy.daily_minutes - used))
    following = db.session.scalar(select(func.min(Booking.start)).where(
        Booking.resident_id == resident.id, Booking.status.in_(HOLDING_STATUSES),
        Booking.start >= start))
    if following is not None:
        until = int((following - start).total_seconds() // 60) - policy.min_gap_minutes
        allowed = min(allowed, max(0, until))
    return allowed


def _minutes(start, end, dialect: str):
    """SQL: the whole minutes between two timestamps (PostgreSQL or SQLite)."""
    if dialect == "postgresql":
        return func.floor(func.extract("epoch", end - start) / 60)
    return func.round((func.julianday(end) - func.julianday(start)) * 1440)


def _within_statement(dialect: str):
    """The aggregate of ``resident_within_policy``, built once per dialect (binds only)."""
    when = Booking.start.type
    start, end = bindparam("start", type_=when), bindparam("end", type_=when)
    now = bindparam("now", type_=when)
    day_start, day_end = bindparam("day_start", type_=when), bindparam("day_end", type_=when)
    holding = Booking.status.in_(HOLDING_STATUSES)
    return select(
        func.count(case((holding & (Booking.start < end) & (Booking.end > start), 1))),
        # the nearest holding booking on each side, for the gap (weighed in Python)
        func.max(case((holding & (Booking.end <= start), Booking.end))).label("before"),
        func.min(case((holding & (Booking.start >= end), Booking.start))).label("after"),
        func.count(case((Booking.status.in_(OPEN_STATUSES) & (Booking.end > now), 1))),
        func.coalesce(func.sum(case((holding & (Booking.start >= day_start)
                                     & (Booking.start < day_end),
                                     _minutes(Booking.start, Booking.end, dialect)))), 0),
        # The widest gap of any site: conservative, so a booking near one at a site with a
        # larger gap goes to the exact check (check_gap), which weighs the two sites' gaps.
        select(func.max(SitePolicy.min_gap_minutes)).scalar_subquery(),
    ).where(Booking.resident_id == bindparam("resident_id"), holding,
            # bounds the index scan; every count above needs a later start (see below)
            Booking.start > bindparam("since", type_=when))


_WITHIN: dict = {}


def resident_within_policy(resident, policy: SitePolicy, start: datetime, end: datetime,
                           now: datetime) -> bool:
    """Every quota of ``check_resident`` in one statement: True when all of them pass.

    One aggregate over the resident's bookings (overlap, the nearest one on
    each side for the gap, open bookings, minutes booked that day). When it
    says False, ``check_resident`` runs to name the rule that failed with its
    details.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect not in _WITHIN:
        _WITHIN[dialect] = _within_statement(dialect)
    day_start, day_end = local_day_bounds(to_local(start).date())
    # A booking counts only if it ends after now (open), starts that day, or comes within the
    # widest gap a policy allows of [start, end): none of those starts before ``since``.
    from telecentre.booking.policies import EDITABLE
    since = min(now, day_start, start) - timedelta(minutes=EDITABLE["min_gap_minutes"][1]) \
        - LONGEST
    overlap, before, after, open_now, minutes, widest = run_core(db.session, _WITHIN[dialect], {
        "resident_id": resident.id, "start": start, "end": end, "now": now, "since": since,
        "day_start": day_start, "day_end": day_end}).one()
    # A booking is too near when it overlaps [start - gap, end + gap): the latest that
    # ends by the start and the earliest that starts at the end or after are the nearest.
    gap = timedelta(minutes=max(policy.min_gap_minutes, widest or 0))
    near = overlap or (before is not None and before > start - gap) or (
        after is not None and after < end + gap)
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
