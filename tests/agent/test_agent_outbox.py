"""The outbox keeps every event durably until acknowledged; backoff stays bounded."""

import os
import subprocess
import sys
import uuid

from agent.backoff import Backoff
from agent.outbox import Outbox


def test_events_come_out_oldest_first_with_uuid_and_rising_sequence(tmp_path):
    outbox = Outbox(str(tmp_path / "o.sqlite3"))
    first = outbox.add("warning", {"minutes_left": 5})
    second = outbox.add("warning", {"minutes_left": 1})
    assert uuid.UUID(first["id"]) and first["id"] != second["id"]
    assert second["seq"] > first["seq"]
    assert [e["id"] for e in outbox.pending()] == [first["id"], second["id"]]
    assert outbox.pending()[0]["data"] == {"minutes_left": 5}


def test_only_acknowledged_events_are_deleted(tmp_path):
    outbox = Outbox(str(tmp_path / "o.sqlite3"))
    events = [outbox.add("warning", {"n": n}) for n in range(3)]
    outbox.ack([events[1]["id"], "not-an-id"])
    assert [e["id"] for e in outbox.pending()] == [events[0]["id"], events[2]["id"]]


def test_sequence_never_goes_back_after_ack_and_reopen(tmp_path):
    path = str(tmp_path / "o.sqlite3")
    outbox = Outbox(path)
    last = outbox.add("warning", {})
    outbox.ack([last["id"]])
    outbox.close()
    reopened = Outbox(path)
    assert reopened.count() == 0
    assert reopened.add("warning", {})["seq"] > last["seq"]


def test_same_event_id_is_stored_once(tmp_path):
    outbox = Outbox(str(tmp_path / "o.sqlite3"))
    a = outbox.add("command_result", {"status": "done"}, event_id="fixed-id")
    b = outbox.add("command_result", {"status": "failed"}, event_id="fixed-id")
    assert outbox.count() == 1 and a == b and b["data"]["status"] == "done"


def test_batches_are_limited(tmp_path):
    outbox = Outbox(str(tmp_path / "o.sqlite3"))
    for n in range(205):
        outbox.add("warning", {"n": n})
    assert len(outbox.pending()) == 200
    assert outbox.pending(limit=10)[-1]["data"] == {"n": 9}


def test_wal_and_full_synchronous(tmp_path):
    outbox = Outbox(str(tmp_path / "o.sqlite3"))
    assert outbox.pragma("journal_mode") == "wal"
    assert outbox.pragma("synchronous") == 2  # FULL


def test_event_survives_sigkill_right_after_add(tmp_path):
    path = str(tmp_path / "o.sqlite3")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = (
        "import os, signal; from agent.outbox import Outbox; "
        f"Outbox({path!r}).add('session_ended', {{'reason': 'time_up'}}, event_id='e1'); "
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=dict(os.environ, PYTHONPATH=root)
    )
    assert result.returncode == -9
    assert [e["id"] for e in Outbox(path).pending()] == ["e1"]


def test_backoff_doubles_is_jittered_and_capped():
    low = Backoff(base=1, cap=8, rng=lambda: 0.0)
    assert [low.next_delay() for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]
    high = Backoff(base=1, cap=8, rng=lambda: 0.999999)
    delays = [high.next_delay() for _ in range(5)]
    assert all(a < b for a, b in zip(delays[:3], delays[1:4], strict=True)) and max(delays) < 8
    high.reset()
    assert high.next_delay() < 1
