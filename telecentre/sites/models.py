"""Sites (the seven offices), their opening hours and their booking policy."""
from datetime import date

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.extensions import db

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Site(db.Model):
    """A place with public computers: a telecentre room and/or kiosks."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    # CIDR strings, validated with netaddr by the service that sets them.
    subnets: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    # Raised with every change to the site, its seats, hours, exceptions or policy (see
    # telecentre/sites/versions.py): what bookings cache of a site is good while it holds.
    config_version: Mapped[int] = mapped_column(default=0, server_default="0")

    hours: Mapped[list["OpeningHours"]] = relationship(
        back_populates="site", cascade="all, delete-orphan",
        order_by="(OpeningHours.weekday, OpeningHours.open_minute)")
    exceptions: Mapped[list["OpeningException"]] = relationship(
        back_populates="site", cascade="all, delete-orphan",
        order_by="(OpeningException.day, OpeningException.open_minute)")
    policy: Mapped["SitePolicy"] = relationship(
        back_populates="site", cascade="all, delete-orphan", uselist=False)

    def __repr__(self):
        return f"<Site {self.slug}>"


class OpeningHours(db.Model):
    """One opening interval on a weekday, in minutes from local midnight (1440 = 24:00)."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
        CheckConstraint("open_minute >= 0 AND open_minute < close_minute "
                        "AND close_minute <= 1440", name="interval"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 = Monday
    open_minute: Mapped[int]
    close_minute: Mapped[int]

    site: Mapped[Site] = relationship(back_populates="hours")


class OpeningException(db.Model):
    """A dated change of the weekly hours: closed (no minutes) or open at other times.

    All rows of one day together replace that day's weekly hours.
    """

    __tablename__ = "opening_exceptions"
    __table_args__ = (
        CheckConstraint("(open_minute IS NULL AND close_minute IS NULL) OR "
                        "(open_minute >= 0 AND open_minute < close_minute "
                        "AND close_minute <= 1440)", name="interval"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    open_minute: Mapped[int | None]
    close_minute: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(200), default="")

    site: Mapped[Site] = relationship(back_populates="exceptions")


class SitePolicy(db.Model):
    """The booking and session rules of one site, editable by the admin."""

    __tablename__ = "site_policies"
    __table_args__ = (UniqueConstraint("site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    slot_minutes: Mapped[int] = mapped_column(default=15)
    max_booking_minutes: Mapped[int] = mapped_column(default=60)
    session_minutes: Mapped[int] = mapped_column(default=60)
    daily_minutes: Mapped[int] = mapped_column(default=120)
    max_open_bookings: Mapped[int] = mapped_column(default=2)
    days_ahead: Mapped[int] = mapped_column(default=14)
    min_gap_minutes: Mapped[int] = mapped_column(default=0)
    no_show_grace_minutes: Mapped[int] = mapped_column(default=10)
    walk_in_share_percent: Mapped[int] = mapped_column(default=0)
    walk_in_allowed: Mapped[bool] = mapped_column(default=True)
    kiosk_session_minutes: Mapped[int] = mapped_column(default=30)
    kiosk_idle_seconds: Mapped[int] = mapped_column(default=120)
    preset: Mapped[str] = mapped_column(String(40), default="")

    site: Mapped[Site] = relationship(back_populates="policy")
