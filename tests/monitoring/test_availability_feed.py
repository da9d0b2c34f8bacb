"""Sweeps feed network availability for the statistics."""
from types import SimpleNamespace

from sqlalchemy import select

from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.monitoring.readings import Reading
from telecentre.monitoring.sweeps import record_results
from telecentre.stats.models import AvailabilityInterval


def test_answered_poll_is_up_and_a_silent_one_ends_it(app, create_device):
    device = create_device("cycow")
    now = utcnow()
    up = SimpleNamespace(device_id=device.id, reading=Reading(at=0.0, uptime_ticks=100),
                         error=None)
    record_results([device], [up], now)
    db.session.commit()
    interval = db.session.scalar(select(AvailabilityInterval).where(
        AvailabilityInterval.kind == "device", AvailabilityInterval.subject_id == device.id))
    assert interval is not None and interval.open
    down = SimpleNamespace(device_id=device.id, reading=None, error="timeout")
    record_results([device], [down], now)
    db.session.commit()
    db.session.refresh(interval)
    assert interval.open is False
