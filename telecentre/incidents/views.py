"""IT pages: the incident register, one incident, a new one (from an alert too), the CSV report."""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.time import local_minute_to_utc, to_local
from telecentre.extensions import db
from telecentre.incidents import services
from telecentre.incidents.forms import IncidentForm
from telecentre.sites.models import Site

bp = Blueprint("incidents", __name__, url_prefix="/it/incidents")


def _to_utc(local):
    """A naive local time from the form, as UTC (None stays None)."""
    if local is None:
        return None
    return local_minute_to_utc(local.date(), local.hour * 60 + local.minute)


def _local(value):
    return to_local(value).replace(tzinfo=None) if value else None


def _form(incident=None, prefill=None) -> IncidentForm:
    form = IncidentForm()
    form.sites.choices = [(s.slug, s.name) for s in db.session.scalars(
        select(Site).where(Site.active).order_by(Site.id))]
    if request.method == "GET":
        source = prefill or {}
        if incident is not None:
            source = {c: getattr(incident, c) for c in (
                "title", "description", "found_at", "sites", "significance", "actions",
                "reported_to_csirt", "csirt_reported_at", "csirt_reference", "status")}
        for name, value in source.items():
            if hasattr(form, name):
                getattr(form, name).data = _local(value) if name.endswith("_at") else value
    return form


def _save(form, incident, alert_id=None):
    """Validate and save; return (incident or None, status code)."""
    if not form.validate_on_submit():
        return None, 422
    try:
        saved = services.save_incident(
            current_user, incident, title=form.title.data, description=form.description.data,
            found_at=_to_utc(form.found_at.data), sites=form.sites.data or [],
            significance=form.significance.data, actions=form.actions.data,
            reported_to_csirt=form.reported_to_csirt.data,
            csirt_reported_at=_to_utc(form.csirt_reported_at.data),
            csirt_reference=form.csirt_reference.data, status=form.status.data,
            alert_id=alert_id)
        db.session.commit()
        return saved, 302
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None, exc.status


@bp.get("/")
@access("it")
def index():
    """The register: open incidents first, or every one with ``?all=1``."""
    everything = request.args.get("all") == "1"
    return render_template("incidents/index.html",
                           incidents=services.list_incidents(None if everything else "open"),
                           everything=everything, significance=services.significance_labels(),
                           states=services.status_labels())


@bp.route("/new", methods=["GET", "POST"])
@access("it")
def new():
    """Record an incident; ``?alert=N`` fills it in from that alert."""
    alert_id = request.args.get("alert", type=int)
    prefill = services.from_alert(alert_id) if alert_id else None
    form = _form(prefill=prefill)
    status = 200
    if request.method == "POST":
        saved, status = _save(form, None, alert_id)
        if saved is not None:
            flash(_("Incident %(n)d recorded.", n=saved.id), "info")
            return redirect(url_for("incidents.edit", incident_id=saved.id))
    return render_template("incidents/form.html", form=form, incident=None,
                           alert_id=alert_id), status


@bp.route("/<int:incident_id>", methods=["GET", "POST"])
@access("it")
def edit(incident_id):
    """One incident: update what was done, report to CSIRT, close."""
    incident = services.get_incident(incident_id)
    form = _form(incident)
    status = 200
    if request.method == "POST":
        saved, status = _save(form, incident)
        if saved is not None:
            flash(_("Incident %(n)d saved.", n=saved.id), "info")
            return redirect(url_for("incidents.edit", incident_id=saved.id))
    return render_template("incidents/form.html", form=form, incident=incident,
                           alert_id=incident.alert_id), status


@bp.get("/incidents.csv")
@access("it")
def report():
    """The whole register as CSV (semicolons and a BOM in Polish, for Excel and Calc)."""
    delimiter = ";" if str(get_locale()) in ("pl", "uk") else ","
    body = services.report_csv(services.list_incidents(), delimiter)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="incidents.csv"',
        "Cache-Control": "private, no-store"})
