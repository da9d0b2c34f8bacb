"""IT pages: alert routes (who hears of which alerts), the messages sent, one alert."""
from datetime import time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from telecentre.alerts import services
from telecentre.alerts.deliveries import queue
from telecentre.alerts.forms import ConfirmForm, RouteForm
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.labels import DELIVERY_STATES
from telecentre.extensions import db
from telecentre.sites.models import Site

bp = Blueprint("alerts", __name__, url_prefix="/it")


@bp.app_template_filter("masked_url")
def masked_url(url: str | None) -> str:
    """A webhook's address with its path hidden: the path of an incoming webhook is its
    secret (Slack, Teams, Mattermost), and lists are read over shoulders."""
    from urllib.parse import urlsplit
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path.strip("/") else url


def _sites() -> dict:
    return {s.id: s for s in db.session.scalars(select(Site).order_by(Site.id))}


def _route_form(route=None) -> RouteForm:
    form = RouteForm(obj=route if request.method == "GET" else None)
    form.site_ids.choices = [(str(i), s.name) for i, s in _sites().items()]
    form.kinds.choices = [(code, str(text)) for code, text in services.route_kinds().items()]
    if request.method == "GET" and route is not None:
        form.site_ids.data = [str(i) for i in route.site_ids or []]
        form.emails.data = "\n".join(route.emails or [])
        form.phones.data = "\n".join(route.phones or [])
        for name in ("quiet_start", "quiet_end"):
            value = getattr(route, name)
            getattr(form, name).data = time.fromisoformat(value) if value else None
    return form


def _route_page(route):
    """Show the route form; on POST save it and go back to the list."""
    form = _route_form(route)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                saved = services.save_route(current_user, route, form.values())
                db.session.commit()
                flash(_("Alert route %(name)s saved.", name=saved.name), "info")
                return redirect(url_for("alerts.routes"))
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                status = exc.status
        else:
            status = 422
    return render_template("alerts/route.html", form=form, route=route,
                           delete_form=ConfirmForm()), status


@bp.get("/alert-routes")
@access("it")
def routes():
    """Every alert route: what it matches, where it sends, quiet hours and repeats."""
    return render_template("alerts/routes.html", routes=services.list_routes(), sites=_sites(),
                           kinds=services.route_kinds())


@bp.route("/alert-routes/new", methods=["GET", "POST"])
@access("it")
def new_route():
    """Add an alert route."""
    return _route_page(None)


@bp.route("/alert-routes/<int:route_id>", methods=["GET", "POST"])
@access("it")
def edit_route(route_id):
    """Change an alert route."""
    return _route_page(services.get_route(route_id))


@bp.post("/alert-routes/<int:route_id>/delete")
@access("it")
def delete_route(route_id):
    """Delete an alert route (the messages it sent stay listed)."""
    route = services.get_route(route_id)
    if ConfirmForm().validate_on_submit():
        name = route.name
        services.delete_route(current_user, route)
        db.session.commit()
        flash(_("Alert route %(name)s deleted.", name=name), "info")
    return redirect(url_for("alerts.routes"))


@bp.get("/alert-deliveries")
@access("it")
def deliveries():
    """The latest alert messages with their state and error; ``?status=failed`` filters."""
    status = request.args.get("status")
    status = status if status in DELIVERY_STATES else None
    return render_template("alerts/deliveries.html", status=status,
                           deliveries=services.list_deliveries(status), form=ConfirmForm())


@bp.get("/alerts/<int:alert_id>")
@access("it")
def alert(alert_id):
    """One alert and every message sent about it."""
    alert_ = services.get_alert(alert_id)
    return render_template("alerts/alert.html", alert=alert_, site=_sites().get(alert_.site_id),
                           deliveries=services.list_deliveries(alert_id=alert_.id),
                           form=ConfirmForm())


@bp.post("/alert-deliveries/<int:delivery_id>/retry")
@access("it")
def retry(delivery_id):
    """Try a failed (or waiting) message again now."""
    if ConfirmForm().validate_on_submit():
        try:
            services.retry_delivery(current_user, delivery_id)
            db.session.commit()
            queue([delivery_id])
            flash(_("The message is being sent again."), "info")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/it/") else url_for("alerts.deliveries"))
