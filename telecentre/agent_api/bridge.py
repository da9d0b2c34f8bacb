"""What the remote-actions feature may ask of the agents (``telecentre.remote.agents``)."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from telecentre.agent_api.models import Agent
from telecentre.agent_api.services import queue_command
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat


def agent_of(seat) -> Agent | None:
    """The seat's current (not revoked) agent, if any."""
    return db.session.scalar(
        select(Agent)
        .where(Agent.seat_id == seat.id, Agent.revoked_at.is_(None))
        .order_by(Agent.enrolled_at.desc())
        .limit(1)
    )


class AgentBridge:
    """Answers about seats from what their agents reported; queues their commands."""

    def host_key(self, seat) -> str | None:
        """The SSH host key line the seat's agent sent at enrolment (over its own TLS channel)."""
        agent = agent_of(seat)
        return agent.ssh_host_key if agent is not None else None

    def target_hints(self, seat) -> dict:
        """Where the agent's heartbeats come from, its OS and its MAC (absent when unknown)."""
        agent = agent_of(seat)
        if agent is None:
            return {}
        hints = {"address": agent.address, "os": agent.os, "mac": agent.mac}
        return {key: value for key, value in hints.items() if value}

    def online_seats(self, site) -> list:
        """Seats of ``site`` whose agent was heard from lately, most recently heard first."""
        limit = utcnow() - timedelta(seconds=current_app.config["AGENT_OFFLINE_SECONDS"])
        return list(
            db.session.scalars(
                select(Seat)
                .join(Agent, Agent.seat_id == Seat.id)
                .where(
                    Seat.site_id == getattr(site, "id", site),
                    Agent.revoked_at.is_(None),
                    Agent.last_seen_at >= limit,
                )
                .order_by(Agent.last_seen_at.desc())
            )
        )

    def queue_command(self, seat, kind: str, args: dict, actor=None):
        """Queue ``kind`` for the seat's agent; None when the seat has no agent."""
        agent = agent_of(seat)
        return queue_command(actor, agent, kind, args) if agent is not None else None
