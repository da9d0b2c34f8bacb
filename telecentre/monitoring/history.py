"""History: hourly rollups of raw samples, retention, and series for graphs."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.monitoring.models import HourlySample, Sample

RAW_DAYS = 7
HOURLY_DAYS = 400


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def rollup(until: datetime | None = None, lookback_hours: int = 48) -> int:
    """Summarise every complete hour before ``until`` not yet rolled up; return rows added.

    Each metric becomes ``[avg, min, max]``.  An hour is rolled up for all
    devices in one go, so an hour with any rollup row is done: the job can run
    as often as it likes, reads only the hours still to do (one at a time, to
    bound memory), and catches up after a pause of up to ``lookback_hours``.
    """
    end = _hour(until or utcnow())
    start = end - timedelta(hours=lookback_hours)
    done = set(db.session.scalars(select(HourlySample.hour).distinct()
                                  .where(HourlySample.hour >= start)))
    added = 0
    hour = start
    while hour < end:
        if hour not in done:
            added += _rollup_hour(hour)
        hour += timedelta(hours=1)
    db.session.flush()
    return added


def _rollup_hour(hour: datetime) -> int:
    buckets: dict[int, list[dict]] = defaultdict(list)
    for device_id, values in db.session.execute(
            select(Sample.device_id, Sample.values)
            .where(Sample.at >= hour, Sample.at < hour + timedelta(hours=1))):
        buckets[device_id].append(values)
    for device_id, rows in buckets.items():
        summary: dict[str, list[float]] = {}
        for metric in {m for row in rows for m in row}:
            series = [row[metric] for row in rows if row.get(metric) is not None]
            if series:
                summary[metric] = [round(sum(series) / len(series), 3), min(series), max(series)]
        db.session.add(HourlySample(device_id=device_id, hour=hour, count=len(rows),
                                    values=summary))
    return len(buckets)


def purge(now: datetime | None = None, raw_days: int = RAW_DAYS,
          hourly_days: int = HOURLY_DAYS) -> tuple[int, int]:
    """Delete raw samples older than ``raw_days`` and rollups older than ``hourly_days``."""
    now = now or utcnow()
    raw = db.session.execute(delete(Sample).where(Sample.at < now - timedelta(days=raw_days)))
    hourly = db.session.execute(delete(HourlySample).where(
        HourlySample.hour < now - timedelta(days=hourly_days)))
    return raw.rowcount, hourly.rowcount


def series(device_id: int, metric: str, since: datetime,
           now: datetime | None = None) -> list[tuple[datetime, float]]:
    """(time, value) points of ``metric``: raw samples for the last two days, hourly
    averages before that."""
    now = now or utcnow()
    raw_from = max(since, now - timedelta(days=2))
    points = []
    if since < raw_from:
        for hour, values in db.session.execute(
                select(HourlySample.hour, HourlySample.values)
                .where(HourlySample.device_id == device_id, HourlySample.hour >= since,
                       HourlySample.hour < raw_from).order_by(HourlySample.hour)):
            if metric in values:
                points.append((hour, values[metric][0]))
    for at, values in db.session.execute(
            select(Sample.at, Sample.values)
            .where(Sample.device_id == device_id, Sample.at >= raw_from).order_by(Sample.at)):
        if values.get(metric) is not None:
            points.append((at, values[metric]))
    return points
