"""Residents' pages: choose a site and a slot, book, see and cancel bookings, calendars."""
from datetime import datetime, timedelta

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   url_for)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext
from flask_login import current_user
from wtforms import SelectChoice

from telecentre.booking import rules, services
from telecentre.booking.availability import (bookings_elsewhere, day_availability, grid_columns,
                                             longest_from, opening_day, refusal, seat_grid)
from telecentre.booking.calendar import (booking_summary, feed_bookings, feed_token,
                                         render_ics, user_for_feed)
from telecentre.booking.codes import display_code
from telecentre.booking.forms import BookForm
from telecentre.booking.rules import current_policy
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.time import local_day_bounds, local_today, parse_aware, to_local
from telecentre.common.urls import public_host, public_url
from telecentre.common.db import start_writing
from telecentre.extensions import db
from telecentre.sites.services import get_site, list_sites

bp = Blueprint("booking", __name__)


@bp.get("/book")
@access("public")
def sites():
    """Choose a site to book at."""
    return render_template("booking/sites.html", sites=list_sites())


def _day_arg(site):
    """Return the chosen day, or the day the page opens on: today, or after closing time the
    next day the site opens."""
    text = request.args.get("date")
    try:
        return datetime.strptime(text, "%Y-%m-%d").date() if text else opening_day(site)
    except ValueError:
        flash(_("Write the date as YYYY-MM-DD."), "error")
        return opening_day(site)


@bp.get("/sites/<slug>/book")
@access("public")
def day(slug):
    """The seat × time grid of a day at a site: each cell free, booked, yours, closed or past."""
    site = get_site(slug)
    day_ = _day_arg(site)
    accessible = request.args.get("accessible") == "1"
    earlier = request.args.get("earlier") == "1"
    avail = day_availability(site, day_, accessible=accessible)
    today = local_today()
    policy = current_policy(site)
    last_day = today + timedelta(days=policy.days_ahead)
    rows = seat_grid(avail, site, current_user)
    over = [r for r in rows if all(c.state == "past" for c in r.cells)]
    shown = rows if earlier else [r for r in rows if r not in over]
    next_open = None
    if not shown or day_ < today:
        after = max(day_, today - timedelta(days=1))
        next_open = opening_day(site, local_day_bounds(after + timedelta(days=1))[0])
        if next_open <= after or next_open > last_day:
            next_open = None
    # On the DST change days a wall time can repeat (October): show each slot's UTC offset.
    offsets = {to_local(s.start).utcoffset() for s in avail.slots}
    return render_template(
        "booking/day.html", site=site, avail=avail, day=day_, rows=shown,
        columns=grid_columns(avail), labels=cell_labels(),
        elsewhere=bookings_elsewhere(current_user, site, day_),
        hidden=0 if earlier else len(over), earlier=earlier, accessible=accessible,
        policy=policy, dst_change=len(offsets) > 1, today=today, last_day=last_day,
        closed=rules.closed_reason(site, day_), next_open=next_open,
        previous_day=day_ - timedelta(days=1) if day_ > today else None,
        next_day=day_ + timedelta(days=1) if day_ < last_day else None,
        day_label=lambda d: format_date(d, "EEEE, d MMMM y"))


def cell_labels() -> dict[str, str]:
    """Return the word that names each state of a grid cell (a seat in one slot)."""
    return {"free": pgettext("seat in a slot", "free"),
            "booked": pgettext("seat in a slot", "taken"),
            "yours": pgettext("seat in a slot", "yours"),
            "closed": pgettext("seat in a slot", "closed"),
            "past": pgettext("seat in a slot", "past")}


def _seat_arg(avail):
    """Return the seat chosen in the grid (None for any free seat)."""
    text = request.args.get("seat", "")
    seat_id = int(text) if text.isdigit() else 0
    return next((s for s in avail.seats if s.id == seat_id), None)


@bp.route("/sites/<slug>/book/new", methods=["GET", "POST"])
@access("resident")
def new(slug):
    """Confirm a booking from the chosen cell: length (the longest allowed by default) and
    computer (the one picked, or any free one); or say which rule refuses it."""
    site = get_site(slug)
    try:
        start = parse_aware(request.args.get("start", ""))
    except ValueError:
        flash(_("Choose a time from the list first."), "error")
        return redirect(url_for("booking.day", slug=slug))
    accessible = request.args.get("accessible") == "1"
    avail = day_availability(site, to_local(start).date(), accessible=accessible)
    slot = next((s for s in avail.slots if s.start == start), None)
    chosen = _seat_arg(avail)
    form = BookForm()
    longest = longest_from(avail, start, chosen.id if chosen else None)
    longest = min(longest, rules.minutes_allowed(current_user, current_policy(site), start))
    longest -= longest % avail.slot_minutes
    form.minutes.choices = [SelectChoice(m, ngettext("%(num)d minute", "%(num)d minutes", m))
                            for m in range(avail.slot_minutes, longest + 1, avail.slot_minutes)]
    free = [s for s in avail.seats if slot is not None and s.id in slot.free]
    form.seat.choices = [SelectChoice(0, _("Any free computer"))] + [
        SelectChoice(s.id, _("%(seat)s (accessible)", seat=s.name) if s.accessible else s.name)
        for s in free]
    if request.method == "GET":
        form.minutes.data = longest  # the longest the policy and the free time allow
        form.seat.data = chosen.id if chosen in free else 0
    refused = refusal(current_user, site, chosen, start,
                      start + timedelta(minutes=avail.slot_minutes), accessible=accessible)
    status = 200
    if refused is None and form.validate_on_submit():
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
        status = refused.status if refused is not None else 422
    return render_template("booking/new.html", site=site, start=start, form=form,
                           slot=slot, accessible=accessible, chosen=chosen, refused=refused,
                           bookable=bool(refused is None and free and longest)), status


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
