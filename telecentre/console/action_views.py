"""The attendant's actions (forms posted from the console): each calls one service,
commits, flashes what happened (or why not) and goes back to the page it came from."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from telecentre.auth.models import User
from telecentre.booking import queue, services as booking_services
from telecentre.booking.models import Booking, QueueEntry
from telecentre.common.access import access
from telecentre.common.errors import DomainError, NotFound
from telecentre.console import actions, outofservice, queue_desk, resolvers
from telecentre.console.resolvers import resident_known_at
from telecentre.console.views import page_context
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.impact import impact_of
from telecentre.sessions.models import UsageSession
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site

bp = Blueprint("console_actions", __name__, url_prefix="/console/<slug>")


def _back(slug):
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if not target.startswith("/") or parts.scheme or parts.netloc:
        target = url_for("console.room", slug=slug)  # never off the site
    return redirect(target)


def _run(slug, func, *args, message=None):
    """Call a service; commit and flash ``message(result)``, or roll back and flash why."""
    try:
        result = func(current_user, *args)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        if message:
            flash(message(result), "info")
    return _back(slug)


def _back_url(slug) -> str:
    """Return where the action's form came from (never off the site)."""
    return _back(slug).location


def _confirmed() -> bool:
    """Return True when the form carries the confirmation step's flag."""
    return request.form.get("confirm") == "yes"


def _ask_first(slug, question: str, button: str, seats, *, bookings: bool = False,
               fields=("reason", "next")):
    """Render the confirmation step: what the action would hit, nothing done yet. Its form
    posts the same fields back to the same URL with ``confirm=yes``."""
    impact = impact_of([s for s in seats if s is not None], bookings=bookings)
    kept = [(name, request.form.get(name, "")) for name in fields if name in request.form]
    return render_template("console/confirm.html", **page_context(get_site(slug)),
                           question=question, button=button, impact=impact,
                           action=request.path, fields=kept, back=_back_url(slug))


def _resident(site, resident_id) -> User:
    user = db.session.get(User, int(resident_id)) if str(resident_id).isdigit() else None
    if user is None or not resident_known_at(site, user):
        raise NotFound(_("There is no such resident at this site."))
    return user


@bp.post("/bookings/<int:booking_id>/check-in")
@access("staff", site=resolvers.booking_site)
def check_in(slug, booking_id):
    """Check a booking in (the resident has arrived)."""
    booking = db.session.get(Booking, booking_id)
    return _run(slug, booking_services.check_in, booking,
                message=lambda b: _("%(name)s is checked in at %(seat)s.",
                                    name=b.resident.display_name, seat=b.seat.name))


@bp.post("/seats/<int:seat_id>/walk-in")
@access("staff", site=resolvers.seat_site)
def walk_in(slug, seat_id):
    """Start a session on the seat for a resident found by name or card."""
    try:
        resident = _resident(get_site(slug), request.form.get("resident_id", ""))
    except DomainError as exc:
        flash(exc.message, "error")
        return _back(slug)
    return _run(slug, actions.start_walk_in, db.session.get(Seat, seat_id), resident,
                message=lambda s: _("%(seat)s is unlocked for %(name)s (%(minutes)d min).",
                                    seat=s.seat.name, name=resident.display_name,
                                    minutes=s.minutes_granted))


@bp.post("/sessions/<int:session_id>/extend")
@access("staff", site=resolvers.session_site)
def extend(slug, session_id):
    """Give the running session more minutes."""
    usage = db.session.get(UsageSession, session_id)
    minutes = request.form.get("minutes", "")
    return _run(slug, actions.extend_session, usage, minutes,
                message=lambda c: ngettext("%(seat)s gets %(num)d more minute.",
                                           "%(seat)s gets %(num)d more minutes.",
                                           int(c.args["minutes"]), seat=usage.seat.name))


@bp.post("/sessions/<int:session_id>/end")
@access("staff", site=resolvers.session_site)
def end(slug, session_id):
    """End the running session (after a confirmation step listing who sits there)."""
    usage = db.session.get(UsageSession, session_id)
    if not _confirmed() and usage.ended_at is None:
        return _ask_first(slug, _("End the session at %(seat)s?", seat=usage.seat.name),
                          _("Yes, end the session"), [usage.seat])
    return _run(slug, actions.end_session, usage, request.form.get("reason", ""),
                message=lambda _r: _("The session at %(seat)s is ending.", seat=usage.seat.name))


@bp.post("/seats/<int:seat_id>/message")
@access("staff", site=resolvers.seat_site)
def message(slug, seat_id):
    """Show a message on the seat's screen."""
    seat = db.session.get(Seat, seat_id)
    return _run(slug, actions.send_message, seat, request.form.get("text", ""),
                message=lambda _c: _("The message is on its way to %(seat)s.", seat=seat.name))


@bp.post("/seats/<int:seat_id>/lock")
@access("staff", site=resolvers.seat_site)
def lock(slug, seat_id):
    """Lock the seat's screen (asks first when that ends a running session)."""
    seat = db.session.get(Seat, seat_id)
    if not _confirmed() and actions.running_session(seat) is not None:
        return _ask_first(slug, _("Lock %(seat)s and end the session running there?",
                                  seat=seat.name), _("Yes, lock it"), [seat])
    return _run(slug, actions.lock_seat, seat,
                message=lambda _c: _("%(seat)s is being locked.", seat=seat.name))


@bp.post("/seats/<int:seat_id>/out-of-service")
@access("staff", site=resolvers.seat_site)
def out_of_service(slug, seat_id):
    """Take the seat out of service; its bookings move or are cancelled (after a
    confirmation step listing them)."""
    seat = db.session.get(Seat, seat_id)
    reason = request.form.get("reason", "").strip()
    will_go = seat.in_service and 3 <= len(reason) <= 300 and \
        actions.running_session(seat) is None  # else the service refuses, changing nothing
    if not _confirmed() and will_go:
        return _ask_first(slug, _("Take %(seat)s out of service?", seat=seat.name),
                          _("Yes, take it out of service"), [seat], bookings=True)
    return _run(slug, outofservice.take_out_of_service, seat, request.form.get("reason", ""),
                message=lambda o: _("%(seat)s is out of service: %(moved)d booking(s) moved, "
                                    "%(cancelled)d cancelled; the residents are told.",
                                    seat=seat.name, moved=len(o.moved),
                                    cancelled=len(o.cancelled)))


@bp.post("/seats/<int:seat_id>/in-service")
@access("staff", site=resolvers.seat_site)
def in_service(slug, seat_id):
    """Bring the seat back into service."""
    seat = db.session.get(Seat, seat_id)
    return _run(slug, outofservice.back_in_service, seat,
                message=lambda _r: _("%(seat)s is back in service.", seat=seat.name))


@bp.post("/queue")
@access("staff", site=site_from_slug)
def queue_add(slug):
    """Put a resident of the site in the walk-in queue."""
    site = get_site(slug)
    try:
        resident = _resident(site, request.form.get("resident_id", ""))
    except DomainError as exc:
        flash(exc.message, "error")
        return _back(slug)
    return _run(slug, queue.join_queue, site, resident,
                message=lambda _e: _("%(name)s is in the queue.", name=resident.display_name))


@bp.post("/queue/call-next")
@access("staff", site=site_from_slug)
def queue_call_next(slug):
    """Give the first in line the computer that is free for them."""
    return _run(slug, queue_desk.call_next, get_site(slug), message=_called)


def _called(result) -> str:
    """The flash after 'call next': who goes where, and who was passed over and why."""
    _entry, booking, passed_over = result
    text = _("%(name)s: please go to %(seat)s (code %(code)s).",
             name=booking.resident.display_name, seat=booking.seat.name, code=booking.code)
    for name, why in passed_over:
        text += " " + _("%(name)s keeps their place but cannot take it now: %(reason)s",
                        name=name, reason=why)
    return text


@bp.post("/queue/<int:entry_id>/remove")
@access("staff", site=resolvers.queue_entry_site)
def queue_remove(slug, entry_id):
    """Take a resident out of the queue."""
    entry = db.session.get(QueueEntry, entry_id)
    return _run(slug, queue.leave_queue, entry, message=lambda _r: _("Removed from the queue."))
