"""The real agent process (`python -m agent --ui console --os-backend simulated`)
against the fake protocol server: sessions, restarts, outages, revocation."""

import json
import time
from datetime import timedelta

from agent_fakeserver import utcnow

OFFLINE_MESSAGE = "The server is unreachable, please ask the attendant."


def _enrolled(agents, server, state_dir, **kwargs):
    process = agents(server.url, state_dir, token=server.new_token(), **kwargs)
    process.wait_for("started")
    process.wait_for("enrolled")
    process.wait_for("online")
    return process


def _wait_until(condition, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.1)


def _delivered_once(server):
    """Every stored event was received exactly once, and sequence numbers are unique."""
    events = server.stored()
    assert all(server.deliveries[e["id"]] == 1 for e in events), server.deliveries
    assert len({e["seq"] for e in events}) == len(events)
    return events


def test_booking_code_unlocks_warns_ends_on_time_and_logs_off(fake_server, agents, tmp_path):
    fake_server.policy["warn_minutes"] = [0.1]
    now = utcnow()
    fake_server.add_booking("K7M-Q2P", now - timedelta(minutes=1), now + timedelta(minutes=30), 0.2)
    agent = _enrolled(agents, fake_server, tmp_path / "state")
    agent.send("k7m-q2p")
    started = agent.wait_for("session_started")
    assert (started["state"], started["minutes"], started["limited_by"], started["session_id"]) == (
        "in_session",
        0.2,
        "booking_end",
        fake_server._next_session,
    )
    warning = agent.wait_for("warning")
    assert (warning["state"], warning["minutes_left"]) == ("in_session", 0.1)
    ended = agent.wait_for("session_ended")
    assert (ended["state"], ended["reason"]) == ("locked", "time_up")
    agent.wait_for("locked")
    actions = [e["action"] for e in agent.events if e["event"] == "os_action"]
    assert actions[-3:] == ["unlock_screen", "logoff", "lock_screen"]
    _wait_until(lambda: len(fake_server.stored("session_ended")) == 1, "session_ended stored")
    events = _delivered_once(fake_server)
    types = [e["type"] for e in events]
    assert types == ["agent_started", "session_started", "warning", "session_ended"]
    assert events[1]["data"]["booking_id"] == 9 and events[1]["data"]["method"] == "code"
    assert events[3]["data"]["local_id"] == events[1]["data"]["local_id"] == started["local_id"]
    assert agent.stop() == 0


def test_secret_travels_only_in_the_authorization_header(fake_server, agents, tmp_path):
    fake_server.card_users[("100234", "4321")] = "Anna K."
    agent = _enrolled(agents, fake_server, tmp_path / "state")
    agent.send("100234 4321")
    agent.wait_for("session_started")
    _wait_until(lambda: fake_server.heartbeats >= 2, "two heartbeats")
    assert agent.stop() == 0
    secret = json.loads((tmp_path / "state" / "state.json").read_text())["secret"]
    authorized = 0
    for path, headers, body in fake_server.requests:
        assert secret not in path and secret.encode() not in body
        if path != "/api/v1/agent/enroll":
            assert headers["Authorization"].endswith("." + secret)
            authorized += 1
    assert authorized >= 3
    # The PIN typed is sent to the server for checking, never kept in the outbox or the state.
    assert b"4321" not in (tmp_path / "state" / "state.json").read_bytes()
    assert all("4321" not in json.dumps(e) for e in fake_server.stored())


def test_sigkill_mid_session_and_restart_keeps_the_remaining_time(fake_server, agents, tmp_path):
    fake_server.card_users[("100234", "4321")] = "Anna K."
    fake_server.walk_in_minutes = 0.3
    fake_server.policy["warn_minutes"] = []
    agent = _enrolled(agents, fake_server, tmp_path / "state")
    agent.send("100234 4321")
    started = agent.wait_for("session_started")
    seen_started = time.monotonic()
    time.sleep(3)
    agent.kill()
    time.sleep(2)
    respawned = time.monotonic()
    again = agents(fake_server.url, tmp_path / "state")  # no token: already enrolled
    resumed = again.wait_for("started")
    assert resumed["state"] == "in_session" and resumed["local_id"] == started["local_id"]
    # The agent started counting before it printed session_started, so at least
    # this much of the 18 s is gone, including the 2 s it was dead:
    assert 0 < resumed["remaining_seconds"] <= 18 - (respawned - seen_started)
    ended = again.wait_for("session_ended")
    assert ended["reason"] == "time_up" and ended["local_id"] == started["local_id"]
    _wait_until(lambda: len(fake_server.stored("session_ended")) == 1, "session_ended stored")
    events = _delivered_once(fake_server)
    assert [e["type"] for e in events] == [
        "agent_started",
        "session_started",
        "agent_started",
        "session_ended",
    ]
    assert 18 - 1 <= events[-1]["data"]["used_seconds"] <= 18
    assert again.stop() == 0


def test_server_down_sessions_end_on_time_bookings_start_walk_ins_wait(
    fake_server, agents, tmp_path
):
    fake_server.policy["warn_minutes"] = [0.05]
    now = utcnow()
    fake_server.add_booking(
        "AAA-111", now - timedelta(minutes=1), now + timedelta(minutes=30), 0.15
    )
    fake_server.add_booking("BBB-222", now - timedelta(minutes=1), now + timedelta(minutes=30), 0.1)
    fake_server.card_users[("100234", "4321")] = "Anna K."
    agent = _enrolled(agents, fake_server, tmp_path / "state")
    _wait_until(lambda: fake_server.heartbeats >= 1, "bookings cached")
    agent.send("AAA-111")
    online_session = agent.wait_for("session_started")
    fake_server.stop()
    assert agent.wait_for("offline")["state"] == "in_session"
    assert agent.wait_for("session_ended")["reason"] == "time_up"  # while the server is down
    agent.send("100234 4321")
    refused = agent.wait_for("unlock_refused")
    assert (refused["state"], refused["message"]) == ("locked", OFFLINE_MESSAGE)
    agent.send("WRONG-9")
    assert agent.wait_for("unlock_refused")["message"] == OFFLINE_MESSAGE
    agent.send("bbb 222")
    offline_session = agent.wait_for("session_started")
    assert (offline_session["method"], offline_session.get("session_id")) == (
        "offline_booking",
        None,
    )
    agent.send("/end")
    assert agent.wait_for("session_ended")["reason"] == "user_ended"
    agent.send("BBB-222")  # the same booking cannot start twice offline
    assert agent.wait_for("unlock_refused")["error"] == "already_used"
    assert fake_server.stored("session_ended") == []
    fake_server.start()
    agent.wait_for("online")
    _wait_until(
        lambda: (
            fake_server.agents
            and list(fake_server.agents.values())[0]["last"]["outbox_pending"] == 0
            and len(fake_server.stored("unlock_failed")) == 3
        ),
        "outbox drained",
    )
    events = _delivered_once(fake_server)
    by_type = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    assert {t: len(v) for t, v in by_type.items()} == {
        "agent_started": 1,
        "session_started": 2,
        "warning": 1,
        "session_ended": 2,
        "unlock_failed": 3,
    }
    assert [e["data"]["reason"] for e in by_type["session_ended"]] == ["time_up", "user_ended"]
    assert by_type["session_started"][0]["data"]["local_id"] == online_session["local_id"]
    assert by_type["session_started"][1]["data"] == dict(
        by_type["session_started"][1]["data"],
        method="offline_booking",
        booking_id=10,
        session_id=None,
    )
    assert sorted(e["data"]["error"] for e in by_type["unlock_failed"]) == [
        "already_used",
        "server_unreachable",
        "wrong_code",
    ]
    assert agent.stop() == 0


def test_lost_acknowledgements_are_resent_and_stored_once(fake_server, agents, tmp_path):
    fake_server.card_users[("100234", "4321")] = "Anna K."
    fake_server.drop_events_replies = 2
    agent = _enrolled(agents, fake_server, tmp_path / "state")
    agent.send("100234 4321")
    agent.wait_for("session_started")
    agent.send("/end")
    agent.wait_for("session_ended")
    _wait_until(
        lambda: (
            fake_server.drop_events_replies == 0
            and len(fake_server.stored("session_ended")) == 1
            and list(fake_server.agents.values())[0]["last"]["outbox_pending"] == 0
        ),
        "all acknowledged",
    )
    events = fake_server.stored()
    assert [e["type"] for e in events] == ["agent_started", "session_started", "session_ended"]
    assert max(fake_server.deliveries.values()) >= 2  # something really was sent twice…
    assert len(fake_server.events) == 3  # …and still stored once
    assert agent.stop() == 0


def test_commands_run_once_and_are_acknowledged(fake_server, agents, tmp_path):
    fake_server.card_users[("100234", "4321")] = "Anna K."
    fake_server.walk_in_minutes = 5
    agent = _enrolled(agents, fake_server, tmp_path / "state")
    early = fake_server.add_command("extend", {"minutes": 1})  # no session yet: fails
    _wait_until(lambda: fake_server.stored("command_result"), "first result")
    agent.send("100234 4321")
    agent.wait_for("session_started")
    message = fake_server.add_command("message", {"text": "Zamykamy o 16:00"})
    extend = fake_server.add_command("extend", {"minutes": 2})
    agent.wait_for("message", message="Zamykamy o 16:00")
    extended = agent.wait_for("session_extended")
    assert extended["minutes"] == 2 and extended["remaining_seconds"] > 5 * 60
    end = fake_server.add_command("end_session", {"reason": "Zamykamy salę"})
    ended = agent.wait_for("session_ended")
    assert (ended["reason"], ended["message"]) == ("ended_by_staff", "Zamykamy salę")
    _wait_until(lambda: len(fake_server.stored("command_result")) == 4, "four results")
    time.sleep(2)  # several more heartbeats that repeat nothing
    results = {e["data"]["command_id"]: e["data"] for e in fake_server.stored("command_result")}
    assert results[early]["status"] == "failed" and results[message]["status"] == "done"
    assert results[extend]["status"] == "done" and results[end]["status"] == "done"
    assert len(agent.named("message")) == 1 and len(agent.named("session_extended")) == 1
    assert len(fake_server.stored("session_extended")) == 1
    assert agent.stop() == 0


def test_revoked_agent_locks_says_why_exits_3_and_stays_down(fake_server, agents, tmp_path):
    fake_server.card_users[("100234", "4321")] = "Anna K."
    fake_server.walk_in_minutes = 5
    agent = _enrolled(agents, fake_server, tmp_path / "state")
    agent.send("100234 4321")
    agent.wait_for("session_started")
    fake_server.revoke_all()
    revoked = agent.wait_for("revoked")
    assert (revoked["state"], revoked["message"]) == ("locked", "Komputer wycofany przez IT.")
    assert agent.wait_exit() == 3
    assert agent.named("session_ended")[0]["reason"] == "ended_by_staff"
    assert [e["action"] for e in agent.events if e["event"] == "os_action"][-1] == "lock_screen"
    requests = len(fake_server.requests)
    again = agents(fake_server.url, tmp_path / "state")
    assert again.wait_for("revoked")["message"] == "Komputer wycofany przez IT."
    assert again.wait_exit() == 3
    assert len(fake_server.requests) == requests  # it did not even try the server
    fresh = _enrolled(agents, fake_server, tmp_path / "state")  # a new token re-enrols
    assert fresh.stop() == 0


def test_kiosk_starts_on_touch_and_ends_when_idle(fake_server, agents, tmp_path):
    fake_server.kiosk_minutes = 5
    fake_server.policy["kiosk_idle_seconds"] = 2
    agent = _enrolled(agents, fake_server, tmp_path / "state", kind="kiosk")
    assert agent.events[0]["message"] == "Touch the screen to start."
    agent.send("")
    started = agent.wait_for("session_started")
    assert (started["method"], started["limited_by"]) == ("kiosk", "kiosk_limit")
    ended = agent.wait_for("session_ended")
    assert ended["reason"] == "kiosk_idle"
    fake_server.stop()
    agent.wait_for("offline")
    agent.send("")  # a kiosk needs no login, so it starts offline too, on the cached policy
    offline = agent.wait_for("session_started")
    assert (offline["method"], offline["minutes"], offline.get("session_id")) == ("kiosk", 30, None)
    fake_server.start()
    assert agent.stop() == 0


def test_a_refused_enrolment_token_exits_2(fake_server, agents, tmp_path):
    agent = agents(fake_server.url, tmp_path / "state", token="not-a-token")
    failed = agent.wait_for("enroll_failed")
    assert failed["message"] == "Registration refused: Nieprawidłowy token."
    assert agent.wait_exit() == 2


def test_secret_rotation_takes_the_new_secret_and_retires_the_old(fake_server, agents, tmp_path):
    agent = _enrolled(agents, fake_server, tmp_path / "state", extra=["--rotate-days", "0.00001"])
    first = json.loads((tmp_path / "state" / "state.json").read_text())["secret"]
    _wait_until(
        lambda: list(fake_server.agents.values())[0].get("rotations", 0) >= 2, "two rotations"
    )
    assert agent.stop() == 0
    state = json.loads((tmp_path / "state" / "state.json").read_text())
    assert state["secret"] != first  # stored durably, and the old one is gone
    used_first = [
        h for p, h, b in fake_server.requests if h.get("Authorization", "").endswith("." + first)
    ]
    assert used_first  # the first secret was used before the rotation…
    again = agents(fake_server.url, tmp_path / "state")
    again.wait_for("online")  # …and the agent still gets in after a restart, with the rotated one
    assert again.stop() == 0


def test_a_second_agent_on_the_same_state_directory_refuses_to_start(fake_server, agents, tmp_path):
    first = _enrolled(agents, fake_server, tmp_path / "state")
    second = agents(fake_server.url, tmp_path / "state")
    assert second.wait_exit() == 2
    assert "another agent is running" in second.stderr_text()
    assert first.stop() == 0


def test_privacy_notice_on_the_lock_screen_also_when_the_server_is_down(
        fake_server, agents, tmp_path):
    agent = _enrolled(agents, fake_server, tmp_path / "state")
    agent.send("/privacy")
    notice = agent.wait_for("privacy")
    assert (notice["state"], notice["lang"], notice["title"]) == ("locked", "en", "Notice (en)")
    assert notice["headings"] == ["Notice", "Who is the controller"]
    assert [p for p, _, _ in fake_server.requests].count("/api/v1/agent/privacy") == 1
    fake_server.stop()  # the last notice fetched is kept for when the server is unreachable
    agent.send("/privacy")
    assert agent.wait_for("privacy")["text"] == notice["text"]
    # A PC that never fetched it says where to ask, and nothing was unlocked meanwhile.
    other = agents(fake_server.url, tmp_path / "other", token=fake_server.new_token())
    other.wait_for("started")
    other.send("/privacy")
    assert other.wait_for("privacy")["message"] == (
        "The privacy notice cannot be fetched now. Please ask the attendant for it.")
    assert not [e for e in agent.events + other.events if e["event"] == "session_started"]
