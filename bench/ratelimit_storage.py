"""Benchmark: rate-limit hits per second of each shared storage, as a ratio to per-process memory.

Counts ``FixedWindowRateLimiter.hit`` calls (one atomic increment each) on one
key per thread, for a bounded time, with 1 and 4 threads, for: ``memory://``
(the baseline, not shared), the database storage on SQLite (its sibling file)
and on PostgreSQL, and Redis when it answers on 127.0.0.1:6379 (database 15).

    python bench/ratelimit_storage.py [--seconds 3]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust); it creates and drops
the database `limits_bench`.
"""

import argparse
import socket
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from limits import parse  # noqa: E402
from limits.storage import storage_from_string  # noqa: E402
from limits.strategies import FixedWindowRateLimiter  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

import telecentre.common.ratelimit  # noqa: E402,F401  (registers database://)

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DB_NAME = "limits_bench"


def _postgres(drop_only=False):
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        if not drop_only:
            conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + DB_NAME
    if not drop_only:
        engine = create_engine(url)
        with engine.begin() as conn:
            telecentre.common.ratelimit.COUNTERS.create(conn)
        engine.dispose()
    return url


def _redis_up():
    try:
        import redis  # noqa: F401
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except (ImportError, OSError):
        return False


def _rate(storage, threads, seconds):
    limiter = FixedWindowRateLimiter(storage)
    item = parse("1000000000 per hour")
    counts = [0] * threads
    deadline = time.monotonic() + seconds

    def loop(n):
        key = f"bench-{uuid.uuid4().hex}-{n}"
        while time.monotonic() < deadline:
            limiter.hit(item, key)
            counts[n] += 1

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.monotonic() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    seconds = min(args.seconds, 30.0)
    workdir = Path(tempfile.mkdtemp(prefix="limits-bench-"))
    storages = {
        "memory (per process)": storage_from_string("memory://"),
        "database, SQLite": storage_from_string(
            "database://", url=f"sqlite:///{workdir}/bench.sqlite"),
        "database, PostgreSQL": storage_from_string("database://", url=_postgres()),
    }
    if _redis_up():
        storages["redis"] = storage_from_string(
            "redis://127.0.0.1:6379/15", key_prefix=f"bench-{uuid.uuid4().hex}")
    try:
        for threads in (1, 4):
            base = None
            for name, storage in storages.items():
                rate = _rate(storage, threads, seconds)
                base = base or rate
                print(f"{threads} thread(s)  {name:22s} {rate:9.0f} hits/s   "
                      f"ratio to memory {rate / base:.3f}")
    finally:
        for storage in storages.values():
            storage.reset()
            getattr(storage, "dispose", lambda: None)()
        _postgres(drop_only=True)


if __name__ == "__main__":
    main()
