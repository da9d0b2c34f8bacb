"""A sweep end to end: pick devices, poll them, store what was found, move alerts.

The SNMP work runs on the process's SNMP loop (``runtime.runner()``); all
database work stays in the caller's thread and session, which the job or
command commits.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from telecentre.alerts.models import Alert
from telecentre.alerts.services import open_alert, resolve_alert
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.monitoring import poller
from telecentre.monitoring.alert_texts import alert_title
from telecentre.monitoring.metrics import derive
from telecentre.monitoring.models import Device, DeviceState, Sample
from telecentre.monitoring.readings import Reading
from telecentre.monitoring.services import spec_for
from telecentre.monitoring.thresholds import evaluate, rules_for


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


def alert_key(device: Device, check: str) -> str:
    """The alert key of one check on one device."""
    return f"snmp:{device.id}:{check}"


def devices_to_poll(site=None, shard: int = 0, shards: int = 1) -> list[Device]:
    """Enabled devices (of one site), in this process's shard."""
    query = select(Device).where(Device.enabled).order_by(Device.site_id, Device.name)
    if site is not None:
        query = query.where(Device.site_id == site.id)
    return [d for d in db.session.scalars(query) if poller.in_shard(d.id, shard, shards)]


def discover(runner, devices: list[Device], now: datetime | None = None) -> int:
    """Walk the devices' tables and store what they have; return how many answered."""
    results = runner.call(poller.discover_all, runner.client, [spec_for(d) for d in devices])
    found = 0
    for device, result in zip(devices, results):
        if result.discovery is not None:
            device.discovery = result.discovery.to_dict()
            device.discovered_at = now or utcnow()
            found += 1
    db.session.flush()
    return found


def run_sweep(runner, *, site=None, shard: int = 0, shards: int = 1,
              on_result=None) -> SweepReport:
    """Poll every device due (discovering new ones first) and record the results."""
    started = time.monotonic()
    devices = devices_to_poll(site, shard, shards)
    new = [d for d in devices if d.discovered_at is None]
    if new:
        discover(runner, new)
    concurrency = current_app.config.get("SNMP_CONCURRENCY", poller.DEFAULT_CONCURRENCY)
    results = runner.call(poller.sweep, runner.client, [spec_for(d) for d in devices],
                          concurrency, on_result)
    report = record_results(devices, results)
    report.seconds = time.monotonic() - started
    return report


def record_results(devices: list[Device], results, now: datetime | None = None) -> SweepReport:
    """Store each device's state and sample and open or resolve its alerts."""
    now = now or utcnow()
    report = SweepReport(total=len(devices), devices=list(devices))
    for device, result in zip(devices, results):
        state = device.state
        if state is None:
            state = device.state = DeviceState(alert_states={}, metrics={}, status="unknown")
        previous = Reading.from_dict(state.reading)
        health = derive(previous, result.reading)
        state.polled_at = now
        if health.reachable:
            report.up += 1
            if state.status != "up" or health.rebooted or state.up_since is None:
                state.up_since = now
            state.status, state.error = "up", None
            state.reading = result.reading.to_dict()
            state.sys_name = result.reading.sys_name
        else:
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
