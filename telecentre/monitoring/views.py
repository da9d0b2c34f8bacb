"""IT pages: the county at a glance, a site's devices, a device, the alerts."""
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from telecentre.alerts.services import acknowledge
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.monitoring import charts, history, overview
from telecentre.monitoring.alert_texts import alert_title, metric_label
from telecentre.monitoring.forms import DeviceDeleteForm, DeviceEditForm, DeviceForm
from telecentre.monitoring.services import (
    delete_device,
    get_device,
    save_device,
    update_device,
)
from telecentre.sites.services import get_site

bp = Blueprint("monitoring", __name__, url_prefix="/it")

GRAPHS = (  # (title, metrics drawn together)
    ("traffic", ("if_in_bps", "if_out_bps")),
    ("cpu", ("cpu_percent",)),
    ("storage", ("storage_max_percent", "memory_used_percent")),
    ("supplies", ("supply_min_percent",)),
    ("battery", ("ups_charge_percent", "ups_minutes_left")),
    ("temperature", ("temperature_c",)),
)
PERIODS = {"1": 1, "7": 7, "30": 30, "365": 365}


@bp.get("/health")
@access("it")
def county():
    """Seven sites, each green, amber or red, with device and alert counts."""
    return render_template("monitoring/county.html", sites=overview.county())


@bp.route("/health/<slug>", methods=["GET", "POST"])
@access("it")
def site(slug):
    """A site's devices with their status; POST adds a device."""
    site_ = get_site(slug)
    form = DeviceForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                save_device(current_user, site_, form.data, update=False)
                db.session.commit()
                flash(_("Device added; it will be discovered on the next sweep."), "info")
                return redirect(url_for("monitoring.site", slug=slug))
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                status = exc.status
        else:
            status = 422
    return render_template("monitoring/site.html", site=site_, form=form,
                           devices=overview.site_devices(site_),
                           alerts=overview.active_alerts(site=site_),
                           alert_title=alert_title), status


@bp.get("/devices/<int:device_id>")
@access("it")
def device(device_id):
    """One device: status, interfaces, supplies, alerts and graphs over a period."""
    device_ = get_device(device_id)
    days = PERIODS.get(request.args.get("days", "1"), 1)
    since = utcnow() - timedelta(days=days)
    present = set((device_.state.metrics if device_.state else {}) or {})
    graphs = []
    for name, metrics in GRAPHS:
        series = {metric_label(m): history.series(device_.id, m, since)
                  for m in metrics if m in present}
        svg = charts.line_chart(series, name) if series else None
        if svg:
            graphs.append((name, svg))
    return render_template("monitoring/device.html", device=device_, graphs=graphs, days=days,
                           alerts=overview.active_alerts(device=device_),
                           alert_title=alert_title, metric_label=metric_label)


@bp.route("/devices/<int:device_id>/edit", methods=["GET", "POST"])
@access("it")
def edit_device(device_id):
    """Change a device's name, kind, address, SNMP settings or credentials."""
    device_ = get_device(device_id)
    form = DeviceEditForm(obj=device_ if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            fields = {k: v for k, v in form.data.items() if k not in ("csrf_token", "enabled")}
            try:
                update_device(current_user, device_, fields, enabled=form.enabled.data)
                db.session.commit()
                flash(_("Device saved."), "info")
                return redirect(url_for("monitoring.device", device_id=device_.id))
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                status = exc.status
        else:
            status = 422
    return render_template("monitoring/edit_device.html", device=device_, form=form,
                           delete_form=DeviceDeleteForm(), site=device_.site), status


@bp.post("/devices/<int:device_id>/delete")
@access("it")
def remove_device(device_id):
    """Delete a device with its state and history (its alerts are resolved)."""
    device_ = get_device(device_id)
    form = DeviceDeleteForm()
    if not (form.validate_on_submit() and form.confirm.data):
        flash(_("Tick the box to confirm that the device and its history should be deleted."),
              "error")
        return render_template("monitoring/edit_device.html", device=device_,
                               form=DeviceEditForm(obj=device_), delete_form=form,
                               site=device_.site), 422
    site_ = device_.site
    name = device_.name
    delete_device(current_user, device_)
    db.session.commit()
    flash(_("Device %(name)s deleted.", name=name), "info")
    return redirect(url_for("monitoring.site", slug=site_.slug))


@bp.get("/alerts")
@access("it")
def alerts():
    """Every active SNMP alert in the county, newest first."""
    return render_template("monitoring/alerts.html", alerts=overview.active_alerts(),
                           alert_title=alert_title)


@bp.post("/alerts/<int:alert_id>/acknowledge")
@access("it")
def acknowledge_alert(alert_id):
    """Mark an alert as seen; it still resolves by itself when the problem clears."""
    acknowledge(current_user, alert_id)
    db.session.commit()
    flash(_("Alert acknowledged."), "info")
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/it/") else url_for("monitoring.alerts"))
