"""The console room in process: CPU per request against the empty page, same process, same run.

Issue 18's gunicorn bench (``bench/hot_paths.py``) gives the latency ratio on a
quiet machine; on a shared one its rounds vary several-fold. This script seeds
the same room (``hot_paths.seed``: 200 seats with agents, a session on every
third seat, three bookings on the others) in its own PostgreSQL database and
asks the production app for the pages with Flask's test client, signed in as
IT, alternating A and B. CPU time (``time.process_time``) does not count the
time other processes take the cores, so the ratio holds on a busy machine.

    .venv/bin/python bench/console_render.py [--requests 40] [--profile console]

Lines: ``console_cpu_vs_empty=R`` (full room page), ``live_cpu_vs_empty=R``
(the live fragment, rendered), ``live304_cpu_vs_empty=R`` (the live fragment
while nothing changed), ``livediff_cpu_vs_empty=R`` (a poll that holds every tile as
it is: only the parts around the tiles come back), each with the milliseconds of
CPU per request, the number of SQL statements and the size of the body. ``--profile PAGE`` prints
the top of a cProfile of that page instead.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from pgdb import fresh_database  # noqa: E402
from hot_paths import PASSWORD, seed  # noqa: E402

DB_NAME = os.environ.get("CONSOLE_RENDER_DB", "console_render_bench")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TILE_RE = re.compile(r'<li class="tile[^"]*" id="seat-(\d+)"[^>]*data-v="([0-9a-f]+)"')


def build_app(url: str, workdir: str):
    """The production app on ``url``, migrated, seven sites, plus the empty page."""
    from flask import render_template
    from flask_migrate import upgrade

    from telecentre import create_app
    from telecentre.common.access import access
    from telecentre.extensions import db
    from telecentre.sites.services import seed_sites

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "console-render-bench",
                      "SECURE_COOKIES": False, "LOG_LEVEL": "WARNING",
                      "SECRETS_KEY_FILE": os.path.join(workdir, "secrets.keys")})

    @access("it")
    def bench_empty():
        return render_template("base.html")

    app.add_url_rule("/bench/empty", "bench_empty", bench_empty)
    with app.app_context():
        upgrade()
        seed_sites()
        db.session.commit()
    return app


def held(html: str) -> str:
    """The X-Live-Tiles header of a page holding ``html`` (what live.js sends)."""
    return ",".join(f"{seat}:{version}" for seat, version in TILE_RE.findall(html))


def signed_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    reply = client.post("/login", data={"login": "bench-it", "password": PASSWORD,
                                        "csrf_token": CSRF_RE.search(page).group(1)})
    assert reply.status_code == 302, reply.status_code
    return client


class Counter:
    """Counts the SQL statements the app's engine runs."""

    def __init__(self, engine):
        from sqlalchemy import event
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.n += 1


def measure(client, path, headers, count, counter):
    """CPU seconds per request (median), statements per request, body size."""
    times, statements, size = [], 0, 0
    for _ in range(count):
        before = counter.n
        t0 = time.process_time()
        reply = client.get(path, headers=headers)
        body = reply.get_data()
        times.append(time.process_time() - t0)
        statements = counter.n - before
        size = len(body)
        assert reply.status_code in (200, 304), (path, reply.status_code)
    return statistics.median(times), statements, size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="per page and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=["console", "live", "live304", "livediff", "empty"])
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="console-render-")
    url = fresh_database(DB_NAME)
    try:
        from telecentre.extensions import db
        app = build_app(url, workdir)
        seed(app, 0, 200, 50)
        client = signed_in(app)
        with app.app_context():
            counter = Counter(db.engine)
        etag = client.get("/console/leczna/live").headers["ETag"]
        pages = {"console": ("/console/leczna", {}), "live": ("/console/leczna/live", {}),
                 "live304": ("/console/leczna/live", {"If-None-Match": etag}),
                 "livediff": ("/console/leczna/live", {}),
                 "empty": ("/bench/empty", {})}
        for path, headers in pages.values():  # warm: templates compiled, catalogues read
            for _ in range(3):
                client.get(path, headers=headers)
        if args.profile:
            path, headers = pages[args.profile]
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                client.get(path, headers=headers).get_data()
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
            return 0
        results = {name: [] for name in pages}
        for r in range(args.rounds):
            order = list(pages) if r % 2 == 0 else list(reversed(pages))
            for name in order:
                path, headers = pages[name]
                if name == "live304":  # the minutes left tick: the map changes once a minute
                    headers = {"If-None-Match": client.get(path).headers["ETag"]}
                if name == "livediff":  # a page holding the tiles as they are now
                    headers = {"X-Live-Tiles": held(client.get(path).get_data(as_text=True))}
                results[name].append(measure(client, path, headers, args.requests, counter))
        empty = statistics.median(t for t, _, _ in results["empty"])
        for name in ("console", "live", "live304", "livediff"):
            cpu = statistics.median(t for t, _, _ in results[name])
            _, statements, size = results[name][-1]
            ratios = [t / e for (t, _, _), (e, _, _)
                      in zip(results[name], results["empty"], strict=True)]
            print(f"{name}_cpu_vs_empty={cpu / empty:.2f} min={min(ratios):.2f} "
                  f"max={max(ratios):.2f} cpu_ms={cpu * 1000:.2f} statements={statements} "
                  f"bytes={size}")
        _, statements, size = results["empty"][-1]
        print(f"empty cpu_ms={empty * 1000:.2f} statements={statements} bytes={size}")
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        if not args.keep:
            fresh_database(DB_NAME, drop_only=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
