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
from sqlalchemy import select

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
from telecentre.stats.availability import mark_down, mark_up


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
    devices = _reload([s.device_id for s in specs])
    by_id = {r.device_id: r for r in results}
    report = record_results(devices, [by_id[d.id] for d in devices])
    report.seconds = time.monotonic() - started
    return report


def record_results(devices: list[Device], results, now: datetime | None = None) -> SweepReport:
    """Store each device's state and sample and open or resolve its alerts."""
    now = now or utcnow()
    report = SweepReport(total=len(devices), devices=list(devices))
    for device, result in zip(devices, results, strict=True):
        state = device.state
        if state is None:
            state = device.state = DeviceState(alert_states={}, metrics={}, status="unknown")
        previous = Reading.from_dict(state.reading)
        health = derive(previous, result.reading)
        state.polled_at = now
        if health.reachable:
            mark_up("device", device.id, device.site_id, now, grace=AVAILABILITY_GRACE)
            report.up += 1
            if state.status != "up" or health.rebooted or state.up_since is None:
                state.up_since = now
            state.status, state.error = "up", None
            state.reading = result.reading.to_dict()
            state.sys_name = result.reading.sys_name
        else:
            mark_down("device", device.id, now)
            report.down.append(device)
            state.status, state.error = "down", (result.error or "")[:300]
        state.metrics = health.metrics
        db.session.add(Sample(device_id=device.id, at=now, values=health.metrics))
        rules = rules_for(device.kind, device.thresholds)
        state.alert_states, transitions = evaluate(rules, health.metrics,
                                                   state.alert_states or {})
        for t in transitions:
            _apply_transition(device, t, report)
    db.session.flush()
    return report


def _apply_transition(device: Device, t, report: SweepReport) -> None:
    key = alert_key(device, t.check)
    if t.action == "open":
        details = {"device_id": device.id, "device": device.name, "check": t.check,
                   "metric": t.metric, "value": t.value, "limit": t.limit}
        alert, new = open_alert(key, source="snmp", site=device.site, severity=t.severity,
                                title=alert_title(details), details=details)
        if new:
            report.opened.append(alert)
    else:
        alert = resolve_alert(key)
        if alert is not None:
            report.resolved.append(alert)
