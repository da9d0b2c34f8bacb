"""A job's run claims its slot and holds its lock.

A slot sent twice runs once; runs of one job never overlap.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from telecentre import jobs
from telecentre.extensions import db
from telecentre.ops.models import JobRun
from telecentre.tasks.locks import HeldLocks


def _counting_job():
    calls = []
    return calls, jobs.JobSpec("test.count", lambda: calls.append(1) or len(calls), "interval",
                               {"seconds": 10})


def test_a_slot_sent_twice_runs_once(app):
    calls, spec = _counting_job()
    slot = datetime(2026, 12, 4, 12, 0, 10, tzinfo=timezone.utc)
    assert jobs.run_job(app, spec, slot=slot, sent_by="old-leader") == 1
    assert jobs.run_job(app, spec, slot=slot, sent_by="new-leader") is None
    assert jobs.run_job(app, spec, slot=slot.replace(second=20), sent_by="new-leader") == 2
    rows = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
    assert [(r.sent_by, r.ok) for r in rows] == [("old-leader", True), ("new-leader", True)]


def test_a_run_is_skipped_while_the_previous_one_still_runs(app):
    calls, spec = _counting_job()
    running = HeldLocks(app, "a slow run elsewhere")
    assert running.try_acquire("job:test.count")
    try:
        assert jobs.run_job(app, spec, slot=datetime(2026, 12, 4, tzinfo=timezone.utc)) is None
    finally:
        running.release()
    assert calls == [] and db.session.scalar(select(JobRun)) is None


def test_every_scheduler_computes_the_same_slots(app):
    spec = jobs.JobSpec("test.count", lambda: None, "interval", {"seconds": 30})
    moment = datetime(2026, 12, 4, 12, 0, 44, 500000, tzinfo=timezone.utc)
    assert jobs.slot_of(app, spec, moment) == datetime(2026, 12, 4, 12, 0, 30,
                                                       tzinfo=timezone.utc)
    app.config["JOB_INTERVALS"] = {"test.count": 1}
    assert jobs.slot_of(app, spec, moment) == moment.replace(microsecond=0)
    cron = jobs.JobSpec("test.cron", lambda: None, "cron", {"minute": 5})
    assert jobs.slot_of(app, cron, moment) == moment.replace(second=0, microsecond=0)
