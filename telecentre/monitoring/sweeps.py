"""A sweep end to end: pick devices, poll them, store what was found, move alerts.

The SNMP work runs on the process's SNMP loop (``runtime.runner()``); all
database work stays in the caller's thread and session, which the job or
command commits.  No transaction is held while the network is polled: the
device list is read, the transaction ended, the devices polled, and only then
a write transaction begun (on SQLite a sweep-long write lock would stall
every web request), so call these with nothing pending in the session.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from telecentre.alerts.models import Alert
from telecentre.alerts.services import open_alert, resolve_alert
from telecentre.common.db import begin_write
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.monitoring import poller
from telecentre.monitoring.alert_texts import alert_title
from telecentre.monitoring.metrics import derive
from telecentre.monitoring.models import Device, DeviceState, Sample
from telecentre.monitoring.readings import Reading
from telecentre.monitoring.services import spec_for
from telecentre.monitoring.thresholds import evaluate, rules_for
from telecentre.sites.models import Site
from telecentre.stats.availability import RESOLUTION
from telecentre.stats.models import AvailabilityInterval


@dataclass
class SweepReport:
    """What one sweep found."""

    total: int = 0
    up: int = 0
    devices: list[Device] = field(default_factory=list)
    down: list[Device] = field(default_factory=list)
    opened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    seconds: float = 0.0


# A device counts as available between two answered polls up to this far apart
# (three sweeps at the default interval); a longer gap counts as down.
AVAILABILITY_GRACE = timedelta(minutes=3)

def alert_key(device: Device, check: str) -> str:
    """The alert key of one check on one device."""
    return f"snmp:{device.id}:{check}"


def devices_to_poll(site=None, shard: int = 0, shards: int = 1,
                    device_ids=None) -> list[Device]:
    """Enabled devices (of one site, or of the ids given), in this process's shard."""
    query = select(Device).where(Device.enabled).order_by(Device.site_id, Device.name)
    if site is not None:
        query = query.where(Device.site_id == site.id)
    if device_ids is not None:
        query = query.where(Device.id.in_(list(device_ids)))
    return [d for d in db.session.scalars(query) if poller.in_shard(d.id, shard, shards)]


def _reload(ids: list[int]) -> list[Device]:
    """The devices ``ids`` again, in that order, inside the write transaction."""
    begin_write(db.session)
    by_id = {d.id: d for d in db.session.scalars(select(Device).where(Device.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


@dataclass
class SweptDevice:
    """What storing a poll needs of a device (plain values, no ORM object to load or flush)."""

    id: int
    site_id: int
    name: str
    kind: str
    address: str
    thresholds: dict | None
    site_slug: str = ""
    error: str | None = None


def swept_devices(ids: list[int]) -> list[SweptDevice]:
    """The devices ``ids`` still present, in that order, as plain rows (write transaction)."""
    begin_write(db.session)
    rows = db.session.execute(
        select(Device.id, Device.site_id, Device.name, Device.kind, Device.address,
               Device.thresholds, Site.slug).join(Site, Site.id == Device.site_id)
        .where(Device.id.in_(ids)))
    by_id = {r[0]: SweptDevice(*r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def _store_discoveries(results, now: datetime | None = None) -> int:
    devices = {d.id: d for d in _reload([r.device_id for r in results])}
    found = 0
    for result in results:
        device = devices.get(result.device_id)
        if device is not None and result.discovery is not None:
            device.discovery = result.discovery.to_dict()
            device.discovered_at = now or utcnow()
            found += 1
    db.session.flush()
    return found


def discover(runner, devices: list[Device], now: datetime | None = None) -> int:
    """Walk the devices' tables and store what they have; return how many answered."""
    specs = [spec_for(d) for d in devices]
    db.session.rollback()  # no transaction open during the walks
    results = runner.call(poller.discover_all, runner.client, specs)
    return _store_discoveries(results, now)


def run_sweep(runner, *, site=None, shard: int = 0, shards: int = 1, device_ids=None,
              on_result=None) -> SweepReport:
    """Poll every device due (discovering new ones first) and record the results.

    ``device_ids`` limits the sweep to one batch (the ``snmp.sweep_batch`` task).
    """
    started = time.monotonic()
    devices = devices_to_poll(site, shard, shards, device_ids)
    specs = [spec_for(d) for d in devices]
    new = [s for d, s in zip(devices, specs, strict=True) if d.discovered_at is None]
    concurrency = current_app.config.get("SNMP_CONCURRENCY", poller.DEFAULT_CONCURRENCY)
    db.session.rollback()  # no transaction open while polling
    if new:
        found = {r.device_id: r.discovery for r in
                 runner.call(poller.discover_all, runner.client, new) if r.discovery}
        specs = [replace(s, discovery=found.get(s.device_id, s.discovery)) for s in specs]
    results = runner.call(poller.sweep, runner.client, specs, concurrency, on_result)
    if new:
        new_ids = {n.device_id for n in new}
        _store_discoveries([poller.DiscoveryResult(s.device_id, s.discovery, None)
                            for s in specs if s.device_id in new_ids and s.discovery])
    devices = swept_devices([s.device_id for s in specs])
    by_id = {r.device_id: r for r in results}
    report = record_results(devices, [by_id[d.id] for d in devices])
    report.seconds = time.monotonic() - started
    return report


def record_results(devices, results, now: datetime | None = None) -> SweepReport:
    """Store a batch of poll results: states, samples, availability; open or resolve alerts.

    ``devices`` (Device rows or ``SweptDevice``: id, site_id, name, kind,
    thresholds) and ``results`` (``device_id``, ``reading``, ``error``) go
    pairwise. A handful of set-based statements per batch, whatever its size:
    one SELECT of the states and one of the open availability intervals, one
    upsert of the states, one insert of the samples, and the interval changes
    (a bulk update to extend, one to close, an insert for new ones). Alerts
    move through ``open_alert``/``resolve_alert``, one call per transition, as
    before. Call it inside a write transaction (``begin_write``); it flushes.
    """
    now = now or utcnow()
    report = SweepReport(total=len(devices), devices=list(devices))
    if not devices:
        return report
    db.session.flush()  # ORM changes pending in the session go first
    ids = [d.id for d in devices]
    s = DeviceState.__table__.c
    states = {row.device_id: row for row in db.session.execute(
        select(s.device_id, s.status, s.up_since, s.reading, s.alert_states)
        .where(s.device_id.in_(ids)))}
    new_states, samples, up, down = [], [], [], []
    rules_cache = {}
    for device, result in zip(devices, results, strict=True):
        old = states.get(device.id)
        previous = Reading.from_dict(old.reading) if old is not None else None
        health = derive(previous, result.reading)
        status = old.status if old is not None else "unknown"
        row = {"device_id": device.id, "polled_at": now, "metrics": health.metrics}
        if health.reachable:
            up.append(device)
            report.up += 1
            row["up_since"] = (now if status != "up" or health.rebooted or old.up_since is None
                               else old.up_since)
            row.update(status="up", error=None, reading=result.reading.to_dict(),
                       sys_name=result.reading.sys_name)
        else:
            down.append(device)
            report.down.append(device)
            row.update(status="down", error=(result.error or "")[:300])
            if isinstance(device, SweptDevice):
                device.error = row["error"]
        key = (device.kind, repr(device.thresholds))
        if key not in rules_cache:
            rules_cache[key] = rules_for(device.kind, device.thresholds)
        row["alert_states"], transitions = evaluate(
            rules_cache[key], health.metrics, (old.alert_states if old is not None else {}) or {})
        new_states.append(row)
        samples.append({"device_id": device.id, "at": now, "values": health.metrics})
        for t in transitions:
            _apply_transition(device, t, report)
    _upsert_states(new_states)
    db.session.execute(insert(Sample), samples)
    _availability(up, down, now)
    for obj in list(db.session.identity_map.values()):  # ORM copies loaded earlier are stale
        if isinstance(obj, (DeviceState, AvailabilityInterval)):
            db.session.expire(obj)
    return report


def _upsert_states(rows: list[dict]) -> None:
    """Insert or update device states, one statement (batched by the driver)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    # Up and down rows carry different columns: one statement for each shape.
    for status in ("up", "down"):
        batch = [r for r in rows if r["status"] == status]
        if not batch:
            continue
        stmt = upsert(DeviceState.__table__)
        columns = [c for c in batch[0] if c != "device_id"]
        stmt = stmt.on_conflict_do_update(
            index_elements=["device_id"], set_={c: stmt.excluded[c] for c in columns})
        db.session.execute(stmt, batch)


def _availability(up: list, down: list, now: datetime) -> None:
    """``mark_up`` for the devices that answered, ``mark_down`` for the others, in bulk."""
    if not up and not down:
        return
    ai = AvailabilityInterval
    current = {}
    for interval_id, subject_id, ended_at in db.session.execute(
            select(ai.id, ai.subject_id, ai.ended_at)
            .where(ai.kind == "device", ai.open.is_(True),
                   ai.subject_id.in_([d.id for d in up + down]))
            .order_by(ai.ended_at)):
        current[subject_id] = (interval_id, ended_at)  # the latest open one wins
    extend, close, start, ends = [], [], [], []
    for device in up:
        interval = current.get(device.id)
        if interval is not None:
            interval_id, ended_at = interval
            if now <= ended_at:
                continue  # late or repeated report: already covered
            if now - ended_at <= AVAILABILITY_GRACE:
                if now - ended_at >= RESOLUTION:
                    extend.append(interval_id)
                continue
            close.append(interval_id)
        start.append({"kind": "device", "subject_id": device.id, "site_id": device.site_id,
                      "started_at": now, "ended_at": now, "open": True})
    for device in down:
        interval = current.get(device.id)
        if interval is not None:
            interval_id, ended_at = interval
            ends.append({"b_id": interval_id,
                         "b_end": max(ended_at, min(now, ended_at + RESOLUTION))})
    if extend:
        db.session.execute(update(ai).where(ai.id.in_(extend)).values(ended_at=now))
    if close:
        db.session.execute(update(ai).where(ai.id.in_(close)).values(open=False))
    if ends:
        db.session.execute(update(ai.__table__).where(ai.__table__.c.id == bindparam("b_id"))
                           .values(ended_at=bindparam("b_end"), open=False), ends)
    if start:
        db.session.execute(insert(ai), start)


def _apply_transition(device: Device, t, report: SweepReport) -> None:
    key = alert_key(device, t.check)
    if t.action == "open":
        details = {"device_id": device.id, "device": device.name, "check": t.check,
                   "metric": t.metric, "value": t.value, "limit": t.limit}
        alert, new = open_alert(key, source="snmp", site=device.site_id, severity=t.severity,
                                title=alert_title(details), details=details)
        if new:
            report.opened.append(alert)
    else:
        alert = resolve_alert(key)
        if alert is not None:
            report.resolved.append(alert)
