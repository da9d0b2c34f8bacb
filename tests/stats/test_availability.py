"""The availability interface that heartbeats and SNMP polls feed."""
from datetime import timedelta

from sqlalchemy import select

from telecentre.extensions import db
from telecentre.stats.availability import mark_down, mark_up
from telecentre.stats.models import AvailabilityInterval
from tests.stats.conftest import local


def _intervals(seat_id):
    return [(i.started_at, i.ended_at, i.open) for i in db.session.scalars(
        select(AvailabilityInterval).where(AvailabilityInterval.subject_id == seat_id)
        .order_by(AvailabilityInterval.started_at))]


def test_heartbeats_extend_one_interval_and_a_gap_opens_another(app, old_seat):
    seat = old_seat("cycow")
    t0 = local(2026, 6, 1, 8)
    for i in range(0, 8):  # a heartbeat every 15 s for 105 seconds
        mark_up("seat", seat.id, seat.site_id, t0 + timedelta(seconds=15 * i))
    assert _intervals(seat.id) == [(t0, t0 + timedelta(seconds=60), True)]  # written once a minute
    mark_up("seat", seat.id, seat.site_id, t0 + timedelta(seconds=120))
    later = t0 + timedelta(minutes=10)  # silent for 8 minutes: down in between
    mark_up("seat", seat.id, seat.site_id, later)
    mark_down("seat", seat.id, later + timedelta(seconds=30))
    db.session.commit()
    assert _intervals(seat.id) == [(t0, t0 + timedelta(seconds=120), False),
                                   (later, later + timedelta(seconds=30), False)]


def test_unknown_kind_is_refused(app):
    import pytest
    with pytest.raises(ValueError):
        mark_up("printer", 1, 1, local(2026, 6, 1))
