"""Session time: monotonic countdown, checkpoint and restart, warnings, kiosk idle."""

import time
from datetime import datetime, timezone

import pytest

from agent import clock
from agent.clock import Countdown, ServerClock
from agent.outbox import Outbox
from agent.osbackends.simulated import SimulatedBackend
from agent.session import SessionManager
from agent.state import StateStore


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def test_countdown_counts_on_the_monotonic_clock_only(monkeypatch):
    mono = FakeMonotonic()
    countdown = Countdown(600, mono)
    mono.now += 100
    assert countdown.remaining() == 500
    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)  # wall clock jumps years ahead
    assert countdown.remaining() == 500
    countdown.extend(60)
    mono.now += 1000
    assert countdown.remaining() == 0


def test_restart_in_the_same_boot_subtracts_the_time_the_agent_was_dead():
    mono = FakeMonotonic()
    record = Countdown(600, mono).checkpoint("boot-a")
    mono.now += 250  # agent killed, restarted 250 s later
    assert Countdown.restore(record, "boot-a", mono).remaining() == 350


def test_restart_after_a_reboot_subtracts_the_time_since_boot():
    record = Countdown(600, FakeMonotonic(5000.0)).checkpoint("boot-a")
    after_boot = FakeMonotonic(40.0)  # monotonic restarts near zero at boot
    assert Countdown.restore(record, "boot-b", after_boot).remaining() == 560


def test_unknown_boot_with_a_clock_that_went_back_counts_as_a_reboot():
    record = Countdown(600, FakeMonotonic(5000.0)).checkpoint("")
    assert Countdown.restore(record, "", FakeMonotonic(30.0)).remaining() == 570
    assert Countdown.restore(record, "", FakeMonotonic(5100.0)).remaining() == 500


def test_boot_id_is_the_kernel_one_on_linux():
    with open(clock.LINUX_BOOT_ID) as handle:
        assert clock.boot_id() == handle.read().strip()


def test_server_clock_follows_monotonic_time_not_the_wall_clock(monkeypatch):
    mono = FakeMonotonic()
    server = ServerClock(mono)
    server.sync(datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc))
    mono.now += 90
    monkeypatch.setattr(time, "time", lambda: 0.0)
    assert server.now() == datetime(2026, 12, 1, 9, 1, 30, tzinfo=timezone.utc)
    record = server.to_record("boot-a")
    again = ServerClock(mono)
    again.load(record, "boot-b")  # another boot: not comparable, falls back to the wall clock
    assert again._reference is None
    again.load(record, "boot-a")
    assert again.now() == server.now()


@pytest.fixture
def manager(tmp_path):
    """A SessionManager on a fake monotonic clock, recording UI events."""
    mono = FakeMonotonic()
    emitted = []
    backend = SimulatedBackend(lambda action, **kw: None)
    policy = {"warn_minutes": [5, 1], "kiosk_idle_seconds": 120}
    store = StateStore(str(tmp_path / "state"))
    outbox = Outbox(str(tmp_path / "outbox.sqlite3"))

    def build():
        return SessionManager(
            store,
            outbox,
            backend,
            lambda event, **f: emitted.append((event, f)),
            lambda key, **f: key,
            lambda: policy,
            ServerClock(mono),
            "boot-a",
            mono,
        )

    manager = build()
    manager.test = {
        "mono": mono,
        "emitted": emitted,
        "backend": backend,
        "outbox": outbox,
        "build": build,
        "policy": policy,
    }
    return manager


def _types(outbox):
    return [e["type"] for e in outbox.pending()]


def test_session_warns_at_5_and_1_minutes_and_ends_on_time(manager, monkeypatch):
    mono, outbox = manager.test["mono"], manager.test["outbox"]
    manager.start(10, "code", booking_id=9, limited_by="booking_end")
    monkeypatch.setattr(time, "time", lambda: time.monotonic() - 86400)  # wall clock a day back
    for step in range(0, 601, 10):
        mono.now = 1000.0 + step
        manager.tick()
    assert not manager.active
    assert _types(outbox) == ["session_started", "warning", "warning", "session_ended"]
    warnings = [e["data"]["minutes_left"] for e in outbox.pending() if e["type"] == "warning"]
    assert warnings == [5, 1]
    ended = outbox.pending()[-1]["data"]
    assert ended["reason"] == "time_up" and ended["used_seconds"] == 600
    assert manager.test["backend"].actions == ["unlock_screen", "logoff", "lock_screen"]


def test_short_session_gets_only_the_warnings_below_its_length(manager):
    manager.start(3, "card")
    manager.test["mono"].now += 125
    manager.tick()
    assert [
        e["data"]["minutes_left"]
        for e in manager.test["outbox"].pending()
        if e["type"] == "warning"
    ] == [1]


def test_extension_rearms_warnings(manager):
    mono = manager.test["mono"]
    manager.start(2, "card")
    mono.now += 70
    manager.tick()
    manager.extend(10)
    mono.now += 60 * 6
    manager.tick()
    warnings = [
        e["data"]["minutes_left"]
        for e in manager.test["outbox"].pending()
        if e["type"] == "warning"
    ]
    assert warnings == [1, 5]
    assert "session_extended" in _types(manager.test["outbox"])


def test_session_survives_a_restart_with_the_remaining_time(manager):
    mono = manager.test["mono"]
    manager.start(10, "code")
    local_id = manager.record["local_id"]
    mono.now += 120
    manager.checkpoint()
    mono.now += 30  # killed after the checkpoint; restarted 30 s later
    restarted = manager.test["build"]()
    assert restarted.restore()
    assert restarted.record["local_id"] == local_id
    assert restarted.remaining() == 450


def test_kiosk_session_ends_when_idle(manager):
    mono = manager.test["mono"]
    manager.start(30, "kiosk", limited_by="kiosk_limit")
    mono.now += 100
    manager.touch()
    mono.now += 100
    manager.tick()
    assert manager.active
    mono.now += 21
    manager.tick()
    assert not manager.active
    assert manager.test["outbox"].pending()[-1]["data"]["reason"] == "kiosk_idle"
