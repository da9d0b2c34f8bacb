"""Sending alert messages: e-mail, webhook, SMS; retried with backoff, shown to IT.

A delivery is claimed before it is sent (a conditional UPDATE from ``pending`` to
``sending`` with a lease in ``next_attempt_at``), so two workers never send the
same row; a row whose worker died goes back to ``pending`` when its lease ends.
E-mails to one address that fall due together go out as one message (a sweep
that opens ten alerts sends one mail, as before routes existed).
"""
from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from telecentre.alerts import messages
from telecentre.alerts.models import Alert, AlertDelivery
from telecentre.common.db import begin_write
from telecentre.common.mail import smtp_hand_over
from telecentre.common.sms import SmsError, sms_post
from telecentre.common.time import utcnow
from telecentre.extensions import db

LEASE = timedelta(minutes=10)  # how long a claimed delivery may take before it is free again


class DeliveryError(Exception):
    """A message could not be handed over; the text says why (shown to IT)."""


def check_webhook_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a host (what a webhook may be)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def post_webhook(config, url: str, body: dict) -> None:
    """POST ``body`` as JSON to ``url`` with a short timeout; raise DeliveryError on failure."""
    if not check_webhook_url(url):
        raise DeliveryError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "Telecentre"})
    timeout = float(config.get("ALERT_WEBHOOK_TIMEOUT_SECONDS") or 5)
    try:
        # An administrator's own setting; the scheme is checked above.
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # nosec B310
            if not 200 <= reply.status < 300:
                raise DeliveryError(f"HTTP {reply.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"could not reach the webhook: {exc}") from exc


def _site_slug(alert) -> str | None:
    from telecentre.sites.models import Site
    site = db.session.get(Site, alert.site_id) if alert.site_id else None
    return site.slug if site else None


def _hand_over(config, group: list[AlertDelivery]) -> None:
    """Send one group (one message); raise DeliveryError saying why it failed."""
    first = group[0]
    alerts = {d.id: db.session.get(Alert, d.alert_id) for d in group}
    if first.channel == "email":
        opened = [alerts[d.id] for d in group if d.event != "resolved"]
        resolved = [alerts[d.id] for d in group if d.event == "resolved"]
        msg = messages.compose_mail(config, opened, resolved, [first.target])
        try:
            smtp_hand_over(config, msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"mail: {exc}") from exc
    elif first.channel == "sms":
        try:
            sms_post(config, first.target, messages.sms_text(alerts[first.id], first.event))
        except SmsError as exc:
            raise DeliveryError(str(exc)) from exc
    else:
        alert = alerts[first.id]
        post_webhook(config, first.target, messages.webhook_body(
            config, alert, first.event, first.webhook_format or "json", _site_slug(alert)))


def _groups(rows: list[AlertDelivery]) -> list[list[AlertDelivery]]:
    """E-mails to the same address on the same route together; every other row alone."""
    groups: dict[tuple, list[AlertDelivery]] = {}
    for row in rows:
        key = ("email", row.route_id, row.target) if row.channel == "email" else (row.id,)
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def _claim(ids: list[int], now: datetime) -> list[int]:
    """Take the pending rows among ``ids`` for this worker; return the ones it got."""
    got = []
    for delivery_id in ids:
        result = db.session.execute(
            update(AlertDelivery).where(AlertDelivery.id == delivery_id,
                                        AlertDelivery.status == "pending")
            .values(status="sending", next_attempt_at=now + LEASE))
        if result.rowcount == 1:
            got.append(delivery_id)
    db.session.commit()
    return got


def _finish(config, ids: list[int], error: str | None, now: datetime) -> None:
    """Record the outcome: sent, tried again later (backoff), or failed for good."""
    most = int(config.get("ALERT_DELIVERY_MAX_ATTEMPTS") or 5)
    backoff = float(config.get("ALERT_DELIVERY_BACKOFF_SECONDS") or 60)
    db.session.rollback()  # end the read snapshot (nothing pending), then write as a writer
    begin_write(db.session)
    for row in db.session.scalars(select(AlertDelivery).where(AlertDelivery.id.in_(ids))):
        row.attempts += 1
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", now, None
        else:
            row.last_error = error[:500]
            if row.attempts >= most:
                row.status = "failed"
            else:
                row.status = "pending"
                row.next_attempt_at = now + timedelta(seconds=backoff * 2 ** (row.attempts - 1))
    db.session.commit()


def send_due(config=None, *, ids: list[int] | None = None,
             now: datetime | None = None) -> tuple[int, int]:
    """Send the pending deliveries that are due (only ``ids`` when given); commit each.

    Return (sent, not sent). A failure never raises: it is recorded on the row.
    """
    config = config if config is not None else current_app.config
    now = now or utcnow()
    db.session.commit()
    begin_write(db.session)
    db.session.execute(update(AlertDelivery).where(  # leases of workers that died
        AlertDelivery.status == "sending", AlertDelivery.next_attempt_at <= now)
        .values(status="pending"))
    query = select(AlertDelivery.id).where(AlertDelivery.status == "pending",
                                           AlertDelivery.next_attempt_at <= now)
    if ids is not None:
        query = query.where(AlertDelivery.id.in_(ids))
    claimed = _claim(list(db.session.scalars(query.order_by(AlertDelivery.id))), now)
    rows = list(db.session.scalars(select(AlertDelivery).where(AlertDelivery.id.in_(claimed))
                                   .order_by(AlertDelivery.id)))
    sent = failed = 0
    for group in _groups(rows):
        ids = [row.id for row in group]
        try:
            _hand_over(config, group)
            error = None
        except DeliveryError as exc:
            error = str(exc)
        _finish(config, ids, error, now)
        if error is None:
            sent += len(group)
        else:
            failed += len(group)
    return sent, failed


def queue(rows_or_ids) -> None:
    """Hand deliveries that are due now to a worker (the task ``alerts.deliver``)."""
    from telecentre.alerts.tasks import deliver
    from telecentre.tasks import send
    ids = [getattr(r, "id", r) for r in rows_or_ids]
    if ids:
        send(deliver, ids)


def announce(config, opened, resolved, now: datetime | None = None) -> int:
    """Record the messages about alerts just opened or resolved, commit, and queue the
    ones due now; return how many deliveries were recorded.

    The one call after a sweep (or any job that opens or resolves alerts) has
    committed its own work: a slow mail server or webhook never holds up a sweep.
    """
    from telecentre.alerts.routing import record_events
    if not (opened or resolved):
        return 0
    now = now or utcnow()
    begin_write(db.session)  # SQLite: reads then writes, so take the write lock first
    rows = record_events(config, opened, resolved, now)
    due = [r.id for r in rows if r.next_attempt_at <= now]
    db.session.commit()  # before the queue: the worker must see the rows
    queue(due)
    return len(rows)
