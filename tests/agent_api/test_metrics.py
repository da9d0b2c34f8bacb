"""/metrics reports agents and heartbeats from the database, so every worker tells the same."""
import re
from datetime import timedelta

from sqlalchemy import select

from telecentre.agent_api.models import Agent
from telecentre.agent_api.services import mark_offline, revoke
from telecentre.common.time import utcnow
from telecentre.extensions import db
from tests.agent_api.test_heartbeat_events import HEARTBEAT


def _metrics(client) -> dict[str, float]:
    text = client.get("/metrics").get_data(as_text=True)
    return {name: float(value) for name, value in
            re.findall(r"^(telecentre_agent\S*)\s+(\S+)$", text, re.M)}


def test_agents_and_heartbeats_in_metrics(app, client, enroll):
    (_first, first_headers), (second, second_headers) = enroll(), enroll()
    third, _ = enroll()
    for _ in range(3):
        assert client.post("/api/v1/agent/heartbeat", json=HEARTBEAT,
                           headers=first_headers).status_code == 200
    assert client.post("/api/v1/agent/heartbeat", json=HEARTBEAT,
                       headers=second_headers).status_code == 200
    seen = _metrics(client)
    assert seen["telecentre_agent_heartbeats_total"] == 4.0
    assert seen['telecentre_agents{status="online"}'] == 3.0
    assert seen['telecentre_agents_seen_within_seconds{seconds="30"}'] == 3.0
    assert seen["telecentre_agent_heartbeat_interval_seconds"] == app.config["HEARTBEAT_SECONDS"]

    # The count lives in the agent's row: another process (worker) sees the same total.
    db.session.rollback()
    assert sum(db.session.scalars(select(Agent.heartbeat_count))) == 4

    revoke(None, db.session.get(Agent, third["agent_id"]), utcnow(), "test")
    stale = db.session.get(Agent, second["agent_id"])
    stale.last_seen_at = utcnow() - timedelta(seconds=200)
    db.session.commit()
    mark_offline(utcnow())
    db.session.commit()
    seen = _metrics(client)
    assert seen['telecentre_agents{status="online"}'] == 1.0
    assert seen['telecentre_agents{status="offline"}'] == 1.0
    assert seen['telecentre_agents{status="revoked"}'] == 1.0
    assert seen['telecentre_agents_seen_within_seconds{seconds="90"}'] == 1.0
    assert seen['telecentre_agents_seen_within_seconds{seconds="300"}'] == 2.0
