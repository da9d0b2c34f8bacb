"""Usage events from the agents' outboxes: stored once per (agent, event id), then applied.

The agent resends until acknowledged, so the same event may arrive many
times; only the first arrival is stored and applied. Sessions are reconciled
from the events: offline starts create the session, ends close it (and
correct an end the offline job had guessed).
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from telecentre.agent_api.models import Agent, AgentEvent
from telecentre.agent_api.services import acknowledge
from telecentre.booking.models import Booking
from telecentre.common.time import parse_aware
from telecentre.extensions import db
from telecentre.sessions import services as sessions
from telecentre.sessions.models import UsageSession

KIND_BY_METHOD = {
    "code": "booked",
    "offline_booking": "booked",
    "card": "walk_in",
    "guest": "guest",
    "kiosk": "kiosk",
    "staff": "walk_in",
}
CLOCK_SLACK = timedelta(minutes=5)


def plausible_time(text, received_at: datetime) -> datetime:
    """The agent's time for something, unless its clock is far off: then our receive time."""
    try:
        value = parse_aware(text)
    except (TypeError, ValueError, AttributeError):
        return received_at
    window = timedelta(hours=current_app.config["AGENT_OFFLINE_WINDOW_HOURS"]) + CLOCK_SLACK
    return value if received_at - window <= value <= received_at + CLOCK_SLACK else received_at


def ingest(agent: Agent, events: list, now: datetime,
           refused: list | None = None) -> list[str]:
    """Store the events not stored yet and apply them; return every id now stored.

    An event that fails ``event_checks.problem`` is stored without its data and
    not applied; it is acknowledged all the same (so it never blocks the
    agent's later events) and its id, code and message appended to ``refused``.
    """
    from telecentre.agent_api.event_checks import problem
    ids = [event.id for event in events]
    known = set(
        db.session.scalars(
            select(AgentEvent.event_id).where(
                AgentEvent.agent_id == agent.id, AgentEvent.event_id.in_(ids)
            )
        )
    )
    for event in sorted(events, key=lambda e: e.seq):
        if event.id in known:
            continue
        known.add(event.id)
        refusal = problem(event)
        if refusal is not None:
            if refused is not None:
                refused.append({"id": event.id, "error": refusal[0], "message": refusal[1]})
            db.session.add(AgentEvent(agent_id=agent.id, event_id=event.id, seq=event.seq,
                                      type=event.type, at=None, received_at=now,
                                      data={"refused": refusal[0]}))
            continue
        try:
            at = parse_aware(event.at) if event.at else None
        except ValueError:
            at = None
        db.session.add(
            AgentEvent(
                agent_id=agent.id,
                event_id=event.id,
                seq=event.seq,
                type=event.type,
                at=at,
                received_at=now,
                data=event.data,
            )
        )
        apply(agent, event.type, event.data, now)
    db.session.flush()
    return ids


def apply(agent: Agent, type_: str, data: dict, now: datetime) -> None:
    """Bring sessions and commands in line with one new event."""
    if type_ == "session_started":
        _started(agent, data, now)
    elif type_ == "session_ended":
        session = _session(data)
        if session is not None:
            sessions.end_session(
                session,
                plausible_time(data.get("ended_at"), now),
                str(data.get("reason") or "ended"),
            )
    elif type_ == "session_extended":
        session = _session(data)
        if session is not None and isinstance(data.get("minutes"), (int, float)):
            session.minutes_granted += int(data["minutes"])
    elif type_ == "command_result":
        acknowledge(
            agent,
            data.get("command_id"),
            str(data.get("status")),
            str(data.get("result") or ""),
            now,
        )


def _session(data: dict) -> UsageSession | None:
    local_id = data.get("local_id")
    if not isinstance(local_id, str):
        return None
    return db.session.scalar(select(UsageSession).where(UsageSession.local_id == local_id))


def _started(agent: Agent, data: dict, now: datetime) -> None:
    """A session the server did not start (the agent was offline) is recorded now."""
    if (
        _session(data) is not None
        or agent.seat is None
        or not isinstance(data.get("local_id"), str)
    ):
        return
    booking = None
    if isinstance(data.get("booking_id"), int):
        booking = db.session.get(Booking, data["booking_id"])
        if booking is not None and booking.seat_id != agent.seat_id:
            booking = None
    minutes = data.get("minutes") if isinstance(data.get("minutes"), (int, float)) else 0
    method = str(data.get("method") or "")
    sessions.start_session(
        agent.seat,
        now,
        local_id=data["local_id"][:36],
        kind=KIND_BY_METHOD.get(method, "walk_in"),
        minutes=minutes,
        limited_by="booking_end" if booking else ("kiosk_limit" if method == "kiosk" else None),
        booking=booking,
        started_at=plausible_time(data.get("started_at"), now),
    )
