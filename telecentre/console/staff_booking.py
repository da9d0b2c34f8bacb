"""Staff book a computer for a resident (a phone call, the desk): pick the resident, the
day, the time and a seat or "any free seat" of the site. The booking service does the
checking; the audit entry names the attendant (the acting user). The resident gets the
code on a printed slip, and by e-mail when the account has an address."""
import re
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from telecentre.auth.models import User
from telecentre.booking import rules, services
from telecentre.booking.codes import display_code
from telecentre.booking.models import Booking
from telecentre.common.access import access
from telecentre.common.errors import DomainError, InvalidInput
from telecentre.common.time import local_minute_to_utc, local_today, to_local
from telecentre.console import resolvers
from telecentre.console.notices import send_mail
from telecentre.console.residents import search_residents
from telecentre.extensions import db
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site

bp = Blueprint("staff_booking", __name__, url_prefix="/console/<slug>")
TIME_RE = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


class StaffBookingForm(FlaskForm):
    """The day, the time, how long and which computer."""

    resident = HiddenField(validators=[DataRequired()])
    day = DateField(_l("Day"), validators=[DataRequired()])
    time = StringField(_l("Start time (HH:MM)"), validators=[DataRequired(), Length(max=5)],
                       render_kw={"type": "time", "autocomplete": "off"})
    minutes = SelectField(_l("How long"), coerce=int, validate_choice=True)
    seat = SelectField(_l("Computer"), coerce=int, validate_choice=True)


def _resident(site, value) -> User | None:
    user = db.session.get(User, int(value)) if str(value or "").isdigit() else None
    return user if user is not None and resolvers.resident_known_at(site, user) else None


def _choices(form, site) -> list:
    policy = rules.current_policy(site)
    slot = policy.slot_minutes
    form.minutes.choices = [SelectChoice(m, ngettext("%(num)d minute", "%(num)d minutes", m))
                            for m in range(slot, policy.max_booking_minutes + 1, slot)]
    seats = services.candidate_seats(site)
    form.seat.choices = [SelectChoice(0, _("Any free computer"))] + [
        SelectChoice(s.id, _("%(seat)s (accessible)", seat=s.name) if s.accessible else s.name)
        for s in seats]
    return seats


def _start(day, text: str):
    match = TIME_RE.match((text or "").strip())
    if match is None:
        raise InvalidInput(_("Type the start time as HH:MM, e.g. 10:30."))
    return local_minute_to_utc(day, int(match.group(1)) * 60 + int(match.group(2)))


@bp.route("/book", methods=["GET", "POST"])
@access("staff", site=site_from_slug)
def new(slug):
    """Find the resident (``?q=``), then book (``?resident=ID``) at this site."""
    site = get_site(slug)
    query, found, error = request.args.get("q", ""), [], None
    if query:
        try:
            found = search_residents(site, query)
        except DomainError as exc:
            error = exc.message
    form = StaffBookingForm()
    resident = _resident(site, request.values.get("resident") or form.resident.data)
    seats = _choices(form, site)
    status = 422 if error else 200
    if request.method == "GET":
        form.day.data = form.day.data or local_today()
        if resident is not None:
            form.resident.data = str(resident.id)
    elif resident is None:
        flash(_("There is no such resident at this site."), "error")
        status = 422
    elif form.validate_on_submit():
        seat = next((s for s in seats if s.id == form.seat.data), None)
        try:
            start = _start(form.day.data, form.time.data)
            booking = services.create_booking(
                current_user, resident, seat=seat, site=None if seat else site, start=start,
                end=start + timedelta(minutes=form.minutes.data), source="desk")
            mailed = _mail_code(booking)  # goes out once the booking is committed
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
        else:
            flash(_("Booked for %(name)s. The code is %(code)s.", name=resident.display_name,
                    code=display_code(booking.code)), "info")
            if mailed:
                flash(_("The code is on its way to %(email)s.", email=resident.email), "info")
            return redirect(url_for("staff_booking.slip", slug=slug, booking_id=booking.id))
    else:
        status = 422
    return render_template("console/staff_booking.html", site=site, form=form,
                           resident=resident, query=query, found=found, error=error), status


def _mail_code(booking: Booking) -> bool:
    """E-mail the booking code to the resident when the account has an address."""
    resident = booking.resident
    if not resident.email:
        return False
    from flask import current_app
    with force_locale(resident.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = _("Your computer is booked at %(site)s: %(seat)s, %(day)s from %(start)s to "
                 "%(end)s.\n\nYour booking code: %(code)s\n\nType the code on the computer's "
                 "screen to start. If you cannot come, cancel the booking on the website or "
                 "call the site.", site=booking.seat.site.name, seat=booking.seat.name,
                 day=to_local(booking.start).strftime("%Y-%m-%d"),
                 start=to_local(booking.start).strftime("%H:%M"),
                 end=to_local(booking.end).strftime("%H:%M"), code=display_code(booking.code))
        subject = _("Telecentre: your booking code")
    return send_mail(resident.email, subject, body)


@bp.get("/bookings/<int:booking_id>/slip")
@access("staff", site=resolvers.booking_site)
def slip(slug, booking_id):
    """A printable slip with the booking code for the resident."""
    booking = db.session.get(Booking, booking_id)
    return render_template("console/booking_slip.html", site=get_site(slug), booking=booking,
                           code=display_code(booking.code), local=to_local)
