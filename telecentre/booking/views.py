"""Residents' pages: choose a site and a slot, book, see and cancel bookings, calendars."""
from datetime import datetime, timedelta

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   url_for)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from telecentre.booking import services
from telecentre.booking.availability import day_availability, longest_from
from telecentre.booking.calendar import (booking_summary, feed_bookings, feed_token,
                                         render_ics, user_for_feed)
from telecentre.booking.codes import display_code
from telecentre.booking.forms import BookForm
from telecentre.booking.rules import current_policy
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.urls import public_host, public_url
from telecentre.common.time import local_today, parse_aware, to_local
from telecentre.common.db import start_writing
from telecentre.extensions import db
from telecentre.sites.services import get_site, list_sites

bp = Blueprint("booking", __name__)


@bp.get("/book")
@access("public")
def sites():
    """Choose a site to book at."""
    return render_template("booking/sites.html", sites=list_sites())


def _day_arg():
    text = request.args.get("date")
    try:
        return datetime.strptime(text, "%Y-%m-%d").date() if text else local_today()
    except ValueError:
        flash(_("Write the date as YYYY-MM-DD."), "error")
        return local_today()


@bp.get("/sites/<slug>/book")
@access("public")
def day(slug):
    """The slots of a day at a site, with how many computers are free in each."""
    site = get_site(slug)
    day_ = _day_arg()
    accessible = request.args.get("accessible") == "1"
    avail = day_availability(site, day_, accessible=accessible)
    today = local_today()
    policy = current_policy(site)
    days = [today + timedelta(days=i) for i in range(policy.days_ahead + 1)]
    if day_ not in days:
        days = sorted([day_, *days])
    # On the DST change days a wall time can repeat (October): show each slot's UTC offset.
    offsets = {to_local(s.start).utcoffset() for s in avail.slots}
    return render_template("booking/day.html", site=site, avail=avail, day=day_, days=days,
                           accessible=accessible, policy=policy, dst_change=len(offsets) > 1,
                           day_label=lambda d: format_date(d, "EEEE, d MMMM"))


@bp.route("/sites/<slug>/book/new", methods=["GET", "POST"])
@access("resident")
def new(slug):
    """Book from the chosen slot: length and computer (any free one by default)."""
    site = get_site(slug)
    try:
        start = parse_aware(request.args.get("start", ""))
    except ValueError:
        flash(_("Choose a time from the list first."), "error")
        return redirect(url_for("booking.day", slug=slug))
    accessible = request.args.get("accessible") == "1"
    avail = day_availability(site, to_local(start).date(), accessible=accessible)
    slot = next((s for s in avail.slots if s.start == start), None)
    form = BookForm()
    longest = longest_from(avail, start, None)
    form.minutes.choices = [SelectChoice(m, _("%(n)d minutes", n=m))
                            for m in range(avail.slot_minutes, longest + 1, avail.slot_minutes)]
    free = [s for s in avail.seats if slot is not None and s.id in slot.free]
    form.seat.choices = [SelectChoice(0, _("Any free computer"))] + [
        SelectChoice(s.id, _("%(seat)s (accessible)", seat=s.name) if s.accessible else s.name)
        for s in free]
    status = 200
    if form.validate_on_submit():
        seat = next((s for s in free if s.id == form.seat.data), None)
        try:
            booking = services.create_booking(
                current_user, current_user, seat=seat, site=None if seat else site,
                accessible=accessible, start=start,
                end=start + timedelta(minutes=form.minutes.data), source="web")
            db.session.commit()
            flash(_("Booked. Your code is %(code)s.", code=display_code(booking.code)), "info")
            return redirect(url_for("booking.detail", booking_id=booking.id))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    elif request.method == "POST":
        status = 422
    return render_template("booking/new.html", site=site, start=start, form=form,
                           slot=slot, accessible=accessible,
                           bookable=bool(free and longest)), status


@bp.get("/bookings")
@access("resident")
def mine():
    """The resident's upcoming and past bookings, and the private calendar feed."""
    start_writing(db.session)  # the feed's key is made on the first visit
    upcoming = services.bookings_of(current_user, upcoming=True)
    past = services.bookings_of(current_user, upcoming=False, limit=20)
    token = feed_token(current_user)
    db.session.commit()
    return render_template("booking/mine.html", upcoming=upcoming, past=past,
                           feed_url=public_url("booking.calendar_feed", token=token),
                           status_label=services.status_label, display_code=display_code)


@bp.get("/bookings/<int:booking_id>")
@access("resident")
def detail(booking_id):
    """One booking: its code, seat and time, with cancel and calendar links."""
    booking = services.booking_of(current_user, booking_id)
    return render_template("booking/detail.html", booking=booking,
                           code=display_code(booking.code),
                           status_label=services.status_label)


@bp.post("/bookings/<int:booking_id>/cancel")
@access("resident")
def cancel(booking_id):
    """Cancel the resident's booking."""
    booking = services.booking_of(current_user, booking_id)
    try:
        services.cancel_booking(current_user, booking)
        db.session.commit()
        flash(_("The booking is cancelled."), "info")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("booking.mine"))


def _ics_reply(bookings, name: str, filename: str) -> Response:
    body = render_ics(bookings, public_host(), booking_summary,
                      lambda b: _("Booking code: %(code)s. Please come on time; the seat is "
                                  "released after the grace period.",
                                  code=display_code(b.code)), name)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store"})


@bp.get("/bookings/<int:booking_id>.ics")
@access("resident")
def ics(booking_id):
    """The booking as a calendar file."""
    booking = services.booking_of(current_user, booking_id)
    return _ics_reply([booking], _("Computer booking"), f"booking-{booking.id}.ics")


@bp.post("/bookings/calendar")
@access("resident")
def renew_feed():
    """Replace the private calendar feed URL; the old one stops working."""
    feed_token(current_user, renew=True)
    db.session.commit()
    flash(_("Your calendar address is new; the old one no longer works."), "info")
    return redirect(url_for("booking.mine"))


@bp.get("/calendar/<token>.ics")
@access("public")
def calendar_feed(token):
    """A resident's private calendar feed (the token in the URL is the key)."""
    user = user_for_feed(token)
    if user is None:
        abort(404)
    return _ics_reply(feed_bookings(user), _("Computer bookings"), "bookings.ics")


@bp.get("/rules")
@access("public")
def rules_page():
    """The site rules and the privacy notice that residents accept."""
    return render_template("booking/rules.html")
