"""API: availability, the caller's bookings, booking and cancelling."""
from datetime import date

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from telecentre.api.openapi import api_doc
from telecentre.api.schemas import (DATE_QUERY, FLAG_QUERY, ID_QUERY, parse_body, query_date,
                                    query_flag, query_int)
from telecentre.booking import rules, services
from telecentre.booking.availability import day_availability
from telecentre.booking.context import SEAT_TO_BOOK, SeatView, look_first
from telecentre.booking.schemas import AvailabilityOut, BookingIn, BookingOut, booking_json
from telecentre.common.access import access
from telecentre.common.db import reads_first
from telecentre.common.errors import DomainError, InvalidInput
from telecentre.common.time import local_today, to_local, utcnow
from telecentre.extensions import db
from telecentre.sites.services import get_site

bp = Blueprint("booking_api", __name__, url_prefix="/api/v1")


def query_day() -> date:
    """Return the ``date`` query argument (today when absent); 422 when not a real date."""
    return query_date("date") or local_today()


@bp.get("/sites/<slug>/availability")
@access("public")
@api_doc("Free seats of a site in each slot of a day", tags=["booking"], security=None,
         responses={200: AvailabilityOut}, errors=(404, 422),
         query={"date": DATE_QUERY, "accessible": FLAG_QUERY, "seat_id": ID_QUERY})
def availability(slug):
    """Return the slot grid of the day with the seats free in each slot."""
    site = get_site(slug)
    avail = day_availability(site, query_day(), accessible=query_flag("accessible"),
                             seat_id=query_int("seat_id"))
    return jsonify({
        "site": site.slug, "date": avail.day.isoformat(), "slot_minutes": avail.slot_minutes,
        "max_booking_minutes": avail.max_booking_minutes, "closed_for": avail.holiday,
        "seats": [{"id": s.id, "name": s.name, "accessible": s.accessible} for s in avail.seats],
        "slots": [{"start": to_local(s.start).isoformat(), "end": to_local(s.end).isoformat(),
                   "bookable": s.bookable, "free_seat_ids": s.free,
                   "kept_for_walk_ins": s.kept_for_walk_ins} for s in avail.slots],
    })


@bp.post("/bookings")
@reads_first  # a 409 under contention is two reads: no BEGIN, no ROLLBACK
@access("resident")
@api_doc("Book a seat (or any free seat of a site) for a time range", body=BookingIn,
         responses={201: BookingOut}, tags=["booking"], errors=(400, 401, 403, 404, 409, 422))
def create():
    """Book; 409 when the seat or the resident is taken then, 422 naming a broken rule."""
    body = parse_body(BookingIn)
    now = utcnow()
    seat = site = checked = None
    try:
        if body.seat_id is not None:
            # Most requests under contention are answered here (see _first_look).
            seat = checked = _first_look(body, now)
            if seat is None:
                seat = db.session.execute(SEAT_TO_BOOK, {"seat_id": body.seat_id}
                                          ).unique().scalar_one_or_none()
            if seat is None:
                raise DomainError(_("There is no computer with this number."),
                                  code="not_found", status=404)
            if body.site and body.site != seat.site.slug:
                raise InvalidInput(_("That computer is not at the site given."))
        else:
            site = get_site(body.site)
        booking = services.create_booking(current_user, current_user, seat=seat, site=site,
                                          start=body.start, end=body.end, now=now,
                                          accessible=body.accessible, source="api",
                                          checked=checked is not None)
        # The answer from what was inserted and the seat in hand, before the commit
        # expires them (after, they would be read back: three more statements).
        reply = booking_json(booking, seat)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return jsonify(reply), 201


def _first_look(body, now) -> SeatView | None:
    """Refuse a request for a seat as ``create_booking`` would, from one statement and a copy.

    Under contention most requests end here: a 409 from one statement (the
    seat held by another already) or from three (after waiting for the
    request that came first). The rules are checked on this process's copy of
    the seat's site (``booking.context``) in ``create_booking``'s order, so
    each refusal is the one it would give. Returns the copy of the seat when
    this transaction has found no block, waited its turn and found the seat
    free: the booking goes on with it, no ORM load. None when the resident is
    blocked, the caller is staff, the seat unknown or not accessible as asked,
    for the full path to say so.
    """
    user = current_user._get_current_object()
    if user.role != "resident" or not user.active:
        return None
    look = look_first(body.seat_id, user.id, body.start, body.end, now)
    if look is None:
        return None
    seat = look.seat
    if body.site and body.site != seat.site.slug:
        raise InvalidInput(_("That computer is not at the site given."))
    if look.blocked or (body.accessible and not seat.accessible):
        return None
    rules.check_request(seat.site, seat.site.policy, seat, body.start, body.end, now)
    if look.held:
        raise rules.seat_taken(seat, body.start)
    services.queue_for(seat, body.start)
    if services.held_by_another(seat, user, body.start, body.end):
        raise rules.seat_taken(seat, body.start)
    return seat


@bp.get("/bookings")
@access("resident")
@api_doc("The caller's bookings (upcoming, or past with ?past=1)", tags=["booking"],
         responses={200: [BookingOut]}, errors=(401, 403), query={"past": FLAG_QUERY})
def mine():
    """Return the caller's upcoming bookings, or the past ones."""
    rows = services.bookings_of(current_user, upcoming=not query_flag("past"))
    return jsonify([booking_json(b) for b in rows])


@bp.get("/bookings/<int:booking_id>")
@access("resident")
@api_doc("One of the caller's bookings", tags=["booking"], responses={200: BookingOut},
         errors=(401, 403, 404))
def one(booking_id):
    """Return the caller's booking (404 for anyone else's)."""
    return jsonify(booking_json(services.booking_of(current_user, booking_id)))


@bp.delete("/bookings/<int:booking_id>")
@access("resident")
@api_doc("Cancel one of the caller's bookings", tags=["booking"], responses={200: BookingOut},
         errors=(401, 403, 404, 409))
def cancel(booking_id):
    """Cancel the caller's booking; 409 when it is in use or over."""
    booking = services.booking_of(current_user, booking_id)
    try:
        services.cancel_booking(current_user, booking)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return jsonify(booking_json(booking))
