"""Heartbeat replies, events stored once and reconciled, the offline job, live seat states, CLI."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from agent.offline import code_hash
from telecentre.agent_api.models import Agent, AgentEvent, Command
from telecentre.agent_api.services import mark_offline, queue_command
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession

HEARTBEAT = {
    "state": "locked",
    "session": None,
    "health": {"cpu_percent": 3.5},
    "version": "1.0.1",
    "outbox_pending": 2,
    "rotate_secret": False,
}


def _event(type_, seq, **data):
    return {
        "id": str(uuid.uuid4()),
        "seq": seq,
        "type": type_,
        "at": utcnow().isoformat(),
        "data": data,
    }


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_heartbeat_brings_policy_commands_and_codes_the_agent_can_check(
    app, client, enroll, create_seat, create_user, create_booking, open_site
):
    app.config["AGENT_CODE_HASH_ITERATIONS"] = 1000
    seat = create_seat(open_site, name="PC-01")
    body, headers = enroll(seat_name="PC-01")
    now = utcnow()
    booking = create_booking(seat, create_user(), now + timedelta(hours=1), code="K7M-Q2P")
    create_booking(seat, create_user(), now + timedelta(hours=6), code="FAR-AWAY")
    agent = db.session.get(Agent, body["agent_id"])
    command = queue_command(None, agent, "message", {"text": "Zamykamy o 16"})
    db.session.commit()
    reply = client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=headers).get_json()
    assert reply["heartbeat_seconds"] == 15 and reply["policy"]["warn_minutes"] == [5, 1]
    assert reply["policy"]["kiosk_idle_seconds"] == 120
    assert reply["commands"] == [
        {"id": command.id, "kind": "message", "args": {"text": "Zamykamy o 16"}}
    ]
    [cached] = reply["upcoming_bookings"]  # only the one within the offline window
    assert cached["booking_id"] == booking.id and cached["minutes"] == 30
    # The agent's own hash function (agent/offline.py) agrees with the server's.
    assert code_hash("k7m q2p", cached["salt"], cached["iterations"]) == cached["code_hash"]
    db.session.refresh(agent)
    assert (agent.version, agent.outbox_pending, agent.health) == ("1.0.1", 2, {"cpu_percent": 3.5})


def test_events_are_stored_once_and_all_acknowledged(client, enroll, create_seat, open_site):
    create_seat(open_site, name="PC-01")
    body, headers = enroll(seat_name="PC-01")
    local_id = str(uuid.uuid4())
    batch = [
        _event("agent_started", 1, version="1.0.0", boot_id="b"),
        _event(
            "session_started",
            2,
            local_id=local_id,
            session_id=None,
            method="kiosk",
            booking_id=None,
            minutes=30,
            started_at=(utcnow() - timedelta(minutes=3)).isoformat(),
        ),
        _event("warning", 3, local_id=local_id, minutes_left=5),
    ]
    for _ in range(3):  # the agent never heard the ack, and sent again
        reply = client.post("/api/v1/agent/events", json={"events": batch}, headers=headers)
        assert sorted(reply.get_json()["acked"]) == sorted(e["id"] for e in batch)
    assert _count(AgentEvent, AgentEvent.agent_id == body["agent_id"]) == 3
    session = db.session.scalar(select(UsageSession).where(UsageSession.local_id == local_id))
    assert (
        session.kind == "kiosk" and session.ended_at is None and session.limited_by == "kiosk_limit"
    )
    assert utcnow() - session.started_at > timedelta(
        minutes=2
    )  # the agent's start time was plausible
    end = _event(
        "session_ended",
        4,
        local_id=local_id,
        session_id=None,
        reason="kiosk_idle",
        ended_at="1999-01-01T00:00:00+00:00",
        used_seconds=200,
    )
    client.post("/api/v1/agent/events", json={"events": [end]}, headers=headers)
    db.session.refresh(session)
    assert session.end_reason == "kiosk_idle"
    assert utcnow() - session.ended_at < timedelta(
        minutes=1
    )  # implausible clock: receive time used


def test_bad_event_batches_are_refused_whole(client, enroll):
    _, headers = enroll()
    too_many = [_event("warning", n) for n in range(201)]
    reply = client.post("/api/v1/agent/events", json={"events": too_many}, headers=headers)
    assert reply.status_code == 422
    reply = client.post("/api/v1/agent/events", json={"events": [{"id": "x"}]}, headers=headers)
    assert reply.status_code == 422 and _count(AgentEvent) == 0


def test_command_results_acknowledge_once(client, enroll):
    body, headers = enroll()
    command = queue_command(
        None, db.session.get(Agent, body["agent_id"]), "extend", {"minutes": 15}
    )
    db.session.commit()
    result = _event("command_result", 1, command_id=command.id, status="done", result="extended")
    late = _event("command_result", 2, command_id=command.id, status="failed", result="again?")
    client.post("/api/v1/agent/events", json={"events": [result, late]}, headers=headers)
    db.session.refresh(command)
    assert (command.status, command.result) == ("done", "extended") and command.acked_at
    beat = client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=headers).get_json()
    assert beat["commands"] == []


def test_silent_agents_go_offline_and_their_sessions_close(
    app, client, enroll, create_seat, open_site
):
    create_seat(open_site, name="PC-01")
    body, headers = enroll(seat_name="PC-01")
    reply = client.post(
        "/api/v1/agent/unlock",
        json={"method": "kiosk", "local_id": str(uuid.uuid4())},
        headers=headers,
    )
    assert reply.get_json()["error"] == "walk_in_not_allowed"
    local_id = str(uuid.uuid4())
    client.post(
        "/api/v1/agent/events",
        headers=headers,
        json={
            "events": [
                _event(
                    "session_started",
                    1,
                    local_id=local_id,
                    session_id=None,
                    method="offline_booking",
                    booking_id=None,
                    minutes=45,
                    started_at=utcnow().isoformat(),
                )
            ]
        },
    )
    states = {s["name"]: s["state"] for s in client.get("/api/v1/sites/cycow/seats").get_json()}
    assert states["PC-01"] == "in_use"
    agent = db.session.get(Agent, body["agent_id"])
    last_seen = agent.last_seen_at
    later = utcnow() + timedelta(seconds=app.config["AGENT_OFFLINE_SECONDS"] + 1)
    assert mark_offline(later) == 1
    db.session.commit()
    session = db.session.scalar(select(UsageSession).where(UsageSession.local_id == local_id))
    assert session.end_reason == "agent_offline" and session.ended_at >= session.started_at
    assert agent.online is False
    app.config["AGENT_OFFLINE_SECONDS"] = 0  # the seat map tells offline from the last heartbeat
    states = {s["name"]: s["state"] for s in client.get("/api/v1/sites/cycow/seats").get_json()}
    assert states["PC-01"] == "offline"
    # The agent comes back and reports the real end: it replaces the guess.
    client.post(
        "/api/v1/agent/events",
        headers=headers,
        json={
            "events": [
                _event(
                    "session_ended",
                    2,
                    local_id=local_id,
                    session_id=None,
                    reason="time_up",
                    ended_at=(last_seen + timedelta(minutes=1)).isoformat(),
                    used_seconds=60,
                )
            ]
        },
    )
    db.session.refresh(session)
    assert session.end_reason == "time_up"
    assert (
        client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=headers).status_code == 200
    )
    db.session.refresh(agent)
    assert agent.online is True


def test_cli_tokens_list_and_revoke(runner, client, open_site):
    out = runner.invoke(args=["agents", "enrollment-token", "cycow"])
    assert out.exit_code == 0
    token = out.output.strip()
    reply = client.post(
        "/api/v1/agent/enroll", json={"token": token, "hostname": "pc-9", "kind": "pc"}
    )
    agent_id = reply.get_json()["agent_id"]
    listing = runner.invoke(args=["agents", "list", "--site", "cycow"]).output
    assert agent_id in listing and "pc-9" in listing and "online" in listing
    queued = runner.invoke(args=["agents", "command", agent_id[:8], "message", "--text", "Hej"])
    assert queued.exit_code == 0 and _count(Command) == 1
    assert (
        runner.invoke(args=["agents", "revoke", agent_id[:8], "--reason", "stolen"]).exit_code == 0
    )
    assert "revoked" in runner.invoke(args=["agents", "list"]).output
    unknown = runner.invoke(args=["agents", "revoke", "ffffffff"])
    assert unknown.exit_code == 1 and "ffffffff" in unknown.output
    assert runner.invoke(args=["agents", "enrollment-token", "nowhere"]).exit_code == 1


def test_the_bridge_gives_remote_actions_what_agents_reported(client, enroll, create_seat,
                                                              open_site):
    from telecentre.remote.agents import agent_bridge

    seat = create_seat(open_site, name="PC-01")
    quiet = create_seat(open_site, name="PC-02")
    body, headers = enroll(seat_name="PC-01")
    agent = db.session.get(Agent, body["agent_id"])
    agent.ssh_host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake pc-01"
    db.session.commit()
    client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=headers)
    bridge = agent_bridge()
    assert bridge.host_key(seat) == "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake pc-01"
    assert bridge.target_hints(seat) == {"address": "127.0.0.1", "os": "linux",
                                         "mac": "aa:bb:cc:dd:ee:01"}
    assert bridge.target_hints(quiet) == {} and bridge.host_key(quiet) is None
    assert [s.name for s in bridge.online_seats(open_site)] == ["PC-01"]
    command = bridge.queue_command(seat, "wake", {"mac": "aa:bb:cc:dd:ee:02",
                                                  "broadcast": "10.1.2.255"})
    assert bridge.queue_command(quiet, "message", {"text": "x"}) is None
    db.session.commit()
    beat = client.post("/api/v1/agent/heartbeat", json=HEARTBEAT, headers=headers).get_json()
    assert beat["commands"] == [{"id": command.id, "kind": "wake",
                                 "args": {"mac": "aa:bb:cc:dd:ee:02", "broadcast": "10.1.2.255"}}]


def test_a_session_the_agent_never_started_is_closed_by_its_locked_heartbeats(
    client, enroll, create_seat, open_site
):
    seat = create_seat(open_site, name="PC-01")
    _, headers = enroll(seat_name="PC-01")
    lost = UsageSession(site_id=seat.site_id, seat_id=seat.id, kind="walk_in", local_id="lost-1",
                        started_at=utcnow() - timedelta(minutes=2))
    fresh = UsageSession(site_id=seat.site_id, seat_id=seat.id, kind="walk_in", local_id="fresh-1",
                         started_at=utcnow(), ended_at=None)
    db.session.add(lost)
    db.session.commit()
    pending = dict(HEARTBEAT, outbox_pending=1)  # events still to come: wait for them
    client.post("/api/v1/agent/heartbeat", json=pending, headers=headers)
    db.session.refresh(lost)
    assert lost.ended_at is None
    client.post("/api/v1/agent/heartbeat", json=dict(HEARTBEAT, outbox_pending=0), headers=headers)
    db.session.refresh(lost)
    assert lost.end_reason == "not_started"
    db.session.add(fresh)  # an unlock whose reply is still on its way is left alone
    db.session.commit()
    client.post("/api/v1/agent/heartbeat", json=dict(HEARTBEAT, outbox_pending=0), headers=headers)
    db.session.refresh(fresh)
    assert fresh.ended_at is None


def test_numbers_no_column_holds_and_loose_types_are_refused(client, enroll):
    """Schemathesis: a seq or outbox count beyond a database integer was a 500 (SQLite
    OverflowError, PostgreSQL 'integer out of range'), "12.5" passed as a number, and a
    NaN in the health report reached jsonb, which refuses it."""
    _, headers = enroll()
    event = _event("warning", 2**40)
    reply = client.post("/api/v1/agent/events", json={"events": [event]}, headers=headers)
    assert reply.status_code == 422 and _count(AgentEvent) == 0
    beat = {"state": "locked", "outbox_pending": 2**40}
    assert client.post("/api/v1/agent/heartbeat", json=beat, headers=headers).status_code == 422
    beat = {"state": "in_session",
            "session": {"local_id": "abcdefgh", "remaining_seconds": "12.5"}}
    assert client.post("/api/v1/agent/heartbeat", json=beat, headers=headers).status_code == 422
    reply = client.post("/api/v1/agent/heartbeat", headers=headers,
                        data='{"state": "locked", "health": {"cpu_percent": NaN}}',
                        content_type="application/json")
    assert reply.status_code == 422 and reply.get_json()["error"] == "invalid_body"
    ok = client.post("/api/v1/agent/heartbeat", json={"state": "locked", "outbox_pending": 3,
                                                      "health": {"cpu_percent": 3.5}},
                     headers=headers)
    assert ok.status_code == 200
