"""An incident: what happened, when it was found, where, what was done, whether CSIRT knows."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db

SIGNIFICANCE = ("minor", "significant", "serious")
STATUSES = ("open", "closed")


class Incident(db.Model):
    """One entry of the register (ustawa o krajowym systemie cyberbezpieczeństwa).

    ``sites`` holds the slugs of the sites affected; ``alert_id`` the
    monitoring or agent alert it was opened from, if any.
    """

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("significance in ('minor', 'significant', 'serious')",
                        name="significance_known"),
        CheckConstraint("status in ('open', 'closed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sites: Mapped[list] = mapped_column(JSON, default=list)
    significance: Mapped[str] = mapped_column(String(12), default="minor")
    actions: Mapped[str] = mapped_column(Text, default="")
    reported_to_csirt: Mapped[bool] = mapped_column(default=False)
    csirt_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    csirt_reference: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
