"""Heartbeats feed seat availability for the statistics; going offline ends it."""
from datetime import timedelta

from sqlalchemy import select

from telecentre.agent_api.services import mark_offline
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.stats.models import AvailabilityInterval
from tests.agent_api.test_heartbeat_events import HEARTBEAT


def test_heartbeats_mark_the_seat_up_and_offline_marks_it_down(app, client, enroll):
    body, headers = enroll(seat_name="PC-07")
    assert client.post("/api/v1/agent/heartbeat", json=HEARTBEAT,
                       headers=headers).status_code == 200
    interval = db.session.scalar(select(AvailabilityInterval).where(
        AvailabilityInterval.kind == "seat", AvailabilityInterval.subject_id == body["seat"]["id"]))
    assert interval is not None and interval.open
    later = utcnow() + timedelta(seconds=app.config["AGENT_OFFLINE_SECONDS"] + 1)
    assert mark_offline(later) == 1
    db.session.commit()
    db.session.refresh(interval)
    assert interval.open is False
