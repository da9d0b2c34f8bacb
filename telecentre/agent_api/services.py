"""Agents: enrolment tokens, enrolment, heartbeats, revocation, commands, offline seats."""

import functools
import hashlib
import hmac
import math
import secrets
import uuid
from collections import namedtuple
from types import SimpleNamespace
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from limits import parse_many
from psycopg.types.json import Json
from sqlalchemy import (Float, Integer, String, bindparam, case, cast, exists, func, literal,
                        select, update)
from sqlalchemy.exc import DBAPIError

from telecentre.agent_api.auth import secret_hash
from telecentre.agent_api.models import COMMAND_KINDS, Agent, Command, EnrollmentToken
from telecentre.audit.services import record
from telecentre.booking.models import LONGEST, OPEN_STATUSES, Booking
from telecentre.common.errors import DomainError, InvalidInput, NotFound
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.seats.services import add_seat
from telecentre.sites.models import Site, SitePolicy
from telecentre.sessions.models import UsageSession
from telecentre.sessions.services import close_open_sessions, normalize_code
from telecentre.stats.availability import RESOLUTION, mark_down, mark_up
from telecentre.stats.models import AvailabilityInterval


def new_enrollment_token(actor, site: Site, now: datetime, hours: float | None = None) -> str:
    """Create a one-time token for enrolling one machine at ``site``; return it (stored hashed)."""
    token = secrets.token_urlsafe(24)
    while token.startswith("-"):  # typed after --enrollment-token, it would read as an option
        token = secrets.token_urlsafe(24)
    hours = hours if hours is not None else current_app.config["ENROLLMENT_TOKEN_HOURS"]
    db.session.add(
        EnrollmentToken(
            site_id=site.id,
            token_hash=secret_hash(token),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            created_by_id=getattr(actor, "id", None),
        )
    )
    db.session.flush()
    record(actor, "agent.enrollment_token", site=site, details={"hours": hours})
    return token


def _invalid_token() -> DomainError:
    # One message for unknown, used and expired: a guesser learns nothing.
    return DomainError(
        _("This enrolment token is not valid. Ask IT for a new one."),
        code="invalid_token",
        status=403,
    )


def _seat_for(site: Site, body) -> Seat:
    if body.seat_name:
        seat = db.session.scalar(
            select(Seat).where(Seat.site_id == site.id, Seat.name == body.seat_name)
        )
        if seat is not None:
            return seat
        return add_seat(None, site, body.seat_name, kind=body.kind)
    name, n = body.hostname[:60], 1
    while db.session.scalar(select(Seat.id).where(Seat.site_id == site.id, Seat.name == name)):
        n += 1
        name = f"{body.hostname[:55]}-{n}"
    return add_seat(None, site, name, kind=body.kind)


def enroll(body, now: datetime) -> tuple[Agent, str]:
    """Spend an enrolment token: bind a new agent to a seat; return (agent, secret)."""
    token = db.session.scalar(
        select(EnrollmentToken)
        .where(EnrollmentToken.token_hash == secret_hash(body.token))
        .with_for_update()
    )
    if token is None or token.used_at is not None or token.expires_at <= now:
        raise _invalid_token()
    seat = _seat_for(token.site, body)
    for previous in db.session.scalars(
        select(Agent).where(Agent.seat_id == seat.id, Agent.revoked_at.is_(None))
    ):
        previous.revoked_at, previous.revoked_reason = now, "replaced by a new enrolment"
    secret = secrets.token_urlsafe(32)
    agent = Agent(
        id=str(uuid.uuid4()),
        site_id=token.site_id,
        seat_id=seat.id,
        secret_hash=secret_hash(secret),
        hostname=body.hostname,
        os=body.os,
        version=body.version,
        ssh_host_key=body.ssh_host_key,
        mac=body.mac,
        enrolled_at=now,
        last_seen_at=now,
        online=True,
    )
    db.session.add(agent)
    db.session.flush()
    token.used_at, token.agent_id = now, agent.id
    record(
        None,
        "agent.enroll",
        target=seat,
        site=token.site,
        details={"agent": agent.id, "hostname": body.hostname, "seat": seat.name},
    )
    return agent, secret


def revoke(actor, agent: Agent, now: datetime, reason: str = "") -> None:
    """Revoke ``agent``: its next request is refused with 403 and it stops."""
    if agent.revoked_at is None:
        agent.revoked_at, agent.revoked_reason = now, reason[:200]
        record(
            actor, "agent.revoke", site=agent.site, details={"agent": agent.id, "reason": reason}
        )
        db.session.flush()


def find_agent(agent_id: str) -> Agent:
    """Return the agent with this id (or unique id prefix); raise NotFound."""
    matches = (
        db.session.scalars(select(Agent).where(Agent.id.startswith(agent_id))).all()
        if len(agent_id) >= 4
        else []
    )
    if len(matches) != 1:
        raise NotFound(_("There is no agent %(id)s.", id=agent_id))
    return matches[0]


def queue_command(actor, agent: Agent, kind: str, args: dict | None = None) -> Command:
    """Queue a command for ``agent``; it rides on heartbeat replies until acknowledged."""
    if kind not in COMMAND_KINDS:
        raise InvalidInput(_("Unknown command %(kind)s.", kind=kind))
    command = Command(
        agent_id=agent.id, kind=kind, args=args or {}, created_by_id=getattr(actor, "id", None)
    )
    db.session.add(command)
    db.session.flush()
    record(
        actor,
        f"agent.command.{kind}",
        site=agent.site,
        details={"agent": agent.id, "args": args or {}},
    )
    return command


def acknowledge(agent: Agent, command_id, status: str, result: str, now: datetime) -> None:
    """Record a command's result, once (later reports of the same command change nothing)."""
    command = db.session.get(Command, command_id) if isinstance(command_id, int) else None
    if command is None or command.agent_id != agent.id or command.status != "pending":
        return
    command.status = "failed" if status == "failed" else "done"
    command.result = (result or "")[:4096]
    command.acked_at = now


@functools.lru_cache(maxsize=4096)
def _code_hash(code: str, salt: str, iterations: int) -> str:
    # Deterministic per booking, so every worker computes (and caches) the same value.
    return hashlib.pbkdf2_hmac(
        "sha256", normalize_code(code).encode("utf-8"), bytes.fromhex(salt), iterations
    ).hex()


def _salt(booking: Booking) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, f"booking-code-salt:{booking.id}".encode(), hashlib.sha256).hexdigest()[
        :32
    ]


def upcoming_bookings(agent: Agent, now: datetime) -> list[dict]:
    """The seat's open bookings of the next hours, with hashed codes, for offline starts."""
    if agent.seat_id is None:
        return []
    window = now + timedelta(hours=current_app.config["AGENT_OFFLINE_WINDOW_HOURS"])
    iterations = int(current_app.config["AGENT_CODE_HASH_ITERATIONS"])
    # Plain rows, not ORM objects: this runs on every heartbeat.
    bookings = db.session.execute(
        select(Booking.id, Booking.start, Booking.end, Booking.code)
        .where(
            Booking.seat_id == agent.seat_id,
            Booking.status.in_(OPEN_STATUSES),
            Booking.start < window,
            Booking.end > now,
            Booking.starts_after(now),
        )
        .order_by(Booking.start)
    )
    result = []
    for booking in bookings:
        salt = _salt(booking)
        minutes = (booking.end - max(booking.start, now)).total_seconds() / 60
        result.append(
            {
                "booking_id": booking.id,
                "start": booking.start.isoformat(),
                "end": booking.end.isoformat(),
                "minutes": round(minutes, 2),
                "salt": salt,
                "iterations": iterations,
                "code_hash": _code_hash(booking.code, salt, iterations),
            }
        )
    return result


def policy_for(agent: Agent) -> dict:
    """The policy part of a heartbeat reply."""
    # One query, not two lazy loads (site, then policy): this runs on every heartbeat.
    site_policy = db.session.execute(
        select(SitePolicy.kiosk_idle_seconds, SitePolicy.kiosk_session_minutes)
        .where(SitePolicy.site_id == agent.site_id)).one()
    config = current_app.config
    return {
        "warn_minutes": list(config["AGENT_WARN_MINUTES"]),
        "kiosk_idle_seconds": site_policy.kiosk_idle_seconds,
        "kiosk_session_minutes": site_policy.kiosk_session_minutes,
        "offline_window_hours": config["AGENT_OFFLINE_WINDOW_HOURS"],
    }


MAX_HEALTH_BYTES = 4096


def bounded_health(health: dict) -> dict:
    """The health report as stored: at most ``MAX_HEALTH_BYTES`` of JSON, else a note why not.

    The heartbeat itself still counts (the PC is alive); only the oversized
    report is left out, so a faulty agent cannot fill the database.
    """
    from telecentre.agent_api.event_checks import data_size
    if data_size(health) <= MAX_HEALTH_BYTES:
        return health
    return {"dropped": f"health report larger than {MAX_HEALTH_BYTES} bytes"}


class TooManyHeartbeats(DomainError):
    """The agent sent more heartbeats than RATELIMIT_AGENT_HEARTBEAT allows (429)."""

    def __init__(self, retry_after: float):
        super().__init__(_("Too many attempts. Please wait a moment and try again."),
                         code="too_many_requests", status=429)
        self.retry_after = max(1, math.ceil(retry_after))


def heartbeat_limit(config) -> tuple[int, int] | None:
    """RATELIMIT_AGENT_HEARTBEAT as (heartbeats, window seconds); None when limits are off.

    Only one rate is counted per agent (the agent row holds one window): with
    several (``a;b``) the first one is used.
    """
    if not config.get("RATELIMIT_ENABLED", True) or not config["RATELIMIT_AGENT_HEARTBEAT"]:
        return None
    item = parse_many(config["RATELIMIT_AGENT_HEARTBEAT"])[0]
    return item.amount, item.get_expiry()


def _bookings_version(seat_id, now, window):
    """A text that changes whenever the seat's open bookings in the window change.

    Count, sum and sum of squares of their ids (ids only grow, so sets that
    differ practically never agree on all three), first start and last end.
    """
    def text_of(value):
        return func.coalesce(cast(value, String), "")
    return (select(text_of(func.count()) + ":" + text_of(func.sum(Booking.id)) + ":"
                   + text_of(func.sum(Booking.id * Booking.id)) + ":"
                   + text_of(func.min(Booking.start)) + ":" + text_of(func.max(Booking.end)))
            .where(Booking.seat_id == seat_id, Booking.status.in_(OPEN_STATUSES),
                   Booking.start < window, Booking.end > now,
                   # bounds the scan of the seat's bookings to the last day (booking.models)
                   Booking.start > bindparam("since", type_=Booking.start.type))
            .scalar_subquery())


def _agent_values(body, now: datetime, address: str | None, limit) -> dict:
    """The agent row's new values for one heartbeat (the rate-limit window counted in SQL)."""
    c = Agent.__table__.c
    values = {"last_seen_at": now, "online": True, "heartbeat_count": c.heartbeat_count + 1,
              "state": body.state, "health": bounded_health(body.health),
              "outbox_pending": body.outbox_pending}
    if body.version:
        values["version"] = body.version
    if address:
        values["address"] = address[:45]
    if limit is not None:
        stamp = now.timestamp()
        expired = c.beat_window_end <= stamp
        values["beat_window_hits"] = case((expired, 1), else_=c.beat_window_hits + 1)
        values["beat_window_end"] = case((expired, stamp + limit[1]), else_=c.beat_window_end)
    return values


def _state_columns(row, check_stale: bool) -> list:
    """The reads of one heartbeat as scalar subqueries correlated to ``row`` (the agent's
    updated row: id, site_id, seat_id): open availability interval, a session the agent never
    ran, pending commands, the kiosk policy, the bookings' version. Binds ``now``,
    ``stale_before``, ``window`` and ``since`` (``_state_params``)."""
    ai = AvailabilityInterval
    interval = (select(ai.id, ai.ended_at)
                .where(ai.kind == "seat", ai.subject_id == row.c.seat_id, ai.open.is_(True))
                .order_by(ai.ended_at.desc()).limit(1))
    when = UsageSession.started_at.type
    stale = (exists().where(UsageSession.seat_id == row.c.seat_id,
                            UsageSession.ended_at.is_(None),
                            UsageSession.started_at < bindparam("stale_before", type_=when))
             if check_stale else literal(False))
    return [
        interval.with_only_columns(ai.id).scalar_subquery().label("interval_id"),
        interval.with_only_columns(ai.ended_at).scalar_subquery().label("interval_end"),
        stale.label("stale"),
        exists().where(Command.agent_id == row.c.id,
                       Command.status == "pending").label("commands"),
        select(SitePolicy.kiosk_idle_seconds).where(SitePolicy.site_id == row.c.site_id)
        .scalar_subquery().label("kiosk_idle_seconds"),
        select(SitePolicy.kiosk_session_minutes).where(SitePolicy.site_id == row.c.site_id)
        .scalar_subquery().label("kiosk_session_minutes"),
        _bookings_version(row.c.seat_id, bindparam("now", type_=when),
                          bindparam("window", type_=when)).label("bookings"),
    ]


_QUICK: dict = {}  # the quick heartbeat's statement, built once per variant


def _quick_statement(limited: bool, check_stale: bool):
    """``WITH beat AS (UPDATE agents … RETURNING …) SELECT …`` with bound parameters, built
    once per (limited, check_stale) so that each heartbeat only binds values."""
    key = (limited, check_stale)
    if key not in _QUICK:
        c = Agent.__table__.c
        p = bindparam
        values = {"last_seen_at": p("now", type_=c.last_seen_at.type), "online": True,
                  "heartbeat_count": c.heartbeat_count + 1, "state": p("state"),
                  "health": p("health", type_=c.health.type),
                  "outbox_pending": p("outbox_pending"),
                  "version": func.coalesce(func.nullif(p("version", type_=String), ""),
                                           c.version),
                  "address": func.coalesce(p("address", type_=String), c.address)}
        within = literal(True)
        if limited:
            stamp = p("stamp", type_=Float)
            expired = c.beat_window_end <= stamp
            within = expired | (c.beat_window_hits < p("amount", type_=Integer))
            values["beat_window_hits"] = case((expired, 1), else_=c.beat_window_hits + 1)
            values["beat_window_end"] = case((expired, stamp + p("period", type_=Float)),
                                             else_=c.beat_window_end)
        beat = (update(Agent.__table__)
                .where(c.id == p("agent_id"), c.secret_hash == p("digest"),
                       c.revoked_at.is_(None), within)
                .values(values)
                .returning(c.id, c.site_id, c.seat_id, c.rotate_requested).cte("beat"))
        extended = _extend_interval(beat)
        _QUICK[key] = select(beat.c.id, beat.c.site_id, beat.c.seat_id, beat.c.rotate_requested,
                             *_state_columns(beat, check_stale),
                             select(func.count()).select_from(extended).scalar_subquery()
                             .label("extended"),
                             func.set_config("synchronous_commit", "off", True))
    return _QUICK[key]


def _extend_interval(beat):
    """``UPDATE availability_intervals … RETURNING id`` as a CTE of the quick heartbeat: the
    seat's open interval is extended to ``now`` when its end lies between ``grace_start``
    and ``extend_before`` (``_seat_is_up``'s middle case, one heartbeat in four at the usual
    15 s), in the heartbeat's own statement instead of a transaction of its own after it
    (1 ms more for that heartbeat). Nothing when ``beat`` found no agent."""
    t = AvailabilityInterval.__table__
    latest = t.alias("latest")
    when = t.c.ended_at.type
    open_interval = (select(latest.c.id).select_from(latest)
                     .join(beat, latest.c.subject_id == beat.c.seat_id)
                     .where(latest.c.kind == "seat", latest.c.open.is_(True))
                     .order_by(latest.c.ended_at.desc()).limit(1).scalar_subquery())
    return (update(t).where(t.c.id == open_interval,
                            t.c.ended_at <= bindparam("extend_before", type_=when),
                            t.c.ended_at >= bindparam("grace_start", type_=when))
            .values(ended_at=bindparam("now", type_=when))
            .returning(t.c.id).cte("extended"))


_QUICK_SQL: dict = {}  # (limited, check_stale) -> (SQL text, its literal values, row type)


def _run_quick(engine, key: tuple, params: dict):
    """Run the quick heartbeat's statement on a pooled connection in autocommit, straight
    through the driver: the SQL is compiled once and psycopg prepares it on the server, so a
    heartbeat pays for neither SQLAlchemy's per-execution work nor a BEGIN and a COMMIT.
    Returns the row (attributes named as the statement's columns) or None."""
    if key not in _QUICK_SQL:
        # Expanded with this heartbeat's values, which later ones replace by name; the
        # statement's fixed lists (statuses) become plain parameters of their own.
        statement = _quick_statement(*key)
        expanded = statement.compile(dialect=engine.dialect).construct_expanded_state(params)
        literals = {k: v for k, v in expanded.parameters.items() if k not in params}
        names = [c.key for c in statement.selected_columns]
        row_type = namedtuple("QuickBeat", names, rename=True)
        _QUICK_SQL[key] = (expanded.statement, literals, row_type)
    sql, literals, row_type = _QUICK_SQL[key]
    values = {**literals, **params, "health": Json(params["health"])}
    dbapi = engine.dialect.loaded_dbapi
    raw = engine.raw_connection()
    driver = raw.driver_connection
    try:
        driver.autocommit = True
        with driver.cursor() as cursor:
            cursor.execute(sql, values)
            found = cursor.fetchone()
        driver.autocommit = False
    except dbapi.Error as error:
        # As SQLAlchemy would: a broken connection never goes back to the pool, and the
        # error is SQLAlchemy's (a lost database is the 503 of common.errors, not a 500).
        try:
            driver.autocommit = False
        except dbapi.Error:
            pass
        if driver.closed or driver.autocommit or engine.dialect.is_disconnect(error, driver,
                                                                                None):
            # This connection and every older one of the pool, which died with it (what
            # SQLAlchemy's own disconnect handling calls).
            engine.pool._invalidate(raw, error)
        raise DBAPIError.instance(sql, values, error, dbapi.Error,
                                  dialect=engine.dialect) from error
    finally:
        raw.close()  # back to the pool (or gone, when invalidated)
    if found is None:
        return None
    row = row_type(*found)
    if row.interval_end is not None:
        row = row._replace(interval_end=row.interval_end.astimezone(timezone.utc))
    return row


def _state_params(now: datetime, config) -> dict:
    """The values ``_state_columns`` binds."""
    return {"now": now, "since": now - LONGEST,
            "stale_before": now - timedelta(seconds=max(30, 3 * int(config["HEARTBEAT_SECONDS"]))),
            "window": now + timedelta(hours=config["AGENT_OFFLINE_WINDOW_HOURS"])}


def quick_heartbeat(agent_id: str, digest: str, body, now: datetime,
                    address: str | None = None) -> dict | None:
    """The usual heartbeat on PostgreSQL in one statement and no transaction of its own.

    One ``WITH beat AS (UPDATE agents … RETURNING …) SELECT …`` in autocommit:
    the agent is found by id and current secret (``digest``), not revoked and
    within its rate limit, updated, and everything the reply needs is read
    in the same round trip (see ``_state_columns``); the commit does not wait
    for the WAL flush. Returns None when no row matched (unknown agent, wrong
    or pending secret, revoked, over the limit — or SQLite): the caller then
    authenticates the ordinary way and calls ``heartbeat``, which explains.
    Follow-ups (commands, a stale session, a new availability interval,
    rotation) run in the session's transaction, which the caller commits.
    """
    engine = db.session.get_bind()
    if engine.dialect.name != "postgresql":
        return None
    config = current_app.config
    limit = heartbeat_limit(config)
    check_stale = body.state == "locked" and body.outbox_pending == 0
    params = {"agent_id": agent_id, "digest": digest, "state": body.state,
              "health": bounded_health(body.health), "outbox_pending": body.outbox_pending,
              "version": body.version or "", "address": address[:45] if address else None,
              **_state_params(now, config)}
    if limit is not None:
        params.update(stamp=now.timestamp(), amount=limit[0], period=float(limit[1]))
    params.update(extend_before=now - RESOLUTION,
                  grace_start=now - timedelta(seconds=config["AGENT_OFFLINE_SECONDS"]))
    row = _run_quick(engine, (limit is not None, check_stale), params)
    if row is None:
        return None
    agent = SimpleNamespace(id=row.id, site_id=row.site_id, seat_id=row.seat_id,
                            rotate_requested=row.rotate_requested)
    return _reply(agent, body, now, row, config)


def heartbeat(agent: Agent, body, now: datetime, address: str | None = None) -> dict:
    """Record what the agent reports and build its reply (policy, commands, bookings).

    The authenticated agent (``require_agent``): one UPDATE of its row, which
    also counts the heartbeat rate limit (``heartbeat_limit``; over it,
    TooManyHeartbeats), then one SELECT of what the reply needs. The reply
    carries ``sync``, a digest of the policy and the bookings; an agent that
    sends it back gets them again only when they changed (an agent that sends
    none gets everything, as before). On PostgreSQL ``quick_heartbeat`` does
    the usual case in one statement; this path serves SQLite and the rare
    cases it declines.

    On PostgreSQL the heartbeat's own commit does not wait for the WAL flush:
    losing the last seconds of "last seen" in a crash costs nothing, and the
    flush was most of a heartbeat's time. (Usage events are committed normally.)
    """
    config = current_app.config
    limit = heartbeat_limit(config)
    c = Agent.__table__.c
    db.session.flush()  # require_agent's changes (a promoted secret) before the Core UPDATEs
    hits, window_end = db.session.execute(
        update(Agent.__table__).where(c.id == agent.id)
        .values(_agent_values(body, now, address, limit))
        .returning(c.beat_window_hits, c.beat_window_end)).one()
    if limit is not None and hits > limit[0]:
        raise TooManyHeartbeats(window_end - now.timestamp())
    current = select(c.id, c.site_id, c.seat_id).where(c.id == agent.id).subquery()
    columns = _state_columns(current, body.state == "locked" and body.outbox_pending == 0)
    if db.session.get_bind().dialect.name == "postgresql":
        columns.append(func.set_config("synchronous_commit", "off", True))
    row = db.session.execute(select(*columns).select_from(current),
                             _state_params(now, config)).one()
    return _reply(agent, body, now, row, config)


def _reply(agent, body, now: datetime, row, config) -> dict:
    """Act on what the heartbeat's statement read, and build the reply."""
    if agent.seat_id is not None:
        if not getattr(row, "extended", 0):  # the quick statement extended it already
            _seat_is_up(agent, row.interval_id, row.interval_end, now, config)
        if row.stale:
            _close_sessions_the_agent_never_ran(agent, now)
    commands = []
    if row.commands:
        commands = [{"id": cmd.id, "kind": cmd.kind, "args": cmd.args}
                    for cmd in db.session.execute(
                        select(Command.id, Command.kind, Command.args)
                        .where(Command.agent_id == agent.id, Command.status == "pending")
                        .order_by(Command.id))]
    policy = {
        "warn_minutes": list(config["AGENT_WARN_MINUTES"]),
        "kiosk_idle_seconds": row.kiosk_idle_seconds,
        "kiosk_session_minutes": row.kiosk_session_minutes,
        "offline_window_hours": config["AGENT_OFFLINE_WINDOW_HOURS"],
    }
    version = hashlib.sha256(repr((policy, row.bookings, agent.seat_id,
                                   config["AGENT_CODE_HASH_ITERATIONS"])).encode()
                             ).hexdigest()[:24]
    reply = {
        "server_time": now.isoformat(),
        "heartbeat_seconds": int(config["HEARTBEAT_SECONDS"]),
        "commands": commands,
        "sync": version,
    }
    if body.sync != version:
        reply["policy"] = policy
        reply["upcoming_bookings"] = upcoming_bookings(agent, now)
    if body.rotate_secret or agent.rotate_requested:
        new_secret = secrets.token_urlsafe(32)
        db.session.execute(update(Agent.__table__).where(Agent.__table__.c.id == agent.id)
                           .values(pending_secret_hash=secret_hash(new_secret)))
        reply["new_secret"] = new_secret
    return reply


def _seat_is_up(agent: Agent, interval_id, ended_at, now: datetime, config) -> None:
    """Seat availability for the statistics, as ``mark_up`` records it, without loading rows.

    Nothing to write within a RESOLUTION of the interval's end (three heartbeats
    in four); the open interval extended by id within the grace; else
    ``mark_up`` (a new interval after a gap).
    """
    grace = timedelta(seconds=config["AGENT_OFFLINE_SECONDS"])
    if ended_at is not None:
        if now - ended_at < RESOLUTION:
            return
        if now - ended_at <= grace:
            db.session.execute(update(AvailabilityInterval)
                               .where(AvailabilityInterval.id == interval_id)
                               .values(ended_at=now))
            return
    mark_up("seat", agent.seat_id, agent.site_id, now, grace=grace)


def _close_sessions_the_agent_never_ran(agent: Agent, now: datetime) -> None:
    """The agent is locked and has delivered every event, yet a session runs on its seat: the
    unlock reply never reached it. Close such sessions (older than a grace period, so that an
    unlock whose reply is still on its way is left alone)."""
    grace = timedelta(seconds=max(30, 3 * int(current_app.config["HEARTBEAT_SECONDS"])))
    stale = db.session.scalars(  # ids only: nearly always none, and this runs every heartbeat
        select(UsageSession.id).where(
            UsageSession.seat_id == agent.seat_id,
            UsageSession.ended_at.is_(None),
            UsageSession.started_at < now - grace,
        )
    ).all()
    for session_id in stale:
        session = db.session.get(UsageSession, session_id)
        session.ended_at, session.end_reason = now, "not_started"


def offline_seat_states(seats: list[Seat], now: datetime) -> dict[int, str]:
    """Seat-state provider: a seat with no enrolled (unrevoked) agent is ``no_agent``; one
    whose agent has not been heard from lately is ``offline``."""
    limit = now - timedelta(seconds=current_app.config["AGENT_OFFLINE_SECONDS"])
    ids = [s.id for s in seats]
    rows = db.session.execute(
        select(Agent.seat_id, func.max(Agent.last_seen_at))
        .where(Agent.seat_id.in_(ids), Agent.revoked_at.is_(None))
        .group_by(Agent.seat_id)
    ).all()
    states = {seat_id: "no_agent" for seat_id in ids}
    for seat_id, seen in rows:
        if seen is None or seen < limit:
            states[seat_id] = "offline"
        else:
            del states[seat_id]
    return states


def mark_offline(now: datetime) -> int:
    """Agents silent for longer than AGENT_OFFLINE_SECONDS go offline; their running sessions
    are closed (reason ``agent_offline``) at the last heartbeat. Events that arrive later
    correct the end. Returns how many agents went offline."""
    limit = now - timedelta(seconds=current_app.config["AGENT_OFFLINE_SECONDS"])
    silent = db.session.scalars(
        select(Agent).where(Agent.online.is_(True), Agent.last_seen_at < limit)
    ).all()
    for agent in silent:
        agent.online = False
        if agent.seat is not None:
            mark_down("seat", agent.seat_id, agent.last_seen_at)
            close_open_sessions(agent.seat, agent.last_seen_at, "agent_offline")
    db.session.flush()
    return len(silent)
