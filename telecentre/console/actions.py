"""What the attendant does to a seat and its session, through the agent feature's commands.

Sessions are started with the session services (``telecentre.sessions``) and
the agent is told through its command queue (``telecentre.agent_api``); the
agent's own events then keep the session true (extended minutes, the real
end). Services take the acting user, flush and audit; the view commits.
"""
import uuid
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.agent_api.bridge import agent_of
from telecentre.agent_api.models import Agent, Command
from telecentre.agent_api.services import queue_command
from telecentre.audit.services import record
from telecentre.auth.blocks import ensure_not_blocked
from telecentre.common.errors import Conflict, Forbidden, InvalidInput, PolicyViolation
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions import services as sessions
from telecentre.sessions.models import UsageSession
from telecentre.sessions.seated import ensure_not_seated_elsewhere

MAX_EXTEND_MINUTES = 240
MAX_MESSAGE = 300


def online_agent(seat: Seat, now: datetime | None = None) -> Agent:
    """Return the seat's agent if it was heard from lately; Conflict otherwise."""
    agent = agent_of(seat)
    if agent is None:
        raise Conflict(_("%(seat)s has no agent: it cannot be controlled from here.",
                         seat=seat.name), code="no_agent")
    limit = (now or utcnow()) - timedelta(seconds=current_app.config["AGENT_OFFLINE_SECONDS"])
    if agent.last_seen_at is None or agent.last_seen_at < limit:
        raise Conflict(_("%(seat)s is offline: check that it is switched on and connected.",
                         seat=seat.name), code="offline")
    return agent


def pending_commands(seats: list[Seat]) -> dict[int, list[Command]]:
    """Return the commands still waiting for each seat's agent, by seat id (for the map)."""
    rows = db.session.execute(select(Agent.seat_id, Command).join(Command.agent).where(
        Agent.seat_id.in_([s.id for s in seats]), Agent.revoked_at.is_(None),
        Command.status == "pending").order_by(Command.id)).all()
    pending: dict[int, list[Command]] = {}
    for seat_id, command in rows:
        pending.setdefault(seat_id, []).append(command)
    return pending


def running_session(seat: Seat) -> UsageSession | None:
    """Return the session running on ``seat``, if any."""
    return db.session.scalar(select(UsageSession).where(UsageSession.seat_id == seat.id,
                                                        UsageSession.ended_at.is_(None)))


def start_walk_in(actor, seat: Seat, resident, now: datetime | None = None) -> UsageSession:
    """Start a session on ``seat`` for ``resident`` who stands at the desk, and unlock the PC.

    The minutes follow the same limits as a card unlock at the PC (the
    resident's own booking of the seat, daily quota, the next booking,
    closing). Raises Conflict (seat busy, offline, no agent), Forbidden or a
    refusal from the session services. Flushes and audits.
    """
    now = now or utcnow()
    if resident is None or resident.role != "resident" or not resident.active:
        raise Forbidden(_("Only an active resident's account can start a session."))
    if not seat.in_service:
        raise Conflict(_("%(seat)s is out of service.", seat=seat.name), code="out_of_service")
    if running_session(seat) is not None:
        raise Conflict(_("Someone is already using %(seat)s.", seat=seat.name), code="seat_busy")
    agent = online_agent(seat, now)
    ensure_not_blocked(resident, for_staff=True, now=now)
    ensure_not_seated_elsewhere(resident, seat=seat)
    booking = sessions.holding_booking(seat, now)
    if booking is not None and booking.resident_id != resident.id:
        raise Conflict(_("%(seat)s is booked by someone else now.", seat=seat.name),
                       code="seat_busy")
    if booking is None and not seat.site.policy.walk_in_allowed:
        raise PolicyViolation(_("Computers here are used with a booking only."))
    granted = sessions.grant(seat, now, user=resident, booking=booking)
    usage = sessions.start_session(seat, now, local_id=str(uuid.uuid4()),
                                   kind="booked" if booking else "walk_in",
                                   minutes=granted.minutes, limited_by=granted.limited_by,
                                   user=resident, booking=booking)
    # The agent starts its countdown with the server's session and local ids, so its
    # events about this session match it.
    queue_command(actor, agent, "unlock", {"minutes": granted.minutes, "session_id": usage.id,
                                           "local_id": usage.local_id,
                                           "user": resident.display_name})
    record(actor, "console.walk_in", target=usage, site=seat.site_id,
           details={"seat": seat.name, "resident": resident.login,
                    "minutes": granted.minutes, "limited_by": granted.limited_by})
    return usage


def extend_session(actor, usage: UsageSession, minutes, now: datetime | None = None) -> Command:
    """Ask the PC to add ``minutes`` to the running session. Flushes and audits."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= MAX_EXTEND_MINUTES:
        raise InvalidInput(_("Extend by 1 to %(n)d minutes.", n=MAX_EXTEND_MINUTES))
    _check_running(usage)
    command = queue_command(actor, online_agent(usage.seat, now), "extend", {"minutes": minutes})
    record(actor, "console.extend", target=usage, site=usage.site_id,
           details={"seat": usage.seat.name, "minutes": minutes})
    return command


def end_session(actor, usage: UsageSession, reason: str = "", now: datetime | None = None) -> None:
    """End the running session: the PC is told to end it (and lock); when the PC is away,
    the record is closed now and the PC ends it as soon as it is back. Flushes and audits."""
    now = now or utcnow()
    _check_running(usage)
    reason = (reason or "").strip()[:MAX_MESSAGE]
    agent = agent_of(usage.seat)
    if agent is not None:
        queue_command(actor, agent, "end_session", {"reason": reason})
    try:
        online_agent(usage.seat, now)
    except Conflict:
        sessions.end_session(usage, now, "ended_by_staff")
    record(actor, "console.end", target=usage, site=usage.site_id,
           details={"seat": usage.seat.name, "reason": reason})


def send_message(actor, seat: Seat, text: str, now: datetime | None = None) -> Command:
    """Show ``text`` on the seat's screen. Flushes and audits."""
    text = (text or "").strip()
    if not 1 <= len(text) <= MAX_MESSAGE:
        raise InvalidInput(_("Write a message of 1 to %(n)d characters.", n=MAX_MESSAGE))
    command = queue_command(actor, online_agent(seat, now), "message", {"text": text})
    record(actor, "console.message", target=seat, site=seat.site_id,
           details={"seat": seat.name, "text": text})
    return command


def lock_seat(actor, seat: Seat, now: datetime | None = None) -> Command:
    """Lock the seat's screen (a running session ends). Flushes and audits."""
    command = queue_command(actor, online_agent(seat, now), "lock", {})
    record(actor, "console.lock", target=seat, site=seat.site_id, details={"seat": seat.name})
    return command


def _check_running(usage: UsageSession) -> None:
    if usage.ended_at is not None:
        raise Conflict(_("This session has already ended."), code="ended")
