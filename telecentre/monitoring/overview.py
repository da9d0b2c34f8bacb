"""The county at a glance: each site green, amber or red, with counts."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from telecentre.alerts.models import Alert
from telecentre.extensions import db
from telecentre.monitoring.models import Device, DeviceState
from telecentre.sites.services import list_sites


@dataclass
class SiteHealth:
    """Counts of one site's devices and active alerts, and its colour."""

    site: object
    devices: int = 0
    up: int = 0
    down: int = 0
    unknown: int = 0
    alerts: Counter = field(default_factory=Counter)  # severity -> active alerts

    @property
    def colour(self) -> str:
        """red: a device down or a critical alert; amber: any other alert; else green."""
        if self.down or self.alerts["critical"]:
            return "red"
        if self.alerts["warning"] or self.alerts["info"] or self.unknown:
            return "amber"
        return "green"


def county() -> list[SiteHealth]:
    """Health of every active site, in the county's order.

    Two aggregate queries (devices by site and status, active alerts by site
    and severity): the cost does not grow with the number of devices.
    """
    result = {site.id: SiteHealth(site) for site in list_sites()}
    status = func.coalesce(DeviceState.status, "unknown")
    for site_id, state, count in db.session.execute(
            select(Device.site_id, status, func.count())
            .select_from(Device).outerjoin(DeviceState, DeviceState.device_id == Device.id)
            .where(Device.enabled).group_by(Device.site_id, status)):
        health = result.get(site_id)
        if health is None:
            continue
        health.devices += count
        setattr(health, state, getattr(health, state) + count)
    for site_id, severity, count in db.session.execute(
            select(Alert.site_id, Alert.severity, func.count())
            .where(Alert.source == "snmp", Alert.status != "resolved")
            .group_by(Alert.site_id, Alert.severity)):
        if site_id in result:
            result[site_id].alerts[severity] += count
    return list(result.values())


def site_devices(site) -> list[Device]:
    """A site's devices, by kind then name."""
    return list(db.session.scalars(select(Device).where(Device.site_id == site.id)
                                   .options(selectinload(Device.state))
                                   .order_by(Device.kind, Device.name)))


def active_alerts(site=None, device=None) -> list[Alert]:
    """Active SNMP alerts, newest first (of a site or a device)."""
    query = select(Alert).where(Alert.source == "snmp", Alert.status != "resolved")
    if site is not None:
        query = query.where(Alert.site_id == site.id)
    if device is not None:
        query = query.where(Alert.key.like(f"snmp:{device.id}:%"))
    return list(db.session.scalars(query.order_by(Alert.opened_at.desc())))
