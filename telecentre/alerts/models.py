"""Alerts: something in the network or on a seat that needs IT's attention."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db


class Alert(db.Model):
    """An alert keyed by what it is about (``snmp:12:ups_on_battery``).

    At most one alert per key is not resolved; it is opened, may be
    acknowledged by IT, and resolves itself when the condition clears.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name="status"),
        CheckConstraint("severity IN ('info', 'warning', 'critical')", name="severity"),
        Index("uq_alerts_active_key", "key", unique=True,
              postgresql_where=text("status <> 'resolved'"),
              sqlite_where=text("status <> 'resolved'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"),
                                                index=True)
    severity: Mapped[str] = mapped_column(String(10), default="warning")
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(15), default="open", index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


SEVERITIES = ("info", "warning", "critical")
DELIVERY_CHANNELS = ("email", "webhook", "sms")
DELIVERY_STATES = ("pending", "sending", "sent", "failed")
WEBHOOK_FORMATS = ("json", "slack", "teams")


class AlertRoute(db.Model):
    """Who hears about which alerts: a match (sites, kinds, least severity) and targets.

    Empty ``site_ids`` or ``kinds`` match every site or kind (a kind is a device kind
    such as ``ups`` or an alert source such as ``agent``). Quiet hours (local time) hold
    what is below critical, and critical too unless ``critical_bypasses_quiet``; a still
    active alert is told again every ``repeat_minutes`` (never when None).
    """

    __tablename__ = "alert_routes"
    __table_args__ = (
        CheckConstraint("min_severity IN ('info', 'warning', 'critical')", name="min_severity"),
        CheckConstraint("webhook_format IN ('json', 'slack', 'teams')", name="webhook_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(default=True)
    site_ids: Mapped[list] = mapped_column(JSON, default=list)
    kinds: Mapped[list] = mapped_column(JSON, default=list)
    min_severity: Mapped[str] = mapped_column(String(10), default="warning")
    emails: Mapped[list] = mapped_column(JSON, default=list)
    phones: Mapped[list] = mapped_column(JSON, default=list)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_format: Mapped[str] = mapped_column(String(10), default="json")
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "22:00", local time
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    critical_bypasses_quiet: Mapped[bool] = mapped_column(default=True)
    repeat_minutes: Mapped[int | None] = mapped_column()
    notify_resolved: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertDelivery(db.Model):
    """One message about one alert event (opened, repeat, resolved) to one target.

    ``route_id`` None is the catch-all ``ALERT_RECIPIENTS``. A task sends pending ones
    whose ``next_attempt_at`` has come; a failure is tried again with backoff until
    ``ALERT_DELIVERY_MAX_ATTEMPTS``, then stays failed (IT may retry it by hand).
    """

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        CheckConstraint("channel IN ('email', 'webhook', 'sms')", name="channel"),
        CheckConstraint("event IN ('opened', 'repeat', 'resolved')", name="event"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
        Index("ix_alert_deliveries_alert_route", "alert_id", "route_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    route_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_routes.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(500))
    webhook_format: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
