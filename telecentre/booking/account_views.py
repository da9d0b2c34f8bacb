"""Residents' accounts on the web: register, sign in with card and PIN, the walk-in queue."""
from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from telecentre.audit.services import record
from telecentre.booking import queue, residents
from telecentre.booking.codes import display_code
from telecentre.booking.forms import CardLoginForm, RegisterForm
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.db import start_writing
from telecentre.common.time import to_local
from telecentre.common.ratelimit import failed
from telecentre.extensions import db, limiter
from telecentre.sites.services import get_site

bp = Blueprint("residents", __name__)


@bp.route("/register", methods=["GET", "POST"])
@access("public")
@limiter.limit(lambda: current_app.config.get("RATELIMIT_REGISTER", "5 per minute;30 per hour"),
               methods=["POST"])
def register():
    """Create a resident's account and sign in."""
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = residents.register_resident(
                form.login.data, form.password.data, display_name=form.display_name.data,
                email=form.email.data, phone=form.phone.data, consent=form.consent.data)
            db.session.commit()
            login_user(user)
            flash(_("Welcome! Choose a site to book a computer."), "info")
            return redirect(url_for("booking.sites"))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    elif request.method == "POST":
        status = 422
    return render_template("booking/register.html", form=form), status


@bp.route("/login/card", methods=["GET", "POST"])
@access("public")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"],
               deduct_when=failed)
@limiter.limit(lambda: current_app.config["RATELIMIT_PIN_FAILURES"], methods=["POST"],
               deduct_when=failed, scope="pin-failures")
def card_login():
    """Sign in with the card number and PIN from the desk."""
    form = CardLoginForm()
    if form.validate_on_submit():
        user = residents.authenticate_card(form.card.data, form.pin.data)
        if user is None:
            db.session.commit()
            flash(_("Wrong card number or PIN."), "error")
            return render_template("booking/card_login.html", form=form), 401
        login_user(user)
        record(user, "auth.login_card", target=user, site=user.site_id)
        db.session.commit()
        return redirect(url_for("booking.mine"))
    status = 422 if request.method == "POST" else 200
    return render_template("booking/card_login.html", form=form), status


@bp.route("/sites/<slug>/queue", methods=["GET", "POST"])
@access("resident")
def site_queue(slug):
    """The walk-in queue of a site: join, see the place in line, take the offered seat, leave."""
    site = get_site(slug)
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "join":
                queue.join_queue(current_user, site, current_user)
                flash(_("You are in the queue."), "info")
            elif action == "leave":
                queue.leave_queue(current_user, queue.entry_of(current_user, site))
                flash(_("You left the queue."), "info")
            elif action == "accept":
                booking = queue.accept_offer(current_user, queue.entry_of(current_user, site))
                db.session.commit()
                flash(_("The computer is yours. Your code is %(code)s.",
                        code=display_code(booking.code)), "info")
                return redirect(url_for("booking.detail", booking_id=booking.id))
            else:
                flash(_("Choose what to do."), "error")
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        return redirect(url_for("residents.site_queue", slug=slug))
    return render_template("booking/queue.html", **_queue_state(site),
                           poll_seconds=current_app.config["QUEUE_POLL_SECONDS"])


def _queue_state(site) -> dict:
    """Move the queue along (a GET that writes), then return the resident's place in it."""
    start_writing(db.session)
    queue.offer_free_seats(site)
    db.session.commit()
    entry = queue.active_entry(site, current_user)
    position = queue.position(entry) if entry else None
    waiting = len([e for e in queue.waiting(site) if e.status == "waiting"])
    status = entry.status if entry else "none"
    offered = entry is not None and entry.status == "offered"
    version = "|".join(str(v) for v in (
        status, position, waiting, entry.offered_seat_id if offered else "",
        entry.offered_until.isoformat() if offered else ""))
    return {"site": site, "entry": entry, "position": position, "waiting": waiting,
            "status": status, "version": version}


@bp.get("/sites/<slug>/queue/state")
@access("resident")
def site_queue_state(slug):
    """The resident's place in the queue as JSON, with the panel's HTML (for queue.js)."""
    state = _queue_state(get_site(slug))
    entry = state["entry"]
    offered = state["status"] == "offered"
    reply = jsonify(
        status=state["status"], position=state["position"], waiting=state["waiting"],
        offered_seat=entry.offered_seat.name if offered else None,
        offered_until=to_local(entry.offered_until).isoformat() if offered else None,
        version=state["version"], html=render_template("booking/_queue_panel.html", **state))
    reply.headers["Cache-Control"] = "no-store"
    return reply
