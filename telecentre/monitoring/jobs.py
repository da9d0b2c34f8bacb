"""Scheduler jobs: sweeps (sharded), daily discovery, hourly rollup, retention."""
import logging

from flask import current_app

from telecentre.extensions import db
from telecentre.jobs import job
from telecentre.monitoring import history, notify, runtime
from telecentre.monitoring.sweeps import devices_to_poll, discover, run_sweep

log = logging.getLogger("telecentre.monitoring")


@job("snmp.sweep", "interval", seconds=60, sharded=True)
def sweep(shard: int = 0, shards: int = 1):
    """Poll this shard's devices, then mail IT about alerts that opened or resolved."""
    report = run_sweep(runtime.runner(current_app.config), shard=shard, shards=shards)
    db.session.commit()  # store first: a slow mail server must not lose a sweep
    notify.send(current_app.config, report.opened, report.resolved)
    return f"{report.up}/{report.total} up in {report.seconds:.1f}s"


@job("snmp.discovery", "cron", hour=3, minute=20, sharded=True)
def daily_discovery(shard: int = 0, shards: int = 1):
    """Walk every device's tables again: new interfaces, disks, supplies."""
    devices = devices_to_poll(shard=shard, shards=shards)
    found = discover(runtime.runner(current_app.config), devices)
    return f"{found}/{len(devices)} discovered"


@job("snmp.rollup", "cron", minute=5)
def hourly_rollup():
    """Summarise the last complete hours of raw samples."""
    return f"{history.rollup()} device-hours"


@job("snmp.retention", "cron", hour=4, minute=10)
def retention():
    """Drop raw samples after SNMP_RAW_DAYS (7) and hourly rows after SNMP_HOURLY_DAYS (400)."""
    raw, hourly = history.purge(
        raw_days=int(current_app.config.get("SNMP_RAW_DAYS", history.RAW_DAYS)),
        hourly_days=int(current_app.config.get("SNMP_HOURLY_DAYS", history.HOURLY_DAYS)))
    return f"{raw} raw, {hourly} hourly rows removed"
