"""Cutting time ranges into local (Europe/Warsaw) days and wall-clock hours.

Warsaw's offsets are whole hours, so local hour boundaries are UTC hour
boundaries: a range is cut at UTC hours and each piece is labelled with the
local day and hour of its start. That makes the DST days come out right by
construction — 2026-03-29 has no hour 2 (23 hours), 2026-10-25 has hour 2
twice (25 hours, both pieces labelled 2) — and a session across midnight is
split between the two local days.
"""
from datetime import date, datetime, timedelta
from functools import lru_cache

from telecentre.common.time import WARSAW

HOUR = timedelta(hours=1)


def hour_slices(start: datetime, end: datetime):
    """Yield (local day, local hour, seconds) for the pieces of [start, end) in UTC hours."""
    # Epoch seconds and a cache of hour labels: this runs for every session in a rebuild.
    t, stop = start.timestamp(), end.timestamp()
    while t < stop:
        hour = int(t // 3600)
        boundary = (hour + 1) * 3600
        piece_end = boundary if boundary < stop else stop
        day, local_hour = _label(hour)
        yield day, local_hour, piece_end - t
        t = piece_end


@lru_cache(maxsize=100_000)
def _label(epoch_hour: int) -> tuple[date, int]:
    """Return the local day and hour of the UTC hour ``epoch_hour`` (hours since 1970)."""
    local = datetime.fromtimestamp(epoch_hour * 3600, WARSAW)
    return local.date(), local.hour


def local_days(start: datetime, end: datetime) -> list[date]:
    """Return the local days that [start, end] touches (at least the start's day)."""
    first = start.astimezone(WARSAW).date()
    last = max(end, start).astimezone(WARSAW).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def day_range(first: date, last: date) -> list[date]:
    """Return every day from ``first`` to ``last`` inclusive."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def runs(days) -> list[tuple[date, date]]:
    """Group days into (first, last) runs of consecutive days."""
    result: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if result and (day - result[-1][1]).days == 1:
            result[-1] = (result[-1][0], day)
        else:
            result.append((day, day))
    return result


def month_start(day: date) -> date:
    """Return the first day of the month of ``day``."""
    return day.replace(day=1)


def quarter_start(day: date) -> date:
    """Return the first day of the quarter of ``day``."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_month(day: date) -> date:
    """Return the first day of the month after the month of ``day``."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def period_end(period: str, start: date) -> date:
    """Return the first day after the month/quarter/year that begins on ``start``."""
    if period == "month":
        return next_month(start)
    if period == "quarter":
        return next_month(next_month(next_month(start)))
    return date(start.year + 1, 1, 1)


def period_start(period: str, day: date) -> date:
    """Return the first day of the month/quarter/year holding ``day``."""
    if period == "month":
        return month_start(day)
    if period == "quarter":
        return quarter_start(day)
    return date(day.year, 1, 1)
