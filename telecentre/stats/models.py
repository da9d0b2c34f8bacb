"""Statistics: rollups of usage kept by the scheduler, and availability intervals.

Rollups are facts about local (Europe/Warsaw) days and wall-clock hours,
rebuilt from raw ``usage_sessions``, ``bookings`` and opening hours by
``telecentre.stats.rollup``. They hold nothing that names a person: unique
users are counted from ``stats_visitors``, whose ``visitor`` is a keyed hash
(a pseudonym), so the counts survive the retention job and account deletion.
"""
from datetime import date, datetime

from sqlalchemy import (CheckConstraint, ForeignKey, Index, SmallInteger, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from telecentre.common.types import UTCDateTime
from telecentre.extensions import db

KINDS = ("booked", "walk_in", "guest", "kiosk")


class _Measures:
    """Additive measures shared by the hourly and daily rollups (seconds and counts)."""

    open_seconds: Mapped[int] = mapped_column(default=0)  # seat open, from opening hours
    used_seconds: Mapped[int] = mapped_column(default=0)  # seat in use, split by hour/day
    sessions: Mapped[int] = mapped_column(default=0)  # sessions started in the bucket
    length_seconds: Mapped[int] = mapped_column(default=0)  # whole length of those sessions
    sessions_booked: Mapped[int] = mapped_column(default=0)
    sessions_walk_in: Mapped[int] = mapped_column(default=0)
    sessions_guest: Mapped[int] = mapped_column(default=0)
    sessions_kiosk: Mapped[int] = mapped_column(default=0)
    used_booked: Mapped[int] = mapped_column(default=0)
    used_walk_in: Mapped[int] = mapped_column(default=0)
    used_guest: Mapped[int] = mapped_column(default=0)
    used_kiosk: Mapped[int] = mapped_column(default=0)


class HourlyUsage(_Measures, db.Model):
    """All seats of one site in one local wall-clock hour of one local day.

    On the October DST day hour 2 happens twice, so it may hold up to two
    hours per seat; on the March day hour 2 does not exist. Per site, not per
    seat: one row per open hour keeps the table small (a seat's own hours are
    computed from its raw sessions when its page is shown).
    """

    __tablename__ = "stats_hourly"
    __table_args__ = (UniqueConstraint("site_id", "day", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    day: Mapped[date]
    hour: Mapped[int] = mapped_column(SmallInteger)


class DailyUsage(_Measures, db.Model):
    """One seat on one local day, with bookings, no-shows and availability."""

    __tablename__ = "stats_daily"
    __table_args__ = (UniqueConstraint("seat_id", "day"),
                      Index("ix_stats_daily_site_day", "site_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id", ondelete="CASCADE"))
    day: Mapped[date]
    # Bookings that started this day and were due: used (checked in/completed) or released.
    bookings_due: Mapped[int] = mapped_column(default=0)
    no_shows: Mapped[int] = mapped_column(default=0)
    # Seat availability: open seconds the seat was monitored, and of those the seconds up.
    monitored_seconds: Mapped[int] = mapped_column(default=0)
    up_seconds: Mapped[int] = mapped_column(default=0)


class MonthlySiteUsage(db.Model):
    """One site in one month: the sums of its daily rows plus its access points."""

    __tablename__ = "stats_monthly"
    __table_args__ = (UniqueConstraint("site_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    month: Mapped[date]  # the first day of the month
    pcs: Mapped[int] = mapped_column(default=0)  # seats in place at the month's end
    kiosks: Mapped[int] = mapped_column(default=0)
    open_seconds: Mapped[int] = mapped_column(default=0)
    used_seconds: Mapped[int] = mapped_column(default=0)
    sessions: Mapped[int] = mapped_column(default=0)
    length_seconds: Mapped[int] = mapped_column(default=0)
    bookings_due: Mapped[int] = mapped_column(default=0)
    no_shows: Mapped[int] = mapped_column(default=0)


class NetworkDaily(db.Model):
    """Network availability of one site on one day: monitored and up device-seconds."""

    __tablename__ = "stats_network_daily"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    day: Mapped[date]
    monitored_seconds: Mapped[int] = mapped_column(default=0)
    up_seconds: Mapped[int] = mapped_column(default=0)


class SessionLength(db.Model):
    """How many sessions of a site started on a day lasted ``minutes`` (rounded): for medians."""

    __tablename__ = "stats_lengths"
    __table_args__ = (UniqueConstraint("site_id", "day", "minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    day: Mapped[date]
    minutes: Mapped[int]
    count: Mapped[int]


class Visitor(db.Model):
    """A pseudonymous resident who started a session at a seat on a day (for unique users)."""

    __tablename__ = "stats_visitors"
    __table_args__ = (UniqueConstraint("seat_id", "day", "visitor"),
                      Index("ix_stats_visitors_site_day", "site_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id", ondelete="CASCADE"))
    day: Mapped[date]
    visitor: Mapped[str] = mapped_column(String(32))


class UniqueUsers(db.Model):
    """Unique residents in a period (month, quarter, year) at a site, or county-wide (site 0)."""

    __tablename__ = "stats_uniques"
    __table_args__ = (UniqueConstraint("site_id", "period", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int]  # 0 = the whole county (a resident seen at two sites counts once)
    period: Mapped[str] = mapped_column(String(7))  # month | quarter | year
    start: Mapped[date]
    users: Mapped[int] = mapped_column(default=0)


class DirtyDay(db.Model):
    """A local day of a site whose rollups must be rebuilt by the next rollup run."""

    __tablename__ = "stats_dirty_days"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    day: Mapped[date]


class RollupState(db.Model):
    """Where the incremental rollup stopped: highest session id seen, sessions then running."""

    __tablename__ = "stats_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_session_id: Mapped[int] = mapped_column(default=0)
    open_session_ids: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    ran_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AvailabilityInterval(db.Model):
    """A stretch of time a seat (from agent heartbeats) or device (from SNMP) was up.

    Filled by other features through ``telecentre.stats.availability.mark_up``
    / ``mark_down``; ``subject_id`` is a seat id for kind ``seat`` and the
    monitored device's id for kind ``device``. Time not covered by an interval
    after the subject's first interval counts as down.
    """

    __tablename__ = "availability_intervals"
    __table_args__ = (CheckConstraint("kind IN ('seat', 'device')", name="kind"),
                      Index("ix_availability_subject", "kind", "subject_id", "ended_at"),
                      Index("ix_availability_site_start", "site_id", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # seat | device
    subject_id: Mapped[int]
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    open: Mapped[bool] = mapped_column(default=True)  # False once marked down
