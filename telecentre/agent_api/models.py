"""Enrolled agents, enrolment tokens, the events agents sent and the commands queued for them."""

from datetime import datetime

from sqlalchemy import (JSON, BigInteger, CheckConstraint, Float, ForeignKey, Index, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.models import Site

COMMAND_KINDS = (
    "lock",
    "unlock",
    "message",
    "extend",
    "end_session",
    "logoff",
    "reboot",
    "shutdown",
    "wake",
)
COMMAND_STATUSES = ("pending", "done", "failed")


class Agent(db.Model):
    """An enrolled machine bound to a seat; only SHA-256 hashes of its secret are kept."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID, as the agent knows it
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    seat_id: Mapped[int | None] = mapped_column(
        ForeignKey("seats.id", ondelete="SET NULL"), index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64))
    # A rotated secret handed out but not used yet; the old one works until it is.
    pending_secret_hash: Mapped[str | None] = mapped_column(String(64))
    rotate_requested: Mapped[bool] = mapped_column(default=False)
    hostname: Mapped[str] = mapped_column(String(120), default="")
    os: Mapped[str] = mapped_column(String(20), default="")
    version: Mapped[str] = mapped_column(String(40), default="")
    ssh_host_key: Mapped[str | None] = mapped_column(Text)
    mac: Mapped[str | None] = mapped_column(String(17))
    # Where its heartbeats come from: a hint for remote actions, and it marks sign-ins from
    # that address as public-PC ones (shorter sessions); never trusted to grant access.
    address: Mapped[str | None] = mapped_column(String(45), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    online: Mapped[bool] = mapped_column(default=False)
    # Heartbeats received, for /metrics (kept in the row, so every worker counts into one total).
    heartbeat_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The heartbeat rate limit's fixed window (RATELIMIT_AGENT_HEARTBEAT), counted by the
    # heartbeat's own UPDATE: its end (Unix time) and the heartbeats in it.
    beat_window_end: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    beat_window_hits: Mapped[int] = mapped_column(default=0, server_default="0")
    state: Mapped[str] = mapped_column(String(20), default="locked")
    health: Mapped[dict] = mapped_column(JSON, default=dict)
    outbox_pending: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(String(200), default="")

    site: Mapped[Site] = relationship()
    seat: Mapped[Seat | None] = relationship()


class EnrollmentToken(db.Model):
    """A one-time, expiring token that lets one machine enrol at a site."""

    __tablename__ = "enrollment_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))

    site: Mapped[Site] = relationship()


class AgentEvent(db.Model):
    """One event from an agent's outbox, stored once per (agent, event id)."""

    __tablename__ = "agent_events"
    __table_args__ = (
        UniqueConstraint("agent_id", "event_id"),
        Index("ix_agent_events_agent_seq", "agent_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the agent's clock, informative
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class Command(db.Model):
    """An action queued for an agent, repeated in heartbeats until it is acknowledged."""

    __tablename__ = "agent_commands"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('lock', 'unlock', 'message', 'extend', 'end_session', "
            "'logoff', 'reboot', 'shutdown', 'wake')",
            name="kind",
        ),
        CheckConstraint("status IN ('pending', 'done', 'failed')", name="status"),
        Index("ix_agent_commands_agent_status", "agent_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    result: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agent: Mapped[Agent] = relationship()
