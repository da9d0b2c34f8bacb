"""Carrying out a queued run: a boundary (like a job) that commits per host event.

``execute_run`` claims the run, resolves each seat's address, pinned key and
credential, runs the action through :mod:`.runner` and writes every progress
event to its RemoteRunHost row at once, so pollers in any worker see it. A
changed host key is refused by the adapter; here it opens an alert and is
audited. This is the in-process path of ``telecentre remote run`` (an
operator's shell); the pages, the API and the power schedules send one task
per host instead (:mod:`.tasks`). Either way each host's lock is held while
it runs, so ``remote.recover_runs`` can tell a live run from a lost one.
"""
from __future__ import annotations

import logging

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update

from telecentre.audit.services import record
from telecentre.common.time import utcnow
from telecentre.extensions import db

from . import runner
from .catalogue import get_action
from .hostkeys import InvalidKey
from .labels import refusal_messages
from .models import RemoteRun, RemoteRunHost
from .services import client_key, credential_for, host_key_alert_key, pinned_key, target_for
from .ssh import SshConnection

log = logging.getLogger("telecentre.remote")


def execute_run(run_id: int, *, connector=SshConnection.open, max_parallel: int | None = None,
                connect_timeout: float | None = None, on_progress=None) -> RemoteRun | None:
    """Run a queued run to the end; return it, or None if another worker claimed it.

    Commits after claiming, after each host's progress and at the end.
    *on_progress* (the CLI's printer) sees each :class:`runner.HostProgress`.
    """
    claimed = db.session.execute(
        update(RemoteRun).where(RemoteRun.id == run_id, RemoteRun.status == "queued")
        .values(status="running", started_at=utcnow()))
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    run = db.session.get(RemoteRun, run_id)
    config = current_app.config
    from telecentre.tasks.locks import HeldLocks

    from .tasks import host_lock
    locks = HeldLocks(current_app._get_current_object(), f"remote run {run_id}")
    for row in run.hosts:
        locks.try_acquire(host_lock(row.id))
    try:
        jobs, rows = _plan(run)
        db.session.commit()
        for row in rows.values():
            if row.status != "queued" and on_progress:
                on_progress(runner.HostProgress(str(row.id), row.status, error=row.error))

        def progress(event: runner.HostProgress) -> None:
            _store(rows[event.key], event)
            db.session.commit()
            if on_progress:
                on_progress(event)

        runner.run_many(jobs, None, on_progress=progress, connector=connector,
                        max_parallel=max_parallel or config["REMOTE_MAX_PARALLEL"],
                        connect_timeout=connect_timeout or config["REMOTE_CONNECT_TIMEOUT"],
                        tail_bytes=config["REMOTE_TAIL_BYTES"], clock=utcnow)
    except Exception:
        db.session.rollback()
        for row in run.hosts:
            if row.status in ("queued", "running"):
                _refuse(row, "error", _("The run stopped before this computer answered."))
        raise
    finally:
        run.status, run.finished_at = "finished", utcnow()
        db.session.commit()
        locks.release()
    return run


def _plan(run: RemoteRun):
    """Build a runner job per host; refuse hosts lacking an address, key or login."""
    action = get_action(run.action)
    jobs, rows, keys = [], {}, {}
    for row in run.hosts:
        rows[str(row.id)] = row
        seat = row.seat
        if seat is None:
            _refuse(row, "error", _("The computer was removed."))
            continue
        try:
            job = _job(action, row, seat, keys)
        except Exception as exc:  # noqa: BLE001 - e.g. a key file that no longer opens
            log.exception("cannot prepare remote run host %s", row.id)
            _refuse(row, "error", _("This computer could not be prepared: %(error)s",
                                    error=str(exc)))
            continue
        if job is not None:
            jobs.append(job)
    return jobs, rows


def _job(action, row: RemoteRunHost, seat, keys: dict):
    """Return the runner job for one host, or None after refusing it on its row."""
    target = target_for(seat)
    row.address = target.address
    pin = pinned_key(seat)
    credential = credential_for(seat.site)
    if not target.address:
        _refuse(row, "no_address", refusal_messages()["no_address"])
        return None
    if not pin:
        _refuse(row, "no_host_key", refusal_messages()["no_host_key"])
        return None
    if credential is None:
        _refuse(row, "error", _("There is no SSH key for this site."))
        return None
    if credential.id not in keys:
        keys[credential.id] = client_key(credential)
    command = action.command(target.os, row.run.params, sudo=credential.use_sudo)
    host = runner.Host(str(row.id), target.address, target.port, credential.username,
                       pin, target.os)
    return runner.HostJob(host, command, action.timeout, keys[credential.id])


def _refuse(row: RemoteRunHost, status: str, message: str) -> None:
    row.status, row.error, row.finished_at = status, message, utcnow()


def _store(row: RemoteRunHost, event: runner.HostProgress) -> None:
    """Write one progress event to the host's row; alert on a changed host key."""
    row.status = event.status
    if event.status == runner.RUNNING:
        row.started_at = event.started_at
        return
    row.exit_code, row.output_tail, row.error = event.exit_code, event.output_tail, event.error
    row.finished_at = event.finished_at or utcnow()
    if event.status == runner.HOST_KEY_MISMATCH and row.seat is not None:
        _alert_host_key(row, event)


def _alert_host_key(row: RemoteRunHost, event: runner.HostProgress) -> None:
    from telecentre.alerts.services import open_alert
    seat = row.seat
    expected = _fingerprint(pinned_key(seat))
    details = {"seat_id": seat.id, "address": row.address, "expected": expected,
               "presented": event.presented_fingerprint, "run_id": row.run_id}
    open_alert(host_key_alert_key(seat), source="remote", site=seat.site, severity="critical",
               title=_("The SSH host key of %(seat)s has changed; connection refused.",
                       seat=seat.name), details=details)
    record(None, "remote.host_key.mismatch", target=seat, site=seat.site_id, details=details)


def _fingerprint(key_line: str | None) -> str | None:
    from .hostkeys import HostKeyPin
    try:
        return HostKeyPin.parse(key_line).fingerprint if key_line else None
    except InvalidKey:
        return None


def recover_runs(now=None) -> int:
    """Deal with hosts whose worker is gone (see :func:`.tasks.recover_hosts`); commits.

    Returns how many hosts were reported lost or queued again.
    """
    from .tasks import recover_hosts
    counts = recover_hosts(now)
    return counts["lost"] + counts["requeued"] + counts["resent"]
