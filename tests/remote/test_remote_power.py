"""Wake-on-LAN for seats and power schedules by the sites' opening hours.

The agent side (relaying a wake-up, showing a message, ending a session) is
the agent feature's; here a recording bridge stands in for it. Direct
wake-ups are real UDP datagrams on loopback.
"""
from __future__ import annotations

import socket
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from telecentre.common.errors import Conflict, InvalidInput
from telecentre.extensions import db
from telecentre.remote.agents import register_agent_bridge
from telecentre.remote.models import PowerSchedule, RemoteRun
from telecentre.remote.power import power_tick, set_schedule, wake_seat
from telecentre.remote.services import set_target
from telecentre.sessions.models import UsageSession
from telecentre.sites.services import set_hours, set_subnets

MAC = "52:54:00:aa:bb:01"
# Wednesday 2 December 2026: open 08:00-16:00 Warsaw = 07:00-15:00 UTC.
DAY = datetime(2026, 12, 2, tzinfo=timezone.utc)


def utc(hour, minute=0):
    return DAY.replace(hour=hour, minute=minute)


class RecordingBridge:
    """Stands in for the agent feature: online seats and the commands queued for them."""

    def __init__(self, online=()):
        self.online, self.commands = list(online), []

    def host_key(self, seat):
        return None

    def target_hints(self, seat):
        return {}

    def online_seats(self, site):
        return [s for s in self.online if s.site_id == site.id]

    def queue_command(self, seat, kind, args, actor=None):
        """Record the command; like the real bridge, return it (None: the seat has no agent)."""
        self.commands.append((seat.name, kind, args))
        return (seat.name, kind, args)


@pytest.fixture
def bridge():
    """Register a recording bridge; always removed afterwards."""
    recording = RecordingBridge()
    register_agent_bridge(recording)
    yield recording
    register_agent_bridge(None)


@pytest.fixture
def room(app, site, create_seat, it_user):
    """Cyców open 08:00-16:00 daily on 127.22.1.0/24 with two PCs that have MACs."""
    cycow = site("cycow")
    set_hours(None, cycow, ["mon-sun 08:00-16:00"])
    set_subnets(None, cycow, ["127.22.1.0/24"])
    seats = [create_seat(site=cycow, name=f"PC-{i}") for i in (1, 2)]
    for i, seat in enumerate(seats, start=1):
        set_target(it_user, seat, f"127.22.1.{10 + i}", "linux", f"52:54:00:aa:bb:0{i}")
    db.session.commit()
    return cycow, seats


def test_wake_is_sent_by_the_server_on_a_subnet_it_reaches(app, room, it_user, monkeypatch):
    cycow, (pc1, _pc2) = room
    monkeypatch.setitem(app.config, "REMOTE_WOL_DIRECT_SUBNETS", ["127.22.0.0/16"])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        receiver.bind(("127.22.1.255", 9))
        receiver.settimeout(10)
        done = wake_seat(it_user, pc1)
        data, _sender = receiver.recvfrom(200)
    assert done == {"seat": "PC-1", "mac": MAC, "broadcast": "127.22.1.255", "via": "server"}
    assert data == b"\xff" * 6 + bytes.fromhex(MAC.replace(":", "")) * 16


def test_wake_is_relayed_by_an_online_agent_of_the_site(room, it_user, bridge):
    cycow, (pc1, pc2) = room
    bridge.online = [pc1, pc2]
    done = wake_seat(it_user, pc1)
    assert done["via"] == "PC-2"  # never the sleeping PC itself
    assert bridge.commands == [("PC-2", "wake", {"mac": MAC, "broadcast": "127.22.1.255"})]


def test_wake_without_relay_or_mac_is_refused_clearly(room, it_user, bridge, create_seat):
    cycow, (pc1, _pc2) = room
    with pytest.raises(Conflict) as caught:
        wake_seat(it_user, pc1)
    assert caught.value.code == "no_relay"
    with pytest.raises(InvalidInput):
        wake_seat(it_user, create_seat(site=cycow, name="NO-MAC"))


def test_schedule_wakes_before_opening_once(app, room, bridge):
    cycow, (pc1, pc2) = room
    bridge.online = [pc2]
    set_schedule(None, cycow, wake_minutes_before=15)
    assert power_tick(utc(6, 40)) == [] and bridge.commands == []  # too early
    power_tick(utc(6, 50))
    power_tick(utc(6, 55))  # the same opening: nothing more
    assert [c[1] for c in bridge.commands] == ["wake"]  # PC-1 relayed by PC-2; PC-2 is up
    assert db.session.scalar(select(PowerSchedule)).last_wake_for == utc(7)


def _session(seat, started, minutes):
    session = UsageSession(site_id=seat.site_id, seat_id=seat.id, kind="walk_in",
                           started_at=started, minutes_granted=minutes)
    db.session.add(session)
    db.session.commit()
    return session


def _run(run_id):
    run = db.session.get(RemoteRun, run_id)
    return run.params["delay_minutes"], sorted(h.seat_name for h in run.hosts)


def test_shutdown_after_closing_never_cuts_a_session_that_has_time(app, room, bridge):
    cycow, (pc1, pc2) = room
    set_schedule(None, cycow, shutdown_minutes_after=10, warn_minutes=5)
    _session(pc2, utc(14, 50), 60)  # runs until 15:50 UTC, past closing
    assert power_tick(utc(15, 5)) == []
    # Closing + 10 min: the idle PC shuts down with a warning; the busy one is only warned.
    [first] = power_tick(utc(15, 10))
    assert _run(first) == (5, ["PC-1"])
    assert bridge.commands[0][:2] == ("PC-2", "message")
    assert "5" in bridge.commands[0][2]["text"]
    assert power_tick(utc(15, 12)) == []
    # After the warning the session is ended first, then the PC shuts down.
    [second] = power_tick(utc(15, 15))
    assert bridge.commands[1] == ("PC-2", "end_session", {"reason": "closing"})
    assert _run(second) == (1, ["PC-2"])
    assert power_tick(utc(15, 30)) == []


def test_without_agents_a_busy_pc_waits_for_its_session_to_end(app, room):
    register_agent_bridge(None)  # no agent feature (the agent API registers its bridge)
    cycow, (pc1, pc2) = room
    set_schedule(None, cycow, shutdown_minutes_after=10, warn_minutes=5)
    session = _session(pc2, utc(14, 50), 60)
    [first] = power_tick(utc(15, 10))
    assert _run(first) == (5, ["PC-1"])
    assert power_tick(utc(15, 15)) == []  # PC-2 still has time: left on
    session.ended_at = utc(15, 20)
    db.session.commit()
    [later] = power_tick(utc(15, 21))
    assert _run(later) == (1, ["PC-2"])
    assert db.session.scalar(select(PowerSchedule)).last_shutdown_for == utc(15)


def test_a_busy_pc_whose_seat_has_no_agent_waits_too(app, room):
    """The agent feature's bridge is registered, but this seat never enrolled an agent."""
    cycow, (pc1, pc2) = room
    set_schedule(None, cycow, shutdown_minutes_after=10, warn_minutes=5)
    session = _session(pc2, utc(14, 50), 60)
    [first] = power_tick(utc(15, 10))
    assert _run(first) == (5, ["PC-1"])
    assert power_tick(utc(15, 15)) == []  # no agent took end_session: PC-2 is left on
    session.ended_at = utc(15, 20)
    db.session.commit()
    [later] = power_tick(utc(15, 21))
    assert _run(later) == (1, ["PC-2"])


def test_the_job_carries_the_runs_out(app, room, it_user, monkeypatch):
    from telecentre.remote.jobs import power_schedules
    cycow, _seats = room
    set_schedule(it_user, cycow)
    db.session.commit()
    monkeypatch.setattr("telecentre.remote.power.utcnow", lambda: utc(15, 10))
    [run_id] = power_schedules()["runs"]
    run = db.session.get(RemoteRun, run_id)
    assert run.status == "finished" and run.scope.startswith("power:cycow@")
    # No host key was ever pinned for these PCs: refused without connecting.
    assert {h.status for h in run.hosts} == {"no_host_key"}


def test_schedule_values_are_validated(room, it_user, create_user):
    cycow, _seats = room
    with pytest.raises(InvalidInput):
        set_schedule(it_user, cycow, warn_minutes=0)
    from telecentre.common.errors import Forbidden
    with pytest.raises(Forbidden):
        set_schedule(create_user(role="attendant"), cycow, enabled=False)
    schedule = set_schedule(it_user, cycow, enabled=False)
    assert (schedule.enabled, schedule.wake_minutes_before, schedule.warn_minutes) == (
        False, 15, 5)
