"""Database engine settings that must hold on every connection, and serialised writes."""
import sqlite3
import time

from sqlalchemy import bindparam, event, exc, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record):
    """SQLite: foreign keys on, WAL, wait for locks, and let us issue BEGIN ourselves."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # pysqlite would otherwise begin lazily before the first write only, which
    # makes read-check-write sequences (booking) non-atomic.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """SQLite: begin every transaction explicitly; IMMEDIATE when asked for.

    Plain transactions are deferred, so readers never wait (WAL). A
    transaction opened through ``serialized()`` takes the write lock up front,
    which makes its read-check-write atomic against every other process.
    """
    if conn.dialect.name == "sqlite":
        if conn.get_execution_options().get("sqlite_caller_begins"):
            return  # kombu's SQL transport (the embedded task queue) says BEGIN itself
        mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") \
            else "BEGIN"
        conn.exec_driver_sql(mode)


def ping_when_idle(engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only when it sat idle for ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: one more round trip
    on every request, a third of a heartbeat's. A connection used moments ago
    is almost surely alive; one that was idle (the database may have restarted
    meanwhile) is pinged and, if dead, replaced before anyone sees it (the
    pool's documented "pessimistic" recipe). A connection that dies while in
    use, or between two close uses, fails that one request (503, see
    ``telecentre.common.errors``); the disconnect invalidates the pool, so the
    next requests get fresh connections.
    """
    if engine.dialect.name == "sqlite" or getattr(engine, "_telecentre_idle_ping", False):
        return
    engine._telecentre_idle_ping = True
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["telecentre_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        since = record.info.pop("telecentre_idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or used moments ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - whatever broke it, take another
            raise exc.DisconnectionError(str(error)) from error


@event.listens_for(Session, "after_flush")
def _mark_flushed(session, _context):
    session.info["flushed"] = True


@event.listens_for(Session, "after_transaction_end")
def _clear_flushed(session, transaction):
    if transaction.parent is None:
        session.info.pop("flushed", None)
        session.info.pop("immediate", None)


def begin_write(session) -> None:
    """Begin the session's transaction as a writer (SQLite: BEGIN IMMEDIATE).

    On SQLite in WAL mode a transaction that reads and then writes fails at
    once ("database is locked") when another process committed in between;
    taking the write lock up front makes it wait its turn instead. Called at
    the start of every state-changing request and of every job. Does nothing
    on PostgreSQL or when the transaction has already begun.
    """
    session = session.registry() if hasattr(session, "registry") else session  # scoped_session
    if session.get_bind().dialect.name != "sqlite" or session.in_transaction():
        return
    session.connection(execution_options={"sqlite_immediate": True})
    session.info["immediate"] = True


def start_writing(session) -> None:
    """Let a GET that writes take the write lock first (SQLite); nothing on PostgreSQL.

    Looking up the signed-in user has already opened a read transaction; as it
    wrote nothing it is ended, and the writing one begins with BEGIN IMMEDIATE
    (a read transaction that later writes fails at once if another process
    committed in between). Unsafe requests begin as writers anyway.
    """
    session = session.registry() if hasattr(session, "registry") else session
    if session.get_bind().dialect.name != "sqlite" or session.info.get("immediate"):
        return
    if not (session.new or session.dirty or session.deleted or session.info.get("flushed")):
        session.rollback()
    begin_write(session)


def serialized(session, *lock_rows):
    """Start the write that must be atomic: check-then-insert, quotas.

    Call it before the checks, with nothing written yet in this transaction.
    On SQLite it ends the current (read-only) transaction and begins a new one
    with ``BEGIN IMMEDIATE``, so the whole check-and-write holds the database's
    write lock. On PostgreSQL it locks ``lock_rows`` (model instances, e.g. the
    resident and the seat) with ``SELECT … FOR UPDATE``; the exclusion
    constraint does the rest.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        if session.info.get("immediate"):
            return  # the whole transaction already holds the write lock
        if session.info.get("flushed") or session.new or session.dirty or session.deleted:
            raise RuntimeError("serialized() must come before the transaction writes anything")
        session.rollback()
        session.connection(execution_options={"sqlite_immediate": True})
        return
    for row in lock_rows:
        # ``current_user`` and friends are proxies: lock the object behind them.
        row = row._get_current_object() if hasattr(row, "_get_current_object") else row
        # A copy of a row (booking.context's SiteView) names the model it copies.
        model = getattr(type(row), "table_model", type(row))
        if model not in _ROW_LOCKS:
            _ROW_LOCKS[model] = select(model.id).where(
                model.id == bindparam("id")).with_for_update()
        run_core(session, _ROW_LOCKS[model], {"id": row.id})


_ROW_LOCKS: dict = {}  # model -> its row's SELECT … FOR UPDATE, built once


# ---------------------------------------------------------------- reads before the transaction

READ_FIRST = "telecentre_read_first"  # execution option of a statement read_first lets through


def read_first(session) -> None:
    """PostgreSQL: run this request's first reads in autocommit; the rest in one transaction.

    For a request that is usually answered from a read or two (the booking
    API's 409 under contention): without a transaction there is no BEGIN and
    no ROLLBACK, two of the four round trips such an answer costs. Only
    statements marked ``execution_options(telecentre_read_first=True)`` run
    that way; any other statement through the session (a lock, a write, a
    flush, a lazy load, a read not marked) first ends the mode, so that it and
    everything after it runs in one transaction as usual. Must come before the
    session's first statement; nothing on SQLite.
    """
    session = session.registry() if hasattr(session, "registry") else session
    if session.get_bind().dialect.name != "postgresql" or session.in_transaction():
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    session.info[READ_FIRST] = True


def end_read_first(session) -> None:
    """Let the session's next statement open a real transaction (after ``read_first``)."""
    session = session.registry() if hasattr(session, "registry") else session
    if session.info.pop(READ_FIRST, False):
        # SQLAlchemy still names the connection AUTOCOMMIT; its commit and rollback reach
        # the driver all the same, and the pool resets the connection on its way back.
        session.connection().connection.driver_connection.autocommit = False


@event.listens_for(Session, "do_orm_execute")
def _end_read_first_unless_marked(state):
    if READ_FIRST in state.session.info and not state.execution_options.get(READ_FIRST):
        end_read_first(state.session)


@event.listens_for(Session, "before_flush")
def _end_read_first_before_writing(session, _context, _instances):
    end_read_first(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_read_first(session, transaction):
    if transaction.parent is None:
        session.info.pop(READ_FIRST, None)


def reads_first(view):
    """Mark a view whose request runs its first reads without a transaction (``read_first``)."""
    view.reads_first = True
    return view


# ---------------------------------------------------------------- Core statements, no ORM step

def run_core(session, statement, params=None):
    """Execute a Core statement (columns and functions, no ORM entity) on ``session``'s
    connection; return its result as ``session.execute`` would.

    ``session.execute`` runs every statement through the ORM's execution step
    (options, events, result set-up), 0.07 ms a statement that has no entity
    to load; the booking's hot path has five of them. What that step does for
    such a statement is done here: pending changes are flushed first
    (autoflush), and a statement not marked for ``read_first`` ends that mode
    before it runs. Mapped entities (``select(User)``) must go through
    ``session.execute``.
    """
    session = session.registry() if hasattr(session, "registry") else session
    if READ_FIRST in session.info and not statement.get_execution_options().get(READ_FIRST):
        end_read_first(session)
    if session.autoflush and (session.new or session.deleted or session.dirty):
        session.flush()
    return session.connection().execute(statement, params)
