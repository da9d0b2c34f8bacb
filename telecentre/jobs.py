"""Periodic jobs: the scheduler decides when, a task worker runs them; one leader at a time.

Features declare jobs in their ``jobs.py`` with ``@job``. ``telecentre
scheduler`` runs APScheduler in its own process (never inside web workers):
at each due time it only *sends* the task ``telecentre.job`` with the job's id
and its slot (the due instant). A worker (``telecentre worker``, on any
machine) runs the job in an app context and commits once at the end, or rolls
back on error.

No job runs twice, whoever leads:

- Leadership is a lock held by the scheduler's own database connection
  (``telecentre.tasks.locks``: a PostgreSQL session advisory lock, a file lock on
  SQLite). The leader checks that connection every second and before each
  send; when it is gone (``pg_terminate_backend``, a network cut) the lock is
  gone too, and the scheduler stops sending at once and stands by again.
- Interval jobs are aligned on a fixed epoch, so every scheduler computes the
  same slots. A run first claims its slot in ``job_runs`` (unique per job and
  slot): a slot sent twice, by an old leader that had not noticed yet and by
  the new one, runs once.
- A run holds the lock ``job:<id>`` while it works, so a slow run and the next
  slot never overlap: the later one is skipped.
"""
from __future__ import annotations

import importlib
import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from celery import shared_task

log = logging.getLogger("telecentre.scheduler")

# Interval jobs fire at EPOCH + k × interval on every scheduler.
EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)


@dataclass
class JobSpec:
    """A periodic job: its id, function and APScheduler trigger."""

    id: str
    func: Callable
    trigger: str
    trigger_args: dict = field(default_factory=dict)


JOBS: dict[str, JobSpec] = {}


def job(job_id: str, trigger: str = "interval", **trigger_args):
    """Declare a periodic job (APScheduler trigger ``interval`` or ``cron`` and its fields)."""

    def decorate(func):
        JOBS[job_id] = JobSpec(job_id, func, trigger, trigger_args)
        return func

    return decorate


def load_jobs(app=None) -> dict[str, JobSpec]:
    """Import every feature's ``jobs`` module so that their ``@job``s register."""
    from telecentre import FEATURES
    for name in FEATURES:
        try:
            importlib.import_module(f"{name}.jobs")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.jobs":
                raise
    return JOBS


def interval_seconds(app, spec: JobSpec) -> float | None:
    """The interval of an interval job in seconds (``JOB_INTERVALS`` may override it)."""
    if spec.trigger != "interval":
        return None
    override = (app.config.get("JOB_INTERVALS") or {}).get(spec.id)
    if override:
        return float(override)
    return timedelta(**spec.trigger_args).total_seconds()


def slot_of(app, spec: JobSpec, moment: datetime) -> datetime:
    """The due instant that *moment* belongs to (the same on every scheduler)."""
    seconds = interval_seconds(app, spec)
    if seconds:
        elapsed = (moment - EPOCH).total_seconds()
        return EPOCH + timedelta(seconds=int(elapsed // seconds) * seconds)
    return moment.replace(second=0, microsecond=0)


# ------------------------------------------------------------------ running a job (worker)

@shared_task(name="telecentre.job", ignore_result=True)
def run_job_task(job_id: str, slot: str | None = None, sent_by: str = ""):
    """The task the scheduler sends: run the job *job_id* for its *slot* (ISO instant)."""
    from flask import current_app
    spec = load_jobs(current_app).get(job_id)
    if spec is None:
        log.error("no job called %s", job_id)
        return None
    return run_job(current_app._get_current_object(), spec,
                   slot=datetime.fromisoformat(slot) if slot else None, sent_by=sent_by)


def run_job(app, spec: JobSpec, *, slot: datetime | None = None, sent_by: str = ""):
    """Run one job in an app context: commit when it returns, roll back when it raises.

    Skipped (None) while another run of the job holds ``job:<id>``, or when
    *slot* was already claimed. Returns the job's result.
    """
    from telecentre.common.db import begin_write
    from telecentre.extensions import db
    from telecentre.tasks.locks import HeldLocks
    with app.app_context(), HeldLocks(app, f"job {spec.id} {_me()}") as locks:
        if not locks.try_acquire(f"job:{spec.id}"):
            log.info("job %s is still running elsewhere; this run is skipped", spec.id)
            return None
        run_id = _claim(spec.id, slot, sent_by)
        if run_id is None:
            log.info("job %s for %s already ran; skipped", spec.id, slot)
            return None
        started = time.monotonic()
        ok, result = True, None
        try:
            db.session.rollback()  # nothing read yet: the job's transaction begins as a writer
            begin_write(db.session)
            result = spec.func()
            db.session.commit()
            log.info("job %s done in %.2fs: %s", spec.id, time.monotonic() - started, result)
        except Exception as exc:
            db.session.rollback()
            ok, result = False, f"{type(exc).__name__}: {exc}"
            log.exception("job %s failed", spec.id)
        try:
            _finish(run_id, time.monotonic() - started, ok, result)
        finally:
            db.session.remove()
        return result if ok else None


RUNS_KEPT_DAYS = 7


def _claim(job_id: str, slot: datetime | None, sent_by: str) -> int | None:
    """Insert the run's row (unique per job and slot); return its id, or None if taken."""
    from sqlalchemy import delete
    from sqlalchemy.exc import IntegrityError

    from telecentre.common.db import begin_write
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    from telecentre.ops.models import JobRun
    now = utcnow()
    begin_write(db.session)
    row = JobRun(job_id=job_id, slot=slot, started_at=now, duration_seconds=0.0, ok=None,
                 result="running", sent_by=(sent_by or "")[:100], ran_by=_me()[:100])
    try:
        db.session.add(row)
        db.session.flush()
        run_id = row.id
        db.session.execute(delete(JobRun).where(
            JobRun.job_id == job_id, JobRun.started_at < now - timedelta(days=RUNS_KEPT_DAYS)))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run_id


def _finish(run_id: int, seconds: float, ok: bool, result) -> None:
    """Write the outcome on the run's row (for /metrics and the operators)."""
    from sqlalchemy import update

    from telecentre.common.db import begin_write
    from telecentre.extensions import db
    from telecentre.ops.models import JobRun
    try:
        begin_write(db.session)
        db.session.execute(update(JobRun).where(JobRun.id == run_id).values(
            duration_seconds=seconds, ok=ok, result=str(result or "")[:500]))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not record run %s", run_id)


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# ------------------------------------------------------------------ the scheduler process

def send_job(app, spec: JobSpec, sent_by: str, moment: datetime | None = None) -> datetime:
    """Queue one run of *spec* for the slot of *moment* (default now); return the slot."""
    from telecentre.common.time import utcnow
    from telecentre.tasks import send
    slot = slot_of(app, spec, moment or utcnow())
    seconds = interval_seconds(app, spec)
    with app.app_context():
        # A run still queued when its next slot is due is of no use any more.
        send(run_job_task, spec.id, slot.isoformat(), sent_by,
             expires=max(seconds or 3600, 30))
    return slot


def run_scheduler(app, *, only: list[str] | None = None, standby_poll: float | None = None,
                  check_every: float = 1.0, stop_event: threading.Event | None = None):
    """Run the scheduler until SIGTERM/SIGINT (or ``stop_event``); stand by while not leader.

    The leader sends the due jobs to the task queue. If its lock connection
    dies it stops sending at once and goes back to standing by.
    """
    stop = stop_event or threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            signal.signal(sig, lambda *_: stop.set())  # handlers only set a flag
        except ValueError:
            pass  # not the main thread (tests)
    specs = {k: v for k, v in load_jobs(app).items() if not only or k in only}
    if standby_poll is None:
        standby_poll = float(app.config.get("SCHEDULER_STANDBY_SECONDS") or 5.0)
    while not stop.is_set():
        leadership = _acquire(app, stop, standby_poll)
        if leadership is None:
            return
        try:
            _lead(app, specs, leadership, stop, check_every)
        finally:
            leadership.release()
        # Lost the lock: give a standby the time to take over before trying again.
        stop.wait(standby_poll)


def _acquire(app, stop: threading.Event, standby_poll: float):
    """Wait until this process holds the scheduler lock; None when told to stop."""
    from telecentre.tasks.locks import HeldLocks
    while not stop.is_set():
        leadership = HeldLocks(app, f"telecentre scheduler {_me()}")
        try:
            if leadership.try_acquire("scheduler"):
                return leadership
            log.info("another scheduler leads; standing by")
        except Exception:  # noqa: BLE001 - the database is away: keep trying
            log.exception("cannot reach the database for the scheduler lock")
        leadership.release()
        stop.wait(standby_poll)
    return None


def _lead(app, specs: dict[str, JobSpec], leadership, stop: threading.Event,
          check_every: float) -> None:
    """Send due jobs while the lock holds; return when it is lost or on stop."""
    from apscheduler.schedulers.background import BackgroundScheduler
    me = _me()
    lost = threading.Event()

    def fire(spec: JobSpec) -> None:
        if lost.is_set() or not leadership.alive():
            lost.set()  # never send a job after the lock may have gone
            return
        slot = send_job(app, spec, me)
        log.debug("sent %s for %s", spec.id, slot.isoformat())

    log.info("leading the scheduler as %s", me)
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
    for spec in specs.values():
        seconds = interval_seconds(app, spec)
        if seconds:
            scheduler.add_job(fire, "interval", args=(spec,), id=spec.id, seconds=seconds,
                              start_date=EPOCH)
        else:
            scheduler.add_job(fire, spec.trigger, args=(spec,), id=spec.id,
                              **spec.trigger_args)
    scheduler.start()
    try:
        while not stop.wait(check_every):
            if lost.is_set() or not leadership.alive():
                lost.set()
                log.error("lost the scheduler lock (its database connection is gone): "
                          "no job is sent from here any more; standing by")
                return
    finally:
        scheduler.shutdown(wait=False)
