"""End to end: real agent processes against the real server (gunicorn, 2 workers) on loopback.

Short sessions come from short bookings (the agent counts fractional minutes),
heartbeats are set to 1 s by the server's configuration.
"""

import functools
import json
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "agent"))
from agent_fakeserver import free_port  # noqa: E402
from agent_process import AgentProcess  # noqa: E402

from telecentre import create_app  # noqa: E402
from telecentre.extensions import db  # noqa: E402
from tests.agent_api.server_process import ServerProcess, run_in_app  # noqa: E402

OFFLINE_MESSAGE = "The server is unreachable, please ask the attendant."
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server (and database) for the module; tests use their own seats."""
    workdir = tmp_path_factory.mktemp("e2e")
    server = ServerProcess(
        workdir,
        free_port(18300),
        HEARTBEAT_SECONDS=1,
        AGENT_WARN_MINUTES="[0.1]",
        AGENT_CODE_HASH_ITERATIONS=1000,
    )
    server.cli("init")
    server.cli("sites", "hours", "cycow", "mon-sun 00:00-24:00")
    server.app = create_app(
        {
            "DATABASE_URL": server.env["TELECENTRE_DATABASE_URL"],
            "SECRET_KEY": server.env["TELECENTRE_SECRET_KEY"],
            "TESTING": True,
        }
    )
    with server.app.app_context():  # open on a public holiday too
        from telecentre.common.time import local_today
        from telecentre.sites.services import add_exception, get_site

        for day in (local_today(), local_today() + timedelta(days=1)):
            add_exception(None, get_site("cycow"), day, "00:00-24:00", "tests")
        db.session.commit()
        db.session.remove()
    server.start()
    yield server
    server.kill()
    server.log.close()


@pytest.fixture
def data(server):
    """Run ``func()`` against the server's database and return its result."""
    return functools.partial(run_in_app, server.app)


@pytest.fixture
def agents():
    """Agent processes, killed at the end."""
    started = []

    def start(*args, **kwargs):
        process = AgentProcess(*args, **kwargs)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.proc.poll() is None:
            process.proc.kill()
            process.proc.wait(30)
        for pipe in (process.proc.stdin, process.proc.stdout, process.proc.stderr):
            pipe.close()


def _seat_with_bookings(data, seat_name, *bookings):
    """Create a seat and bookings (code, start offset s, end offset s); return the booking ids."""

    def make():
        from telecentre.auth.models import User
        from telecentre.booking.models import Booking
        from telecentre.common.time import utcnow
        from telecentre.seats.services import add_seat
        from telecentre.sites.services import get_site

        site = get_site("cycow")
        seat = add_seat(None, site, seat_name)
        now = utcnow()
        ids = []
        for n, (code, start, end) in enumerate(bookings):
            user = User(
                login=f"{seat_name.lower()}-{n}", display_name=f"Resident {n}", role="resident"
            )
            db.session.add(user)
            db.session.flush()
            booking = Booking(
                site_id=site.id,
                seat_id=seat.id,
                resident_id=user.id,
                code=code,
                start=now + timedelta(seconds=start),
                end=now + timedelta(seconds=end),
            )
            db.session.add(booking)
            db.session.flush()
            ids.append(booking.id)
        db.session.commit()
        return ids

    return data(make)


def _events(data, agent_id):
    def query():
        from telecentre.agent_api.models import AgentEvent

        rows = db.session.scalars(
            select(AgentEvent).where(AgentEvent.agent_id == agent_id).order_by(AgentEvent.seq)
        ).all()
        return [(r.type, r.event_id, r.data) for r in rows]

    return data(query)


def _sessions(data, local_ids):
    def query():
        from telecentre.sessions.models import UsageSession

        rows = db.session.scalars(
            select(UsageSession)
            .where(UsageSession.local_id.in_(local_ids))
            .order_by(UsageSession.started_at)
        ).all()
        return [
            {
                "kind": r.kind,
                "end_reason": r.end_reason,
                "booking_id": r.booking_id,
                "limited_by": r.limited_by,
                "ended": r.ended_at is not None,
            }
            for r in rows
        ]

    return data(query)


def _wait_until(condition, what, timeout=40.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.25)


def _enrolled(server, agents, tmp_path, seat_name):
    token = server.cli("agents", "enrollment-token", "cycow").strip()
    agent = agents(server.url, tmp_path / seat_name, token=token, extra=["--seat-name", seat_name])
    agent.wait_for("started")
    enrolled = agent.wait_for("enrolled")
    assert enrolled["seat"]["name"] == seat_name
    agent.wait_for("online")
    state = json.loads((tmp_path / seat_name / "state.json").read_text())
    return agent, state["agent_id"]


def _seat_state(server, seat_name):
    with urllib.request.urlopen(server.url + "/api/v1/sites/cycow/seats", timeout=10) as reply:
        return {s["name"]: s["state"] for s in json.load(reply)}[seat_name]


def test_enrol_book_unlock_warn_end_on_time_and_log_off(server, data, agents, tmp_path):
    [booking_id] = _seat_with_bookings(data, "E2E-01", ("E2E-111", -60, 20))
    agent, agent_id = _enrolled(server, agents, tmp_path, "E2E-01")
    agent.send("e2e-111")
    started = agent.wait_for("session_started")
    assert started["limited_by"] == "booking_end" and 0 < started["minutes"] <= 20 / 60
    assert _seat_state(server, "E2E-01") == "in_use"
    assert agent.wait_for("warning")["minutes_left"] == 0.1
    assert agent.wait_for("session_ended")["reason"] == "time_up"
    agent.wait_for("locked")
    assert [e["action"] for e in agent.named("os_action")][-2:] == ["logoff", "lock_screen"]
    _wait_until(
        lambda: any(t == "session_ended" for t, _i, _d in _events(data, agent_id)), "end stored"
    )
    events = _events(data, agent_id)
    assert [t for t, _i, _d in events] == [
        "agent_started",
        "session_started",
        "warning",
        "session_ended",
    ]
    assert len({i for _t, i, _d in events}) == len(events)
    assert _sessions(data, [started["local_id"]]) == [
        {
            "kind": "booked",
            "end_reason": "time_up",
            "booking_id": booking_id,
            "limited_by": "booking_end",
            "ended": True,
        }
    ]
    assert _seat_state(server, "E2E-01") == "free"
    assert agent.stop() == 0


def test_server_killed_mid_session(server, data, agents, tmp_path):
    first, second = _seat_with_bookings(data, "E2E-02", ("E2E-222", -60, 15), ("E2E-333", -30, 600))
    agent, agent_id = _enrolled(server, agents, tmp_path, "E2E-02")
    agent.send("E2E-222")
    online = agent.wait_for("session_started")
    server.kill()
    assert agent.wait_for("offline")["state"] == "in_session"
    assert agent.wait_for("session_ended")["reason"] == "time_up"  # on time, with no server
    agent.send("100234 4321")
    assert agent.wait_for("unlock_refused")["message"] == OFFLINE_MESSAGE
    agent.send("E2E-333")  # booked: starts offline
    offline = agent.wait_for("session_started")
    assert offline["method"] == "offline_booking" and offline.get("session_id") is None
    agent.send("/end")
    assert agent.wait_for("session_ended")["reason"] == "user_ended"
    time.sleep(3)  # the agent keeps retrying a dead server with backoff
    server.start()
    agent.wait_for("online")
    _wait_until(
        lambda: sum(t == "session_ended" for t, _i, _d in _events(data, agent_id)) == 2,
        "both ends stored",
    )
    time.sleep(2)  # further heartbeats and resends must not add rows
    events = _events(data, agent_id)
    counts = {}
    for type_, _id, _data in events:
        counts[type_] = counts.get(type_, 0) + 1
    assert counts == {
        "agent_started": 1,
        "session_started": 2,
        "warning": 1,
        "session_ended": 2,
        "unlock_failed": 1,
    }
    assert len({i for _t, i, _d in events}) == len(events)  # every event stored exactly once
    sessions = _sessions(data, [online["local_id"], offline["local_id"]])
    assert [(s["kind"], s["end_reason"], s["booking_id"]) for s in sessions] == [
        ("booked", "time_up", first),
        ("booked", "user_ended", second),
    ]
    assert agent.stop() == 0


def test_sigkill_agent_mid_session_keeps_remaining_time(server, data, agents, tmp_path):
    _seat_with_bookings(data, "E2E-03", ("E2E-444", -60, 18))
    agent, agent_id = _enrolled(server, agents, tmp_path, "E2E-03")
    agent.send("E2E-444")
    started = agent.wait_for("session_started")
    seen = time.monotonic()
    granted = started["minutes"] * 60
    time.sleep(3)
    agent.kill()
    time.sleep(2)
    respawned = time.monotonic()
    again = agents(server.url, tmp_path / "E2E-03")
    resumed = again.wait_for("started")
    assert resumed["state"] == "in_session" and resumed["local_id"] == started["local_id"]
    assert 0 < resumed["remaining_seconds"] <= granted - (respawned - seen)
    assert again.wait_for("session_ended")["reason"] == "time_up"
    _wait_until(
        lambda: any(t == "session_ended" for t, _i, _d in _events(data, agent_id)), "end stored"
    )
    types = [t for t, _i, _d in _events(data, agent_id)]
    assert types.count("session_started") == 1 and types.count("session_ended") == 1
    assert types.count("agent_started") == 2
    assert again.stop() == 0


def test_revoked_secret_is_refused(server, data, agents, tmp_path):
    _seat_with_bookings(data, "E2E-04")
    agent, agent_id = _enrolled(server, agents, tmp_path, "E2E-04")
    secret = json.loads((tmp_path / "E2E-04" / "state.json").read_text())["secret"]
    server.cli("agents", "revoke", agent_id, "--reason", "test")
    revoked = agent.wait_for("revoked")
    assert revoked["state"] == "locked" and revoked["message"]
    assert agent.wait_exit() == 3
    request = urllib.request.Request(
        server.url + "/api/v1/agent/heartbeat",
        method="POST",
        data=json.dumps({"state": "locked"}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {agent_id}.{secret}",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403 and json.load(refused.value)["error"] == "revoked"
    assert agents(server.url, tmp_path / "E2E-04").wait_exit() == 3  # and it stays down
