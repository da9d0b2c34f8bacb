"""A worker SIGKILLed in the middle of an SSH run, with two workers on a real broker.

The server is the real OpenSSH on loopback; only the command at the end of it
is a stand-in (a power-off that writes a line and waits, so the worker can be
killed while it runs). A scheduler sends ``remote.recover_runs`` every second,
as in production (every 10 s there).
"""
from __future__ import annotations

import os
import signal

from sqlalchemy import select

from telecentre.extensions import db
from telecentre.ops.models import JobRun
from telecentre.remote.models import RemoteRun, RemoteRunHost
from telecentre.remote.services import create_run
from telecentre.remote.tasks import dispatch_run

from .conftest import wait_for


def _host(host_id: int) -> RemoteRunHost:
    db.session.rollback()  # a fresh snapshot: the workers commit in other processes
    return db.session.get(RemoteRunHost, host_id)


def _start(processes, queue_settings):
    processes.settings["JOB_INTERVALS"] = {"remote.recover_runs": 1}
    first, second = processes.worker("first"), processes.worker("second")
    processes.start("scheduler", "scheduler", "--job", "remote.recover_runs")
    return {"first": first, "second": second}


def _kill_the_one_running(host_id, workers, log_lines):
    """Wait until the command runs on the PC, then SIGKILL the worker carrying it out."""
    wait_for(lambda: log_lines(), what="the command to start on the PC")
    host = wait_for(lambda: _host(host_id) if _host(host_id).worker else None,
                    what="the host to be claimed")
    assert host.status == "running"
    name = host.worker.split("@")[0]
    os.kill(workers[name].pid, signal.SIGKILL)
    workers[name].wait(10)
    return name


def _recoveries() -> int:
    db.session.rollback()
    return len(db.session.scalars(select(JobRun.id).where(
        JobRun.job_id == "remote.recover_runs", JobRun.ok.is_(True))).all())


def test_power_off_killed_mid_run_is_reported_at_once_and_never_repeated(
        app, queued_app, processes, queue_settings, stand_in_sshd, seats_behind, tmp_path):
    log = tmp_path / "power-offs.log"
    server = stand_in_sshd({"shutdown": f'echo "power-off $*" >> {log}\nsleep 120\n'})
    [seat] = seats_behind(server)
    workers = _start(processes, queue_settings)
    run = create_run(None, "shutdown", {"delay_minutes": 0}, [seat], scope="test")
    db.session.commit()
    run_id, host_id = run.id, run.hosts[0].id
    with queued_app.app_context():
        assert dispatch_run(run_id) == 1

    def lines():
        return log.read_text().splitlines() if log.exists() else []

    killed = _kill_the_one_running(host_id, workers, lines)
    survivor = ({"first", "second"} - {killed}).pop()
    # Reported at once by the survivor: within a few recovery rounds, not hours.
    host = wait_for(lambda: _host(host_id) if _host(host_id).status != "running" else None,
                    limit=30, what="the lost host to be reported")
    assert host.status == "lost", (host.status, host.error)
    assert "powtórzenie nie jest bezpieczne" in host.error and host.finished_at is not None
    assert db.session.get(RemoteRun, run_id).status == "finished"
    # Several more rounds of recovery later, the power-off has still run exactly once.
    seen = _recoveries()
    wait_for(lambda: _recoveries() >= seen + 3, limit=30, what="three more recovery rounds")
    assert len(lines()) == 1 and lines()[0].startswith("power-off -P +0")
    assert _host(host_id).status == "lost"
    assert processes.started[[n for n, *_ in processes.started].index(survivor)][1].poll() is None


def test_read_only_action_killed_mid_run_is_finished_by_the_other_worker(
        app, queued_app, processes, queue_settings, stand_in_sshd, seats_behind, tmp_path):
    log = tmp_path / "df.log"
    # The first df hangs (its worker is killed then); a later one answers at once.
    server = stand_in_sshd({"df": f'echo "df $$" >> {log}\n'
                                  f'[ "$(wc -l < {log})" -gt 1 ] || sleep 120\n'
                                  'echo "Filesystem Size Used"\n'})
    [seat] = seats_behind(server)
    workers = _start(processes, queue_settings)
    run = create_run(None, "disk_diagnostics", {}, [seat], scope="test")
    db.session.commit()
    run_id, host_id = run.id, run.hosts[0].id
    with queued_app.app_context():
        dispatch_run(run_id)

    def lines():
        return log.read_text().splitlines() if log.exists() else []

    killed = _kill_the_one_running(host_id, workers, lines)
    host = wait_for(lambda: _host(host_id) if _host(host_id).status == "done" else None,
                    limit=60, what="the other worker to finish the run")
    assert host.worker.split("@")[0] != killed
    assert host.attempts == 2 and host.exit_code == 0 and "Filesystem" in host.output_tail
    assert len(lines()) == 2  # the killed try and the one that finished
    assert db.session.get(RemoteRun, run_id).status == "finished"
