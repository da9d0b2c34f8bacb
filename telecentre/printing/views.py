"""The attendant's print queue actions and the printing settings page (IT, admins).

The queue itself is a panel of the console's room page (``printing/_panel.html``,
filled by ``services.desk_panel``); its forms post here and come back there.
"""
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.extensions import db
from telecentre.monitoring.models import Device
from telecentre.printing import services
from telecentre.printing.forms import PrintSettingsForm
from telecentre.printing.models import PrintJob
from telecentre.sites.models import Site
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site

bp = Blueprint("printing", __name__)


def print_job_site(slug: str, print_job_id: int, **_ignored) -> Site | None:
    """Return the site of ``slug`` when the print job was printed there (else None → 404)."""
    site = site_from_slug(slug)
    job = db.session.get(PrintJob, print_job_id)
    return site if site is not None and job is not None and job.site_id == site.id else None


DESK_ACTIONS = {
    "release": (lambda job: services.release(current_user, job, "desk"),
                lambda job: _("The print job of %(pages)d pages is released.", pages=job.pages)),
    "cancel": (lambda job: services.cancel(current_user, job, "desk"),
               lambda job: _("The print job is cancelled.")),
    "paid": (lambda job: services.mark_paid(current_user, job),
             lambda job: _("The print job is marked as paid.")),
}


@bp.post("/console/<slug>/print-jobs/<int:print_job_id>/<any(release, cancel, paid):action>")
@access("staff", site=print_job_site)
def desk_action(slug, print_job_id, action):
    """Release, cancel or mark paid a job of the site's print queue, back to the console."""
    run, message = DESK_ACTIONS[action]
    try:
        job = run(db.session.get(PrintJob, print_job_id))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(message(job), "info")
    return redirect(url_for("console.room", slug=slug) + "#print-queue-title")


def _grosze(value) -> int:
    return int((Decimal(value or 0) * 100).to_integral_value())


@bp.route("/printing/<slug>/settings", methods=["GET", "POST"])
@access("it", site=site_from_slug)
def settings(slug):
    """The site's print server, held queues, printer, allowance and prices."""
    site = get_site(slug)
    current = services.settings_of(site)
    form = PrintSettingsForm(obj=current if request.method == "GET" else None)
    printers = db.session.scalars(select(Device).where(
        Device.site_id == site.id, Device.kind == "printer").order_by(Device.name)).all()
    form.printer_device_id.choices = [SelectChoice(0, _("none"))] + [
        SelectChoice(d.id, d.name) for d in printers]
    if request.method == "GET":
        form.queues.data = ", ".join(current.queues or [])
        form.printer_device_id.data = current.printer_device_id or 0
        form.price_mono.data = Decimal(current.price_mono) / 100
        form.price_colour.data = Decimal(current.price_colour) / 100
    status = 200
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in (
            "enabled", "cups_host", "cups_port", "printer_device_id", "purge_minutes",
            "free_pages", "period", "guest_free_pages", "over_allowance")}
        values["cups_host"] = (values["cups_host"] or "").strip()
        values["queues"] = [q.strip() for q in (form.queues.data or "").split(",") if q.strip()]
        values["price_mono"] = _grosze(form.price_mono.data)
        values["price_colour"] = _grosze(form.price_colour.data)
        try:
            services.save_settings(current_user, current, values)
            db.session.commit()
            flash(_("The printing settings are saved."), "info")
            return redirect(url_for("printing.settings", slug=slug))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    elif request.method == "POST":
        status = 422
    return render_template("printing/settings.html", site=site, form=form), status
