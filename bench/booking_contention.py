"""Benchmark: bookings per second under contention, against a real multi-worker server.

Starts ``telecentre serve --workers N`` on a loopback port (19100–19199) over a
fresh database (a temporary SQLite file, or ``--database-url`` for
PostgreSQL, reset with ``--reset``), seeds it through the app, then runs two
phases with the same number of client threads:

1. a trivial endpoint (``GET /healthz``, no database) for ``--seconds``;
2. ``POST /api/v1/bookings`` where every seat and slot is asked for by about
   ``--contention`` clients, so most requests collide.

It prints bookings/s, conflicts/s, the median latencies and their ratio, and
checks that the database holds no double booking.

    /work/venv/bin/python bench/booking_contention.py --seconds 10 --clients 16
"""
import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare(url: str, reset: bool, clients: int, seats: int):
    """Migrate and seed the database through the app; return (seat ids, tokens)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from telecentre import create_app
    from telecentre.auth.services import create_user, issue_token
    from telecentre.extensions import db
    from telecentre.seats.services import add_seat
    from telecentre.sites.services import get_site, seed_sites, set_hours

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "SECURE_COOKIES": False})
    with app.app_context():
        if reset and db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        seed_sites()
        site = get_site("cycow")
        set_hours(None, site, ["mon-sun 00:00-24:00"])
        # The bench measures contention, not quotas: lift the per-resident limits.
        policy = site.policy
        policy.slot_minutes, policy.max_booking_minutes = 15, 15
        policy.daily_minutes, policy.max_open_bookings, policy.days_ahead = 1440, 10 ** 6, 90
        policy.min_gap_minutes, policy.walk_in_share_percent = 0, 0
        stamp = int(time.time())
        seat_ids = [add_seat(None, site, f"BENCH-{stamp}-{i}").id for i in range(seats)]
        tokens = []
        for i in range(clients):
            user = create_user(None, f"bench{stamp}-{i}", role="resident",
                               password="bench-password-1")
            tokens.append(issue_token(user, 2)[0])
        db.session.commit()
        db.engine.dispose()
    return seat_ids, tokens


def run_phase(clients: int, seconds: float, call):
    """Run ``call(i)`` in ``clients`` threads for ``seconds``; return [(status, latency)]."""
    results, lock = [], threading.Lock()
    start_gate = threading.Barrier(clients)
    deadline = [0.0]

    def worker(i):
        session = requests.Session()
        start_gate.wait()
        if i == 0:
            deadline[0] = time.monotonic() + seconds
        while not deadline[0]:
            time.sleep(0.001)
        mine = []
        while time.monotonic() < deadline[0]:
            t0 = time.perf_counter()
            status = call(i, session)
            mine.append((status, time.perf_counter() - t0))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.monotonic() - t0


def double_bookings(url: str) -> int:
    """Return how many pairs of holding bookings of one seat overlap (must be 0)."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text(
            "SELECT count(*) FROM bookings a JOIN bookings b ON a.seat_id = b.seat_id "
            "AND a.id < b.id AND a.start < b.\"end\" AND b.start < a.\"end\" "
            "WHERE a.status NOT IN ('cancelled', 'released') "
            "AND b.status NOT IN ('cancelled', 'released')")).scalar()
    engine.dispose()
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a temporary SQLite)")
    parser.add_argument("--reset", action="store_true",
                        help="drop and recreate the PostgreSQL schema first")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seats", type=int, default=3)
    parser.add_argument("--contention", type=int, default=4,
                        help="how many requests ask for each seat and slot")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    args.clients = max(1, min(args.clients, 64))
    args.seconds = max(1.0, min(args.seconds, 120.0))

    tmp = tempfile.TemporaryDirectory(prefix="telecentre-bench-")
    url = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite"
    seat_ids, tokens = prepare(url, args.reset, args.clients, args.seats)

    from tests.booking.liveserver import LiveServer
    from telecentre.common.time import local_minute_to_utc, local_today, to_local

    server = LiveServer(url, workers=args.workers)
    base = server.start()
    try:
        def trivial(i, session):
            return session.get(base + "/healthz", timeout=60).status_code

        counter, counter_lock = [0], threading.Lock()
        first = local_minute_to_utc(local_today() + timedelta(days=1), 0)

        def book(i, session):
            with counter_lock:
                n = counter[0]
                counter[0] += 1
            # Every (seat, slot) is asked for ``contention`` times in a row.
            pair = n // args.contention
            seat = seat_ids[pair % len(seat_ids)]
            start = first + timedelta(minutes=15 * (pair // len(seat_ids)))
            body = {"seat_id": seat, "start": to_local(start).isoformat(),
                    "end": to_local(start + timedelta(minutes=15)).isoformat()}
            return session.post(base + "/api/v1/bookings", json=body, timeout=60,
                                headers={"Authorization": f"Bearer {tokens[i]}"}).status_code

        warm, _ = run_phase(args.clients, 1, trivial)  # let every worker open its connections
        easy, easy_time = run_phase(args.clients, args.seconds, trivial)
        hard, hard_time = run_phase(args.clients, args.seconds, book)
    finally:
        server.stop()

    created = sum(1 for s, _ in hard if s == 201)
    conflicts = sum(1 for s, _ in hard if s == 409)
    other = len(hard) - created - conflicts
    easy_median = statistics.median(t for _, t in easy)
    hard_median = statistics.median(t for _, t in hard)
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"database: {dialect}; {args.workers} workers, {args.clients} clients, "
          f"{args.seconds:g} s per phase, {args.seats} seats, ~{args.contention} requests "
          f"per seat and slot")
    print(f"trivial GET /healthz: {len(easy)} requests, {len(easy) / easy_time:.1f}/s, "
          f"median {easy_median * 1000:.2f} ms")
    print(f"booking POST /api/v1/bookings: {len(hard)} requests, {len(hard) / hard_time:.1f}/s: "
          f"{created} created = {created / hard_time:.1f} bookings/s, {conflicts} conflicts "
          f"(409), {other} other; median {hard_median * 1000:.2f} ms")
    print(f"ratio of median latency booking/trivial: {hard_median / easy_median:.2f}")
    print(f"double bookings in the database: {double_bookings(url)}")
    tmp.cleanup()
    return 1 if other else 0


if __name__ == "__main__":
    sys.exit(main())
