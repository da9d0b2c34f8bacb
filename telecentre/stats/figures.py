"""The figures on the statistics pages, read from the rollups only (never raw sessions).

A scope is a list of site ids (one site, or every site for the county) and
optionally one seat; a period is ``first``..``last`` local days. Ratios are
None when their denominator is zero, so pages show "–" instead of a made-up 0.
"""
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import distinct, func, select

from telecentre.extensions import db
from telecentre.stats.models import (KINDS, DailyUsage, HourlyUsage, MonthlySiteUsage,
                                     NetworkDaily, SessionLength, UniqueUsers, Visitor)
from telecentre.stats.split import next_month


def ratio(part, whole):
    """Return part / whole, or None when whole is zero."""
    return part / whole if whole else None


def growth(now, before):
    """Return the relative change from ``before`` to ``now``, or None without a base."""
    return (now - before) / before if before else None


def median_from_counts(counts: list[tuple[int, int]]):
    """Return the median of values given as (value, how many), or None when empty."""
    counts = sorted(counts)
    total = sum(c for _v, c in counts)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # 0-based positions of the middle value(s)
    found, seen = [], 0
    for value, count in counts:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return sum(found) / len(found)


def _daily_filter(query, site_ids, first, last, seat_id=None):
    query = query.where(DailyUsage.site_id.in_(site_ids), DailyUsage.day >= first,
                        DailyUsage.day <= last)
    return query.where(DailyUsage.seat_id == seat_id) if seat_id else query


def unique_users(site_ids, first: date, last: date, seat_id=None, *, county=False) -> int:
    """Return the unique residents in the period: the stored count for a whole month,
    quarter or year, otherwise counted from the pseudonymous visitors."""
    if seat_id is None:
        period = _whole_period(first, last)
        scope = 0 if county else (site_ids[0] if len(site_ids) == 1 else None)
        if period and scope is not None:
            stored = db.session.scalar(select(UniqueUsers.users).where(
                UniqueUsers.site_id == scope, UniqueUsers.period == period,
                UniqueUsers.start == first))
            if stored is not None:
                return stored
    query = select(func.count(distinct(Visitor.visitor))).where(
        Visitor.site_id.in_(site_ids), Visitor.day >= first, Visitor.day <= last)
    if seat_id:
        query = query.where(Visitor.seat_id == seat_id)
    return db.session.scalar(query) or 0


def _whole_period(first: date, last: date) -> str | None:
    if first.day != 1:
        return None
    end = last + timedelta(days=1)
    if end == next_month(first):
        return "month"
    if first.month in (1, 4, 7, 10) and end == next_month(next_month(next_month(first))):
        return "quarter"
    if first.month == 1 and end == date(first.year + 1, 1, 1):
        return "year"
    return None


def summary(site_ids, first: date, last: date, seat_id=None, *, county=False) -> dict:
    """Return every headline figure of the scope and period."""
    cols = ["open_seconds", "used_seconds", "sessions", "length_seconds", "bookings_due",
            "no_shows", "monitored_seconds", "up_seconds",
            *(f"sessions_{k}" for k in KINDS), *(f"used_{k}" for k in KINDS)]
    row = db.session.execute(_daily_filter(
        select(*(func.coalesce(func.sum(getattr(DailyUsage, c)), 0) for c in cols)),
        site_ids, first, last, seat_id)).one()
    v = dict(zip(cols, (int(x) for x in row), strict=True))
    if seat_id:
        lengths = _seat_lengths(seat_id, first, last)
    else:
        lengths = db.session.execute(
            select(SessionLength.minutes, func.sum(SessionLength.count))
            .where(SessionLength.site_id.in_(site_ids), SessionLength.day >= first,
                   SessionLength.day <= last).group_by(SessionLength.minutes)).all()
    net = db.session.execute(
        select(func.coalesce(func.sum(NetworkDaily.monitored_seconds), 0),
               func.coalesce(func.sum(NetworkDaily.up_seconds), 0))
        .where(NetworkDaily.site_id.in_(site_ids), NetworkDaily.day >= first,
               NetworkDaily.day <= last)).one() if not seat_id else (0, 0)
    return {
        "sessions": v["sessions"],
        "unique_users": unique_users(site_ids, first, last, seat_id, county=county),
        "hours_used": v["used_seconds"] / 3600,
        "hours_open": v["open_seconds"] / 3600,
        "occupancy": ratio(v["used_seconds"], v["open_seconds"]),
        "bookings_due": v["bookings_due"], "no_shows": v["no_shows"],
        "no_show_rate": ratio(v["no_shows"], v["bookings_due"]),
        "average_minutes": ratio(v["length_seconds"] / 60, v["sessions"]),
        "median_minutes": median_from_counts([(int(m), int(c)) for m, c in lengths]),
        "share": {k: ratio(v[f"sessions_{k}"], v["sessions"]) for k in KINDS},
        "hours_share": {k: ratio(v[f"used_{k}"], v["used_seconds"]) for k in KINDS},
        "seat_availability": ratio(v["up_seconds"], v["monitored_seconds"]),
        "network_availability": ratio(int(net[1]), int(net[0])),
    }


def _seat_lengths(seat_id, first, last):
    """Session lengths of one seat, from raw sessions (the histogram is kept per site)."""
    from telecentre.common.time import local_day_bounds
    from telecentre.sessions.models import UsageSession
    lo, hi = local_day_bounds(first)[0], local_day_bounds(last)[1]
    rows = db.session.execute(select(UsageSession.started_at, UsageSession.ended_at).where(
        UsageSession.seat_id == seat_id, UsageSession.started_at >= lo,
        UsageSession.started_at < hi, UsageSession.ended_at.is_not(None))).all()
    counts: dict[int, int] = defaultdict(int)
    for start, end in rows:
        counts[round((end - start).total_seconds() / 60)] += 1
    return list(counts.items())


def by_month(site_ids, year: int, *, county=False) -> list[dict]:
    """Return the twelve months of ``year``: sessions, users, hours, occupancy, no-shows."""
    rows = {m: r for m, *r in db.session.execute(
        select(MonthlySiteUsage.month, func.sum(MonthlySiteUsage.sessions),
               func.sum(MonthlySiteUsage.used_seconds), func.sum(MonthlySiteUsage.open_seconds),
               func.sum(MonthlySiteUsage.no_shows), func.sum(MonthlySiteUsage.bookings_due))
        .where(MonthlySiteUsage.site_id.in_(site_ids), MonthlySiteUsage.month >= date(year, 1, 1),
               MonthlySiteUsage.month < date(year + 1, 1, 1))
        .group_by(MonthlySiteUsage.month))}
    scope = 0 if county else (site_ids[0] if len(site_ids) == 1 else None)
    users = dict(db.session.execute(select(UniqueUsers.start, UniqueUsers.users).where(
        UniqueUsers.site_id == scope, UniqueUsers.period == "month",
        UniqueUsers.start >= date(year, 1, 1), UniqueUsers.start < date(year + 1, 1, 1))).all())
    result = []
    for month in range(1, 13):
        start = date(year, month, 1)
        sessions, used, open_, no_shows, due = (int(x or 0) for x in rows.get(start, [0] * 5))
        result.append({"month": start, "sessions": sessions, "unique_users": users.get(start, 0),
                       "hours_used": used / 3600, "hours_open": open_ / 3600,
                       "occupancy": ratio(used, open_), "no_show_rate": ratio(no_shows, due)})
    return result


def by_day(site_ids, first: date, last: date, seat_id=None) -> list[dict]:
    """Return each day of the period: sessions, users, hours used and open, occupancy."""
    rows = {d: r for d, *r in db.session.execute(_daily_filter(
        select(DailyUsage.day, func.sum(DailyUsage.sessions), func.sum(DailyUsage.used_seconds),
               func.sum(DailyUsage.open_seconds)), site_ids, first, last, seat_id)
        .group_by(DailyUsage.day))}
    visitors = select(Visitor.day, func.count(distinct(Visitor.visitor))).where(
        Visitor.site_id.in_(site_ids), Visitor.day >= first, Visitor.day <= last)
    if seat_id:
        visitors = visitors.where(Visitor.seat_id == seat_id)
    users = dict(db.session.execute(visitors.group_by(Visitor.day)).all())
    result = []
    day = first
    while day <= last:
        sessions, used, open_ = (int(x or 0) for x in rows.get(day, [0, 0, 0]))
        result.append({"day": day, "sessions": sessions, "unique_users": users.get(day, 0),
                       "hours_used": used / 3600, "hours_open": open_ / 3600,
                       "occupancy": ratio(used, open_)})
        day += timedelta(days=1)
    return result


def _hourly(site_ids, first, last, seat_id=None):
    """Return (day, hour, sessions, used, open) rows: from the site rollup, or for one seat
    computed from its raw sessions and the opening hours (one seat is a small read)."""
    if seat_id:
        from telecentre.common.time import utcnow
        from telecentre.sites.models import Site
        from telecentre.stats.rollup import MEASURES, seat_buckets
        site = db.session.get(Site, site_ids[0])
        _seats, buckets, _v, _l = seat_buckets(site, first, last, utcnow(), seat_id)
        i_s, i_u, i_o = (MEASURES.index(m) for m in ("sessions", "used_seconds",
                                                     "open_seconds"))
        return [(day, hour, round(v[i_s]), round(v[i_u]), round(v[i_o]))
                for (_seat, day, hour), v in buckets.items()]
    query = select(HourlyUsage.day, HourlyUsage.hour, func.sum(HourlyUsage.sessions),
                   func.sum(HourlyUsage.used_seconds), func.sum(HourlyUsage.open_seconds)).where(
        HourlyUsage.site_id.in_(site_ids), HourlyUsage.day >= first, HourlyUsage.day <= last)
    return db.session.execute(query.group_by(HourlyUsage.day, HourlyUsage.hour)).all()


def by_hour(site_ids, first: date, last: date, seat_id=None) -> list[dict]:
    """Return the 24 hours of the day over the period: sessions, hours used, occupancy."""
    sums = defaultdict(lambda: [0, 0, 0])
    for _day, hour, sessions, used, open_ in _hourly(site_ids, first, last, seat_id):
        bucket = sums[hour]
        bucket[0] += int(sessions)
        bucket[1] += int(used)
        bucket[2] += int(open_)
    return [{"hour": h, "sessions": sums[h][0], "hours_used": sums[h][1] / 3600,
             "hours_open": sums[h][2] / 3600, "occupancy": ratio(sums[h][1], sums[h][2])}
            for h in range(24)]


def heatmap(site_ids, first: date, last: date, seat_id=None) -> dict:
    """Return occupancy by weekday (0 = Monday) × hour, and the hours worth showing."""
    sums = defaultdict(lambda: [0, 0, 0])
    for day, hour, sessions, used, open_ in _hourly(site_ids, first, last, seat_id):
        bucket = sums[(day.weekday(), hour)]
        bucket[0] += int(sessions)
        bucket[1] += int(used)
        bucket[2] += int(open_)
    hours = sorted({h for (_w, h), v in sums.items() if v[1] or v[2]})
    cells = {key: {"sessions": v[0], "hours_used": v[1] / 3600, "occupancy": ratio(v[1], v[2])}
             for key, v in sums.items()}
    return {"hours": hours or list(range(8, 16)), "cells": cells}


def by_seat(site_id: int, first: date, last: date) -> list[dict]:
    """Return each seat of the site: sessions, users, hours, occupancy, availability."""
    from telecentre.seats.models import Seat
    seats = db.session.execute(select(Seat.id, Seat.name, Seat.kind).where(
        Seat.site_id == site_id).order_by(Seat.kind, Seat.name)).all()
    rows = {s: r for s, *r in db.session.execute(_daily_filter(
        select(DailyUsage.seat_id, func.sum(DailyUsage.sessions),
               func.sum(DailyUsage.used_seconds), func.sum(DailyUsage.open_seconds),
               func.sum(DailyUsage.up_seconds), func.sum(DailyUsage.monitored_seconds),
               func.sum(DailyUsage.length_seconds)),
        [site_id], first, last).group_by(DailyUsage.seat_id))}
    users = dict(db.session.execute(
        select(Visitor.seat_id, func.count(distinct(Visitor.visitor)))
        .where(Visitor.site_id == site_id, Visitor.day >= first, Visitor.day <= last)
        .group_by(Visitor.seat_id)).all())
    result = []
    for seat_id, name, kind in seats:
        sessions, used, open_, up, monitored, length = (
            int(x or 0) for x in rows.get(seat_id, [0] * 6))
        result.append({"id": seat_id, "name": name, "kind": kind, "sessions": sessions,
                       "unique_users": users.get(seat_id, 0), "hours_used": used / 3600,
                       "hours_open": open_ / 3600, "occupancy": ratio(used, open_),
                       "availability": ratio(up, monitored),
                       "average_minutes": ratio(length / 60, sessions)})
    return result


def growth_figures(site_ids, year: int, month: int | None, *, county=False) -> dict:
    """Return month-on-month and year-on-year change of sessions, hours used and users.

    With a month: that month against the month before and the same month a
    year before. Without: the year against the year before (month on month
    is then the last month with data against the one before it).
    """
    def totals(first, last):
        s = summary(site_ids, first, last, county=county)
        return {"sessions": s["sessions"], "hours_used": s["hours_used"],
                "unique_users": s["unique_users"]}

    if month:
        first = date(year, month, 1)
        prev = date(year - (month == 1), (month - 2) % 12 + 1, 1)
        current = totals(first, next_month(first) - timedelta(days=1))
        mom_base = totals(prev, first - timedelta(days=1))
        yoy_first = date(year - 1, month, 1)
        yoy_base = totals(yoy_first, next_month(yoy_first) - timedelta(days=1))
    else:
        current = totals(date(year, 1, 1), date(year, 12, 31))
        yoy_base = totals(date(year - 1, 1, 1), date(year - 1, 12, 31))
        months = [m for m in by_month(site_ids, year, county=county) if m["sessions"]]
        if len(months) >= 2:
            last_m, prev_m = months[-1], months[-2]
        else:
            last_m = prev_m = None
        mom = {k: growth(last_m[k], prev_m[k]) if last_m else None
               for k in ("sessions", "hours_used", "unique_users")}
        return {"current": current, "month_on_month": mom,
                "year_on_year": {k: growth(current[k], yoy_base[k]) for k in current},
                "mom_month": last_m["month"] if last_m else None}
    return {"current": current,
            "month_on_month": {k: growth(current[k], mom_base[k]) for k in current},
            "year_on_year": {k: growth(current[k], yoy_base[k]) for k in current},
            "mom_month": first}
