"""Request and reply bodies of the agent API (pydantic), as in docs/agent-protocol.md."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from telecentre.api.schemas import Count, RowId


class AgentBody(BaseModel):
    """Agent requests: unknown fields are ignored, so a newer agent still talks to this server."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class EnrollBody(AgentBody):
    token: str = Field(min_length=1, max_length=200)
    seat_name: str | None = Field(default=None, max_length=60)
    kind: Literal["pc", "kiosk"] = "pc"
    hostname: str = Field(min_length=1, max_length=120)
    os: str = Field(default="", max_length=20)
    version: str = Field(default="", max_length=40)
    ssh_host_key: str | None = Field(default=None, max_length=4000)
    mac: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")


class SeatRef(BaseModel):
    id: int
    name: str
    kind: str


class SiteRef(BaseModel):
    slug: str
    name: str


class EnrollReply(BaseModel):
    agent_id: str
    secret: str
    heartbeat_seconds: int
    seat: SeatRef
    site: SiteRef


class RunningSession(AgentBody):
    id: RowId | None = None
    local_id: str = Field(max_length=36)
    started_at: str | None = None
    remaining_seconds: float | None = None


class HeartbeatBody(AgentBody):
    state: Literal["locked", "in_session"]
    session: RunningSession | None = None
    health: dict = Field(default_factory=dict)
    version: str = Field(default="", max_length=40)
    outbox_pending: Count = 0
    rotate_secret: bool = False
    # The ``sync`` of the last reply whose policy and bookings the agent keeps: they are
    # sent again only when they changed. Without it, every reply carries them.
    sync: str | None = Field(default=None, max_length=64)


class HeartbeatReply(BaseModel):
    server_time: str
    heartbeat_seconds: int
    commands: list[dict]
    sync: str
    # Absent when the heartbeat's ``sync`` is still current.
    policy: dict | None = None
    upcoming_bookings: list[dict] | None = None
    new_secret: str | None = None


class UnlockBody(AgentBody):
    method: Literal["code", "card", "kiosk"]
    code: str | None = Field(default=None, max_length=40)
    card: str | None = Field(default=None, max_length=20)
    pin: str | None = Field(default=None, max_length=12)
    local_id: str = Field(min_length=8, max_length=36)


class UnlockReply(BaseModel):
    session: dict
    message: str


class PrivacyBody(AgentBody):
    lang: str | None = Field(default=None, max_length=10)


class PrivacyReply(BaseModel):
    version: str
    lang: str
    title: str
    text: str
    headings: list[str]
    url: str


class EventIn(AgentBody):
    id: str = Field(min_length=1, max_length=36)
    seq: Count
    type: str = Field(min_length=1, max_length=30)
    at: str | None = None
    data: dict = Field(default_factory=dict)


class EventsBody(AgentBody):
    events: list[EventIn] = Field(max_length=200)


class RefusedEvent(BaseModel):
    id: str
    error: str
    message: str


class EventsReply(BaseModel):
    acked: list[str]
    refused: list[RefusedEvent] = Field(default_factory=list)
