"""API: the walk-in queue, registration, calendar feed, policies and the desk."""
from flask import Blueprint, current_app, jsonify
from flask_login import current_user
from sqlalchemy import func, select

from telecentre.api.openapi import api_doc
from telecentre.api.schemas import DATE_QUERY, parse_body
from telecentre.booking import policies, queue, residents, services
from telecentre.booking.calendar import feed_token
from telecentre.booking.models import Booking, QueueEntry
from telecentre.booking.rules import current_policy
from telecentre.booking.schemas import (BookingOut, CardOut, CodeIn, DeskResidentIn, FeedOut,
                                        PolicyIn, PolicyOut, QueueOut, ResidentIn, ResidentOut,
                                        booking_json, policy_json)
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.urls import public_url
from telecentre.common.time import local_day_bounds, to_local
from telecentre.common.db import start_writing
from telecentre.extensions import db, limiter
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site

bp = Blueprint("booking_api_more", __name__, url_prefix="/api/v1")


def _committed(func, *args, **kwargs):
    """Run a service and commit; roll back and re-raise a refusal."""
    try:
        result = func(*args, **kwargs)
        db.session.commit()
        return result
    except DomainError:
        db.session.rollback()
        raise


def queue_json(site, entry) -> dict:
    """Return the caller's place in the site's queue."""
    count = db.session.scalar(select(func.count(QueueEntry.id)).where(
        QueueEntry.site_id == site.id, QueueEntry.status == "waiting"))
    offered = entry is not None and entry.status == "offered"
    return {"site": site.slug, "status": entry.status if entry else None,
            "position": queue.position(entry) if entry is not None else None,
            "waiting": count,
            "offered_seat_id": entry.offered_seat_id if offered else None,
            "offered_seat_name": entry.offered_seat.name if offered else None,
            "offered_until": to_local(entry.offered_until).isoformat() if offered else None}


@bp.get("/sites/<slug>/queue")
@access("resident")
@api_doc("The caller's place in a site's walk-in queue", tags=["queue"],
         responses={200: QueueOut}, errors=(401, 403, 404))
def queue_status(slug):
    """Return whether the caller waits or has a seat on offer, and how many wait."""
    start_writing(db.session)  # a GET that moves the queue along
    site = get_site(slug)
    queue.offer_free_seats(site)  # an offer that ran out goes on at once
    db.session.commit()
    return jsonify(queue_json(site, queue.active_entry(site, current_user)))


@bp.post("/sites/<slug>/queue")
@access("resident")
@api_doc("Join a site's walk-in queue", tags=["queue"], responses={201: QueueOut},
         errors=(401, 403, 404, 409, 422))
def queue_join(slug):
    """Join the queue; a free seat is offered at once."""
    site = get_site(slug)
    entry = _committed(queue.join_queue, current_user, site, current_user)
    return jsonify(queue_json(site, entry)), 201


@bp.delete("/sites/<slug>/queue")
@access("resident")
@api_doc("Leave a site's walk-in queue", tags=["queue"], responses={200: QueueOut},
         errors=(401, 403, 404, 409))
def queue_leave(slug):
    """Leave the queue (a seat on offer goes to the next in line)."""
    site = get_site(slug)
    entry = queue.entry_of(current_user, site)
    _committed(queue.leave_queue, current_user, entry)
    return jsonify(queue_json(site, None))


@bp.post("/sites/<slug>/queue/accept")
@access("resident")
@api_doc("Take the seat on offer: books it from now", tags=["queue"],
         responses={201: BookingOut}, errors=(401, 403, 404, 409, 422))
def queue_accept(slug):
    """Accept the offered seat; 409 when there is no live offer."""
    site = get_site(slug)
    entry = queue.entry_of(current_user, site)
    booking = _committed(queue.accept_offer, current_user, entry)
    return jsonify(booking_json(booking)), 201


@bp.post("/residents")
@access("public", csrf_check=False)
@limiter.limit(lambda: current_app.config.get("RATELIMIT_REGISTER", "5 per minute;30 per hour"))
@api_doc("Register as a resident (consent to the rules and privacy notice required)",
         body=ResidentIn, responses={201: ResidentOut}, tags=["residents"], security=None,
         errors=(400, 409, 422, 429))
def register():
    """Create a resident's account; then get a token from /api/v1/auth/token."""
    body = parse_body(ResidentIn)
    user = _committed(residents.register_resident, body.login, body.password,
                      display_name=body.display_name, email=body.email, phone=body.phone,
                      consent=body.consent)
    return jsonify(id=user.id, login=user.login, display_name=user.display_name), 201


@bp.post("/sites/<slug>/residents")
@access("staff", site=site_from_slug)
@api_doc("Register a resident at the desk: returns the card number and PIN (once)",
         body=DeskResidentIn, responses={201: CardOut}, tags=["residents"],
         errors=(400, 401, 403, 404, 422))
def register_at_desk(slug):
    """Register a resident at this site's desk."""
    body = parse_body(DeskResidentIn)
    user, pin = _committed(residents.register_at_desk, current_user, get_site(slug),
                           body.display_name, phone=body.phone, email=body.email)
    return jsonify(id=user.id, display_name=user.display_name, card_number=user.card_number,
                   pin=pin), 201


@bp.post("/sites/<slug>/check-in")
@access("staff", site=site_from_slug)
@limiter.limit(lambda: current_app.config.get("RATELIMIT_CODE", "10 per minute;100 per hour"))
@api_doc("Check a resident in by booking code (rate limited)", body=CodeIn,
         responses={200: BookingOut}, tags=["desk"], errors=(400, 401, 403, 404, 409, 422, 429))
def check_in(slug):
    """Find the site's open booking by its code and mark the resident arrived."""
    body = parse_body(CodeIn)
    booking = services.find_by_code(get_site(slug), body.code)
    _committed(services.check_in, current_user, booking)
    return jsonify(booking_json(booking))


@bp.get("/sites/<slug>/bookings")
@access("staff", site=site_from_slug)
@api_doc("A site's bookings on a day (for its staff)", tags=["desk"],
         responses={200: [BookingOut]}, errors=(401, 403, 404, 422),
         query={"date": DATE_QUERY})
def site_bookings(slug):
    """Return every booking of the site that starts on the day."""
    from telecentre.booking.api import query_day
    site = get_site(slug)
    first, last = local_day_bounds(query_day())
    rows = db.session.scalars(select(Booking).where(
        Booking.site_id == site.id, Booking.start >= first, Booking.start < last)
        .order_by(Booking.start, Booking.seat_id))
    return jsonify([booking_json(b) for b in rows])


@bp.get("/calendar-feed")
@access("resident")
@api_doc("The caller's private calendar feed URL", tags=["booking"], responses={200: FeedOut},
         errors=(401, 403))
def feed():
    """Return the URL of the caller's calendar feed (created on first use)."""
    start_writing(db.session)
    token = feed_token(current_user)
    db.session.commit()
    return jsonify(url=public_url("booking.calendar_feed", token=token))


@bp.post("/calendar-feed")
@access("resident")
@api_doc("Replace the caller's calendar feed URL (the old one stops working)", tags=["booking"],
         responses={201: FeedOut}, errors=(401, 403))
def feed_renew():
    """Give the caller a new feed URL and revoke the old one."""
    token = feed_token(current_user, renew=True)
    db.session.commit()
    return jsonify(url=public_url("booking.calendar_feed", token=token)), 201


@bp.get("/sites/<slug>/policy")
@access("public")
@api_doc("A site's booking policy", tags=["booking"], responses={200: PolicyOut},
         security=None, errors=(404,))
def policy(slug):
    """Return the site's booking rules."""
    return jsonify(policy_json(current_policy(get_site(slug))))


@bp.put("/sites/<slug>/policy")
@access("admin", site=site_from_slug)
@api_doc("Change a site's booking policy (a preset first, then single fields)", body=PolicyIn,
         tags=["booking"], responses={200: PolicyOut}, errors=(400, 401, 403, 404, 422))
def policy_update(slug):
    """Apply ``preset`` if given, then the given fields; 422 naming a bad value."""
    body = parse_body(PolicyIn)
    site = get_site(slug)
    values = body.model_dump(exclude_none=True)
    preset = values.pop("preset", None)
    try:
        if preset:
            policies.apply_preset(current_user, site, preset)
        result = policies.update_policy(current_user, site, values)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return jsonify(policy_json(result))

