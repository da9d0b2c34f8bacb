"""Periodic jobs of the agent API."""

from telecentre.jobs import job


@job("agents.mark_offline", "interval", seconds=30)
def mark_agents_offline():
    """Agents silent for longer than AGENT_OFFLINE_SECONDS go offline; their sessions close."""
    from telecentre.agent_api.services import mark_offline
    from telecentre.common.time import utcnow

    return mark_offline(utcnow())
