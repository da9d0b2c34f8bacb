"""Console API under /api/v1/console: the live room and the site's objects, for staff.

The same site scoping as the pages: an attendant of another site gets 403
for the slug, 404 for an object of another site under their own slug.
"""
from flask import Blueprint, jsonify
from pydantic import BaseModel

from telecentre.api.openapi import api_doc
from telecentre.api.schemas import query_text
from telecentre.auth.models import User
from telecentre.booking.models import Booking
from telecentre.common.access import access
from telecentre.common.time import utcnow
from telecentre.console import resolvers, room as rooms, today
from telecentre.console.residents import search_residents
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site

bp = Blueprint("console_api", __name__, url_prefix="/api/v1/console/sites/<slug>")
ERRORS = (401, 403, 404)


class SessionOut(BaseModel):
    id: int
    seat_id: int
    kind: str
    who: str | None
    started_at: str
    ended_at: str | None
    end_reason: str | None
    minutes_granted: int
    minutes_left: int | None


class ConsoleBookingOut(BaseModel):
    id: int
    seat_id: int
    seat: str
    resident: str
    start: str
    end: str
    status: str
    code: str


class SeatStateOut(BaseModel):
    id: int
    name: str
    kind: str
    state: str
    accessible: bool
    out_of_service_reason: str
    session: SessionOut | None
    next_booking: ConsoleBookingOut | None


class RoomOut(BaseModel):
    site: str
    now: str
    seats: list[SeatStateOut]
    counts: dict[str, int]


class ConsoleResidentOut(BaseModel):
    id: int
    display_name: str
    card_number: str | None


def _iso(value):
    return value.isoformat() if value is not None else None


def session_json(usage: UsageSession, who: str | None = None) -> dict:
    """Return a usage session as the API shows it."""
    left = rooms.minutes_left(usage, utcnow()) if usage.ended_at is None else None
    name = who if who is not None else (usage.user.display_name if usage.user else None)
    return {"id": usage.id, "seat_id": usage.seat_id, "kind": usage.kind, "who": name,
            "started_at": _iso(usage.started_at), "ended_at": _iso(usage.ended_at),
            "end_reason": usage.end_reason, "minutes_granted": usage.minutes_granted,
            "minutes_left": left}


def booking_json(booking: Booking) -> dict:
    """Return a booking as the API shows it."""
    return {"id": booking.id, "seat_id": booking.seat_id, "seat": booking.seat.name,
            "resident": booking.resident.display_name, "start": _iso(booking.start),
            "end": _iso(booking.end), "status": booking.status, "code": booking.code}


def seat_json(view: rooms.SeatView) -> dict:
    """Return one seat of the room as the API shows it."""
    seat = view.seat
    return {"id": seat.id, "name": seat.name, "kind": seat.kind, "state": view.display_state,
            "accessible": seat.accessible, "out_of_service_reason": seat.out_of_service_reason,
            "session": session_json(view.session, view.who) if view.session else None,
            "next_booking": booking_json(view.next_booking) if view.next_booking else None}


@bp.get("/room")
@access("staff", site=site_from_slug)
@api_doc("The live room of a site: every seat's state, session and next booking, and the "
         "day's counts", responses={200: RoomOut}, tags=["console"], errors=ERRORS)
def room(slug):
    """Return the live room of the site."""
    site = get_site(slug)
    view = rooms.room_view(site)
    return jsonify({"site": site.slug, "now": _iso(view.now),
                    "seats": [seat_json(v) for v in view.seats],
                    "counts": vars(today.day_counts(site))})


@bp.get("/seats/<int:seat_id>")
@access("staff", site=resolvers.seat_site)
@api_doc("One seat of the site with its live state", responses={200: SeatStateOut},
         tags=["console"], errors=ERRORS)
def seat(slug, seat_id):
    """Return one seat of the site."""
    view = rooms.seat_view(get_site(slug), db.session.get(Seat, seat_id))
    return jsonify(seat_json(view))


@bp.get("/sessions/<int:session_id>")
@access("staff", site=resolvers.session_site)
@api_doc("One usage session of the site", responses={200: SessionOut}, tags=["console"],
         errors=ERRORS)
def session(slug, session_id):
    """Return one usage session of the site."""
    return jsonify(session_json(db.session.get(UsageSession, session_id)))


@bp.get("/bookings")
@access("staff", site=site_from_slug)
@api_doc("Today's bookings of the site (no-shows have status released)",
         responses={200: [ConsoleBookingOut]}, tags=["console"], errors=ERRORS)
def bookings(slug):
    """Return the bookings of the site that start today."""
    return jsonify([booking_json(b) for b in today.todays_bookings(get_site(slug))])


@bp.get("/bookings/<int:booking_id>")
@access("staff", site=resolvers.booking_site)
@api_doc("One booking of the site", responses={200: ConsoleBookingOut}, tags=["console"],
         errors=ERRORS)
def booking(slug, booking_id):
    """Return one booking of the site."""
    return jsonify(booking_json(db.session.get(Booking, booking_id)))


def resident_json(user: User) -> dict:
    """Return a resident as the console shows them."""
    return {"id": user.id, "display_name": user.display_name, "card_number": user.card_number}


@bp.get("/residents")
@access("staff", site=site_from_slug)
@api_doc("Find residents known at the site by name or card number",
         query={"q": {"type": "string", "minLength": 2, "maxLength": 80}},
         required_query=("q",), responses={200: [ConsoleResidentOut]}, tags=["console"],
         errors=ERRORS + (422,))
def residents(slug):
    """Return up to 20 residents of the site matching ``q``."""
    found = search_residents(get_site(slug), query_text("q", max_length=80) or "")
    return jsonify([resident_json(u) for u in found])


@bp.get("/residents/<int:resident_id>")
@access("staff", site=resolvers.resident_site)
@api_doc("One resident known at the site", responses={200: ConsoleResidentOut}, tags=["console"],
         errors=ERRORS)
def resident(slug, resident_id):
    """Return one resident known at the site."""
    return jsonify(resident_json(db.session.get(User, resident_id)))
