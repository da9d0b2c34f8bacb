"""Rebuilding the rollups of a site for a run of local days from the raw records.

``rebuild_range`` reads the sessions, bookings, opening hours and
availability intervals that touch the days, computes every bucket in Python
(the same code on SQLite and PostgreSQL) and replaces the rows of those days
in one go; then the month rows and unique-user counts that depend on them.
Sessions count (and their length and user) in the hour and day they
started; their time in use is split over every hour and day they cover.
"""
import hashlib
import hmac
from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, distinct, func, select

from telecentre.booking.models import Booking
from telecentre.common.time import local_day_bounds, to_local, utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site
from telecentre.sites.services import open_ranges_on
from telecentre.stats import availability
from telecentre.stats.models import (KINDS, DailyUsage, HourlyUsage, MonthlySiteUsage,
                                     NetworkDaily, SessionLength, UniqueUsers, Visitor)
from telecentre.stats.split import (day_range, hour_slices, month_start, next_month,
                                    period_end, period_start)

# A session is never counted for longer than this: an agent that never reported
# the end must not make a seat look busy for ever.
MAX_SESSION = timedelta(hours=24)
MEASURES = ("open_seconds", "used_seconds", "sessions", "length_seconds",
            *(f"sessions_{k}" for k in KINDS), *(f"used_{k}" for k in KINDS))
_I = {name: i for i, name in enumerate(MEASURES)}
_KIND_SESSIONS = {k: _I[f"sessions_{k}"] for k in KINDS}
_KIND_USED = {k: _I[f"used_{k}"] for k in KINDS}


def pseudonym(user_id: int) -> str:
    """Return the keyed hash that stands for a resident in the rollups (not reversible)."""
    key = current_app.config["PSEUDONYM_KEY"].encode()
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def session_end(started_at: datetime, ended_at: datetime | None, now: datetime) -> datetime:
    """Return the end used for counting: the real end, else now, never past ``MAX_SESSION``."""
    end = ended_at if ended_at is not None else now
    return min(end, started_at + MAX_SESSION)


def seat_buckets(site: Site, first: date, last: date, now: datetime, seat_id: int | None = None):
    """Return the per-seat hourly buckets, visitors and lengths of ``first``..``last``.

    Buckets map (seat, day, hour) to the ``MEASURES`` as floats; only seats
    with ``seat_id`` when given (a seat's page computes its hours this way).
    """
    lo, hi = local_day_bounds(first)[0], local_day_bounds(last)[1]
    query = select(Seat.id, Seat.kind, Seat.created_at).where(Seat.site_id == site.id)
    if seat_id is not None:
        query = query.where(Seat.id == seat_id)
    seats = db.session.execute(query).all()
    hourly: dict[tuple, list] = defaultdict(lambda: [0.0] * len(MEASURES))
    visitors: set[tuple] = set()
    lengths: dict[tuple, int] = defaultdict(int)
    _add_opening(site, seats, day_range(first, last), hourly, now)
    _add_sessions(site, lo, hi, now, hourly, visitors, lengths, seat_id)
    return seats, hourly, visitors, lengths


def rebuild_range(site: Site, first: date, last: date, now: datetime | None = None, *,
                  uniques: bool = True) -> int:
    """Replace the rollups of ``site`` for ``first``..``last``; return rows written.

    Hourly rows are per site (one row per open hour, however many seats);
    daily rows per seat. Also refreshes the month rows and (unless
    ``uniques`` is False, for a caller that does it once at the end) the
    unique-user counts of the periods touched. Flushes only.
    """
    now = now or utcnow()
    lo, hi = local_day_bounds(first)[0], local_day_bounds(last)[1]
    days = day_range(first, last)
    seats, hourly, visitors, lengths = seat_buckets(site, first, last, now)
    daily = _daily_from_hourly(hourly)
    site_hourly: dict[tuple, list] = defaultdict(lambda: [0.0] * len(MEASURES))
    for (_seat, day, hour), values in hourly.items():
        bucket = site_hourly[(day, hour)]
        for i, v in enumerate(values):
            bucket[i] += v
    _add_bookings(site, lo, hi, daily)
    _add_seat_availability(site, seats, days, daily, now)
    network = _network_availability(site, days, now)

    _delete_days(site, first, last)
    written = _insert(HourlyUsage, [
        {"site_id": site.id, "day": day, "hour": hour,
         **{m: round(v[i]) for i, m in enumerate(MEASURES)}}
        for (day, hour), v in site_hourly.items()])
    written += _insert(DailyUsage, [
        {"site_id": site.id, "seat_id": seat, "day": day, **values}
        for (seat, day), values in daily.items()])
    _insert(Visitor, [{"site_id": site.id, "seat_id": seat, "day": day, "visitor": v}
                      for seat, day, v in visitors])
    _insert(SessionLength, [{"site_id": site.id, "day": day, "minutes": m, "count": c}
                            for (day, m), c in lengths.items()])
    _insert(NetworkDaily, [{"site_id": site.id, "day": day, "monitored_seconds": mon,
                            "up_seconds": up} for day, (mon, up) in network.items()])
    refresh_months(site, first, last)
    if uniques:
        refresh_uniques([site.id], first, last)
    db.session.flush()
    return written


def _open_until(site, day, now):
    """Return the UTC opening ranges of ``day`` up to ``now`` (today counts what has passed)."""
    return [(s, min(e, now)) for s, e in open_ranges_on(site, day) if s < now]


def _add_opening(site, seats, days, hourly, now) -> None:
    """Add each seat's open seconds per hour from the opening hours (holidays, exceptions)."""
    for day in days:
        ranges = _open_until(site, day, now)
        for seat_id, _kind, created_at in seats:
            for start, end in ranges:
                start = max(start, created_at) if created_at else start
                for d, h, secs in hour_slices(start, end):
                    hourly[(seat_id, d, h)][0] += secs


def _add_sessions(site, lo, hi, now, hourly, visitors, lengths, seat_id=None) -> None:
    """Add the sessions touching [lo, hi): time split by hour; count, length and user at start."""
    query = (select(UsageSession.seat_id, UsageSession.user_id, UsageSession.kind,
                    UsageSession.started_at, UsageSession.ended_at)
             .where(UsageSession.site_id == site.id, UsageSession.started_at < hi,
                    UsageSession.started_at >= lo - MAX_SESSION))
    if seat_id is not None:
        query = query.where(UsageSession.seat_id == seat_id)
    rows = db.session.execute(query.execution_options(yield_per=20000))
    used, sessions, length = _I["used_seconds"], _I["sessions"], _I["length_seconds"]
    for seat_id, user_id, kind, started, ended in rows:
        end = session_end(started, ended, now)
        if end <= lo:
            continue
        for d, h, secs in hour_slices(max(started, lo), min(end, hi)):
            bucket = hourly[(seat_id, d, h)]
            bucket[used] += secs
            bucket[_KIND_USED[kind]] += secs
        if started >= lo:
            d, h, _secs = next(hour_slices(started, started + timedelta(seconds=1)))
            bucket = hourly[(seat_id, d, h)]
            bucket[sessions] += 1
            bucket[_KIND_SESSIONS[kind]] += 1
            seconds = max((end - started).total_seconds(), 0)
            bucket[length] += seconds
            lengths[(d, round(seconds / 60))] += 1
            if user_id is not None:
                visitors.add((seat_id, d, pseudonym(user_id)))


def _daily_from_hourly(hourly) -> dict[tuple, dict]:
    daily: dict[tuple, dict] = {}
    for (seat, day, _hour), values in hourly.items():
        row = daily.setdefault((seat, day), _blank_day())
        for i, m in enumerate(MEASURES):
            row[m] += round(values[i])
    return daily


def _blank_day():
    return {m: 0 for m in MEASURES} | {"bookings_due": 0, "no_shows": 0,
                                       "monitored_seconds": 0, "up_seconds": 0}


def _add_bookings(site, lo, hi, daily) -> None:
    """Count the bookings that were due (used or released as no-shows) on the day they began."""
    rows = db.session.execute(
        select(Booking.seat_id, Booking.start, Booking.status)
        .where(Booking.site_id == site.id, Booking.start >= lo, Booking.start < hi,
               Booking.status.in_(("checked_in", "completed", "released"))))
    for seat_id, start, status in rows:
        row = daily.setdefault((seat_id, to_local(start).date()), _blank_day())
        row["bookings_due"] += 1
        if status == "released":
            row["no_shows"] += 1


def _add_seat_availability(site, seats, days, daily, now) -> None:
    """Add monitored and up seconds during opening hours for seats fed by heartbeats."""
    since = availability.first_seen("seat", site.id)
    if not since:
        return
    lo, hi = local_day_bounds(days[0])[0], local_day_bounds(days[-1])[1]
    ups = availability.intervals_between("seat", site.id, lo, hi)
    for day in days:
        ranges = _open_until(site, day, now)
        for seat_id, _kind, _created in seats:
            monitored = availability.monitored_ranges(ranges, since.get(seat_id))
            if not monitored:
                continue
            row = daily.setdefault((seat_id, day), _blank_day())
            row["monitored_seconds"] += round(sum((e - s).total_seconds() for s, e in monitored))
            row["up_seconds"] += round(availability.overlap(monitored, ups.get(seat_id, [])))


def _network_availability(site, days, now) -> dict[date, tuple[int, int]]:
    """Return (monitored, up) device-seconds during opening hours per day for the site."""
    since = availability.first_seen("device", site.id)
    if not since:
        return {}
    lo, hi = local_day_bounds(days[0])[0], local_day_bounds(days[-1])[1]
    ups = availability.intervals_between("device", site.id, lo, hi)
    result = {}
    for day in days:
        ranges = _open_until(site, day, now)
        monitored_total = up_total = 0.0
        for device_id, first in since.items():
            monitored = availability.monitored_ranges(ranges, first)
            monitored_total += sum((e - s).total_seconds() for s, e in monitored)
            up_total += availability.overlap(monitored, ups.get(device_id, []))
        if monitored_total:
            result[day] = (round(monitored_total), round(up_total))
    return result


def _delete_days(site, first, last) -> None:
    for model in (HourlyUsage, DailyUsage, Visitor, SessionLength, NetworkDaily):
        db.session.execute(delete(model).where(model.site_id == site.id, model.day >= first,
                                               model.day <= last))


COPY_ABOVE = 2000  # rows; below this a multi-row INSERT is as quick


def _insert(model, rows: list[dict], chunk: int = 5000) -> int:
    """Insert ``rows``: COPY on PostgreSQL for many rows, else multi-row INSERTs (Core).

    Both run in the session's transaction, so a failed rebuild leaves nothing behind.
    """
    if not rows:
        return 0
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and len(rows) > COPY_ABOVE:
        columns = list(rows[0])
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(
                f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return len(rows)
    for i in range(0, len(rows), chunk):
        db.session.execute(model.__table__.insert(), rows[i:i + chunk])
    return len(rows)


def refresh_months(site: Site, first: date, last: date) -> None:
    """Recompute the month rows of ``site`` for the months holding ``first``..``last``."""
    month = month_start(first)
    while month <= last:
        following = next_month(month)
        sums = db.session.execute(
            select(*(func.coalesce(func.sum(getattr(DailyUsage, c)), 0) for c in (
                "open_seconds", "used_seconds", "sessions", "length_seconds",
                "bookings_due", "no_shows")))
            .where(DailyUsage.site_id == site.id, DailyUsage.day >= month,
                   DailyUsage.day < following)).one()
        month_end = local_day_bounds(following)[0]
        counts = dict(db.session.execute(
            select(Seat.kind, func.count(Seat.id))
            .where(Seat.site_id == site.id, Seat.created_at < month_end)
            .group_by(Seat.kind)).all())
        db.session.execute(delete(MonthlySiteUsage).where(MonthlySiteUsage.site_id == site.id,
                                                          MonthlySiteUsage.month == month))
        db.session.add(MonthlySiteUsage(
            site_id=site.id, month=month, pcs=counts.get("pc", 0), kiosks=counts.get("kiosk", 0),
            open_seconds=sums[0], used_seconds=sums[1], sessions=sums[2],
            length_seconds=sums[3], bookings_due=sums[4], no_shows=sums[5]))
        month = following


def refresh_uniques(site_ids: list[int], first: date, last: date) -> None:
    """Recompute unique residents of the sites and of the county for the periods touched."""
    starts = set()
    for period in ("month", "quarter", "year"):
        for day in (first, last):
            starts.add((period, period_start(period, day)))
        month = month_start(first)
        while month <= last:  # every period between first and last too
            starts.add((period, period_start(period, month)))
            month = next_month(month)
    for period, start in sorted(starts):
        end = period_end(period, start)
        for scope in (*site_ids, 0):
            query = select(func.count(distinct(Visitor.visitor))).where(
                Visitor.day >= start, Visitor.day < end)
            if scope:
                query = query.where(Visitor.site_id == scope)
            users = db.session.scalar(query) or 0
            db.session.execute(delete(UniqueUsers).where(
                UniqueUsers.site_id == scope, UniqueUsers.period == period,
                UniqueUsers.start == start))
            db.session.add(UniqueUsers(site_id=scope, period=period, start=start, users=users))
