"""Commands run once per id, are acknowledged through the outbox, and survive crashes."""

import pytest

from agent.commands import CommandFailed, CommandRunner, result_event_id
from agent.outbox import Outbox
from agent.state import StateStore


@pytest.fixture
def parts(tmp_path):
    """Store, outbox and a call log shared by a runner."""
    calls = []

    def message(args):
        calls.append(("message", args["text"]))
        return "shown"

    def extend(args):
        raise CommandFailed("no session to extend")

    def broken(args):
        raise RuntimeError("boom")

    handlers = {
        "message": message,
        "extend": extend,
        "lock": broken,
        "reboot": lambda args: calls.append(("reboot",)),
    }
    store = StateStore(str(tmp_path / "state"))
    outbox = Outbox(str(tmp_path / "o.sqlite3"))
    return store, outbox, handlers, calls


def _results(outbox):
    return {
        e["data"]["command_id"]: e["data"]
        for e in outbox.pending()
        if e["type"] == "command_result"
    }


def test_a_command_repeated_in_several_replies_runs_once(parts):
    store, outbox, handlers, calls = parts
    runner = CommandRunner(store, outbox, handlers)
    reply = [{"id": 501, "kind": "message", "args": {"text": "Zamykamy o 16"}}]
    assert runner.run(reply) == 1
    assert runner.run(reply) == 0
    assert (
        CommandRunner(StateStore(store.directory), outbox, handlers).run(reply) == 0
    )  # after a restart
    assert calls == [("message", "Zamykamy o 16")]
    assert _results(outbox) == {501: {"command_id": 501, "status": "done", "result": "shown"}}


def test_failures_are_acknowledged_with_their_reason(parts):
    store, outbox, handlers, calls = parts
    CommandRunner(store, outbox, handlers).run(
        [
            {"id": 1, "kind": "extend", "args": {"minutes": 5}},
            {"id": 2, "kind": "lock", "args": {}},
            {"id": 3, "kind": "format_disk", "args": {}},
        ]
    )
    results = _results(outbox)
    assert results[1] == {"command_id": 1, "status": "failed", "result": "no session to extend"}
    assert results[2]["status"] == "failed" and "boom" in results[2]["result"]
    assert results[3]["status"] == "failed" and "format_disk" in results[3]["result"]


def test_a_command_interrupted_by_a_crash_is_reported_not_rerun(parts):
    store, outbox, handlers, calls = parts
    # As left by an agent killed while running these two commands:
    store.update(
        commands={
            "7": {"kind": "message", "status": "running"},
            "8": {"kind": "reboot", "status": "running"},
        }
    )
    runner = CommandRunner(store, outbox, handlers)
    runner.recover()
    runner.run(
        [
            {"id": 7, "kind": "message", "args": {"text": "x"}},
            {"id": 8, "kind": "reboot", "args": {}},
        ]
    )
    assert calls == []
    results = _results(outbox)
    assert results[7]["status"] == "failed" and results[8]["status"] == "done"
    runner.recover()  # a second recovery reports nothing new
    assert outbox.count() == 2


def test_result_event_id_is_stable_so_a_double_report_is_stored_once(parts):
    store, outbox, handlers, calls = parts
    assert result_event_id(501) == result_event_id("501") != result_event_id(502)
    CommandRunner(store, outbox, handlers).run(
        [{"id": 501, "kind": "message", "args": {"text": "a"}}]
    )
    assert outbox.pending()[0]["id"] == result_event_id(501)


def test_long_results_are_cut_to_4_kb(parts):
    store, outbox, handlers, calls = parts
    handlers["message"] = lambda args: "ż" * 5000
    CommandRunner(store, outbox, handlers).run([{"id": 9, "kind": "message", "args": {}}])
    assert len(_results(outbox)[9]["result"].encode("utf-8")) <= 4096
