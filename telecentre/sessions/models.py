"""What really happened on a seat: usage sessions."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.auth.models import User
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db
from telecentre.seats.models import Seat

SESSION_KINDS = ("booked", "walk_in", "guest", "kiosk")


class UsageSession(db.Model):
    """One sitting at a seat, by a resident, a guest or an anonymous kiosk user."""

    __tablename__ = "usage_sessions"
    __table_args__ = (
        CheckConstraint("kind IN ('booked', 'walk_in', 'guest', 'kiosk')", name="kind"),
        CheckConstraint('ended_at IS NULL OR ended_at >= started_at', name="range"),
        # At most one running session per seat.
        Index("uq_usage_sessions_running_seat", "seat_id", unique=True,
              postgresql_where=text("ended_at IS NULL"),
              sqlite_where=text("ended_at IS NULL")),
        Index("ix_usage_sessions_site_started", "site_id", "started_at"),
        Index("ix_usage_sessions_user_started", "user_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    minutes_granted: Mapped[int] = mapped_column(default=0)
    limited_by: Mapped[str | None] = mapped_column(String(30))
    # The agent's own id for the session, so that events about it are matched.
    local_id: Mapped[str | None] = mapped_column(String(36), unique=True)

    seat: Mapped[Seat] = relationship()
    user: Mapped[User | None] = relationship()
