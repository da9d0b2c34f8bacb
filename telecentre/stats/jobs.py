"""Scheduler jobs of the statistics: the incremental rollup, the nightly check, retention."""
from telecentre.jobs import job


@job("stats.rollup", "interval", minutes=10)
def rollup_job():
    """Rebuild the rollups of the days whose sessions, bookings or hours changed."""
    from telecentre.stats.incremental import run_rollup
    return run_rollup()


@job("stats.nightly", "cron", hour=2, minute=30)
def nightly_job():
    """Rebuild the last seven days, catching changes made in place (corrected ends, hours)."""
    from telecentre.stats.incremental import run_rollup
    return run_rollup(recheck_days=7)


@job("stats.retention", "cron", hour=3, minute=15)
def retention_job():
    """Pseudonymise usage older than RETENTION_DAYS (after bringing the rollups up to date)."""
    from telecentre.stats.privacy import apply_retention
    return apply_retention()
