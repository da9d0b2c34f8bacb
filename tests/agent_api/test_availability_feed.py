"""Heartbeats feed seat availability for the statistics; going offline ends it."""
from datetime import timedelta

from sqlalchemy import event, select

from telecentre.agent_api.services import mark_offline
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
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


def test_heartbeats_extend_the_open_interval_once_a_minute(app, client, enroll, monkeypatch):
    """Heartbeats record availability as ``mark_up`` does: one interval, extended by the first
    heartbeat a minute or more after its end (on PostgreSQL inside the heartbeat's own
    statement), a new one after a silence longer than the grace."""
    from telecentre.agent_api import views
    body, headers = enroll(seat_name="PC-08")
    t0 = utcnow().replace(microsecond=0)
    clock = [t0]
    monkeypatch.setattr(views, "utcnow", lambda: clock[0])

    sync = {}

    def beat(seconds):
        clock[0] = t0 + timedelta(seconds=seconds)
        reply = client.post("/api/v1/agent/heartbeat", json={**HEARTBEAT, **sync},
                            headers=headers)
        assert reply.status_code == 200
        sync["sync"] = reply.get_json()["sync"]  # sent back, as agents do

    def intervals():
        db.session.expire_all()
        return [(i.started_at - t0, i.ended_at - t0, i.open) for i in db.session.scalars(
            select(AvailabilityInterval).where(
                AvailabilityInterval.kind == "seat",
                AvailabilityInterval.subject_id == body["seat"]["id"])
            .order_by(AvailabilityInterval.started_at))]

    s = timedelta(seconds=1)
    for second in range(0, 120, 15):  # a heartbeat every 15 s for 105 seconds
        beat(second)
    assert intervals() == [(0 * s, 60 * s, True)]  # written once a minute
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        beat(120)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    if db.engine.dialect.name == "postgresql":
        assert statements == []  # the quick heartbeat's one statement (driver-level) did it
    beat(125)
    assert intervals() == [(0 * s, 120 * s, True)]
    # A session the locked agent never ran is still closed by a heartbeat that extends.
    from telecentre.sessions.models import UsageSession
    stale = UsageSession(site_id=db.session.get(Seat, body["seat"]["id"]).site_id,
                         seat_id=body["seat"]["id"], kind="walk_in", minutes_granted=60,
                         started_at=t0 - timedelta(hours=1))
    db.session.add(stale)
    db.session.commit()
    clock[0] = t0 + timedelta(seconds=185)
    assert client.post("/api/v1/agent/heartbeat", headers=headers,
                       json={**HEARTBEAT, **sync, "outbox_pending": 0}).status_code == 200
    db.session.expire_all()
    assert db.session.get(UsageSession, stale.id).ended_at is not None
    assert intervals() == [(0 * s, 185 * s, True)]  # extended by that same heartbeat
    grace = app.config["AGENT_OFFLINE_SECONDS"]
    beat(185 + grace + 30)  # silent for longer than the grace: down in between
    assert intervals() == [(0 * s, 185 * s, False),
                           ((215 + grace) * s, (215 + grace) * s, True)]
