"""API: availability, the caller's bookings, booking and cancelling."""
from datetime import date

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from telecentre.api.openapi import api_doc
from telecentre.api.schemas import (DATE_QUERY, FLAG_QUERY, ID_QUERY, parse_body, query_date,
                                    query_flag, query_int)
from telecentre.booking import services
from telecentre.booking.availability import day_availability
from telecentre.booking.schemas import AvailabilityOut, BookingIn, BookingOut, booking_json
from telecentre.common.access import access
from telecentre.common.errors import DomainError, InvalidInput
from telecentre.common.time import local_today, to_local
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.models import Site
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


_site_of = joinedload(Seat.site)
# Built once (options and all): every booking through the API runs it.
_SEAT_TO_BOOK = select(Seat).where(Seat.id == bindparam("seat_id")).options(
    _site_of.joinedload(Site.policy), _site_of.joinedload(Site.hours),
    _site_of.selectinload(Site.exceptions))


@bp.post("/bookings")
@access("resident")
@api_doc("Book a seat (or any free seat of a site) for a time range", body=BookingIn,
         responses={201: BookingOut}, tags=["booking"], errors=(400, 401, 403, 404, 409, 422))
def create():
    """Book; 409 when the seat or the resident is taken then, 422 naming a broken rule."""
    body = parse_body(BookingIn)
    seat = site = None
    if body.seat_id is not None:
        # The seat, its site, policy and hours in one query, the dated exceptions in one more
        # (not five lazy loads, one by one).
        seat = db.session.execute(_SEAT_TO_BOOK, {"seat_id": body.seat_id}
                                  ).unique().scalar_one_or_none()
        if seat is None:
            raise DomainError(_("There is no computer with this number."), code="not_found",
                              status=404)
        if body.site and body.site != seat.site.slug:
            raise InvalidInput(_("That computer is not at the site given."))
    else:
        site = get_site(body.site)
    try:
        booking = services.create_booking(current_user, current_user, seat=seat, site=site,
                                          start=body.start, end=body.end,
                                          accessible=body.accessible, source="api")
        # The answer from what was inserted, before the commit expires it (after, it would
        # be read back: the booking, its seat and site, three more statements).
        reply = booking_json(booking)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return jsonify(reply), 201


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
