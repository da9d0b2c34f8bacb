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
process at most once a minute.
"""
import hashlib
import os
import threading
import time

from limits.errors import ConfigurationError
from limits.storage import Storage
from sqlalchemy import Float, Index, Integer, String, case, create_engine, delete, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex, CreateTable

from telecentre.extensions import db

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

    def _insert(self, dialect: str):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(COUNTERS)

    # ------------------------------------------------------------ the storage API

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter (a new window when it had expired); return the count."""
        now = time.time()
        c = COUNTERS.c
        with self._connect() as conn:
            stmt = self._insert(conn.dialect.name).values(
                key=_stored_key(key), expiry=now + expiry, hits=amount)
            expired = c.expiry <= now
            stmt = stmt.on_conflict_do_update(
                index_elements=[c.key],
                set_={"hits": case((expired, amount), else_=c.hits + amount),
                      "expiry": case((expired, now + expiry), else_=c.expiry)},
            ).returning(c.hits)
            with conn.begin():
                count = conn.execute(stmt).scalar_one()
            if now >= self._next_cleanup:
                self._next_cleanup = now + CLEANUP_SECONDS
                with conn.begin():
                    conn.execute(delete(COUNTERS).where(c.expiry <= now))
        return count

    def get(self, key: str) -> int:
        """The counter's value in its current window (0 when there is none)."""
        c = COUNTERS.c
        with self._connect() as conn, conn.begin():
            value = conn.execute(select(c.hits).where(
                c.key == _stored_key(key), c.expiry > time.time())).scalar()
        return value or 0

    def get_expiry(self, key: str) -> float:
        """When the counter's window ends (Unix time; now when there is none)."""
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
