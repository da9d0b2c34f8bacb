"""Console API actions under /api/v1/console: what the attendant's buttons do, for programs.

Each endpoint calls the same service as the console's form, commits, and
answers with the changed object; a refusal is the service's own 404/409/422
with a translated message, and nothing is changed. Site scoping as the pages.
"""
from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, Field

from telecentre.api.schemas import Body, RowId, parse_body
from telecentre.api.openapi import api_doc
from telecentre.auth.models import User
from telecentre.booking import queue, services as booking_services
from telecentre.booking.models import Booking, QueueEntry
from telecentre.common.access import access
from telecentre.common.errors import DomainError, NotFound
from telecentre.console import actions, outofservice, queue_desk, resolvers, room as rooms
from telecentre.console.api import ConsoleBookingOut, SeatStateOut, SessionOut, booking_json, \
    seat_json, session_json
from telecentre.console.resolvers import resident_known_at
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site

bp = Blueprint("console_api_actions", __name__, url_prefix="/api/v1/console/sites/<slug>")
ERRORS = (400, 401, 403, 404, 409, 422)


class ResidentRefIn(Body):
    resident_id: RowId


class MinutesIn(Body):
    minutes: int = Field(ge=1, le=actions.MAX_EXTEND_MINUTES)


class ReasonIn(Body):
    reason: str = Field(default="", max_length=actions.MAX_MESSAGE)


class RequiredReasonIn(Body):
    reason: str = Field(min_length=1, max_length=300)


class TextIn(Body):
    text: str = Field(min_length=1, max_length=actions.MAX_MESSAGE)


class CommandOut(BaseModel):
    id: int
    kind: str
    status: str
    args: dict


class OutOfServiceOut(BaseModel):
    seat: SeatStateOut
    moved: list[ConsoleBookingOut]
    cancelled: list[ConsoleBookingOut]


class QueueEntryOut(BaseModel):
    id: int
    resident_id: int
    status: str
    position: int | None


class PassedOverOut(BaseModel):
    resident: str
    reason: str


class CallNextOut(BaseModel):
    queue_entry: QueueEntryOut
    booking: ConsoleBookingOut
    passed_over: list[PassedOverOut]


def _committed(func, *args):
    """Run a service as the caller and commit; roll back and re-raise a refusal."""
    try:
        result = func(current_user, *args)
        db.session.commit()
        return result
    except DomainError:
        db.session.rollback()
        raise


def _resident(slug, resident_id: int) -> User:
    user = db.session.get(User, resident_id)
    if user is None or not resident_known_at(get_site(slug), user):
        raise NotFound(_("There is no such resident at this site."))
    return user


def _command_json(command) -> dict:
    return {"id": command.id, "kind": command.kind, "status": command.status,
            "args": command.args}


def _seat_now(slug, seat) -> dict:
    db.session.refresh(seat)
    return seat_json(rooms.seat_view(get_site(slug), seat))


def _entry_json(entry: QueueEntry) -> dict:
    return {"id": entry.id, "resident_id": entry.resident_id, "status": entry.status,
            "position": queue.position(entry)}


@bp.post("/bookings/<int:booking_id>/check-in")
@access("staff", site=resolvers.booking_site)
@api_doc("Check a booking in (the resident has arrived)", responses={200: ConsoleBookingOut},
         tags=["console"], errors=ERRORS)
def check_in(slug, booking_id):
    """Check the booking in."""
    booking = _committed(booking_services.check_in, db.session.get(Booking, booking_id))
    return jsonify(booking_json(booking))


@bp.post("/seats/<int:seat_id>/walk-in")
@access("staff", site=resolvers.seat_site)
@api_doc("Start a session on the seat for a resident at the desk and unlock the PC",
         body=ResidentRefIn, responses={201: SessionOut}, tags=["console"], errors=ERRORS)
def walk_in(slug, seat_id):
    """Start a walk-in session for a resident known at the site."""
    body = parse_body(ResidentRefIn)
    resident = _resident(slug, body.resident_id)
    usage = _committed(actions.start_walk_in, db.session.get(Seat, seat_id), resident)
    return jsonify(session_json(usage)), 201


@bp.post("/sessions/<int:session_id>/extend")
@access("staff", site=resolvers.session_site)
@api_doc("Give the running session more minutes (the PC is told at its next heartbeat)",
         body=MinutesIn, responses={202: CommandOut}, tags=["console"], errors=ERRORS)
def extend(slug, session_id):
    """Queue an ``extend`` command for the session's PC."""
    body = parse_body(MinutesIn)
    command = _committed(actions.extend_session, db.session.get(UsageSession, session_id),
                         body.minutes)
    return jsonify(_command_json(command)), 202


@bp.post("/sessions/<int:session_id>/end")
@access("staff", site=resolvers.session_site)
@api_doc("End the running session (closed now when the PC is offline); at once, the call "
         "is the confirmation", body=ReasonIn,
         responses={200: SessionOut}, tags=["console"], errors=ERRORS)
def end(slug, session_id):
    """End the session; the answer shows it (still running until the PC confirms)."""
    body = parse_body(ReasonIn)
    usage = db.session.get(UsageSession, session_id)
    _committed(actions.end_session, usage, body.reason)
    db.session.refresh(usage)
    return jsonify(session_json(usage))


@bp.post("/seats/<int:seat_id>/message")
@access("staff", site=resolvers.seat_site)
@api_doc("Show a message on the seat's screen", body=TextIn, responses={202: CommandOut},
         tags=["console"], errors=ERRORS)
def message(slug, seat_id):
    """Queue a ``message`` command for the seat's PC."""
    body = parse_body(TextIn)
    command = _committed(actions.send_message, db.session.get(Seat, seat_id), body.text)
    return jsonify(_command_json(command)), 202


@bp.post("/seats/<int:seat_id>/lock")
@access("staff", site=resolvers.seat_site)
@api_doc("Lock the seat's screen (a running session ends); at once, the call is the "
         "confirmation", responses={202: CommandOut},
         tags=["console"], errors=ERRORS)
def lock(slug, seat_id):
    """Queue a ``lock`` command for the seat's PC."""
    command = _committed(actions.lock_seat, db.session.get(Seat, seat_id))
    return jsonify(_command_json(command)), 202


@bp.post("/seats/<int:seat_id>/out-of-service")
@access("staff", site=resolvers.seat_site)
@api_doc("Take the seat out of service: its bookings move to a free seat or are cancelled, "
         "and the residents are told; at once, the call is the confirmation",
         body=RequiredReasonIn, responses={200: OutOfServiceOut}, tags=["console"],
         errors=ERRORS)
def out_of_service(slug, seat_id):
    """Take the seat out of service with a reason."""
    body = parse_body(RequiredReasonIn)
    seat = db.session.get(Seat, seat_id)
    outcome = _committed(outofservice.take_out_of_service, seat, body.reason)
    return jsonify({"seat": _seat_now(slug, seat),
                    "moved": [booking_json(b) for b, _old in outcome.moved],
                    "cancelled": [booking_json(b) for b in outcome.cancelled]})


@bp.post("/seats/<int:seat_id>/in-service")
@access("staff", site=resolvers.seat_site)
@api_doc("Bring the seat back into service", responses={200: SeatStateOut}, tags=["console"],
         errors=ERRORS)
def in_service(slug, seat_id):
    """Bring the seat back."""
    seat = db.session.get(Seat, seat_id)
    _committed(outofservice.back_in_service, seat)
    return jsonify(_seat_now(slug, seat))


@bp.post("/queue")
@access("staff", site=site_from_slug)
@api_doc("Put a resident known at the site in the walk-in queue", body=ResidentRefIn,
         responses={201: QueueEntryOut}, tags=["console"], errors=ERRORS)
def queue_add(slug):
    """Queue a resident."""
    body = parse_body(ResidentRefIn)
    resident = _resident(slug, body.resident_id)
    entry = _committed(queue.join_queue, get_site(slug), resident)
    return jsonify(_entry_json(entry)), 201


@bp.post("/queue/call-next")
@access("staff", site=site_from_slug)
@api_doc("Give the first in line who can take it the computer that is free (booked from "
         "now); those passed over keep their place",
         responses={200: CallNextOut}, tags=["console"], errors=ERRORS)
def queue_call_next(slug):
    """Book the free seat for the first resident in line."""
    entry, booking, passed_over = _committed(queue_desk.call_next, get_site(slug))
    return jsonify({"queue_entry": _entry_json(entry), "booking": booking_json(booking),
                    "passed_over": [{"resident": n, "reason": why} for n, why in passed_over]})


@bp.delete("/queue/<int:entry_id>")
@access("staff", site=resolvers.queue_entry_site)
@api_doc("Take a resident out of the queue", responses={204: None}, tags=["console"],
         errors=ERRORS)
def queue_remove(slug, entry_id):
    """Remove the queue entry."""
    _committed(queue.leave_queue, db.session.get(QueueEntry, entry_id))
    return "", 204
