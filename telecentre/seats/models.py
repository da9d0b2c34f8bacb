"""Seats: the public PCs and kiosks of a site."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db
from telecentre.sites.models import Site

SEAT_KINDS = ("pc", "kiosk")


class Seat(db.Model):
    """A PC or kiosk at a site."""

    __tablename__ = "seats"
    __table_args__ = (
        UniqueConstraint("site_id", "name"),
        CheckConstraint("kind IN ('pc', 'kiosk')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10), default="pc")
    bookable: Mapped[bool] = mapped_column(default=True)
    accessible: Mapped[bool] = mapped_column(default=False)
    in_service: Mapped[bool] = mapped_column(default=True)
    out_of_service_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()

    def __repr__(self):
        return f"<Seat {self.name}@{self.site_id}>"
