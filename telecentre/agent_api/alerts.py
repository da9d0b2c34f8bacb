"""Alerts for public PCs whose agent has gone silent while their room is open.

A PC that is switched off after closing time is normal; one that stops
reporting during opening hours is broken, unplugged or tampered with, and IT
should know before a resident complains. The ``agents.mark_offline`` job calls
:func:`sync_offline_alerts` after marking silent agents offline: it opens one
alert per such seat (key ``agent:<id>:offline``) and resolves it when the agent
is heard from again, the seat is taken out of service, or the room closes.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from telecentre.agent_api.models import Agent
from telecentre.alerts.models import Alert
from telecentre.alerts.services import open_alert, resolve_alert
from telecentre.common.time import local_today
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.services import open_ranges_on

PREFIX = "agent:"


def alert_key(agent: Agent) -> str:
    """The alert key of ``agent``'s offline alert."""
    return f"{PREFIX}{agent.id}:offline"


def _open_now(site, now: datetime, cache: dict) -> bool:
    if site.id not in cache:
        cache[site.id] = any(start <= now < end
                             for start, end in open_ranges_on(site, local_today(now)))
    return cache[site.id]


def sync_offline_alerts(now: datetime) -> tuple[list[Alert], list[Alert]]:
    """Open alerts for silent agents of in-service seats at open sites; resolve the rest.

    Returns (newly opened, resolved) for the e-mail to IT.
    """
    active = {a.key: a for a in db.session.scalars(
        select(Alert).where(Alert.source == "agent", Alert.status != "resolved"))}
    agents = db.session.scalars(  # only the silent ones: every other active alert resolves
        select(Agent).options(selectinload(Agent.seat).selectinload(Seat.site))
        .where(Agent.online.is_(False), Agent.revoked_at.is_(None), Agent.seat_id.is_not(None),
               Agent.last_seen_at.is_not(None))).all()
    opened, resolved, open_sites = [], [], {}
    wanted = set()
    for agent in agents:
        seat = agent.seat
        if not seat.in_service or not _open_now(seat.site, now, open_sites):
            continue
        key = alert_key(agent)
        wanted.add(key)
        details = {"check": "agent_offline", "device": f"{seat.site.name}: {seat.name}",
                   "agent_id": agent.id, "seat_id": seat.id,
                   "last_seen_at": agent.last_seen_at.isoformat()}
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            from telecentre.monitoring.alert_texts import alert_title
            title = alert_title(details)
        alert, new = open_alert(key, source="agent", title=title, site=seat.site_id,
                                severity="warning", details=details)
        if new:
            opened.append(alert)
    for key in set(active) - wanted:
        alert = resolve_alert(key)
        if alert is not None:
            resolved.append(alert)
    return opened, resolved
