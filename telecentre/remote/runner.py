"""Run one action on many hosts in parallel, with a bound and per-host progress.

Workers are daemon threads, at most ``max_parallel`` at a time. Progress
events (queued, running, then one final status) are delivered to the
``on_progress`` callback in the *calling* thread, one at a time, so the
callback may write to a database session without locking. Every SSH step
has a timeout, so a silent host ends as ``timeout`` while the others carry
on; a watchdog also gives up on a worker stuck past its hard deadline.
"""
from __future__ import annotations

import dataclasses
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable

from .catalogue import get_action
from .ssh import CommandTimeout, HostKeyMismatch, SshConnection, SshError

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
TIMEOUT, UNREACHABLE = "timeout", "unreachable"
HOST_KEY_MISMATCH, AUTH_FAILED, ERROR = "host_key_mismatch", "auth_failed", "error"
FINAL_STATUSES = (DONE, FAILED, TIMEOUT, UNREACHABLE, HOST_KEY_MISMATCH, AUTH_FAILED, ERROR)
# Extra time a worker gets beyond its own timeouts before the watchdog gives up.
WATCHDOG_GRACE = 30.0


@dataclass(frozen=True)
class Host:
    """Where to reach one target. ``key`` identifies it in progress events."""

    key: str
    host: str
    port: int
    username: str
    host_key: str
    os: str = "linux"


@dataclass(frozen=True)
class HostJob:
    """A host and the exact command line to run there.

    ``client_key`` overrides the run's key (sites may have their own).
    """

    target: Host
    command: str
    timeout: float
    client_key: object = None


@dataclass(frozen=True)
class HostProgress:
    """One progress event, or the final outcome, for one host.

    ``presented_fingerprint`` is set for ``host_key_mismatch``: the key the
    host showed instead of the pinned one.
    """

    key: str
    status: str
    exit_code: int | None = None
    output_tail: str = ""
    error: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    presented_fingerprint: str | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def run_action(action_name: str, params: dict | None, hosts: Iterable[Host], client_key,
               sudo: bool = False, **options) -> list[HostProgress]:
    """Validate *params* for each OS present, then run the action on *hosts*.

    Raises the catalogue's errors (unknown action, invalid parameters,
    unsupported OS) before any host is contacted. *options* go to
    :func:`run_many`.
    """
    action = get_action(action_name)
    hosts = list(hosts)
    commands = {os_name: action.command(os_name, params, sudo=sudo)
                for os_name in sorted({h.os for h in hosts})}
    jobs = [HostJob(h, commands[h.os], action.timeout) for h in hosts]
    return run_many(jobs, client_key, **options)


def run_many(jobs: Iterable[HostJob], client_key, *, max_parallel: int = 8,
             connect_timeout: float = 10.0, tail_bytes: int = 8192,
             on_progress: Callable[[HostProgress], None] | None = None,
             connector: Callable[..., SshConnection] = SshConnection.open,
             clock: Callable[[], datetime] = _utcnow,
             watchdog_grace: float = WATCHDOG_GRACE) -> list[HostProgress]:
    """Run every job, at most *max_parallel* at once; return final outcomes in job order.

    *connector* opens a connection (:meth:`SshConnection.open` signature);
    unit tests of services pass a fake one. *clock* stamps the events. A
    worker still busy *watchdog_grace* seconds after its own timeouts should
    have ended is reported as ``timeout`` and replaced.
    """
    jobs = list(jobs)
    report = on_progress or (lambda event: None)
    results: dict[int, HostProgress] = {}
    if not jobs:
        return []
    for job in jobs:
        report(HostProgress(job.target.key, QUEUED))
    pending: queue.Queue = queue.Queue()
    for index, job in enumerate(jobs):
        pending.put((index, job))
    events: queue.Queue = queue.Queue()

    def work() -> None:
        while True:
            try:
                index, job = pending.get_nowait()
            except queue.Empty:
                return
            started = clock()
            events.put((index, HostProgress(job.target.key, RUNNING, started_at=started),
                        time.monotonic()))
            outcome = _run_one(job, client_key, connector, connect_timeout, tail_bytes)
            events.put((index, dataclasses.replace(outcome, started_at=started,
                                                   finished_at=clock()), None))

    def spawn() -> None:
        threading.Thread(target=work, name="remote-runner", daemon=True).start()

    for _ in range(min(max_parallel, len(jobs))):
        spawn()
    running: dict[int, float] = {}  # index -> hard deadline (monotonic)
    while len(results) < len(jobs):
        try:
            index, event, began = events.get(timeout=min(1.0, watchdog_grace))
        except queue.Empty:
            _expire(jobs, running, results, report, clock, spawn)
            continue
        if index in results:
            continue  # a worker the watchdog gave up on finished after all
        if began is not None:
            job = jobs[index]
            running[index] = began + 2 * connect_timeout + job.timeout + watchdog_grace
        else:
            running.pop(index, None)
            results[index] = event
        report(event)
        _expire(jobs, running, results, report, clock, spawn)
    return [results[i] for i in range(len(jobs))]


def _expire(jobs, running, results, report, clock, spawn) -> None:
    """Give up on workers past their hard deadline; replace them to keep the bound."""
    now = time.monotonic()
    for index, deadline in list(running.items()):
        if now >= deadline:
            del running[index]
            event = HostProgress(jobs[index].target.key, TIMEOUT,
                                 error="no answer before the hard deadline",
                                 finished_at=clock())
            results[index] = event
            report(event)
            spawn()


def _run_one(job: HostJob, client_key, connector, connect_timeout: float,
             tail_bytes: int) -> HostProgress:
    """Connect, run, and turn every outcome into a final :class:`HostProgress`."""
    key = job.target.key
    try:
        with connector(job.target.host, job.target.port, job.target.username,
                       job.target.host_key, job.client_key or client_key,
                       connect_timeout=connect_timeout) as connection:
            result = connection.run(job.command, timeout=job.timeout, tail_bytes=tail_bytes)
    except CommandTimeout as exc:
        return HostProgress(key, TIMEOUT, output_tail=exc.output_tail, error=str(exc))
    except HostKeyMismatch as exc:
        return HostProgress(key, HOST_KEY_MISMATCH, error=str(exc),
                            presented_fingerprint=exc.actual_fingerprint)
    except SshError as exc:
        return HostProgress(key, exc.code, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - one host's surprise must not stop the run
        return HostProgress(key, ERROR, error=f"{type(exc).__name__}: {exc}")
    status = DONE if result.exit_code == 0 else FAILED
    return HostProgress(key, status, exit_code=result.exit_code,
                        output_tail=result.output_tail)
