"""Availability intervals: the interface that agent heartbeats and SNMP polls feed.

The agent feature calls ``mark_up("seat", seat.id, seat.site_id, at)`` on
every heartbeat (and ``mark_down("seat", seat.id, at)`` when an agent goes
offline or shuts down cleanly); the SNMP feature calls ``mark_up("device",
device.id, device.site_id, at)`` for each device that answered a poll and
``mark_down("device", device.id, at)`` for one that did not. Consecutive
reports within ``grace`` seconds extend one interval, and an interval is
written at most once per ``RESOLUTION`` seconds, so a heartbeat every 15 s
costs about one UPDATE a minute per seat.

The rollup turns the intervals into seat availability (seconds up during
opening hours against the opening seconds the seat was monitored) and
network availability (the same over a site's devices).
"""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from telecentre.extensions import db
from telecentre.stats.models import AvailabilityInterval

RESOLUTION = timedelta(seconds=60)
DEFAULT_GRACE = timedelta(seconds=90)
SUBJECT_KINDS = ("seat", "device")


def _open_interval(kind: str, subject_id: int) -> AvailabilityInterval | None:
    return db.session.scalar(
        select(AvailabilityInterval).where(AvailabilityInterval.kind == kind,
                                           AvailabilityInterval.subject_id == subject_id,
                                           AvailabilityInterval.open.is_(True))
        .order_by(AvailabilityInterval.ended_at.desc()).limit(1))


def mark_up(kind: str, subject_id: int, site_id: int, at: datetime,
            grace: timedelta = DEFAULT_GRACE) -> AvailabilityInterval:
    """Record that the seat/device ``subject_id`` was up at ``at``; return its interval.

    Extends the open interval when the last report is at most ``grace`` old,
    otherwise closes it and opens a new one (the gap counts as down). Flushes.
    """
    if kind not in SUBJECT_KINDS:
        raise ValueError(f"unknown availability kind {kind!r}")
    current = _open_interval(kind, subject_id)
    if current is not None:
        if at <= current.ended_at:
            return current  # late or repeated report: already covered
        if at - current.ended_at <= grace:
            if at - current.ended_at >= RESOLUTION:
                current.ended_at = at
                db.session.flush()
            return current
        current.open = False
    interval = AvailabilityInterval(kind=kind, subject_id=subject_id, site_id=site_id,
                                    started_at=at, ended_at=at, open=True)
    db.session.add(interval)
    db.session.flush()
    return interval


def mark_down(kind: str, subject_id: int, at: datetime) -> None:
    """Record that the seat/device went down at ``at``: the open interval ends there. Flushes."""
    current = _open_interval(kind, subject_id)
    if current is not None:
        current.ended_at = max(current.ended_at, min(at, current.ended_at + RESOLUTION))
        current.open = False
        db.session.flush()


def intervals_between(kind: str, site_id: int, start: datetime, end: datetime
                      ) -> dict[int, list[tuple[datetime, datetime]]]:
    """Return the up intervals of a site's seats/devices overlapping [start, end), by subject."""
    rows = db.session.execute(
        select(AvailabilityInterval.subject_id, AvailabilityInterval.started_at,
               AvailabilityInterval.ended_at)
        .where(AvailabilityInterval.kind == kind, AvailabilityInterval.site_id == site_id,
               AvailabilityInterval.started_at < end, AvailabilityInterval.ended_at > start)
        .order_by(AvailabilityInterval.started_at))
    result: dict[int, list[tuple[datetime, datetime]]] = {}
    for subject, s, e in rows:
        result.setdefault(subject, []).append((s, e))
    return result


def first_seen(kind: str, site_id: int) -> dict[int, datetime]:
    """Return when each seat/device of a site was first reported (monitoring starts then)."""
    rows = db.session.execute(
        select(AvailabilityInterval.subject_id, func.min(AvailabilityInterval.started_at))
        .where(AvailabilityInterval.kind == kind, AvailabilityInterval.site_id == site_id)
        .group_by(AvailabilityInterval.subject_id))
    return {subject: started for subject, started in rows}


def overlap(ranges_a, ranges_b) -> float:
    """Return the seconds where two lists of [start, end) ranges overlap."""
    total = 0.0
    for a0, a1 in ranges_a:
        for b0, b1 in ranges_b:
            lo, hi = max(a0, b0), min(a1, b1)
            if hi > lo:
                total += (hi - lo).total_seconds()
    return total


def monitored_ranges(open_ranges, since: datetime | None):
    """Return the opening ranges clipped to the time after monitoring began (None: never)."""
    if since is None:
        return []
    return [(max(s, since), e) for s, e in open_ranges if e > max(s, since)]

