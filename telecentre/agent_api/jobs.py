"""Periodic jobs of the agent API."""

from telecentre.jobs import job


@job("agents.mark_offline", "interval", seconds=30)
def mark_agents_offline():
    """Agents silent for longer than AGENT_OFFLINE_SECONDS go offline; their sessions close;
    PCs silent during opening hours raise an alert for IT (told like SNMP alerts)."""
    from flask import current_app

    from telecentre.agent_api.alerts import sync_offline_alerts
    from telecentre.alerts.deliveries import announce
    from telecentre.agent_api.services import mark_offline
    from telecentre.common.time import utcnow
    from telecentre.extensions import db

    now = utcnow()
    went_offline = mark_offline(now)
    opened, resolved = sync_offline_alerts(now)
    db.session.commit()  # store first: a slow mail server must not lose the change
    announce(current_app.config, opened, resolved)
    return f"{went_offline} went offline; {len(opened)} alerts opened, {len(resolved)} resolved"
