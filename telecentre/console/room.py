"""The live room: every seat of a site with its state, who sits there and for how long.

Read-only; the attendant's console, its polling fragment and the console API
all build on ``room_view``. Seat states come from ``seat_states`` (so the
agent feature's offline provider applies here too); sessions and bookings are
read in one query each for the whole site, not per seat.
"""
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from telecentre.booking.models import OPEN_STATUSES, Booking
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.seats.services import list_seats, seat_states
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site

# A booking that starts within this many minutes makes a free seat "booked soon".
SOON_MINUTES = 30


@dataclass
class SeatView:
    """One seat as the attendant sees it now."""

    seat: Seat
    state: str
    session: UsageSession | None = None
    minutes_left: int | None = None
    ends_at: datetime | None = None
    current_booking: Booking | None = None
    next_booking: Booking | None = None
    soon: bool = False  # free now, but a booking starts within SOON_MINUTES
    pending: list = field(default_factory=list)  # commands queued for the seat's agent

    @property
    def who(self) -> str:
        """Return who sits at the seat, as people read it."""
        session = self.session
        if session is None:
            return ""
        if session.user is not None:
            return session.user.display_name or session.user.login
        return {"guest": _("Guest"), "kiosk": _("Kiosk visitor")}.get(session.kind,
                                                                      _("Visitor"))

    @property
    def display_state(self) -> str:
        """Return the state shown on the map: the seat state, or ``booked_soon``."""
        return "booked_soon" if self.soon and self.state == "free" else self.state


@dataclass
class RoomView:
    """The whole room of a site at ``now``."""

    site: Site
    now: datetime
    seats: list[SeatView]

    def count(self, state: str) -> int:
        """Return how many seats show ``state`` on the map."""
        return sum(1 for s in self.seats if s.display_state == state)


def minutes_left(session: UsageSession, now: datetime) -> int:
    """Return the whole minutes a running session has left (never below 0)."""
    ends = session.started_at + timedelta(minutes=session.minutes_granted)
    return max(0, int((ends - now).total_seconds() // 60))


def running_sessions(site: Site) -> dict[int, UsageSession]:
    """Return the running sessions of ``site`` by seat id, with their users loaded."""
    rows = db.session.scalars(select(UsageSession).options(selectinload(UsageSession.user))
                              .where(UsageSession.site_id == site.id,
                                     UsageSession.ended_at.is_(None)))
    return {s.seat_id: s for s in rows}


def open_bookings_ahead(site: Site, now: datetime, hours: int = 24) -> list[Booking]:
    """Return the site's open bookings that have not ended and start within ``hours``."""
    return list(db.session.scalars(
        select(Booking).options(selectinload(Booking.resident))
        .where(Booking.site_id == site.id, Booking.status.in_(OPEN_STATUSES),
               Booking.end > now, Booking.starts_after(now),
               Booking.start < now + timedelta(hours=hours))
        .order_by(Booking.start)))


def room_view(site: Site, now: datetime | None = None, pending=None) -> RoomView:
    """Return every seat of ``site`` with its live state, session and bookings.

    ``pending`` is an optional callable(seats) -> {seat_id: [commands]}
    supplied by the agent feature's command queue.
    """
    now = now or utcnow()
    seats = list_seats(site)
    sessions = running_sessions(site)
    bookings = open_bookings_ahead(site, now)
    states = seat_states(seats, now, running=set(sessions),
                         booked={b.seat_id for b in bookings if b.start <= now})
    queued = pending(seats) if pending else {}
    by_seat: dict[int, list[Booking]] = {}
    for booking in bookings:  # already in time order
        by_seat.setdefault(booking.seat_id, []).append(booking)
    soon = now + timedelta(minutes=SOON_MINUTES)
    views = []
    for seat in seats:
        view = SeatView(seat=seat, state=states[seat.id], pending=queued.get(seat.id, []))
        session = sessions.get(seat.id)
        if session is not None:
            view.session = session
            view.minutes_left = minutes_left(session, now)
            view.ends_at = session.started_at + timedelta(minutes=session.minutes_granted)
        mine = by_seat.get(seat.id, ())
        view.current_booking = next((b for b in mine if b.start <= now < b.end), None)
        view.next_booking = next((b for b in mine if b.start > now), None)
        view.soon = view.next_booking is not None and view.next_booking.start <= soon
        views.append(view)
    return RoomView(site=site, now=now, seats=views)


def tile_versions(room: RoomView) -> dict[int, str]:
    """A short digest per seat of everything its tile shows (not the clock), in the
    request's language: equal digests, equal tiles. The live map sends only the tiles
    whose digest the page does not hold."""
    from flask_babel import get_locale
    locale = str(get_locale())
    versions = {}
    for v in room.seats:
        seat, now_b, next_b = v.seat, v.current_booking, v.next_booking
        text = "\x1f".join(map(str, (
            locale, seat.id, seat.name, seat.kind, seat.accessible,
            seat.out_of_service_reason, v.state, v.display_state,
            v.session.id if v.session else None, v.who, v.minutes_left,
            v.ends_at.timestamp() if v.ends_at else None,
            now_b.id if now_b else None, now_b.status if now_b else None,
            now_b.start.timestamp() if now_b else None, now_b.end.timestamp() if now_b else None,
            next_b.id if next_b else None, next_b.start.timestamp() if next_b else None,
            ";".join(f"{c.id}.{c.kind}" for c in v.pending))))
        versions[seat.id] = hashlib.blake2b(text.encode(), digest_size=6).hexdigest()
    return versions


def live_version(room: RoomView, counts, versions: dict[int, str] | None = None) -> str:
    """A digest of everything the live map and the day's counts show (not the clock), in the
    request's language: equal digests, equal fragments."""
    versions = versions if versions is not None else tile_versions(room)
    text = repr((room.site.id, list(versions.items()), counts))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def seat_view(site: Site, seat: Seat, now: datetime | None = None, pending=None) -> SeatView:
    """Return the live view of one seat of ``site``."""
    room = room_view(site, now, pending)
    return next(v for v in room.seats if v.seat.id == seat.id)


def command_label(kind: str) -> str:
    """Return the translated name of a command waiting for a computer's agent."""
    return {"lock": _("lock the screen"), "unlock": _("unlock"), "message": _("show a message"),
            "extend": _("extend the session"), "end_session": _("end the session"),
            "logoff": _("sign out"), "reboot": _("restart"), "shutdown": _("switch off"),
            "wake": _("switch on")}.get(kind, kind)


def session_kind_label(kind: str) -> str:
    """Return the translated name of a session's kind."""
    return {"booked": _("from a booking"), "walk_in": _("walk-in"), "guest": _("guest pass"),
            "kiosk": _("kiosk")}.get(kind, kind)


def state_labels() -> dict[str, str]:
    """Return the translated names of the states shown on the map."""
    return {"free": _("free"), "booked_soon": _("booked soon"), "booked": _("booked now"),
            "in_use": _("in use"), "offline": _("offline"), "no_agent": _("no agent"),
            "out_of_service": _("out of service")}
