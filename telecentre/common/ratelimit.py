"""Rate-limit counters in the database, shared by every worker (``RATELIMIT_STORAGE_URI="database://"``).

Flask-Limiter counts hits through a ``limits`` storage. Its default keeps the
counters in each process, so three gunicorn workers allow three times the
limit. This storage keeps one row per counter — ``(key, expiry, hits)`` — and
increments it with one atomic upsert (``INSERT … ON CONFLICT DO UPDATE …
RETURNING``, the same statement on PostgreSQL and SQLite ≥ 3.35), in its own
short transaction on its own connection:

* a hit is recorded even when the request's transaction rolls back, and the
  request's transaction is never touched;
* PostgreSQL: the counters live in the application database (table
  ``rate_limit_counters``, created by the migrations); concurrent upserts of
  one key queue on its row lock, so every worker sees every hit.
* SQLite: every state-changing request already holds the database's write lock
  (``BEGIN IMMEDIATE``, see ``telecentre.common.db``) when Flask-Limiter
  checks a decorated limit, and again when it records a conditional hit after
  the view. A second connection to the same file would wait for the lock its
  own request holds — a deadlock ended only by the busy timeout. So on SQLite
  the counters go to a sibling file (``<database>.ratelimit.sqlite``) with the
  same table: one host (SQLite means one host), every worker of it, and a write
  lock of its own that is held for one statement only.

Only the fixed-window strategy (Flask-Limiter's default) is supported: it needs
nothing but an atomic counter with an expiry. Expired rows are deleted by each
process at most once a minute. Counters are not precious: PostgreSQL commits
them without waiting for the WAL flush (``synchronous_commit = off``), SQLite
with ``synchronous=NORMAL`` in WAL mode, like the application's database.
"""
import hashlib
import os
import threading
import time

from flask import current_app, g, has_request_context, request
from limits.errors import ConfigurationError
from limits.storage import Storage
from sqlalchemy import (Float, Index, Integer, String, bindparam, case, create_engine,
                        delete, select)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex, CreateTable

import telecentre.common.db  # noqa: F401  (SQLite: WAL, busy timeout, BEGIN IMMEDIATE)
from telecentre.extensions import db, limiter

KEY_LENGTH = 200
CLEANUP_SECONDS = 60


class RateLimitCounter(db.Model):
    """One fixed-window counter: ``hits`` in the window that ends at ``expiry`` (Unix time)."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (Index("ix_rate_limit_counters_expiry", "expiry"),)

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    expiry: Mapped[float] = mapped_column(Float, nullable=False)
    hits: Mapped[int] = mapped_column(Integer, nullable=False)


COUNTERS = RateLimitCounter.__table__


def counter_database_url(database_url: str) -> str:
    """Where the counters of an app on ``database_url`` live (see the module's docstring)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return database_url
    if url.database in (None, "", ":memory:"):
        return "sqlite://"  # an in-memory database: counters in memory too, one process
    return str(url.set(drivername="sqlite", database=url.database + ".ratelimit.sqlite"))


def _stored_key(key: str) -> str:
    """Keys longer than the column (long client addresses, say) are replaced by a digest."""
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """A ``limits`` storage on SQLAlchemy; options: ``url`` (the application's database URL)."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 url: str | None = None, **options):
        if not url:
            raise ConfigurationError("the database rate-limit storage needs the option 'url'")
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.url = counter_database_url(url)
        self._engine = None
        self._pid = None
        self._lock = threading.Lock()
        self._next_cleanup = 0.0
        self._upserts = {}

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    # ------------------------------------------------------------ connection

    def _connect(self):
        """A connection of this process's engine (created after a fork, not inherited)."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._engine = self._create_engine()
                    self._pid = os.getpid()
        return self._engine.connect()

    def dispose(self) -> None:
        """Close this process's connections (tests, and apps that are thrown away)."""
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()

    def _create_engine(self):
        url = make_url(self.url)
        if url.get_backend_name() == "postgresql":
            # A counter lost in a database crash is harmless; not waiting for the
            # WAL flush at each commit makes a hit several times cheaper.
            return create_engine(url, pool_size=2, max_overflow=4, pool_pre_ping=True,
                                 connect_args={"options": "-c synchronous_commit=off"})
        if url.get_backend_name() != "sqlite":
            return create_engine(url, pool_size=2, max_overflow=4, pool_pre_ping=True)
        if url.database in (None, ""):
            engine = create_engine(url, poolclass=StaticPool,
                                   connect_args={"check_same_thread": False})
        else:
            # Each upsert takes the side file's write lock up front (BEGIN IMMEDIATE,
            # telecentre.common.db), so readers never have to upgrade a snapshot.
            engine = create_engine(url, execution_options={"sqlite_immediate": True})
        # Several workers start at once: IF NOT EXISTS makes the creation idempotent.
        with engine.begin() as conn:
            conn.execute(CreateTable(COUNTERS, if_not_exists=True))
            for index in COUNTERS.indexes:
                conn.execute(CreateIndex(index, if_not_exists=True))
        return engine

    def _upsert(self, dialect: str):
        """The increment statement for ``dialect``, built once (binds key, now, amount, end)."""
        if dialect not in self._upserts:
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
            c = COUNTERS.c
            now, amount, end = bindparam("now"), bindparam("amount"), bindparam("end")
            expired = c.expiry <= now
            self._upserts[dialect] = (
                insert(COUNTERS)
                .values(key=bindparam("key"), expiry=end, hits=amount)
                .on_conflict_do_update(
                    index_elements=[c.key],
                    set_={"hits": case((expired, amount), else_=c.hits + amount),
                          "expiry": case((expired, end), else_=c.expiry)})
                .returning(c.hits, c.expiry)
            )
        return self._upserts[dialect]

    # ------------------------------------------------------------ the storage API
    # After a request's own hit, Flask-Limiter reads the counter and its window's end
    # again for the X-RateLimit-* and Retry-After headers: two more round trips each
    # time. The hit's RETURNING already gave both, so the rest of that request takes
    # them from there (``flask.g``: never across requests, where another worker may
    # have counted since).

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter (a new window when it had expired); return the count."""
        now = time.time()
        params = {"key": _stored_key(key), "now": now, "amount": amount, "end": now + expiry}
        with self._connect() as conn:
            with conn.begin():
                count, ends = conn.execute(self._upsert(conn.dialect.name), params).one()
            _remember(key, count, ends)
            if now >= self._next_cleanup:
                self._next_cleanup = now + CLEANUP_SECONDS
                with conn.begin():
                    conn.execute(delete(COUNTERS).where(COUNTERS.c.expiry <= now))
        return count

    def get(self, key: str) -> int:
        """The counter's value in its current window (0 when there is none)."""
        seen = _remembered(key)
        if seen is not None:
            return seen[0]
        c = COUNTERS.c
        with self._connect() as conn, conn.begin():
            value = conn.execute(select(c.hits).where(
                c.key == _stored_key(key), c.expiry > time.time())).scalar()
        return value or 0

    def get_expiry(self, key: str) -> float:
        """When the counter's window ends (Unix time; now when there is none)."""
        seen = _remembered(key)
        if seen is not None:
            return seen[1]
        now = time.time()
        c = COUNTERS.c
        with self._connect() as conn, conn.begin():
            value = conn.execute(select(c.expiry).where(
                c.key == _stored_key(key), c.expiry > now)).scalar()
        return value or now

    def check(self) -> bool:
        """True when the database answers."""
        try:
            with self._connect() as conn, conn.begin():
                conn.execute(select(COUNTERS.c.key).limit(1)).all()
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        """Delete every counter; return how many there were."""
        with self._connect() as conn, conn.begin():
            return conn.execute(delete(COUNTERS)).rowcount

    def clear(self, key: str) -> None:
        """Delete one counter."""
        with self._connect() as conn, conn.begin():
            conn.execute(delete(COUNTERS).where(COUNTERS.c.key == _stored_key(key)))


# ---------------------------------------------------------------- keys and conditions for views

def agent_key() -> str:
    """Rate-limit key of the authenticated agent (``@access("agent")`` sets ``g.agent``)."""
    from flask import g
    return f"agent:{g.agent.id}"


def seat_key() -> str:
    """Rate-limit key of the seat of the authenticated agent (survives re-enrolment)."""
    from flask import g
    return f"seat:{g.agent.seat_id}" if g.agent.seat_id is not None else ""  # "": no limit


def failed(response) -> bool:
    """``deduct_when`` for limits that count refused attempts only (not the 429 itself)."""
    return 400 <= response.status_code < 500 and response.status_code != 429


def _remember(key: str, count: int, ends: float) -> None:
    if has_request_context():
        g.setdefault("_ratelimit_seen", {})[key] = (count, ends)


def _remembered(key: str):
    if has_request_context():
        return g.get("_ratelimit_seen", {}).get(key)
    return None


def counts_its_own_rate(view):
    """Mark a view that counts its rate limit itself (the heartbeat, in its own statement).

    Flask-Limiter then skips the request altogether (no limits resolved, no
    headers, nothing counted), where ``@limiter.exempt`` alone still resolves
    every limit of the route on each request.
    """
    view.telecentre_own_rate = True
    return limiter.exempt(view)


@limiter.request_filter
def _own_rate() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "telecentre_own_rate", False)


def drop_idle_check(app) -> bool:
    """Take Flask-Limiter's ``before_request`` check off ``app`` when it can find no limit.

    That hook checks the limits that apply to every route: application-wide,
    default, per-blueprint and meta limits. A route's own ``@limiter.limit``
    is checked by the decorator around the view, not by the hook, and the
    limiter's after-request and teardown hooks (headers, conditional hits)
    stay. Telecentre configures none of the four, so the hook only resolved
    nothing, at 0.06 ms a request, a tenth of a heartbeat. Call it once every
    route is registered; returns True when the hook was taken off.
    """
    manager = limiter.limit_manager
    if (manager.application_limits or manager.default_limits
            or any(manager._blueprint_limits.values()) or limiter._meta_limits
            or limiter._in_memory_fallback_enabled):
        return False
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit not in hooks:
        return False
    hooks.remove(limiter._check_request_limit)
    return True
