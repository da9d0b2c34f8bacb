"""Guest passes: one-time codes that let a visitor without an account use a computer."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site


class GuestPass(db.Model):
    """A one-time code for ``minutes`` at any computer of a site, valid until it expires.

    Passes issued together (a group, a class) share a ``batch`` and are printed
    on one sheet. The agent redeems a pass like a booking code; the session it
    starts is kept in ``session_id``.
    """

    __tablename__ = "guest_passes"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        CheckConstraint("minutes > 0 AND minutes <= 480", name="minutes"),
        Index("ix_guest_passes_site_batch", "site_id", "batch"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    minutes: Mapped[int]
    batch: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("usage_sessions.id", ondelete="SET NULL"))

    site: Mapped[Site] = relationship()
    session: Mapped[UsageSession | None] = relationship()

    def state(self, now: datetime) -> str:
        """Return ``used``, ``revoked``, ``expired`` or ``valid``."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "valid"


class ResidentNotice(db.Model):
    """A message to a resident about their booking (moved or cancelled by the site).

    Shown on every page the resident opens until they dismiss it.
    """

    __tablename__ = "resident_notices"
    __table_args__ = (Index("ix_resident_notices_user_seen", "user_id", "seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
