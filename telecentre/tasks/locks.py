"""Locks that live as long as the process (or connection) holding them.

A lock is held for as long as its holder lives: on PostgreSQL a session
advisory lock on a connection of its own, which the server lets go of the
moment that connection ends (a killed worker, a terminated backend); on SQLite
an ``flock`` on a file in the instance folder, which the kernel lets go of when
the process dies (SQLite is one machine anyway). So whoever finds a lock free
knows its last holder is gone, and a task never needs a lease to expire.

Used for: the scheduler's leadership, "one run of a job at a time", the owner
of a remote action on one host, and counting slots (concurrency limits).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool


def lock_key(name: str) -> int:
    """The 64-bit advisory lock number of a lock name."""
    digest = hashlib.sha256(f"telecentre:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_engines: dict[str, object] = {}
_engines_lock = threading.Lock()


def _lock_engine(url: str):
    """An engine without a pool: every lock connection is its own, closed when let go of."""
    with _engines_lock:
        if url not in _engines:
            _engines[url] = create_engine(url, poolclass=NullPool)
        return _engines[url]


class HeldLocks:
    """A set of named locks held by one holder; :meth:`release` lets go of them all.

    ``HeldLocks(app)`` then ``try_acquire(name)`` as often as needed; on
    PostgreSQL all of them live on one connection (``application_name`` says
    whose), so killing that connection frees them together.
    """

    def __init__(self, app, label: str = "telecentre lock"):
        self.url = app.config["SQLALCHEMY_DATABASE_URI"]
        self.postgres = self.url.startswith("postgresql")
        # One folder per database: two databases never share a lock (tests, a copy).
        self.folder = Path(app.instance_path) / "locks" / hashlib.sha256(
            self.url.encode()).hexdigest()[:12]
        self.label = label[:60]
        self._conn = None
        self._files: dict[str, object] = {}
        self.held: list[str] = []
        # The scheduler checks its lock from its jobs' threads and its main loop.
        self._mutex = threading.RLock()

    def _connection(self):
        if self._conn is None:
            engine = _lock_engine(self.url)
            self._conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._conn.execute(text("SELECT set_config('application_name', :n, false)"),
                               {"n": self.label})
        return self._conn

    def try_acquire(self, name: str) -> bool:
        """Take the lock *name* if nobody holds it; return whether this holder has it now."""
        with self._mutex:
            return self._try_acquire(name)

    def _try_acquire(self, name: str) -> bool:
        if name in self.held:
            return True
        if self.postgres:
            got = bool(self._connection().execute(text("SELECT pg_try_advisory_lock(:k)"),
                                                  {"k": lock_key(name)}).scalar())
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = open(self.folder / f"{_file_name(name)}.lock", "a+")  # noqa: SIM115
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                return False
            self._files[name] = handle
            got = True
        if got:
            self.held.append(name)
        return got

    def try_acquire_slot(self, prefix: str, slots: int) -> str | None:
        """Take one of the locks ``prefix:0`` … ``prefix:slots-1``; return its name or None.

        On PostgreSQL one statement tries them in order and stops at the first
        it gets (rows are filtered one at a time under ``LIMIT 1``; no ORDER BY,
        which would try them all).
        """
        names = [f"{prefix}:{index}" for index in range(max(0, int(slots)))]
        if not self.postgres:
            return next((name for name in names if self.try_acquire(name)), None)
        by_key = {lock_key(name): name for name in names}
        with self._mutex:
            got = self._connection().execute(text(
                "SELECT k FROM unnest(CAST(:keys AS bigint[])) AS t(k) "
                "WHERE pg_try_advisory_lock(k) LIMIT 1"),
                {"keys": list(by_key)}).scalar()
            if got is None:
                return None
            self.held.append(by_key[got])
            return by_key[got]

    def alive(self) -> bool:
        """True while the holder's connection still answers (PostgreSQL); always on SQLite."""
        if not self.postgres:
            return True
        with self._mutex:
            if self._conn is None:
                return False
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception:  # noqa: BLE001 - terminated, network gone: the locks are gone
                return False

    def release(self, name: str | None = None) -> None:
        """Let go of *name*, or of every lock held (and close the connection)."""
        with self._mutex:
            self._release(name)

    def _release(self, name: str | None) -> None:
        names = [name] if name else list(self.held)
        for each in names:
            if each not in self.held:
                continue
            self.held.remove(each)
            if self.postgres:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"),
                                       {"k": lock_key(each)})
                except Exception:  # noqa: BLE001 - a dead connection holds nothing
                    pass
            else:
                handle = self._files.pop(each)
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
        if not self.held and self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def _file_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]


def lock_is_free(app, name: str) -> bool:
    """True when nobody holds *name* (taken and let go of at once to find out)."""
    with HeldLocks(app, "telecentre lock check") as probe:
        return probe.try_acquire(name)


def forget_engines() -> None:
    """Dispose of the lock engines (tests, or after a fork)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


os.register_at_fork(after_in_child=lambda: _engines.clear())
