"""The attendant's desk: today's bookings, check-in by code, registering residents, the queue."""
from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from telecentre.booking import queue, residents, services
from telecentre.booking.codes import display_code
from telecentre.booking.forms import CodeForm, DeskQueueForm, DeskResidentForm
from telecentre.booking.models import Booking
from telecentre.common.access import access
from telecentre.common.errors import DomainError, NotFound
from telecentre.common.time import local_day_bounds, local_today
from telecentre.common.db import start_writing
from telecentre.extensions import db, limiter
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site

bp = Blueprint("desk", __name__, url_prefix="/desk")


def _run(func, *args, message: str | None = None, **kwargs):
    """Run a service, commit and flash ``message``; on a refusal roll back and flash why."""
    try:
        result = func(*args, **kwargs)
        db.session.commit()
        if message:
            flash(message, "info")
        return result
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None


@bp.get("/<slug>")
@access("staff", site=site_from_slug)
def today(slug):
    """Today's bookings of the site, the walk-in queue, check-in and registration."""
    start_writing(db.session)  # a GET that moves the queue along
    site = get_site(slug)
    queue.offer_free_seats(site)
    db.session.commit()
    first, last = local_day_bounds(local_today())
    bookings = db.session.scalars(select(Booking).where(
        Booking.site_id == site.id, Booking.start >= first, Booking.start < last)
        .order_by(Booking.start, Booking.seat_id)).all()
    return render_template("booking/desk.html", site=site, bookings=bookings,
                           entries=queue.waiting(site), code_form=CodeForm(),
                           queue_form=DeskQueueForm(), display_code=display_code,
                           status_label=services.status_label)


@bp.post("/<slug>/check-in")
@access("staff", site=site_from_slug)
@limiter.limit(lambda: current_app.config.get("RATELIMIT_CODE", "10 per minute;100 per hour"))
def check_in(slug):
    """Check a resident in by the booking code they give (rate limited against guessing)."""
    site = get_site(slug)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            booking = services.find_by_code(site, form.code.data)
        except NotFound as exc:
            flash(exc.message, "error")
        else:
            _run(services.check_in, current_user, booking,
                 message=_("%(name)s is checked in at %(seat)s.",
                           name=booking.resident.display_name, seat=booking.seat.name))
    else:
        flash(_("Type the booking code."), "error")
    return redirect(url_for("desk.today", slug=slug))


@bp.route("/<slug>/residents/new", methods=["GET", "POST"])
@access("staff", site=site_from_slug)
def new_resident(slug):
    """Register a resident and show the card number and PIN once, ready to print."""
    site = get_site(slug)
    form = DeskResidentForm()
    status, duplicates = 200, []
    if form.validate_on_submit():
        try:
            birth_year = residents.check_birth_year(form.birth_year.data)
            duplicates = residents.likely_duplicates(form.display_name.data,
                                                     phone=form.phone.data,
                                                     birth_year=birth_year)
            if duplicates and not form.confirm_duplicate.data:
                status = 409  # shown with a "register anyway" button; nothing created
            else:
                user, pin = residents.register_at_desk(
                    current_user, site, form.display_name.data, phone=form.phone.data,
                    email=form.email.data, birth_year=birth_year,
                    rules_accepted=form.rules_accepted.data, confirm_duplicate=True)
                db.session.commit()
                session[_CARD_PIN] = {"user": user.id, "pin": pin}
                return redirect(url_for("desk.card", slug=slug, resident_id=user.id))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    elif request.method == "POST":
        status = 422
    known = [u for u in duplicates if u.site_id == site.id]
    return render_template("booking/desk_resident.html", site=site, form=form,
                           duplicates=duplicates, known=known), status


_CARD_PIN = "_desk_card_pin"


def _registered_here(slug, resident_id, **_ignored):
    """Return the site of ``slug`` when resident ``resident_id`` was registered there."""
    from telecentre.auth.models import User
    site = site_from_slug(slug)
    user = db.session.get(User, resident_id)
    if site is None or user is None or user.role != "resident" or user.site_id != site.id:
        return None
    return site


@bp.get("/<slug>/residents/<int:resident_id>/card")
@access("staff", site=_registered_here)
def card(slug, resident_id):
    """The printable card of a resident registered here; the PIN only on the first view
    after registration (refreshing shows the card without it and creates nothing)."""
    from telecentre.auth.models import User
    user = db.session.get(User, resident_id)
    kept = session.pop(_CARD_PIN, None)
    pin = kept["pin"] if kept and kept.get("user") == user.id else None
    return render_template("booking/card.html", site=get_site(slug), user=user, pin=pin)


@bp.post("/<slug>/queue")
@access("staff", site=site_from_slug)
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def queue_add(slug):
    """Put a resident in the queue: the resident shows the card and types the PIN."""
    site = get_site(slug)
    form = DeskQueueForm()
    if form.validate_on_submit():
        resident = residents.authenticate_card(form.card.data, form.pin.data)
        if resident is None or resident.role != "resident":
            db.session.commit()
            flash(_("Wrong card number or PIN."), "error")
        else:
            _run(queue.join_queue, current_user, site, resident,
                 message=_("%(name)s is in the queue.", name=resident.display_name))
    else:
        flash(_("Type the card number and let the resident type the PIN."), "error")
    return redirect(url_for("desk.today", slug=slug))


@bp.post("/<slug>/queue/<int:entry_id>/remove")
@access("staff", site=site_from_slug)
def queue_remove(slug, entry_id):
    """Take a resident out of the site's queue."""
    entry = queue.entry_at_site(get_site(slug), entry_id)
    _run(queue.leave_queue, current_user, entry, message=_("Removed from the queue."))
    return redirect(url_for("desk.today", slug=slug))


@bp.post("/<slug>/bookings/<int:booking_id>/cancel")
@access("staff", site=site_from_slug)
def cancel(slug, booking_id):
    """Cancel a booking of this site (e.g. when the resident phones in)."""
    site = get_site(slug)
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.site_id != site.id:
        raise NotFound(_("This site has no booking with this number."))
    _run(services.cancel_booking, current_user, booking, message=_("The booking is cancelled."))
    return redirect(url_for("desk.today", slug=slug))
