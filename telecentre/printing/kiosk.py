"""Releasing prints at the site's kiosk: sign in with card and PIN, release or cancel.

The page is public because it carries the card sign-in itself; the actions
act only on the signed-in resident's own jobs at this site. The kiosk's idle
timer (``kiosk-idle.js``) signs the resident out as on the other kiosk pages.
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from telecentre.audit.services import record
from telecentre.booking import residents
from telecentre.booking.forms import CardLoginForm
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.ratelimit import failed
from telecentre.common.time import utcnow
from telecentre.extensions import db, limiter
from telecentre.printing import services
from telecentre.printing.models import PrintJob
from telecentre.sites.services import get_site

bp = Blueprint("kiosk_print", __name__, url_prefix="/kiosk/<slug>/print")


def _resident():
    return current_user if current_user.is_authenticated and current_user.role == "resident" \
        else None


@bp.route("", methods=["GET", "POST"])
@access("public")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"],
               deduct_when=failed)
@limiter.limit(lambda: current_app.config["RATELIMIT_PIN_FAILURES"], methods=["POST"],
               deduct_when=failed, scope="pin-failures")
def page(slug):
    """The resident's held jobs at this site, or the card sign-in that leads to them."""
    site = get_site(slug)
    form, status = CardLoginForm(), 200
    if request.method == "POST":
        valid = form.validate_on_submit()
        user = residents.authenticate_card(form.card.data, form.pin.data) if valid else None
        if user is not None:
            login_user(user)
            record(user, "auth.login_card", target=user, site=site, details={"kiosk": True})
            db.session.commit()
            return redirect(url_for("kiosk_print.page", slug=slug))
        db.session.commit()
        flash(_("Wrong card number or PIN."), "error")
        status = 401 if valid else 422
    resident, settings = _resident(), services.settings_of(site)
    jobs = []
    if resident is not None and settings.enabled:
        now = utcnow()
        jobs = [(job, *services.quote(job, settings, now))
                for job in services.held_jobs(site.id, user_id=resident.id)]
    return render_template("printing/kiosk.html", site=site, form=form, resident=resident,
                           settings=settings, jobs=jobs,
                           idle_seconds=site.policy.kiosk_idle_seconds), status


@bp.post("/<int:print_job_id>/<any(release, cancel):action>")
@access("public")
def act(slug, print_job_id, action):
    """Release or cancel one of the signed-in resident's own jobs."""
    site = get_site(slug)
    resident = _resident()
    try:
        if resident is None:
            raise DomainError(_("Sign in with your card first."), status=401)
        job = services.check_owner(db.session.get(PrintJob, print_job_id), user=resident)
        if job.site_id != site.id:
            raise services.NotFound(_("There is no such print job."))
        if action == "release":
            services.release(resident, job, "kiosk")
            message = _("Your print job is released: collect it from the printer.")
        else:
            services.cancel(resident, job, "kiosk")
            message = _("Your print job is cancelled.")
        db.session.commit()
        flash(message, "info")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("kiosk_print.page", slug=slug))
