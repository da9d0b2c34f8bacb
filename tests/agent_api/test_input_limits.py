"""Agent input out of range is refused per event or bounded; racing unlocks get 409."""
import threading
import uuid

import pytest
from sqlalchemy import func, select, text

from telecentre.extensions import db


def test_bad_event_values_are_refused_one_by_one(client, enroll):
    from telecentre.agent_api.models import AgentEvent
    _body, headers = enroll()
    bad = [("minutes", 1e20), ("minutes", 2 ** 40), ("minutes", -1000000),
           ("started_at", "0001-01-01T00:00:00+00:00")]
    events = []
    for seq, (field, value) in enumerate(bad, start=1):
        data = {"local_id": f"bad-{seq}", "method": "kiosk", "minutes": 30,
                "started_at": None, field: value}
        events.append({"id": str(uuid.uuid4()), "seq": seq, "type": "session_started",
                       "data": data})
    good = {"id": str(uuid.uuid4()), "seq": 9, "type": "agent_started",
            "data": {"version": "1", "boot_id": "b"}}
    huge = {"id": str(uuid.uuid4()), "seq": 10, "type": "warning",
            "data": {"note": "x" * 5000}}
    year_one = {"id": str(uuid.uuid4()), "seq": 11, "type": "agent_started",
                "at": "0001-01-01T00:00:00Z", "data": {}}
    batch = events + [good, huge, year_one]
    reply = client.post("/api/v1/agent/events", json={"events": batch}, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert sorted(body["acked"]) == sorted(e["id"] for e in batch)
    refused = {r["id"]: r["error"] for r in body["refused"]}
    assert set(refused) == {e["id"] for e in events} | {huge["id"], year_one["id"]}
    assert refused[huge["id"]] == "data_too_large"
    assert all(r["message"] for r in body["refused"])
    from telecentre.sessions.models import UsageSession
    assert db.session.scalar(select(func.count(UsageSession.id))) == 0
    stored = db.session.scalar(select(AgentEvent).where(AgentEvent.event_id == good["id"]))
    assert stored.data == good["data"]
    # The next batch flows, and resending the refused ones changes nothing.
    later = {"id": str(uuid.uuid4()), "seq": 12, "type": "session_started",
             "data": {"local_id": "fine-1", "method": "kiosk", "minutes": 30}}
    reply = client.post("/api/v1/agent/events", json={"events": batch + [later]},
                        headers=headers)
    assert reply.status_code == 200 and later["id"] in reply.get_json()["acked"]
    assert db.session.scalar(select(func.count(UsageSession.id))) == 1


def test_oversized_health_is_not_stored(client, enroll):
    from telecentre.agent_api.models import Agent
    body, headers = enroll()
    reply = client.post("/api/v1/agent/heartbeat", headers=headers,
                        json={"state": "locked", "health": {"disk": "x" * 10_000}})
    assert reply.status_code == 200
    agent = db.session.get(Agent, body["agent_id"])
    db.session.refresh(agent)
    assert "dropped" in agent.health


# ------------------------------------------------------------------ PostgreSQL only

def _postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (SQLite serialises every write with its lock)")


def test_concurrent_unlocks_on_one_seat_get_409(app, enroll, create_seat):
    """A second unlock that meets the first's uncommitted session: 409, and nothing kept."""
    _postgres(app)
    from telecentre.sessions.models import UsageSession
    body, headers = enroll()
    seat_id = body["seat"]["id"]
    kiosk = db.session.get(__import__("telecentre.seats.models", fromlist=["Seat"]).Seat,
                           seat_id)
    kiosk.kind = "kiosk"
    db.session.commit()
    other = db.engine.connect()
    first = other.begin()
    other.execute(text(
        "INSERT INTO usage_sessions (site_id, seat_id, kind, started_at, minutes_granted, "
        "local_id) SELECT site_id, id, 'kiosk', now(), 30, 'first-unlock' FROM seats "
        "WHERE id = :seat"), {"seat": seat_id})
    replies = []

    def second():
        client = app.test_client()
        replies.append(client.post("/api/v1/agent/unlock", headers=headers,
                                   json={"method": "kiosk", "local_id": "second-unlock"}))

    worker = threading.Thread(target=second)
    worker.start()
    # Wait until the second unlock is blocked on the first one's row (the unique index).
    for _ in range(600):
        waiting = db.session.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).scalar()
        db.session.rollback()
        if waiting:
            break
        worker.join(0.05)
    first.commit()
    other.close()
    worker.join(60)
    assert replies and replies[0].status_code == 409, replies[0].get_data(as_text=True)
    assert replies[0].get_json()["error"] == "seat_busy"
    ids = db.session.scalars(select(UsageSession.local_id)).all()
    assert ids == ["first-unlock"]


def test_the_largest_legal_batch_fits_the_body_limit(client, enroll):
    """200 events of 4 KB each (what an agent may send at once) are not refused as too large,
    while anything beyond is (413, JSON)."""
    _body, headers = enroll()
    note = "x" * 4000
    batch = [{"id": str(uuid.uuid4()), "seq": i, "type": "command_result",
              "data": {"command_id": None, "status": "done", "result": note}}
             for i in range(1, 201)]
    reply = client.post("/api/v1/agent/events", json={"events": batch}, headers=headers)
    assert reply.status_code == 200 and len(reply.get_json()["acked"]) == 200
    too_big = client.post("/api/v1/agent/events", headers=headers,
                          data=b'{"events": []' + b" " * 1_000_000 + b"}",
                          content_type="application/json")
    assert too_big.status_code == 413 and too_big.is_json
