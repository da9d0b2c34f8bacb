"""The site's day: today's bookings (with no-shows) and the day's counts."""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from telecentre.audit.models import AuditEntry
from telecentre.booking.models import Booking
from telecentre.common.time import local_day_bounds, local_today, utcnow
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site


@dataclass
class DayCounts:
    """What happened at a site today (local day)."""

    bookings: int = 0
    checked_in: int = 0
    no_shows: int = 0
    cancelled: int = 0
    sessions: int = 0
    walk_ins: int = 0
    guests: int = 0
    kiosk: int = 0
    running: int = 0
    minutes_used: int = 0


def todays_bookings(site: Site, now: datetime | None = None) -> list[Booking]:
    """Return the bookings of ``site`` that start today (local day), in time order."""
    first, last = local_day_bounds(local_today(now or utcnow()))
    return list(db.session.scalars(
        select(Booking).options(selectinload(Booking.resident), selectinload(Booking.seat))
        .where(Booking.site_id == site.id, Booking.start >= first, Booking.start < last)
        .order_by(Booking.start, Booking.seat_id)))


def no_shows(bookings: list[Booking]) -> list[Booking]:
    """Return the bookings released because nobody came."""
    return [b for b in bookings if b.status == "released"]


def day_counts(site: Site, now: datetime | None = None) -> DayCounts:
    """Return today's counts of bookings by outcome and of sessions by kind at ``site``."""
    now = now or utcnow()
    first, last = local_day_bounds(local_today(now))
    statuses = Counter(dict(db.session.execute(
        select(Booking.status, func.count(Booking.id))
        .where(Booking.site_id == site.id, Booking.start >= first, Booking.start < last)
        .group_by(Booking.status)).all()))
    sessions = db.session.execute(select(  # rows, not objects: only what is counted
        UsageSession.started_at, UsageSession.ended_at, UsageSession.kind).where(
        UsageSession.site_id == site.id, UsageSession.started_at < last,
        (UsageSession.ended_at.is_(None)) | (UsageSession.ended_at > first))).all()
    started_today = [s for s in sessions if s.started_at >= first]
    kinds = Counter(s.kind for s in started_today)
    used = sum((min(s.ended_at or now, now) - max(s.started_at, first)).total_seconds()
               for s in sessions)
    return DayCounts(
        bookings=sum(statuses.values()) - statuses["cancelled"],
        checked_in=statuses["checked_in"] + statuses["completed"],
        no_shows=statuses["released"],
        cancelled=statuses["cancelled"],
        sessions=len(started_today),
        walk_ins=kinds["walk_in"],
        guests=kinds["guest"],
        kiosk=kinds["kiosk"],
        running=sum(1 for s in sessions if s.ended_at is None),
        minutes_used=int(max(used, 0) // 60),
    )


def recent_actions(site: Site, limit: int = 10) -> list[AuditEntry]:
    """Return the newest audit entries of ``site``."""
    return list(db.session.scalars(select(AuditEntry).options(selectinload(AuditEntry.personal))
                                   .where(AuditEntry.site_id == site.id)
                                   .order_by(AuditEntry.id.desc()).limit(limit)))
