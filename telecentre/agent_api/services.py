"""Agents: enrolment tokens, enrolment, heartbeats, revocation, commands, offline seats."""

import functools
import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from telecentre.agent_api.auth import secret_hash
from telecentre.agent_api.models import COMMAND_KINDS, Agent, Command, EnrollmentToken
from telecentre.audit.services import record
from telecentre.booking.models import OPEN_STATUSES, Booking
from telecentre.common.errors import DomainError, InvalidInput, NotFound
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.seats.services import add_seat
from telecentre.sites.models import Site, SitePolicy
from telecentre.sessions.models import UsageSession
from telecentre.sessions.services import close_open_sessions, normalize_code
from telecentre.stats.availability import mark_down, mark_up


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


def heartbeat(agent: Agent, body, now: datetime, address: str | None = None) -> dict:
    """Record what the agent reports and build its reply (policy, commands, bookings).

    On PostgreSQL the heartbeat's own commit does not wait for the WAL flush:
    losing the last seconds of "last seen" in a crash costs nothing, and the
    flush was most of a heartbeat's time. (Usage events are committed normally.)
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    # Every change to the agent row first, so that one UPDATE (at the next query's
    # autoflush) writes them all; unchanged values are not written.
    agent.last_seen_at, agent.online = now, True
    agent.heartbeat_count = Agent.heartbeat_count + 1  # in SQL: concurrent workers add up
    agent.state, agent.version = body.state, body.version or agent.version
    agent.health, agent.outbox_pending = bounded_health(body.health), body.outbox_pending
    if address and address != agent.address:
        agent.address = address[:45]
    if agent.seat_id is not None:
        # Seat availability for the statistics. The seat is at the agent's site (enrolment
        # binds it there), so its row need not be loaded.
        mark_up("seat", agent.seat_id, agent.site_id, now, grace=timedelta(
            seconds=current_app.config["AGENT_OFFLINE_SECONDS"]))
        if body.state == "locked" and body.outbox_pending == 0:
            _close_sessions_the_agent_never_ran(agent, now)
    commands = db.session.execute(
        select(Command.id, Command.kind, Command.args)
        .where(Command.agent_id == agent.id, Command.status == "pending")
        .order_by(Command.id)
    )
    reply = {
        "server_time": now.isoformat(),
        "heartbeat_seconds": int(current_app.config["HEARTBEAT_SECONDS"]),
        "policy": policy_for(agent),
        "commands": [{"id": c.id, "kind": c.kind, "args": c.args} for c in commands],
        "upcoming_bookings": upcoming_bookings(agent, now),
    }
    if body.rotate_secret or agent.rotate_requested:
        new_secret = secrets.token_urlsafe(32)
        agent.pending_secret_hash = secret_hash(new_secret)
        reply["new_secret"] = new_secret
    return reply


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
