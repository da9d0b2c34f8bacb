"""Opening, acknowledging and resolving alerts; the routes that say who hears of them."""
import re

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.alerts.deliveries import check_webhook_url
from telecentre.alerts.models import WEBHOOK_FORMATS, Alert, AlertDelivery, AlertRoute
from telecentre.alerts.routing import SEVERITY_RANK
from telecentre.audit.services import record
from telecentre.common.errors import Conflict, InvalidInput, NotFound
from telecentre.common.time import utcnow
from telecentre.extensions import db


def active_alert(key: str) -> Alert | None:
    """Return the open or acknowledged alert with ``key``, if any."""
    return db.session.scalar(select(Alert).where(Alert.key == key, Alert.status != "resolved"))


def open_alert(key: str, *, source: str, title: str, site=None, severity: str = "warning",
               details: dict | None = None) -> tuple[Alert, bool]:
    """Open the alert ``key`` or refresh the one already active; return (alert, newly_opened)."""
    now = utcnow()
    alert = active_alert(key)
    if alert is not None:
        alert.last_seen_at = now
        alert.severity = severity
        alert.title = title
        if details is not None:
            alert.details = details
        db.session.flush()
        return alert, False
    alert = Alert(key=key, source=source, title=title, severity=severity,
                  site_id=getattr(site, "id", site), details=details or {},
                  opened_at=now, last_seen_at=now)
    db.session.add(alert)
    db.session.flush()
    return alert, True


def resolve_alert(key: str) -> Alert | None:
    """Resolve the active alert ``key``; return it, or None when none was active."""
    alert = active_alert(key)
    if alert is not None:
        alert.status = "resolved"
        alert.resolved_at = utcnow()
        db.session.flush()
    return alert


def acknowledge(actor, alert_id: int) -> Alert:
    """Mark an active alert as seen by ``actor``; raise NotFound for an unknown or resolved one."""
    alert = db.session.get(Alert, alert_id)
    if alert is None or alert.status == "resolved":
        raise NotFound(_("There is no active alert with this number."))
    if alert.status == "open":
        alert.status = "acknowledged"
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by_id = actor.id
        record(actor, "alert.acknowledge", target=alert, site=alert.site_id)
    return alert


# ------------------------------------------------------------------ routes and deliveries

ROUTE_FIELDS = ("name", "enabled", "site_ids", "kinds", "min_severity", "emails", "phones",
                "webhook_url", "webhook_format", "quiet_start", "quiet_end",
                "critical_bypasses_quiet", "repeat_minutes", "notify_resolved")
EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


def route_kinds() -> dict:
    """The kinds a route may match: device kinds, then alert sources (code → label)."""
    from telecentre.common.labels import ALERT_SOURCES, DEVICE_KINDS
    return {**DEVICE_KINDS, **ALERT_SOURCES}


def list_routes() -> list[AlertRoute]:
    """Every alert route, by name."""
    return list(db.session.scalars(select(AlertRoute).order_by(AlertRoute.name, AlertRoute.id)))


def get_route(route_id: int) -> AlertRoute:
    """The route ``route_id``; raise NotFound."""
    route = db.session.get(AlertRoute, route_id)
    if route is None:
        raise NotFound(_("There is no alert route with this number."))
    return route


def _check_route(values: dict) -> dict:
    """Clean and check a route's values; raise InvalidInput with the first problem."""
    from telecentre.common.sms import normalise_phone
    from telecentre.sites.models import Site
    values = dict(values)
    values["name"] = (values.get("name") or "").strip()
    if not values["name"] or len(values["name"]) > 100:
        raise InvalidInput(_("Give the route a name of at most 100 characters."))
    known = set(db.session.scalars(select(Site.id)))
    values["site_ids"] = sorted({int(s) for s in values.get("site_ids") or []})
    if not set(values["site_ids"]) <= known:
        raise InvalidInput(_("Choose sites from the list."))
    values["kinds"] = sorted(set(values.get("kinds") or []))
    if not set(values["kinds"]) <= set(route_kinds()):
        raise InvalidInput(_("Choose kinds from the list."))
    if values.get("min_severity") not in SEVERITY_RANK:
        raise InvalidInput(_("Choose a severity from the list."))
    values["emails"] = [e.strip() for e in values.get("emails") or [] if e.strip()]
    bad = [e for e in values["emails"] if not EMAIL.fullmatch(e)]
    if bad:
        raise InvalidInput(_("This is not an e-mail address: %(value)s", value=bad[0]))
    phones = [p.strip() for p in values.get("phones") or [] if p.strip()]
    bad = [p for p in phones if normalise_phone(p) is None]
    if bad:
        raise InvalidInput(_("This is not a phone number: %(value)s", value=bad[0]))
    values["phones"] = [normalise_phone(p) for p in phones]
    values["webhook_url"] = (values.get("webhook_url") or "").strip() or None
    if values["webhook_url"] and (len(values["webhook_url"]) > 500
                                  or not check_webhook_url(values["webhook_url"])):
        raise InvalidInput(_("A webhook address must start with http:// or https:// and name "
                             "a server."))
    if values.get("webhook_format") not in WEBHOOK_FORMATS:
        raise InvalidInput(_("Choose a webhook format from the list."))
    if not (values["emails"] or values["phones"] or values["webhook_url"]):
        raise InvalidInput(_("Give at least one e-mail address, phone number or webhook."))
    for name in ("quiet_start", "quiet_end"):
        moment = values.get(name)
        values[name] = moment.strftime("%H:%M") if hasattr(moment, "strftime") else moment or None
    if bool(values["quiet_start"]) != bool(values["quiet_end"]) or (
            values["quiet_start"] and values["quiet_start"] == values["quiet_end"]):
        raise InvalidInput(_("Quiet hours need a start and a different end, or neither."))
    repeat = values.get("repeat_minutes")
    if repeat is not None and not 5 <= repeat <= 10080:
        raise InvalidInput(_("Repeat every 5 to 10,080 minutes (a week), or leave it empty."))
    return values


def save_route(actor, route: AlertRoute | None, values: dict) -> AlertRoute:
    """Add a route (``route`` None) or change one; audited; flushes."""
    values = _check_route(values)
    if route is None:
        route = AlertRoute()
        db.session.add(route)
    for name in ROUTE_FIELDS:
        setattr(route, name, values.get(name))
    db.session.flush()
    record(actor, "alert.route_save", target=route, details={"name": route.name})
    return route


def delete_route(actor, route: AlertRoute) -> None:
    """Delete a route; its past deliveries stay (without it); audited."""
    record(actor, "alert.route_delete", target=route, details={"name": route.name})
    db.session.delete(route)
    db.session.flush()


def list_deliveries(status: str | None = None, alert_id: int | None = None,
                    limit: int = 200) -> list[AlertDelivery]:
    """The latest deliveries, newest first; only ``status`` or one alert's when given."""
    query = select(AlertDelivery).order_by(AlertDelivery.id.desc()).limit(limit)
    if status:
        query = query.where(AlertDelivery.status == status)
    if alert_id is not None:
        query = query.where(AlertDelivery.alert_id == alert_id)
    return list(db.session.scalars(query))


def get_alert(alert_id: int) -> Alert:
    """The alert ``alert_id`` (active or not); raise NotFound."""
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(_("There is no alert with this number."))
    return alert


def retry_delivery(actor, delivery_id: int) -> AlertDelivery:
    """Make a failed or waiting delivery due now (one more attempt); audited; flushes."""
    delivery = db.session.get(AlertDelivery, delivery_id)
    if delivery is None:
        raise NotFound(_("There is no alert message with this number."))
    if delivery.status not in ("failed", "pending"):
        raise Conflict(_("This message has been sent or is being sent already."))
    delivery.status, delivery.next_attempt_at = "pending", utcnow()
    if delivery.attempts >= int(current_app.config["ALERT_DELIVERY_MAX_ATTEMPTS"]):
        delivery.attempts = int(current_app.config["ALERT_DELIVERY_MAX_ATTEMPTS"]) - 1
    record(actor, "alert.delivery_retry", target=delivery, details={"to": delivery.target})
    db.session.flush()
    return delivery
