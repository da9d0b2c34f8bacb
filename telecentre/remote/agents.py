"""What remote actions need from the agents, behind one small interface.

The agent feature owns the Agent and Command models; this feature must not
import them (features stay independent and either can ship first). The
agent feature registers an :class:`AgentBridge` in its ``init_app``::

    from telecentre.remote.agents import register_agent_bridge
    register_agent_bridge(MyBridge())

Without a bridge, remote actions still work with host keys approved by IT
and targets entered by IT; wake-on-LAN relaying and ending sessions before a
scheduled shutdown are then unavailable (and said so, never faked).
"""
from __future__ import annotations

from typing import Protocol


class AgentBridge(Protocol):
    """The agent feature's answers about seats; every method takes a Seat."""

    def host_key(self, seat) -> str | None:
        """The SSH host key line the seat's agent reported at enrolment, or None."""

    def target_hints(self, seat) -> dict:
        """What the agent knows: ``{"address": …, "os": …, "mac": …}`` (any may be absent)."""

    def online_seats(self, site) -> list:
        """Seats of *site* whose agent was seen recently, best relay first."""

    def queue_command(self, seat, kind: str, args: dict, actor=None):
        """Queue an agent command (``wake``, ``message``, ``end_session`` …) for *seat*."""


_bridge: AgentBridge | None = None


def register_agent_bridge(bridge: AgentBridge | None) -> None:
    """Install (or with None, remove) the agent feature's bridge."""
    global _bridge
    _bridge = bridge


def agent_bridge() -> AgentBridge | None:
    """Return the registered bridge, or None when no agent feature is installed."""
    return _bridge
