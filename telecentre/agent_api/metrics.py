"""Agent figures for /metrics, read from the database at scrape time (the same in every worker)."""
from datetime import timedelta

from flask import current_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import case, func, select

from telecentre.agent_api.models import Agent
from telecentre.common.time import utcnow
from telecentre.extensions import db

SEEN_WITHIN = (30, 90, 300)  # seconds


def agent_metrics():
    """Yield agents by status, agents heard from lately, and heartbeats received."""
    now = utcnow()
    status = case((Agent.revoked_at.is_not(None), "revoked"),
                  (Agent.online.is_(True), "online"), else_="offline")
    agents = GaugeMetricFamily("telecentre_agents", "Enrolled agents by status",
                               labels=["status"])
    counts = dict(db.session.execute(select(status, func.count(Agent.id)).group_by(status)).all())
    for name in ("online", "offline", "revoked"):
        agents.add_metric([name], counts.get(name, 0))
    yield agents
    live = Agent.revoked_at.is_(None)
    seen = GaugeMetricFamily("telecentre_agents_seen_within_seconds",
                             "Agents whose last heartbeat is at most this many seconds old",
                             labels=["seconds"])
    row = db.session.execute(select(*[
        func.count(Agent.id).filter(live, Agent.last_seen_at >= now - timedelta(seconds=s))
        for s in SEEN_WITHIN])).one()
    for seconds, count in zip(SEEN_WITHIN, row, strict=True):
        seen.add_metric([str(seconds)], count)
    yield seen
    interval = GaugeMetricFamily("telecentre_agent_heartbeat_interval_seconds",
                                 "The heartbeat interval agents are told to keep")
    interval.add_metric([], int(current_app.config["HEARTBEAT_SECONDS"]))
    yield interval
    received = CounterMetricFamily("telecentre_agent_heartbeats",
                                   "Heartbeats received from the agents enrolled now")
    received.add_metric([], db.session.scalar(
        select(func.coalesce(func.sum(Agent.heartbeat_count), 0))))
    yield received
