"""Keeping the rollups current: find the days that changed and rebuild only those.

A run marks dirty: the days of sessions added since the last run (by id),
of sessions that were running at the last run (they may have ended), the
days other features asked for with ``mark_dirty``, and today and yesterday
of every site (opening hours, bookings released as no-shows, availability).
Days before the retention horizon are never rebuilt: their raw records are
pseudonymised, and the rollups are what is kept of them.
"""
from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, text

from telecentre.common.db import serialized
from telecentre.common.time import local_today, utcnow
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site
from telecentre.stats.models import DirtyDay, RollupState
from telecentre.stats.rollup import MAX_SESSION, rebuild_range, refresh_uniques
from telecentre.stats.split import local_days, runs


def retention_horizon(now: datetime | None = None) -> date:
    """Return the first local day whose raw usage is still kept whole."""
    days = int(current_app.config["RETENTION_DAYS"])
    if current_app.config["SESSION_LOG_ENABLED"]:  # the session log reaches further back
        days = max(days, int(current_app.config["SESSION_LOG_DAYS"]))
    return local_today(now) - timedelta(days=days)


def mark_dirty(site_id: int, start: datetime, end: datetime | None = None) -> None:
    """Ask the next rollup run to rebuild the site's days that [start, end] touches.

    For features that change history in place (a corrected session end, a
    seat's opening hours changed after the fact). Flushes.
    """
    existing = set(db.session.scalars(select(DirtyDay.day).where(DirtyDay.site_id == site_id)))
    for day in local_days(start, end or start):
        if day not in existing:
            db.session.add(DirtyDay(site_id=site_id, day=day))
    db.session.flush()


def _state() -> RollupState:
    state = db.session.scalar(select(RollupState).order_by(RollupState.id).limit(1))
    if state is None:
        state = RollupState(last_session_id=0, open_session_ids="")
        db.session.add(state)
    return state


def _session_days(rows, now, dirty) -> None:
    for site_id, started, ended in rows:
        end = min(ended or now, started + MAX_SESSION)
        for day in local_days(started, end):
            dirty[site_id].add(day)


ROLLUP_LOCK = 0x5354415453  # "STATS": one rollup writer at a time on PostgreSQL


def _one_writer() -> None:
    """Make concurrent rollup runs (the 10-minute job, retention, nightly) take turns.

    PostgreSQL: a transaction-level advisory lock. SQLite: take the write lock
    up front (``BEGIN IMMEDIATE``), which needs a transaction with nothing
    written yet — true at the start of a job.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ROLLUP_LOCK})
    else:
        serialized(db.session)


def run_rollup(now: datetime | None = None, recheck_days: int = 0) -> dict:
    """Rebuild the rollups of every day that changed; return counts for the log. Flushes.

    ``recheck_days`` also rebuilds that many past days of every site (the
    nightly run), catching changes made in place that nobody marked.
    """
    now = now or utcnow()
    _one_writer()
    state = _state()
    dirty: dict[int, set[date]] = defaultdict(set)
    cols = (UsageSession.site_id, UsageSession.started_at, UsageSession.ended_at)
    new = db.session.execute(select(UsageSession.id, *cols)
                             .where(UsageSession.id > state.last_session_id)).all()
    _session_days([r[1:] for r in new], now, dirty)
    was_open = [int(i) for i in state.open_session_ids.split(",") if i]
    for chunk in range(0, len(was_open), 500):
        ids = was_open[chunk:chunk + 500]
        _session_days(db.session.execute(select(*cols).where(UsageSession.id.in_(ids))).all(),
                      now, dirty)
    for site_id, day in db.session.execute(select(DirtyDay.site_id, DirtyDay.day)).all():
        dirty[site_id].add(day)
    today = local_today(now)
    sites = {s.id: s for s in db.session.scalars(select(Site))}
    for site in sites.values():
        if site.active:
            dirty[site.id].update(today - timedelta(days=i)
                                  for i in range(max(2, recheck_days + 1)))
    horizon = retention_horizon(now)
    rebuilt = 0
    for site_id, days in dirty.items():
        site = sites.get(site_id)
        kept = [d for d in days if horizon <= d <= today]
        if site is None:
            continue
        for first, last in runs(kept):
            rebuild_range(site, first, last, now)
            rebuilt += (last - first).days + 1
    db.session.execute(delete(DirtyDay))
    state.last_session_id = max([r[0] for r in new], default=state.last_session_id)
    open_now = db.session.scalars(select(UsageSession.id).where(
        UsageSession.ended_at.is_(None), UsageSession.started_at > now - MAX_SESSION)).all()
    state.open_session_ids = ",".join(str(i) for i in open_now)
    state.ran_at = now
    db.session.flush()
    return {"new_sessions": len(new), "days_rebuilt": rebuilt}


def rebuild_all(first: date | None = None, last: date | None = None,
                now: datetime | None = None) -> int:
    """Rebuild every site's rollups from ``first`` (default: the retention horizon) to ``last``.

    Returns the number of site-days rebuilt. Flushes. For ``telecentre stats
    rebuild`` and the demo; days before the horizon are left as they are.
    """
    now = now or utcnow()
    last = last or local_today(now)
    first = max(first or retention_horizon(now), retention_horizon(now))
    count = 0
    sites = list(db.session.scalars(select(Site)))
    for site in sites:
        # Month by month keeps memory bounded on a large history.
        start = first
        while start <= last:
            end = min(last, (start.replace(day=28) + timedelta(days=4)).replace(day=1)
                      - timedelta(days=1))
            rebuild_range(site, start, end, now, uniques=False)
            count += (end - start).days + 1
            start = end + timedelta(days=1)
    refresh_uniques([s.id for s in sites], first, last)
    state = _state()
    state.last_session_id = db.session.scalar(
        select(UsageSession.id).order_by(UsageSession.id.desc()).limit(1)) or 0
    state.open_session_ids = ",".join(str(i) for i in db.session.scalars(
        select(UsageSession.id).where(UsageSession.ended_at.is_(None),
                                      UsageSession.started_at > now - MAX_SESSION)))
    state.ran_at = now
    db.session.flush()
    return count
