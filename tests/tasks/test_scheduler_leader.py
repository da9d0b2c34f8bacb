"""One leader, always: the leader's database connection is killed with two schedulers running.

Two ``telecentre scheduler`` processes and a worker, on PostgreSQL; ``audit.seal``
is due every second. ``pg_terminate_backend`` ends the leader's lock
connection: the leader stops sending at once, the standby takes over, and no
slot of the job runs twice.
"""
from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.ops.models import JobRun
from telecentre.tasks.locks import lock_key

from .conftest import wait_for


def _runs():
    db.session.rollback()
    return db.session.scalars(select(JobRun).where(JobRun.job_id == "audit.seal")
                              .order_by(JobRun.slot)).all()


def _lock_holder() -> int | None:
    """The backend pid holding the scheduler lock (PostgreSQL splits the key in two)."""
    key = lock_key("scheduler") & 0xFFFFFFFFFFFFFFFF
    db.session.rollback()
    return db.session.execute(text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid = :hi AND objid = :lo AND objsubid = 1"),
        {"hi": key >> 32, "lo": key & 0xFFFFFFFF}).scalar()


def test_leader_losing_its_connection_stops_and_no_job_runs_twice(app, processes):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend: set TELECENTRE_TEST_DATABASE_URL to PostgreSQL")
    processes.settings.update(JOB_INTERVALS={"audit.seal": 1}, SCHEDULER_STANDBY_SECONDS=0.5)
    processes.worker("worker")
    first = processes.start("first", "scheduler", "--job", "audit.seal")
    me = socket.gethostname()
    first_sender = f"{me}:{first.pid}"
    wait_for(lambda: sum(r.sent_by == first_sender for r in _runs()) >= 2,
             what="the first scheduler to lead")
    second = processes.start("second", "scheduler", "--job", "audit.seal")
    second_sender = f"{me}:{second.pid}"
    wait_for(lambda: "another scheduler leads" in processes.log("second"),
             what="the second scheduler to stand by")

    leader_backend = _lock_holder()
    assert leader_backend is not None
    assert db.session.execute(text("SELECT pg_terminate_backend(:pid)"),
                              {"pid": leader_backend}).scalar()
    killed_at = utcnow()
    db.session.commit()

    wait_for(lambda: "lost the scheduler lock" in processes.log("first"),
             what="the old leader to notice")
    wait_for(lambda: sum(r.sent_by == second_sender and r.slot > killed_at
                         for r in _runs()) >= 3, what="the standby to take over")
    runs = _runs()
    # The old leader sent nothing after its connection was gone (it checks every
    # second and before every send).
    late = [r.slot for r in runs if r.sent_by == first_sender
            and r.slot > killed_at + timedelta(seconds=1)]
    assert late == []
    # Every slot ran once, and its run finished.
    twice = db.session.execute(select(JobRun.slot, func.count()).where(
        JobRun.job_id == "audit.seal").group_by(JobRun.slot).having(func.count() > 1)).all()
    assert twice == []
    assert all(r.ok for r in runs if r.slot < killed_at)
    # The new leader holds the lock on a connection of its own, and both processes live on.
    assert _lock_holder() not in (None, leader_backend)
    assert first.poll() is None and second.poll() is None
