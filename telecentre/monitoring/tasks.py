"""SNMP work on the task queue: a sweep is a batch of devices per task, on any worker.

The ``snmp.sweep`` job lists the enabled devices and sends ``snmp.sweep_batch``
for every ``SNMP_BATCH_SIZE`` of them. Whichever workers are running take the
batches, so one more worker machine is more polling capacity with nothing to
configure, and the devices of a worker that died are in the next sweep's
batches like all the others. A batch expires when the next sweep is due: a
backlog never polls a device twice in one interval.
"""
from __future__ import annotations

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from telecentre.extensions import db
from telecentre.alerts.deliveries import announce
from telecentre.monitoring import runtime
from telecentre.monitoring.models import Device
from telecentre.monitoring.sweeps import devices_to_poll, discover, run_sweep
from telecentre.tasks import send

DEFAULT_BATCH_SIZE = 250


def batches(ids: list[int], size: int) -> list[list[int]]:
    """Split *ids* into lists of at most *size*."""
    size = max(1, int(size))
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def fan_out(task, *, expires: float | None = None) -> int:
    """Send *task* for every batch of enabled devices; return how many batches were sent."""
    ids = list(db.session.scalars(select(Device.id).where(Device.enabled).order_by(Device.id)))
    db.session.rollback()
    parts = batches(ids, current_app.config.get("SNMP_BATCH_SIZE", DEFAULT_BATCH_SIZE))
    for part in parts:
        send(task, part, expires=expires)
    return len(parts)


@shared_task(name="snmp.sweep_batch", ignore_result=True)
def sweep_batch(device_ids: list[int]):
    """Poll one batch of devices, store the results, then queue the messages about alerts."""
    report = run_sweep(runtime.runner(current_app.config), device_ids=device_ids)
    db.session.commit()  # store first: a slow mail server must not lose a sweep
    announce(current_app.config, report.opened, report.resolved)
    return f"{report.up}/{report.total} up in {report.seconds:.1f}s"


@shared_task(name="snmp.discover_batch", ignore_result=True)
def discover_batch(device_ids: list[int]):
    """Walk the tables of one batch of devices again."""
    devices = devices_to_poll(device_ids=device_ids)
    found = discover(runtime.runner(current_app.config), devices)
    db.session.commit()
    return f"{found}/{len(devices)} discovered"
