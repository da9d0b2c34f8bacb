"""Starting usage sessions on a seat and keeping them true to what the agents report.

The minutes granted are the least of: the booking's end, the policy's session
length, the resident's minutes left today, the minutes to the seat's next
booking and the minutes to closing; ``limited_by`` says which one applied.
Kiosk sessions get the kiosk limit. Services flush; the caller commits.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from telecentre.auth.models import User
from telecentre.auth.passwords import verify_secret
from telecentre.booking.models import OPEN_STATUSES, Booking
from telecentre.common.errors import DomainError
from telecentre.common.time import local_day_bounds, local_today, to_local
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.services import open_ranges_on

EARLY_START = timedelta(minutes=10)  # a resident may sit down a little before the slot
MIN_GRANT_MINUTES = 0.1  # below this a session is not worth starting


def refusal(status: int, code: str, message: str) -> DomainError:
    """A refusal with one of the protocol's error codes."""
    return DomainError(message, code=code, status=status)


@dataclass
class Grant:
    """How long a session may run, and which limit decided it."""

    minutes: float
    limited_by: str


def normalize_code(code: str) -> str:
    """Upper-case a booking code and drop spaces and dashes (as the agent does)."""
    return "".join(ch for ch in (code or "").upper() if ch not in " -")


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def minutes_to_closing(seat: Seat, now: datetime) -> float | None:
    """Minutes until the site closes, or None when it is closed now.

    Intervals that touch (open until 24:00 and again from 00:00) count as one,
    so a room open around the clock does not "close" at midnight.
    """
    today = local_today(now)
    ranges = sorted(
        open_ranges_on(seat.site, today) + open_ranges_on(seat.site, today + timedelta(days=1))
    )
    closes = None
    for opens, ends in ranges:
        if closes is None and opens <= now < ends:
            closes = ends
        elif closes is not None and opens <= closes:
            closes = max(closes, ends)
    return None if closes is None else _minutes(now, closes)


def minutes_used_today(user: User, now: datetime) -> float:
    """Minutes the resident has used today (local day), running sessions counted up to now."""
    day_start, _day_end = local_day_bounds(local_today(now))
    sessions = db.session.scalars(
        select(UsageSession).where(
            UsageSession.user_id == user.id,
            UsageSession.started_at < now,
            (UsageSession.ended_at.is_(None)) | (UsageSession.ended_at > day_start),
        )
    )
    return sum(
        _minutes(max(s.started_at, day_start), min(s.ended_at or now, now)) for s in sessions
    )


def next_booking_start(seat: Seat, now: datetime, ignore: Booking | None = None) -> datetime | None:
    """The start of the seat's next open booking after ``now`` (other than ``ignore``)."""
    query = select(func.min(Booking.start)).where(
        Booking.seat_id == seat.id, Booking.status.in_(OPEN_STATUSES), Booking.start > now
    )
    if ignore is not None:
        query = query.where(Booking.id != ignore.id)
    return db.session.scalar(query)


def grant(
    seat: Seat, now: datetime, *, user: User | None = None, booking: Booking | None = None
) -> Grant:
    """Return the minutes a session starting now may last; raise a refusal when it may not start."""
    policy = seat.site.policy
    closing = minutes_to_closing(seat, now)
    if closing is None:
        raise refusal(422, "closed", _("The room is closed now."))
    limits = []
    if booking is not None:
        limits.append(("booking_end", _minutes(now, booking.end)))
    limits.append(("session_length", float(policy.session_minutes)))
    if user is not None and user.role == "resident":
        limits.append(("daily_quota", policy.daily_minutes - minutes_used_today(user, now)))
    upcoming = next_booking_start(seat, now, ignore=booking)
    if upcoming is not None:
        limits.append(("next_booking", _minutes(now, upcoming)))
    limits.append(("closing", closing))
    limited_by, minutes = min(limits, key=lambda item: item[1])  # first listed wins a tie
    if minutes < MIN_GRANT_MINUTES:
        raise {
            "daily_quota": refusal(
                422, "quota_exhausted", _("You have used all your computer time for today.")
            ),
            "next_booking": refusal(
                409, "seat_busy", _("This computer is booked by someone else now.")
            ),
            "closing": refusal(422, "closed", _("The room is closing.")),
        }.get(limited_by, refusal(403, "wrong_code", _("This booking has ended.")))
    return Grant(round(minutes, 2), limited_by)


def holding_booking(seat: Seat, now: datetime) -> Booking | None:
    """The open booking that holds ``seat`` now (or within the early-start margin)."""
    return db.session.scalar(
        select(Booking)
        .where(
            Booking.seat_id == seat.id,
            Booking.status.in_(OPEN_STATUSES),
            Booking.start <= now + EARLY_START,
            Booking.end > now,
        )
        .order_by(Booking.start)
        .limit(1)
    )


def find_booking_by_code(seat: Seat, code: str) -> Booking | None:
    """The open booking at the seat's site with this code, whatever seat it is for."""
    normal = normalize_code(code)
    if not normal:
        return None
    stored = func.replace(func.replace(func.upper(Booking.code), "-", ""), " ", "")
    return db.session.scalar(
        select(Booking).where(
            Booking.site_id == seat.site_id, Booking.status.in_(OPEN_STATUSES), stored == normal
        )
    )


def check_booking(seat: Seat, booking: Booking | None, now: datetime) -> Booking:
    """Refuse a booking that is not for this seat or not for now; return it otherwise."""
    if booking is None:
        raise refusal(403, "wrong_code", _("This code is not valid. Check it and try again."))
    if booking.seat_id != seat.id:
        raise refusal(
            403, "wrong_code", _("This booking is for computer %(seat)s.", seat=booking.seat.name)
        )
    if now >= booking.end:
        raise refusal(403, "wrong_code", _("This booking has ended."))
    if now < booking.start - EARLY_START:
        raise refusal(
            422,
            "too_early",
            _("Your booking starts at %(time)s.", time=to_local(booking.start).strftime("%H:%M")),
        )
    return booking


def resident_for_card(card: str, pin: str) -> User:
    """The active resident with this card and PIN; one refusal for any mismatch."""
    user = db.session.scalar(
        select(User).where(User.card_number == (card or "").strip(), User.active.is_(True))
    )
    if user is None or not user.pin_hash or not verify_secret(user.pin_hash, pin or ""):
        raise refusal(403, "wrong_pin", _("The card number or PIN is wrong."))
    return user


def close_open_sessions(seat: Seat, at: datetime, reason: str) -> int:
    """End every running session of ``seat`` at ``at`` (not before its start); return how many."""
    closed = 0
    for session in db.session.scalars(
        select(UsageSession).where(UsageSession.seat_id == seat.id, UsageSession.ended_at.is_(None))
    ):
        session.ended_at = max(at, session.started_at)
        session.end_reason = reason
        closed += 1
    db.session.flush()
    return closed


def start_session(
    seat: Seat,
    now: datetime,
    *,
    local_id: str,
    kind: str,
    minutes: float,
    limited_by: str,
    user: User | None = None,
    booking: Booking | None = None,
    started_at: datetime | None = None,
) -> UsageSession:
    """Record a session that starts on ``seat``; a running one there is closed as superseded."""
    started_at = started_at or now
    close_open_sessions(seat, started_at, "superseded")
    if booking is not None:
        booking.status = "checked_in"
        booking.checked_in_at = booking.checked_in_at or started_at
        user = user or booking.resident
    session = UsageSession(
        site_id=seat.site_id,
        seat_id=seat.id,
        user_id=user.id if user else None,
        booking_id=booking.id if booking else None,
        kind=kind,
        started_at=started_at,
        minutes_granted=int(minutes),
        limited_by=limited_by,
        local_id=local_id,
    )
    db.session.add(session)
    db.session.flush()
    return session


def end_session(session: UsageSession, ended_at: datetime, reason: str) -> None:
    """Close ``session`` (again, when only the offline job closed it); complete its booking."""
    if session.ended_at is not None and session.end_reason not in ("agent_offline", "superseded"):
        return
    session.ended_at = max(ended_at, session.started_at)
    session.end_reason = reason[:30]
    if session.booking_id is not None:
        booking = db.session.get(Booking, session.booking_id)
        if booking is not None and booking.status in OPEN_STATUSES:
            booking.status = "completed"
            booking.release_rest(session.ended_at)
    db.session.flush()
