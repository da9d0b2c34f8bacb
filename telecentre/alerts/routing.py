"""Which routes hear about an alert, when (quiet hours, repeats), and the rows that say so.

An alert event (opened, still active, resolved) becomes one :class:`AlertDelivery` per
route and target that matches; the rows are sent later by a task
(``telecentre.alerts.deliveries``), never inside the sweep that raised the alert.
``ALERT_RECIPIENTS`` stays a catch-all e-mail route (every alert, at once).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from telecentre.alerts.models import AlertDelivery, AlertRoute
from telecentre.common.time import local_minute_to_utc, to_local, utcnow
from telecentre.extensions import db

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


def minute_of(text: str) -> int:
    """Minutes after midnight of ``"HH:MM"``."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def alert_kinds(alert) -> set[str]:
    """What an alert is about: its source (``snmp``, ``agent``…) and its device's kind."""
    kinds = {alert.source}
    details = alert.details or {}
    if details.get("kind"):
        kinds.add(details["kind"])
    elif details.get("device_id") is not None and alert.source == "snmp":
        # Through the table, not the model: monitoring sits above alerts in the layers.
        devices = db.metadata.tables["devices"]
        kind = db.session.scalar(select(devices.c.kind).where(
            devices.c.id == details["device_id"]))
        if kind:
            kinds.add(kind)
    return kinds


def route_matches(route: AlertRoute, alert, kinds: set[str]) -> bool:
    """Whether ``route`` wants ``alert``: its site, one of its kinds, severe enough."""
    return (route.enabled
            and (not route.site_ids or alert.site_id in route.site_ids)
            and (not route.kinds or bool(kinds & set(route.kinds)))
            and SEVERITY_RANK.get(alert.severity, 0) >= SEVERITY_RANK[route.min_severity])


def quiet_until(route: AlertRoute, now: datetime) -> datetime | None:
    """The end (UTC) of the route's quiet hours when ``now`` falls in them, else None.

    Quiet hours are local wall-clock times and may span midnight (22:00-07:00).
    """
    if not (route.quiet_start and route.quiet_end):
        return None
    start, end = minute_of(route.quiet_start), minute_of(route.quiet_end)
    local = to_local(now)
    today, minute = local.date(), local.hour * 60 + local.minute
    if start == end:
        return None
    if start < end:
        inside, end_day = start <= minute < end, today
    elif minute >= start:
        inside, end_day = True, today + timedelta(days=1)
    else:
        inside, end_day = minute < end, today
    return local_minute_to_utc(end_day, end) if inside else None


def due_at(route: AlertRoute | None, alert, now: datetime) -> datetime:
    """When a message about ``alert`` may go out on ``route``: now, or when it is quiet no more."""
    if route is None:
        return now
    held = quiet_until(route, now)
    if held is None or (alert.severity == "critical" and route.critical_bypasses_quiet):
        return now
    return held


def route_targets(route: AlertRoute) -> list[tuple[str, str, str | None]]:
    """(channel, target, webhook format) of every address the route delivers to."""
    targets = [("email", address, None) for address in route.emails or []]
    targets += [("sms", phone, None) for phone in route.phones or []]
    if route.webhook_url:
        targets.append(("webhook", route.webhook_url, route.webhook_format))
    return targets


def alert_recipients(config) -> list[str]:
    """The ``ALERT_RECIPIENTS`` addresses (a list, or one comma-separated string)."""
    recipients = config.get("ALERT_RECIPIENTS") or []
    if isinstance(recipients, str):
        recipients = [r.strip() for r in recipients.split(",") if r.strip()]
    return list(recipients)


def catch_all(config) -> list[str]:
    """The ``ALERT_RECIPIENTS`` addresses when mail can be sent (else nobody: as before)."""
    return alert_recipients(config) if config.get("SMTP_HOST") else []


def _add(alert, route, event, targets, now) -> list[AlertDelivery]:
    when = due_at(route, alert, now)
    rows = [AlertDelivery(alert_id=alert.id, route_id=getattr(route, "id", None), event=event,
                          channel=channel, target=target, webhook_format=fmt,
                          status="pending", attempts=0, created_at=now, next_attempt_at=when)
            for channel, target, fmt in targets]
    db.session.add_all(rows)
    return rows


def record_events(config, opened, resolved, now: datetime | None = None) -> list[AlertDelivery]:
    """Add the deliveries for alerts just opened and just resolved; flush; return them."""
    now = now or utcnow()
    routes = list(db.session.scalars(select(AlertRoute).where(AlertRoute.enabled)
                                     .order_by(AlertRoute.id)))
    everyone = [("email", address, None) for address in catch_all(config)]
    rows = []
    for event, alerts in (("opened", opened), ("resolved", resolved)):
        for alert in alerts:
            kinds = alert_kinds(alert)
            rows += _add(alert, None, event, everyone, now)
            for route in routes:
                if route_matches(route, alert, kinds) and (
                        event == "opened" or route.notify_resolved):
                    rows += _add(alert, route, event, route_targets(route), now)
    db.session.flush()
    return rows


def record_repeats(now: datetime | None = None) -> list[AlertDelivery]:
    """Tell routes with a repeat interval again about alerts still open (not acknowledged).

    An alert is told again once ``repeat_minutes`` have passed since the route last got
    a message about it (or since it opened); never more often, whatever the sweeps do.
    """
    from telecentre.alerts.models import Alert
    now = now or utcnow()
    routes = list(db.session.scalars(select(AlertRoute).where(
        AlertRoute.enabled, AlertRoute.repeat_minutes.is_not(None),
        AlertRoute.repeat_minutes > 0)))
    if not routes:
        return []
    alerts = list(db.session.scalars(select(Alert).where(Alert.status == "open")))
    last = dict(((a, r), t) for a, r, t in db.session.execute(
        select(AlertDelivery.alert_id, AlertDelivery.route_id,
               func.max(AlertDelivery.created_at))
        .where(AlertDelivery.alert_id.in_([a.id for a in alerts]),
               AlertDelivery.route_id.in_([r.id for r in routes]))
        .group_by(AlertDelivery.alert_id, AlertDelivery.route_id)))
    rows = []
    for alert in alerts:
        kinds = alert_kinds(alert)
        for route in routes:
            since = last.get((alert.id, route.id)) or alert.opened_at
            if (route_matches(route, alert, kinds)
                    and now - since >= timedelta(minutes=route.repeat_minutes)):
                rows += _add(alert, route, "repeat", route_targets(route), now)
    db.session.flush()
    return rows
