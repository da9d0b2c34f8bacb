"""Remote actions on the task queue: one task per host, on any worker.

``dispatch_run`` sends ``remote.run_host`` for every queued host of a run.
The task holds the lock ``remote-host:<id>`` for as long as it works on that
host, takes one slot of the global limit (``REMOTE_MAX_PARALLEL``) and one of
its site's (``REMOTE_SITE_MAX_PARALLEL``) — or comes back a moment later —,
claims the row (queued → running, with its worker's name), runs the action
with the SSH adapter's timeouts, and writes the outcome on the row. The row is
the task's own state: pages and the API read it; the last host to finish
marks the run finished.

A worker killed mid-way lets go of its lock when it dies (its database
connection or process goes), so ``recover_hosts`` (the ``remote.recover_runs``
job, every 10 s) finds a ``running`` row with a free lock at once: a
``repeatable`` action is queued again, any other is reported ``lost`` and
never run twice. A copy of the task redelivered by the broker finds the row
no longer queued and does nothing.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, select, update

from telecentre.common.db import begin_write
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.tasks import send
from telecentre.tasks.locks import HeldLocks

from . import runner
from .catalogue import UnknownAction, get_action
from .models import RemoteRun, RemoteRunHost

log = logging.getLogger("telecentre.remote")
OPEN = ("queued", "running")


def host_lock(host_id: int) -> str:
    """The lock a worker holds while it works on one host of a run."""
    return f"remote-host:{host_id}"


def dispatch_run(run_id: int) -> int:
    """Send one task per queued host of the run (after the caller committed); return how many."""
    begin_write(db.session)
    host_ids = list(db.session.scalars(select(RemoteRunHost.id).where(
        RemoteRunHost.run_id == run_id, RemoteRunHost.status == "queued")
        .order_by(RemoteRunHost.id)))
    _mark_sent(host_ids)
    for host_id in host_ids:
        send(run_host, host_id)
    if not host_ids:
        begin_write(db.session)
        finish_run(run_id)
        db.session.commit()
    return len(host_ids)


def _mark_sent(host_ids: list[int]) -> None:
    """Note when the hosts' tasks are sent, and commit (nothing held while they run)."""
    if host_ids:
        db.session.execute(update(RemoteRunHost).where(RemoteRunHost.id.in_(host_ids))
                           .values(sent_at=utcnow()))
    db.session.commit()


def _repeatable(action_name: str) -> bool:
    try:
        return get_action(action_name).repeatable
    except UnknownAction:
        return False


@shared_task(name="remote.run_host", bind=True, ignore_result=True, max_retries=None)
def run_host(self, host_id: int):
    """Carry out one host of a run (see the module's docstring); return its final status."""
    from .execution import _job, _store
    from .services import client_key  # noqa: F401  (loaded by _job)
    app = current_app._get_current_object()
    config = app.config
    worker = (self.request.hostname or "eager")[:100]
    locks = HeldLocks(app, f"remote host {host_id} {worker}")
    retry_in = None
    try:
        if not locks.try_acquire(host_lock(host_id)):
            return None  # another worker has it (a copy of this task)
        begin_write(db.session)  # SQLite: every write transaction takes the lock up front
        row = db.session.get(RemoteRunHost, host_id)
        if row is None:
            return None
        if row.status == "running":
            # We hold its lock, so whoever was running it is gone.
            return _after_lost_worker(row)
        if row.status != "queued":
            return row.status
        if not (locks.try_acquire_slot("remote-all", config["REMOTE_MAX_PARALLEL"])
                and locks.try_acquire_slot(f"remote-site:{row.site_id}",
                                           config["REMOTE_SITE_MAX_PARALLEL"])):
            db.session.rollback()
            retry_in = float(config["REMOTE_SLOT_WAIT"])
            return None
        claimed = db.session.execute(
            update(RemoteRunHost).where(RemoteRunHost.id == host_id,
                                        RemoteRunHost.status == "queued")
            .values(status="running", started_at=utcnow(), worker=worker,
                    attempts=RemoteRunHost.attempts + 1, error=""))
        db.session.execute(update(RemoteRun).where(
            RemoteRun.id == row.run_id, RemoteRun.status == "queued")
            .values(status="running", started_at=utcnow()))
        db.session.commit()
        if claimed.rowcount != 1:
            return None
        begin_write(db.session)
        db.session.refresh(row)
        action = get_action(row.run.action)
        try:
            job = _job(action, row, row.seat, {}) if row.seat is not None else None
        except Exception as exc:  # noqa: BLE001 - e.g. a key file that no longer opens
            log.exception("cannot prepare remote run host %s", host_id)
            row.status, row.finished_at = "error", utcnow()
            row.error = _("This computer could not be prepared: %(error)s", error=str(exc))
            job = None
        if row.seat is None:
            row.status, row.error, row.finished_at = "error", _("The computer was removed."), \
                utcnow()
        if job is not None:
            db.session.commit()  # the address found; nothing held during SSH
            outcome = runner._run_one(job, None, _connector(),
                                      float(config["REMOTE_CONNECT_TIMEOUT"]),
                                      int(config["REMOTE_TAIL_BYTES"]))
            begin_write(db.session)
            row = db.session.get(RemoteRunHost, host_id)
            _store(row, runner.HostProgress(outcome.key, outcome.status, outcome.exit_code,
                                            outcome.output_tail, outcome.error, row.started_at,
                                            utcnow(), outcome.presented_fingerprint))
            if (outcome.status in (runner.UNREACHABLE, runner.TIMEOUT) and action.repeatable
                    and row.attempts <= int(config["REMOTE_RETRIES"])):
                row.status, row.error = "queued", outcome.error
                retry_in = float(config["REMOTE_RETRY_DELAY"]) * row.attempts
        db.session.flush()
        finish_run(row.run_id)
        db.session.commit()
        return row.status
    finally:
        locks.release()
        if retry_in is not None:
            if self.request.is_eager:
                send(run_host, host_id)  # tests: the next try here and now
            else:
                # A new message for later; this one ends normally (and is acknowledged).
                self.retry(countdown=retry_in, throw=False)


def _connector():
    """The SSH adapter (a setting lets tests of services swap in another)."""
    from .ssh import SshConnection
    return current_app.config.get("REMOTE_CONNECTOR") or SshConnection.open


def _after_lost_worker(row: RemoteRunHost) -> str:
    """The worker running *row* died (its lock is ours now): queue it again or report it lost.

    Commits. Returns the row's new status.
    """
    if _repeatable(row.run.action) and row.attempts <= int(
            current_app.config["REMOTE_RETRIES"]):
        row.status, row.error = "queued", ""
        db.session.commit()
        log.warning("remote host %s: worker %s lost; queued again", row.id, row.worker)
        return "queued"
    row.status, row.finished_at = "lost", utcnow()
    row.error = _("The worker carrying this out stopped mid-way. The action may have run, "
                  "and it is not safe to repeat, so it was not started again.")
    finish_run(row.run_id)
    db.session.commit()
    log.error("remote host %s: worker %s lost in the middle of %s; reported, not repeated",
              row.id, row.worker, row.run.action)
    return "lost"


def finish_run(run_id: int) -> bool:
    """Mark the run finished when none of its hosts is open any more. Flushes."""
    open_hosts = exists().where(RemoteRunHost.run_id == run_id,
                                RemoteRunHost.status.in_(OPEN))
    done = db.session.execute(update(RemoteRun).where(
        RemoteRun.id == run_id, RemoteRun.status != "finished", ~open_hosts)
        .values(status="finished", finished_at=utcnow()))
    return done.rowcount == 1


def recover_hosts(now=None, requeue_after: timedelta = timedelta(minutes=10)) -> dict:
    """Find hosts whose worker is gone and deal with them; commits. Returns counts.

    ``running`` with a free lock: queued again (repeatable) or ``lost``.
    ``queued`` and last sent more than *requeue_after* ago, with a free lock:
    its task was lost with a broker that keeps no unacknowledged copy; sent
    again, once per *requeue_after* (the claim makes a second copy harmless).
    """
    app = current_app._get_current_object()
    now = now or utcnow()
    counts = {"lost": 0, "requeued": 0, "resent": 0}
    begin_write(db.session)
    running = list(db.session.scalars(select(RemoteRunHost.id).where(
        RemoteRunHost.status == "running")))
    stale = list(db.session.scalars(select(RemoteRunHost.id).join(RemoteRun).where(
        RemoteRunHost.status == "queued", RemoteRun.created_at < now - requeue_after,
        (RemoteRunHost.sent_at.is_(None)) | (RemoteRunHost.sent_at < now - requeue_after))))
    db.session.rollback()
    resend = []
    for host_id in running:
        with HeldLocks(app, "remote recovery") as probe:
            if not probe.try_acquire(host_lock(host_id)):
                continue  # its worker is alive and working
            begin_write(db.session)
            row = db.session.get(RemoteRunHost, host_id)
            if row is None or row.status != "running":
                db.session.rollback()
                continue
            status = _after_lost_worker(row)
            counts["lost" if status == "lost" else "requeued"] += 1
            if status == "queued":
                resend.append(host_id)
    for host_id in stale:
        with HeldLocks(app, "remote recovery") as probe:
            if probe.try_acquire(host_lock(host_id)):
                resend.append(host_id)
                counts["resent"] += 1
    begin_write(db.session)
    _mark_sent(resend)
    for host_id in resend:
        send(run_host, host_id)
    # Runs whose hosts are all final (e.g. refused before any task ran).
    begin_write(db.session)
    for run_id in list(db.session.scalars(select(RemoteRun.id).where(
            RemoteRun.status != "finished",
            ~exists().where(and_(RemoteRunHost.run_id == RemoteRun.id,
                                 RemoteRunHost.status.in_(OPEN)))))):
        finish_run(run_id)
    db.session.commit()
    return counts
