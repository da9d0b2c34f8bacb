"""Bookings of a seat for a time range ``[start, end)``."""
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from telecentre.auth.models import User
from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db
from telecentre.seats.models import Seat

BOOKING_STATUSES = ("booked", "checked_in", "completed", "cancelled", "released")
# Bookings that still hold their seat: the double-booking guard covers these.
HOLDING_STATUSES = ("booked", "checked_in", "completed")
OPEN_STATUSES = ("booked", "checked_in")
_NOT_HOLDING = "status NOT IN ('cancelled', 'released')"


# A booking lies within one local day's opening hours, so it never lasts longer than the
# longest local day (25 h, when the clocks go back); Booking's validator keeps it so. The
# overlap queries use it as a lower bound on ``start`` (``starts_after``), so that an index
# on (seat or resident, start) reads the last day of a seat's bookings, not all its history.
LONGEST = timedelta(hours=25)


class Booking(db.Model):
    """A resident's booking of one seat.

    On PostgreSQL an exclusion constraint makes two holding bookings of one
    seat with overlapping ranges impossible; on SQLite the booking service
    checks and inserts inside one ``BEGIN IMMEDIATE`` transaction.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint('start < "end"', name="range"),
        CheckConstraint("status IN ('booked', 'checked_in', 'completed', 'cancelled', "
                        "'released')", name="status"),
        ExcludeConstraint(
            ("seat_id", "="),
            (func.tstzrange(text("start"), text('"end"')), "&&"),
            name="ex_bookings_no_overlap",
            using="gist",
            where=text(_NOT_HOLDING),
        ).ddl_if(dialect="postgresql"),
        # A code identifies an open booking at its site.
        Index("uq_bookings_open_code", "site_id", "code", unique=True,
              postgresql_where=text("status IN ('booked', 'checked_in')"),
              sqlite_where=text("status IN ('booked', 'checked_in')")),
        Index("ix_bookings_seat_start", "seat_id", "start"),
        Index("ix_bookings_resident_start", "resident_id", "start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="booked")
    code: Mapped[str] = mapped_column(String(12))
    # Where it was made: web, kiosk, desk (by an attendant), api.
    source: Mapped[str] = mapped_column(String(10), default="web")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    seat: Mapped[Seat] = relationship()
    resident: Mapped[User] = relationship(foreign_keys=[resident_id])

    @validates("start", "end")
    def _within_a_day(self, key, value):
        other = self.end if key == "start" else self.start
        if value is not None and other is not None and abs(value - other) > LONGEST:
            raise ValueError("a booking lasts at most 25 hours (one local day)")
        return value

    @staticmethod
    def checked_span(values: dict) -> dict:
        """Return ``values`` of a booking inserted without an object, after the same check."""
        if abs(values["end"] - values["start"]) > LONGEST:
            raise ValueError("a booking lasts at most 25 hours (one local day)")
        return values

    @staticmethod
    def starts_after(moment):
        """SQL: a lower bound on ``start`` for bookings that end after ``moment``.

        Add it to every "ends after ``moment``" condition of a query on a seat's or a
        resident's bookings: it changes no result and bounds the index scan.
        """
        return Booking.start > moment - LONGEST

    def release_rest(self, at: datetime) -> None:
        """The resident left at ``at``, before the end: give back the rest of the time.

        A booking ended early holds its seat and its resident only until then, so the
        freed seat can go to the walk-in queue and the resident may queue again (the
        overlap checks, the exclusion constraint and the daily minutes all read ``end``).
        The booked end stays in the audit entry of ``booking.create``.
        """
        if at < self.end:
            # Never an empty range: the CHECK wants start < end.
            self.end = max(at, self.start + timedelta(seconds=1))
_STATUSES = ("waiting", "offered", "accepted", "left", "expired")
ACTIVE_QUEUE_STATUSES = ("waiting", "offered")


class QueueEntry(db.Model):
    """A resident waiting at a site for a seat to free up (the walk-in queue).

    When a seat frees, the first waiting entry is ``offered`` that seat until
    ``offered_until``; accepting turns it into a booking, letting the offer run
    out makes it ``expired`` and the seat goes to the next in line.
    """

    __tablename__ = "queue_entries"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'offered', 'accepted', 'left', 'expired')",
                        name="status"),
        # One place in the line per resident and site.
        Index("uq_queue_entries_active", "site_id", "resident_id", unique=True,
              postgresql_where=text("status IN ('waiting', 'offered')"),
              sqlite_where=text("status IN ('waiting', 'offered')")),
        Index("ix_queue_entries_site_status", "site_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    offered_seat_id: Mapped[int | None] = mapped_column(
        ForeignKey("seats.id", ondelete="SET NULL"))
    offered_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    offered_seat: Mapped[Seat | None] = relationship()


class CalendarFeed(db.Model):
    """A resident's private calendar feed. The URL's token is an HMAC of ``nonce``.

    Only the nonce is stored; a new nonce makes every earlier feed URL invalid.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
