"""Benchmark: the yearly indicators report from the rollups against plain SQL over raw sessions.

Seeds one year (2025) of one million usage sessions on PostgreSQL in its own
database (COPY), builds the rollups with the real rebuild code, then times

- the indicators report as the pages and exports produce it
  (``telecentre.stats.indicators.indicators``: month rows + stored unique counts), and
- the plain aggregate SQL it replaces: sessions, unique users and hours used
  per site and county by month, quarter and year, straight from
  ``usage_sessions`` (GROUPING SETS, COUNT DISTINCT) — and that query still
  lacks hours available, which need the opening hours day by day.

"Cold" is the first run of each on a new connection (fresh backend: empty
catalogue and plan caches); PostgreSQL's shared buffers and the OS page
cache are not dropped (that needs a server restart on a shared machine).
"Warm" is the median of five further runs. Prints times and their ratio.

    /work/venv/bin/python bench/stats_report.py [--sessions 1000000] [--keep]
"""
import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB", "stats_bench")
YEAR = 2025
SEATS_PER_SITE = 22  # PCs; plus one kiosk per site
RESIDENTS = 20_000
UTC = timezone.utc

PLAIN_SQL = """
WITH s AS (
  SELECT site_id, user_id,
         (started_at AT TIME ZONE 'Europe/Warsaw') AS local_start,
         EXTRACT(EPOCH FROM (ended_at - started_at)) AS seconds
  FROM usage_sessions
  WHERE started_at >= (TIMESTAMP '2025-01-01 00:00' AT TIME ZONE 'Europe/Warsaw')
    AND started_at <  (TIMESTAMP '2026-01-01 00:00' AT TIME ZONE 'Europe/Warsaw')
    AND ended_at IS NOT NULL
)
SELECT site_id, date_trunc('month', local_start) AS month,
       date_trunc('quarter', local_start) AS quarter,
       COUNT(*) AS sessions, COUNT(DISTINCT user_id) AS unique_users,
       SUM(seconds) / 3600.0 AS hours_used
FROM s
GROUP BY GROUPING SETS ((site_id, month), (site_id, quarter), (site_id), (month), (quarter), ())
"""


def log(message: str) -> None:
    print(message, flush=True)


def fresh_database() -> str:
    """Drop and create the benchmark database; return its URL."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME


def _copy(conn, table: str, columns: str, lines) -> None:
    cur = conn.cursor()
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for i, line in enumerate(lines, 1):
            buffer.write(line)
            if i % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    conn.commit()


def seed(app, total: int) -> None:
    """Sites open mon–sat 08:00–20:00, seats, residents and ``total`` sessions of 2025."""
    from telecentre.extensions import db
    from telecentre.sites.services import intervals_on, list_sites, seed_sites, set_hours
    from telecentre.common.time import local_minute_to_utc
    seed_sites()
    sites = list_sites()
    for site in sites:
        set_hours(None, site, ["mon-sat 08:00-20:00"])
    db.session.commit()
    raw = db.engine.raw_connection()
    since = "2024-12-01 00:00:00+00"
    _copy(raw, "seats", "site_id, name, kind, bookable, accessible, in_service, "
          "out_of_service_reason, created_at",
          (f"{s.id}\t{'PC' if i < SEATS_PER_SITE else 'Infomat'}-{i:02d}\t"
           f"{'pc' if i < SEATS_PER_SITE else 'kiosk'}\tt\tf\tt\t\t{since}\n"
           for s in sites for i in range(SEATS_PER_SITE + 1)))
    _copy(raw, "users", "login, display_name, role, active, created_at",
          (f"bench-{i}\tBench {i}\tresident\tt\t{since}\n" for i in range(RESIDENTS)))
    cur = raw.cursor()
    cur.execute("SELECT id, site_id, kind FROM seats")
    seats = cur.fetchall()
    cur.execute("SELECT min(id), max(id) FROM users WHERE role = 'resident'")
    low, high = cur.fetchone()
    days = [date(YEAR, 1, 1) + timedelta(days=i) for i in range(365)]
    by_site = {s.id: s for s in sites}
    open_days = {s.id: [(d, intervals_on(s, d)) for d in days] for s in sites}
    open_seat_days = sum(1 for _seat, site_id, _k in seats
                         for _d, ranges in open_days[site_id] if ranges)
    # Average cycle (length + gap) chosen so that the seats hold ``total`` sessions.
    per_seat_day = total / open_seat_days
    cycle = 720 / per_seat_day
    rng = random.Random(8)
    stamp = {}

    def ts(day, minute):
        key = (day, minute)
        if key not in stamp:
            stamp[key] = local_minute_to_utc(day, minute).strftime("%Y-%m-%d %H:%M:%S+00")
        return stamp[key]

    def lines():
        count = 0
        for seat_id, site_id, kind in seats:
            for day, ranges in open_days[site_id]:
                for open_min, close_min in ranges:
                    t = open_min + rng.randint(0, 10)
                    while t < close_min - 5 and count < total:
                        length = max(3, int(rng.uniform(0.5, 1.3) * cycle * 0.8))
                        end = min(t + length, close_min)
                        if kind == "kiosk":
                            user, session_kind = "\\N", "kiosk"
                        else:
                            roll = rng.random()
                            session_kind = "booked" if roll < 0.45 else "walk_in" \
                                if roll < 0.8 else "guest"
                            user = "\\N" if session_kind == "guest" else \
                                str(rng.randint(low, high))
                        count += 1
                        yield (f"{site_id}\t{seat_id}\t{user}\t{session_kind}\t{ts(day, t)}\t"
                               f"{ts(day, end)}\t60\n")
                        t = end + max(0, int(rng.uniform(0, 0.4) * cycle))
        log(f"  generated {count:,} sessions")

    # Load first, index afterwards (as a bulk import would): much faster than
    # maintaining four indexes row by row. The same indexes exist when timed.
    cur.execute("SELECT indexdef, indexname FROM pg_indexes WHERE tablename = 'usage_sessions' "
                "AND indexname NOT LIKE 'pk_%'")
    indexes = cur.fetchall()
    constraints = []
    for _def, name in indexes:
        cur.execute("SELECT conname FROM pg_constraint WHERE conname = %s", (name,))
        if cur.fetchone():
            constraints.append(name)
            cur.execute(f"ALTER TABLE usage_sessions DROP CONSTRAINT {name}")
        else:
            cur.execute(f"DROP INDEX {name}")
    raw.commit()
    _copy(raw, "usage_sessions",
          "site_id, seat_id, user_id, kind, started_at, ended_at, minutes_granted", lines())
    for definition, name in indexes:
        if name in constraints:
            column = definition.rsplit("(", 1)[1].rstrip(")")
            cur.execute(f"ALTER TABLE usage_sessions ADD CONSTRAINT {name} UNIQUE ({column})")
        else:
            cur.execute(definition)
    raw.commit()
    cur.execute("ANALYZE")
    raw.commit()
    raw.close()
    del by_site


def timed(func, repeat: int = 5) -> tuple[float, float]:
    """Return (first run, median of ``repeat`` further runs) in seconds."""
    started = time.perf_counter()
    func()
    cold = time.perf_counter() - started
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        runs.append(time.perf_counter() - started)
    return cold, statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    begun = time.perf_counter()
    url = fresh_database()
    from flask_migrate import upgrade

    from telecentre import create_app
    from telecentre.extensions import db
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SECURE_COOKIES": False,
                      "PSEUDONYM_KEY": "bench-key"})
    logging_off()
    with app.app_context():
        upgrade()
        step = time.perf_counter()
        seed(app, args.sessions)
        log(f"seeded {args.sessions:,} sessions in {time.perf_counter() - step:.1f} s")
        from telecentre.stats.incremental import rebuild_all
        step = time.perf_counter()
        rebuild_all(date(YEAR, 1, 1), date(YEAR, 12, 31),
                    now=datetime(YEAR + 1, 1, 15, tzinfo=UTC))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        counts = {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in (
            "usage_sessions", "stats_hourly", "stats_daily", "stats_monthly", "stats_uniques")}
        log(f"rollups built in {time.perf_counter() - step:.1f} s: " + ", ".join(
            f"{t} {n:,}" for t, n in counts.items()))
        db.session.remove()
        db.engine.dispose()  # the timed runs start on new connections

    def report():
        from telecentre.stats.indicators import indicators
        result = indicators(YEAR)
        db.session.rollback()
        return result

    def plain():
        return db.session.execute(text(PLAIN_SQL)).all()

    with app.app_context():
        report_cold, report_warm = timed(report)
        rows = report()
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        plain_cold, plain_warm = timed(plain)
        raw_rows = plain()
        db.session.remove()
        db.engine.dispose()
    year_total = [r for r in rows["year"] if r["site"] is None][0]
    raw_total = [r for r in raw_rows if r.site_id is None and r.month is None
                 and r.quarter is None][0]
    log(f"check: report {year_total['sessions']:,} sessions / {year_total['unique_users']:,} "
        f"users; raw SQL {raw_total.sessions:,} / {raw_total.unique_users:,}")
    log("")
    log(f"{'yearly indicators report':40} {'cold':>10} {'warm':>10}")
    log(f"{'from rollups (indicators())':40} {report_cold * 1000:9.1f}ms "
        f"{report_warm * 1000:9.1f}ms")
    log(f"{'plain SQL over raw sessions':40} {plain_cold * 1000:9.1f}ms "
        f"{plain_warm * 1000:9.1f}ms")
    log(f"{'ratio (raw / rollups)':40} {plain_cold / report_cold:9.1f}x "
        f"{plain_warm / report_warm:9.1f}x")
    log(f"\ntotal benchmark time {time.perf_counter() - begun:.1f} s")
    if not args.keep:
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        admin.dispose()


def logging_off() -> None:
    """Keep the benchmark's output to its own lines."""
    import logging
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


if __name__ == "__main__":
    main()
