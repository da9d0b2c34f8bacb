"""What discovery found: neighbour links between devices and proposed new devices."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db
from telecentre.monitoring.models import Device
from telecentre.sites.models import Site

# How a proposal or a link was learnt: a neighbour table of a known device, or a scan.
FOUND_BY = ("lldp", "cdp", "arp", "scan")
PROPOSAL_STATUSES = ("proposed", "accepted", "ignored")


class NeighbourLink(db.Model):
    """One row of a known device's LLDP or CDP neighbour table (refreshed each run)."""

    __tablename__ = "neighbour_links"
    __table_args__ = (
        CheckConstraint("protocol IN ('lldp', 'cdp')", name="protocol"),
        Index("ix_neighbour_links_site", "site_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"),
                                           index=True)
    protocol: Mapped[str] = mapped_column(String(4))
    local_port: Mapped[str] = mapped_column(String(100), default="")
    neighbour_name: Mapped[str] = mapped_column(String(200), default="")
    neighbour_address: Mapped[str | None] = mapped_column(String(45))
    neighbour_port: Mapped[str] = mapped_column(String(100), default="")
    neighbour_platform: Mapped[str] = mapped_column(String(200), default="")
    # The known device at the other end, when its address or name matches one.
    neighbour_device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    device: Mapped[Device] = relationship(foreign_keys=[device_id])
    neighbour_device: Mapped[Device | None] = relationship(foreign_keys=[neighbour_device_id])


class ProposedDevice(db.Model):
    """An address that answered (or was named by a neighbour) and is not a device yet.

    IT accepts it (a Device is made) or ignores it (kept, so it is never
    proposed again).  ``community_secret`` / ``v3_user`` are the credentials
    that answered, encrypted as the device's own.
    """

    __tablename__ = "proposed_devices"
    __table_args__ = (
        UniqueConstraint("site_id", "address"),
        CheckConstraint("found_by IN ('lldp', 'cdp', 'arp', 'scan')", name="found_by"),
        CheckConstraint("status IN ('proposed', 'accepted', 'ignored')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(45))
    port: Mapped[int] = mapped_column(default=161)
    found_by: Mapped[str] = mapped_column(String(4))
    # The known device whose neighbour table named it (None for a scan).
    via_device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"))
    sys_name: Mapped[str] = mapped_column(String(200), default="")
    sys_descr: Mapped[str] = mapped_column(Text, default="")
    sys_object_id: Mapped[str] = mapped_column(String(200), default="")
    suggested_kind: Mapped[str] = mapped_column(String(20))
    snmp_version: Mapped[str | None] = mapped_column(String(2))
    community_secret: Mapped[str | None] = mapped_column(Text)
    v3_user: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    via_device: Mapped[Device | None] = relationship(foreign_keys=[via_device_id])
