"""API: the monitored devices, for IT (list, one with its status and alerts, add, edit, delete).

Secrets are write-only: the community and the SNMPv3 keys may be sent, are
never returned, and a PATCH without them keeps the stored ones.
"""
from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from telecentre.alerts.models import Alert
from telecentre.api.openapi import api_doc
from telecentre.api.schemas import Body, parse_body, query_text
from telecentre.common.access import access
from telecentre.common.errors import DomainError, InvalidInput
from telecentre.extensions import db
from telecentre.monitoring.alert_texts import alert_title
from telecentre.monitoring.models import DEVICE_KINDS, Device
from telecentre.monitoring.overview import active_alerts
from telecentre.monitoring.services import delete_device, get_device, save_device, update_device
from telecentre.sites.services import get_site

bp = Blueprint("monitoring_api", __name__, url_prefix="/api/v1")
ERRORS = (401, 403, 404)
SECRET = {"writeOnly": True}


class DeviceOut(BaseModel):
    id: int
    site: str
    name: str
    kind: str
    address: str
    port: int
    snmp_version: str
    v3_user: str | None
    v3_auth_protocol: str | None
    v3_priv_protocol: str | None
    enabled: bool
    status: str = Field(description="up, down, or unknown (not polled yet)")
    polled_at: str | None
    up_since: str | None
    error: str | None
    sys_name: str | None
    discovered_at: str | None


class SampleSummaryOut(BaseModel):
    at: str | None
    metrics: dict[str, float | int | None]


class DeviceAlertOut(BaseModel):
    id: int
    check: str
    severity: str
    status: str
    title: str
    opened_at: str


class DeviceDetailOut(DeviceOut):
    last_sample: SampleSummaryOut | None
    alerts: list[DeviceAlertOut]


class DeviceIn(Body):
    site: str
    name: str
    kind: str
    address: str
    port: int = 161
    snmp_version: str = "2c"
    community: str = Field("", json_schema_extra=SECRET)
    v3_user: str = ""
    v3_auth_protocol: str = "SHA"
    v3_auth_key: str = Field("", json_schema_extra=SECRET)
    v3_priv_protocol: str = "AES"
    v3_priv_key: str = Field("", json_schema_extra=SECRET)
    enabled: bool = True


class DevicePatch(Body):
    """Only the fields sent change; a secret omitted or blank keeps the stored one."""

    name: str | None = None
    kind: str | None = None
    address: str | None = None
    port: int | None = None
    snmp_version: str | None = None
    community: str | None = Field(None, json_schema_extra=SECRET)
    v3_user: str | None = None
    v3_auth_protocol: str | None = None
    v3_auth_key: str | None = Field(None, json_schema_extra=SECRET)
    v3_priv_protocol: str | None = None
    v3_priv_key: str | None = Field(None, json_schema_extra=SECRET)
    enabled: bool | None = None


def _iso(value):
    return value.isoformat() if value is not None else None


def device_json(device: Device) -> dict:
    """Return a device as the API shows it: no secrets."""
    state = device.state
    return {"id": device.id, "site": device.site.slug, "name": device.name, "kind": device.kind,
            "address": device.address, "port": device.port,
            "snmp_version": device.snmp_version, "v3_user": device.v3_user,
            "v3_auth_protocol": device.v3_auth_protocol,
            "v3_priv_protocol": device.v3_priv_protocol, "enabled": device.enabled,
            "status": state.status if state else "unknown",
            "polled_at": _iso(state.polled_at) if state else None,
            "up_since": _iso(state.up_since) if state else None,
            "error": state.error if state else None,
            "sys_name": state.sys_name if state else None,
            "discovered_at": _iso(device.discovered_at)}


def _alert_json(alert: Alert) -> dict:
    details = alert.details or {}
    return {"id": alert.id, "check": alert.key.rsplit(":", 1)[-1], "severity": alert.severity,
            "status": alert.status, "opened_at": _iso(alert.opened_at),
            "title": alert_title(details) if details.get("device_id") else alert.title}


def device_detail_json(device: Device) -> dict:
    """A device with its last poll's metrics and its active alerts."""
    state = device.state
    last = None
    if state is not None and state.polled_at is not None:
        last = {"at": _iso(state.polled_at), "metrics": state.metrics or {}}
    return {**device_json(device), "last_sample": last,
            "alerts": [_alert_json(a) for a in active_alerts(device=device)]}


def _commit(change):
    try:
        result = change()
        db.session.commit()
    except DomainError:
        db.session.rollback()
        raise
    return result


@bp.get("/devices")
@access("it")
@api_doc("List the monitored devices with their status (filter by site and kind)",
         responses={200: [DeviceOut]}, tags=["monitoring"], errors=(401, 403, 404, 422),
         query={"site": {"type": "string", "minLength": 1, "maxLength": 60,
                         "description": "site slug"},
                "kind": {"type": "string", "enum": list(DEVICE_KINDS)}})
def devices():
    """Return the devices, by site, kind and name."""
    query = (select(Device).options(selectinload(Device.state), selectinload(Device.site))
             .order_by(Device.site_id, Device.kind, Device.name))
    site = query_text("site", min_length=1, max_length=60)
    if site is not None:
        query = query.where(Device.site_id == get_site(site).id)
    kind = request.args.get("kind")
    if kind is not None:  # present but empty is as wrong as an unknown kind
        if kind not in DEVICE_KINDS:
            raise InvalidInput(_("Unknown device kind “%(kind)s”; use one of: %(kinds)s.",
                                 kind=kind, kinds=", ".join(DEVICE_KINDS)),
                               details={"fields": ["kind"]})
        query = query.where(Device.kind == kind)
    return jsonify([device_json(d) for d in db.session.scalars(query)])


@bp.get("/devices/<int:device_id>")
@access("it")
@api_doc("One device: status, its last poll's metrics and its active alerts",
         responses={200: DeviceDetailOut}, tags=["monitoring"], errors=ERRORS)
def device(device_id):
    """Return the device with its last sample summary and open alerts."""
    return jsonify(device_detail_json(get_device(device_id)))


@bp.post("/devices")
@access("it")
@api_doc("Add a device at a site (its address must lie in the site's subnets)", body=DeviceIn,
         responses={201: DeviceDetailOut}, tags=["monitoring"], errors=(400, 401, 403, 404, 422))
def create():
    """Add the device; 422 with every reason when a field is not valid."""
    body = parse_body(DeviceIn)
    site = get_site(body.site)
    fields = body.model_dump(exclude={"site", "enabled"})

    def add():
        device, _created = save_device(current_user, site, fields, update=False)
        device.enabled = body.enabled
        return device

    device_ = _commit(add)
    return jsonify(device_detail_json(device_)), 201


@bp.patch("/devices/<int:device_id>")
@access("it")
@api_doc("Change a device; only the fields sent change, blank secrets are kept",
         body=DevicePatch, responses={200: DeviceDetailOut}, tags=["monitoring"],
         errors=(400, 401, 403, 404, 422))
def patch(device_id):
    """Update the device; 422 with every reason, and nothing changed, when not valid."""
    device_ = get_device(device_id)
    body = parse_body(DevicePatch)
    fields = body.model_dump(exclude={"enabled"})
    _commit(lambda: update_device(current_user, device_, fields, enabled=body.enabled))
    return jsonify(device_detail_json(device_))


@bp.delete("/devices/<int:device_id>")
@access("it")
@api_doc("Delete a device with its state and history; its alerts are resolved",
         responses={204: None}, tags=["monitoring"], errors=ERRORS)
def remove(device_id):
    """Delete the device."""
    device_ = get_device(device_id)
    _commit(lambda: delete_device(current_user, device_))
    return "", 204
