"""Scheduler jobs: sweeps and daily discovery (fanned out to the workers), rollup, retention."""
import logging

from flask import current_app

from telecentre.jobs import job
from telecentre.monitoring import history

log = logging.getLogger("telecentre.monitoring")


SWEEP_SECONDS = 60


@job("snmp.sweep", "interval", seconds=SWEEP_SECONDS)
def sweep():
    """Send every batch of devices to the workers (``snmp.sweep_batch``); they poll them."""
    from telecentre.jobs import JOBS, interval_seconds
    from telecentre.monitoring.tasks import fan_out, sweep_batch
    seconds = interval_seconds(current_app, JOBS["snmp.sweep"]) or SWEEP_SECONDS
    return f"{fan_out(sweep_batch, expires=seconds)} batches sent"


@job("snmp.discovery", "cron", hour=3, minute=20)
def daily_discovery():
    """Send every batch of devices to the workers to walk their tables again."""
    from telecentre.monitoring.tasks import discover_batch, fan_out
    return f"{fan_out(discover_batch, expires=3600)} batches sent"


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


@job("snmp.neighbours", "cron", hour=3, minute=40)
def daily_neighbours():
    """Send every site with devices to the workers to read its neighbour tables."""
    from sqlalchemy import select

    from telecentre.extensions import db
    from telecentre.monitoring.models import Device
    from telecentre.monitoring.tasks import discover_site
    from telecentre.tasks import send
    sites = list(db.session.scalars(select(Device.site_id).distinct().order_by(Device.site_id)))
    db.session.rollback()
    for site_id in sites:
        send(discover_site, site_id, expires=3600)
    return f"{len(sites)} sites sent"
