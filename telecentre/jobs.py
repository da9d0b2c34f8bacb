"""The scheduler process: periodic jobs declared per feature, one leader at a time.

Features declare jobs in their ``jobs.py`` with ``@job``. ``telecentre
scheduler`` runs them in its own process (never inside web workers, where
every worker would run every job). Each run gets an app context and commits
once at the end, or rolls back on error.

Leadership: on PostgreSQL the process holds a session advisory lock for as long
as it lives (per shard), so a second scheduler waits as a standby and takes
over when the first dies. On SQLite a file lock in the instance folder does the
same on one machine.
"""
import fcntl
import hashlib
import importlib
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import text

log = logging.getLogger("telecentre.scheduler")


@dataclass
class JobSpec:
    """A periodic job: its id, function and APScheduler trigger."""

    id: str
    func: Callable
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    sharded: bool = False


JOBS: dict[str, JobSpec] = {}


def job(job_id: str, trigger: str = "interval", *, sharded: bool = False, **trigger_args):
    """Declare a periodic job. A sharded job is called as ``func(shard=i, shards=n)``."""

    def decorate(func):
        JOBS[job_id] = JobSpec(job_id, func, trigger, trigger_args, sharded)
        return func

    return decorate


def load_jobs(app) -> dict[str, JobSpec]:
    """Import every feature's ``jobs`` module so that their ``@job``s register."""
    from telecentre import FEATURES
    for name in FEATURES:
        try:
            importlib.import_module(f"{name}.jobs")
        except ModuleNotFoundError as exc:
            if exc.name != f"{name}.jobs":
                raise
    return JOBS


def run_job(app, spec: JobSpec, shard: int = 0, shards: int = 1):
    """Run one job in an app context: commit when it returns, roll back when it raises."""
    from telecentre.common.db import begin_write
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    with app.app_context():
        started, started_at = time.monotonic(), utcnow()
        ok, result = True, None
        try:
            begin_write(db.session)
            result = spec.func(shard=shard, shards=shards) if spec.sharded else spec.func()
            db.session.commit()
            log.info("job %s done in %.2fs: %s", spec.id, time.monotonic() - started, result)
        except Exception as exc:
            db.session.rollback()
            ok, result = False, f"{type(exc).__name__}: {exc}"
            log.exception("job %s failed", spec.id)
        try:
            _record_run(spec.id, started_at, time.monotonic() - started, ok, result)
        finally:
            db.session.remove()
        return result if ok else None


RUNS_KEPT_DAYS = 7


def _record_run(job_id, started_at, seconds, ok, result):
    """Keep a row per run (a week of them) for /metrics and the operators."""
    from datetime import timedelta

    from sqlalchemy import delete

    from telecentre.extensions import db
    from telecentre.ops.models import JobRun
    try:
        db.session.add(JobRun(job_id=job_id, started_at=started_at, duration_seconds=seconds,
                              ok=ok, result=str(result or "")[:500]))
        db.session.execute(delete(JobRun).where(
            JobRun.job_id == job_id,
            JobRun.started_at < started_at - timedelta(days=RUNS_KEPT_DAYS)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not record the run of %s", job_id)


def lock_key(shard: int) -> int:
    """Return the advisory lock number of a scheduler shard."""
    digest = hashlib.sha256(f"telecentre-scheduler-{shard}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Leadership:
    """Hold the scheduler lock for one shard (PostgreSQL advisory lock or a file lock)."""

    def __init__(self, app, shard: int):
        self.app, self.shard = app, shard
        self._conn = None
        self._fh = None

    def try_acquire(self) -> bool:
        """Return True when this process is now the leader of its shard."""
        from telecentre.extensions import db
        with self.app.app_context():
            engine = db.engine
            if engine.dialect.name == "postgresql":
                if self._conn is None:
                    self._conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                got = self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                         {"k": lock_key(self.shard)}).scalar()
                return bool(got)
        path = os.path.join(self.app.instance_path, f"scheduler-{self.shard}.lock")
        self._fh = self._fh or open(path, "a+")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def release(self):
        """Give the lock up (also happens when the process dies)."""
        if self._conn is not None:
            # The connection goes back to the pool, so the session lock must be let go of.
            self._conn.execute(text("SELECT pg_advisory_unlock_all()"))
            self._conn.close()
            self._conn = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def run_scheduler(app, *, shard: int = 0, shards: int = 1, only: list[str] | None = None,
                  standby_poll: float = 5.0, stop_event: threading.Event | None = None):
    """Run the scheduler until SIGTERM/SIGINT (or ``stop_event``); wait as standby if not leader."""
    from apscheduler.schedulers.background import BackgroundScheduler

    stop = stop_event or threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            signal.signal(sig, lambda *_: stop.set())  # handlers only set a flag
        except ValueError:
            pass  # not the main thread (tests)
    specs = load_jobs(app)
    leadership = Leadership(app, shard)
    while not leadership.try_acquire():
        log.info("another scheduler leads shard %d; standing by", shard)
        if stop.wait(standby_poll):
            return
    log.info("leading shard %d of %d", shard, shards)
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
    for spec in specs.values():
        if only and spec.id not in only:
            continue
        if not spec.sharded and shard != 0:
            continue
        scheduler.add_job(run_job, spec.trigger, args=(app, spec, shard, shards), id=spec.id,
                          **spec.trigger_args)
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        leadership.release()
