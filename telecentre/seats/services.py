"""Seats: adding them and telling their live state."""
from datetime import datetime
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.audit.services import record
from telecentre.booking.models import OPEN_STATUSES, Booking
from telecentre.common.errors import Conflict, InvalidInput
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.seats.models import SEAT_KINDS, Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site

# The states of the public API contract (DESIGN.md); the console also shows ``no_agent``.
SEAT_STATES = ("free", "booked", "in_use", "offline", "out_of_service")
CONSOLE_STATES = SEAT_STATES + ("no_agent",)
# Features that know more about a seat (the agent API knows which are offline, and
# which have no enrolled agent at all) register a callable(seats, now) ->
# {seat_id: "offline" | "no_agent"} here.
STATE_PROVIDERS: list[Callable[[list[Seat], datetime], dict[int, str]]] = []


def add_seat(actor, site: Site, name: str, *, kind: str = "pc", bookable: bool = True,
             accessible: bool = False) -> Seat:
    """Add a seat to ``site``; raise InvalidInput or Conflict (name taken). Flushes, audits."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise InvalidInput(_("A seat needs a name of 1–60 characters."))
    if kind not in SEAT_KINDS:
        raise InvalidInput(_("A seat is a pc or a kiosk, not %(kind)s.", kind=kind))
    taken = db.session.scalar(select(Seat.id).where(Seat.site_id == site.id, Seat.name == name))
    if taken is not None:
        raise Conflict(_("%(site)s already has a seat called %(name)s.", site=site.name,
                         name=name))
    seat = Seat(site=site, name=name, kind=kind, bookable=bookable and kind == "pc",
                accessible=accessible)
    db.session.add(seat)
    db.session.flush()
    record(actor, "seat.add", target=seat, site=site, details={"name": name, "kind": kind})
    return seat


def list_seats(site: Site) -> list[Seat]:
    """Return the seats of ``site`` ordered by name."""
    return list(db.session.scalars(select(Seat).where(Seat.site_id == site.id)
                                   .order_by(Seat.kind, Seat.name)))


def seat_states(seats: list[Seat], now: datetime | None = None, *, running: set | None = None,
                booked: set | None = None) -> dict[int, str]:
    """Return the live state of each seat: free, booked, in_use, offline, no_agent or
    out_of_service (``public_state`` maps it onto the API contract).

    Precedence: out of service, in use (a running session), offline (from the
    registered providers), booked (a booking holds the seat now), free. A caller
    that has read the seats' running sessions or current open bookings already
    passes their seat ids (``running``, ``booked``) and saves the query.
    """
    now = now or utcnow()
    ids = [s.id for s in seats]
    if not ids:
        return {}
    if running is None:
        running = set(db.session.scalars(select(UsageSession.seat_id).where(
            UsageSession.seat_id.in_(ids), UsageSession.ended_at.is_(None))))
    if booked is None:
        booked = set(db.session.scalars(select(Booking.seat_id).where(
            Booking.seat_id.in_(ids), Booking.status.in_(OPEN_STATUSES),
            Booking.start <= now, Booking.end > now)))
    extra: dict[int, str] = {}
    for provider in STATE_PROVIDERS:
        extra.update(provider(seats, now))
    return {seat.id: seat_state(in_service=seat.in_service, running=seat.id in running,
                                agent=extra.get(seat.id), booked=seat.id in booked)
            for seat in seats}


def seat_state(*, in_service: bool, running: bool, agent: str | None, booked: bool) -> str:
    """Decide one seat's state from four facts; the one place that does.

    ``agent`` is what the agent feature says: None (heard from lately), ``offline``
    or ``no_agent`` (no enrolled agent: nothing there would unlock it, so it is
    never "free"). Precedence: out of service, in use, no agent / offline, booked,
    free. Whatever query gathers the facts, call this to turn them into a state.
    """
    if not in_service:
        return "out_of_service"
    if running:
        return "in_use"
    if agent in ("no_agent", "offline"):
        return agent
    return "booked" if booked else "free"


def public_state(state: str) -> str:
    """Return the state as the public API contract names it: ``no_agent`` reads ``offline``."""
    return "offline" if state == "no_agent" else state
