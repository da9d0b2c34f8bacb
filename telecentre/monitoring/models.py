"""Monitored devices, what the poller remembers about them, and their history."""
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db
from telecentre.sites.models import Site

DEVICE_KINDS = ("router", "switch", "access_point", "ups", "printer", "pc", "kiosk")
SNMP_VERSIONS = ("2c", "3")
# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
BigId = BigInteger().with_variant(Integer, "sqlite")


class Device(db.Model):
    """Anything polled over SNMP at a site; its address lies in one of the site's subnets.

    The community and the SNMPv3 keys are stored encrypted
    (``telecentre.common.crypto``), never in plain text.
    """

    __tablename__ = "devices"
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint("kind IN ('router', 'switch', 'access_point', 'ups', 'printer', "
                        "'pc', 'kiosk')", name="kind"),
        CheckConstraint("snmp_version IN ('2c', '3')", name="snmp_version"),
        CheckConstraint("port > 0 AND port < 65536", name="port"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(45))
    port: Mapped[int] = mapped_column(default=161)
    snmp_version: Mapped[str] = mapped_column(String(2), default="2c")
    community_secret: Mapped[str | None] = mapped_column(Text)
    v3_user: Mapped[str | None] = mapped_column(String(64))
    v3_auth_protocol: Mapped[str | None] = mapped_column(String(10))
    v3_auth_secret: Mapped[str | None] = mapped_column(Text)
    v3_priv_protocol: Mapped[str | None] = mapped_column(String(10))
    v3_priv_secret: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Per-check threshold overrides, e.g. {"cpu": {"limit": 80}}.
    thresholds: Mapped[dict] = mapped_column(JSON, default=dict)
    discovery: Mapped[dict | None] = mapped_column(JSON)
    discovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()
    state: Mapped["DeviceState | None"] = relationship(
        back_populates="device", cascade="all, delete-orphan", uselist=False)

    def __repr__(self):
        return f"<Device {self.name} {self.address}>"


class DeviceState(db.Model):
    """What the last poll found: status, last reading (for rates), alert streaks."""

    __tablename__ = "device_states"
    __table_args__ = (
        CheckConstraint("status IN ('unknown', 'up', 'down')", name="status"),
    )

    device_id: Mapped[int] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="unknown")
    polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    up_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(300))
    sys_name: Mapped[str | None] = mapped_column(String(200))
    reading: Mapped[dict | None] = mapped_column(JSON)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    alert_states: Mapped[dict] = mapped_column(JSON, default=dict)

    device: Mapped[Device] = relationship(back_populates="state")


class Sample(db.Model):
    """One poll's flat metrics for one device (raw; kept for days)."""

    __tablename__ = "samples"
    # Time series: on PostgreSQL a BRIN index on the time (rows arrive in time order).
    __table_args__ = (Index("ix_samples_device_at", "device_id", "at"),
                      Index("ix_samples_at", "at", postgresql_using="brin"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    values: Mapped[dict] = mapped_column(JSON)


class HourlySample(db.Model):
    """An hour of samples per device: ``{metric: [avg, min, max]}`` (kept for a year)."""

    __tablename__ = "sample_hours"
    __table_args__ = (UniqueConstraint("device_id", "hour"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    count: Mapped[int]
    values: Mapped[dict] = mapped_column(JSON)
