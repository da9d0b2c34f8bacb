"""A site closing with 30 PCs: one task per PC, so it takes about as long as the slowest PC.

Two real workers on a real broker, the real sshd on loopback; each PC's power-off is a
stand-in that takes 3 s (a PC that is slow to answer), run for real over SSH.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import select

from telecentre.extensions import db
from telecentre.remote.models import RemoteRun, RemoteRunHost
from telecentre.remote.power import power_tick, set_schedule
from telecentre.remote.services import create_run
from telecentre.remote.tasks import dispatch_run
from telecentre.sites.services import get_site, set_hours

from .conftest import wait_for

# Wednesday 2 December 2026: Cyców closes at 16:00 Warsaw = 15:00 UTC.
CLOSING_PLUS_10 = datetime(2026, 12, 2, 15, 10, tzinfo=timezone.utc)


def _finished(run_id: int) -> RemoteRun | None:
    db.session.rollback()
    run = db.session.get(RemoteRun, run_id)
    return run if run.status == "finished" else None


def _run_and_time(queued_app, run_id: int, limit: float) -> float:
    started = time.monotonic()
    with queued_app.app_context():
        dispatch_run(run_id)
    wait_for(lambda: _finished(run_id), limit=limit, every=0.1, what=f"run {run_id}")
    return time.monotonic() - started


def _most_at_once(hosts: list[RemoteRunHost]) -> int:
    """The largest number of hosts whose [started, finished] intervals overlap."""
    edges = sorted([(h.started_at, 1) for h in hosts] + [(h.finished_at, -1) for h in hosts],
                   key=lambda edge: (edge[0], edge[1]))
    now = most = 0
    for _moment, step in edges:
        now += step
        most = max(most, now)
    return most


def test_thirty_pcs_power_off_in_the_time_of_the_slowest(
        app, queued_app, processes, stand_in_sshd, seats_behind, tmp_path):
    log = tmp_path / "power-offs.log"
    server = stand_in_sshd({"shutdown": f'echo "power-off $*" >> {log}\nsleep 3\n'})
    cycow = get_site("cycow")
    set_hours(None, cycow, ["mon-sun 08:00-16:00"])
    set_schedule(None, cycow, shutdown_minutes_after=10, warn_minutes=5)
    db.session.commit()
    seats = seats_behind(server, 30, site=cycow)
    processes.worker("first", concurrency=16)
    processes.worker("second", concurrency=16)

    # One PC alone, through the same workers: what one PC takes.
    single = create_run(None, "shutdown", {}, seats[:1], scope="one PC")
    db.session.commit()
    one_pc = _run_and_time(queued_app, single.id, limit=60)
    log.unlink()

    # The schedule's closing step: one run for the site's 30 idle PCs, a task per PC.
    [run_id] = power_tick(CLOSING_PLUS_10)
    db.session.commit()
    thirty = _run_and_time(queued_app, run_id, limit=120)

    hosts = list(db.session.scalars(select(RemoteRunHost).where(RemoteRunHost.run_id == run_id)))
    assert len(hosts) == 30 and {h.status for h in hosts} == {"done"}
    assert len(log.read_text().splitlines()) == 30  # each PC powered off once
    assert {h.worker.split("@")[0] for h in hosts} == {"first", "second"}
    assert _most_at_once(hosts) >= 15
    print(f"one PC {one_pc:.1f}s, 30 PCs {thirty:.1f}s "
          f"({thirty / one_pc:.1f}x one PC; one after another would be 30x)")
    assert thirty < 30 * one_pc / 5


def test_a_site_limit_holds_across_workers(
        app, queued_app, processes, stand_in_sshd, seats_behind, tmp_path):
    log = tmp_path / "power-offs.log"
    server = stand_in_sshd({"shutdown": f'echo "power-off $*" >> {log}\nsleep 1\n'})
    seats = seats_behind(server, 6)
    processes.settings.update(REMOTE_SITE_MAX_PARALLEL=2, REMOTE_SLOT_WAIT=0.2)
    processes.worker("first", concurrency=4)
    processes.worker("second", concurrency=4)
    run = create_run(None, "shutdown", {}, seats, scope="six PCs")
    db.session.commit()
    _run_and_time(queued_app, run.id, limit=120)
    hosts = list(db.session.scalars(select(RemoteRunHost).where(RemoteRunHost.run_id == run.id)))
    assert {h.status for h in hosts} == {"done"} and len(log.read_text().splitlines()) == 6
    # Eight threads were free, but never more than two PCs of the site at once.
    assert _most_at_once(hosts) <= 2
