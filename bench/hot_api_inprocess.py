"""The agent heartbeat and the booking API against a trivial request, in one process.

Issue 18's gunicorn bench (``bench/hot_paths.py``) measures throughput and
latency, which a shared machine makes noisy. This one measures the CPU time
of this process (``time.process_time``) and the SQL statements of each kind of
request (as SQLAlchemy executes them: the heartbeat's one statement, sent by
the driver itself, is not counted), calling the WSGI apps directly (no HTTP, no client threads), in
alternating blocks: the production app (``create_app()`` as ``wsgi.py``
builds it) on PostgreSQL, and the 15-line Flask app of ``hot_paths.py``, same
bodies and headers. Lines, each the median of the blocks:

* ``heartbeat``: an agent's heartbeat (its ``sync`` sent back, as agents do);
* ``booking_lose``: ``POST /api/v1/bookings`` for a seat and slot already held (409);
* ``booking_win``: the same for a free seat and slot (201);
* ``trivial``: the trivial app's ``POST /echo``.

    .venv/bin/python bench/hot_api_inprocess.py [--blocks 5] [--n 300] [--profile heartbeat]

``--profile KIND`` prints the cProfile of that kind's requests instead (the
top functions by cumulative time). Creates and drops the PostgreSQL database
``hot_api_inprocess`` (127.0.0.1:5432, user postgres, trust).
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from pgdb import fresh_database  # noqa: E402
from hot_paths import TRIVIAL_APP, heartbeat_body  # noqa: E402

DB_NAME = "hot_api_inprocess"


def environ(path: str, body: dict, headers: dict) -> dict:
    """A WSGI environ for ``POST path`` with a JSON body (copied per call: the body is a stream)."""
    from werkzeug.test import EnvironBuilder
    builder = EnvironBuilder(path=path, method="POST" if body else "GET", data=json.dumps(body),
                             headers={**headers, "Content-Type": "application/json"},
                             environ_base={"REMOTE_ADDR": "127.0.0.1"})
    try:
        return builder.get_environ()
    finally:
        builder.close()


def call(app, env: dict) -> tuple[int, bytes]:
    """Run one request through ``app``; return (status, body)."""
    env = dict(env)
    env["wsgi.input"] = io.BytesIO(env["wsgi.input"].getvalue())
    status = []
    chunks = app(env, lambda s, h, exc=None: status.append(s))
    try:
        data = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return int(status[0].split()[0]), data


def seed(app, agents: int, residents: int):
    """An always-open site with seats and agents, residents with API tokens."""
    from sqlalchemy import insert

    from telecentre.agent_api.models import Agent
    from telecentre.auth.services import create_user, issue_token
    from telecentre.common.time import local_minute_to_utc, local_today, utcnow
    from telecentre.extensions import db
    from telecentre.seats.services import add_seat
    from telecentre.sites.services import get_site, set_hours

    with app.app_context():
        now = utcnow()
        site = get_site("cycow")
        set_hours(None, site, ["mon-sun 00:00-24:00"])
        p = site.policy
        p.slot_minutes, p.max_booking_minutes = 15, 15
        p.daily_minutes, p.max_open_bookings, p.days_ahead = 1440, 10 ** 6, 90
        p.min_gap_minutes, p.walk_in_share_percent = 0, 0
        seats = [add_seat(None, site, f"HB-{i:03d}") for i in range(agents)]
        db.session.flush()
        creds, rows = [], []
        for seat in seats:
            secret, agent_id = uuid.uuid4().hex, str(uuid.uuid4())
            creds.append((agent_id, secret))
            rows.append({"id": agent_id, "site_id": site.id, "seat_id": seat.id,
                         "secret_hash": hashlib.sha256(secret.encode()).hexdigest(),
                         "hostname": seat.name.lower(), "os": "linux", "version": "1.0.0",
                         "enrolled_at": now, "last_seen_at": now, "online": True})
        db.session.execute(insert(Agent), rows)
        people = [create_user(None, f"inproc-resident-{i}", role="resident")
                  for i in range(residents)]
        tokens = [issue_token(u, 4)[0] for u in people]
        db.session.commit()
        first = local_minute_to_utc(local_today() + timedelta(days=1), 0)
        return creds, tokens, [s.id for s in seats], first


class Requests:
    """Endless sources of environs for each kind of request."""

    def __init__(self, creds, tokens, seat_ids, first):
        self.creds, self.tokens, self.seats, self.first = creds, tokens, seat_ids, first
        self.sync: dict = {}
        self.n = 0
        self.slot = 0

    def heartbeat(self):
        self.n += 1
        agent_id, secret = self.creds[self.n % len(self.creds)]
        return "/api/v1/agent/heartbeat", heartbeat_body(self.sync.get(agent_id)), {
            "Authorization": f"Bearer {agent_id}.{secret}"}, agent_id

    def _booking(self, slot, resident):
        start = self.first + timedelta(minutes=15 * slot)
        body = {"seat_id": self.seats[0], "start": start.isoformat(),
                "end": (start + timedelta(minutes=15)).isoformat()}
        return "/api/v1/bookings", body, {
            "Authorization": f"Bearer {self.tokens[resident % len(self.tokens)]}"}, None

    def healthz(self):
        """The production app's cheapest answer: every hook, no view work, no database."""
        return "/healthz", {}, {}, None

    def booking_win(self):
        self.slot += 1
        return self._booking(self.slot, self.slot)

    def booking_lose(self):
        self.n += 1
        return self._booking(max(self.slot, 1), self.n)  # the slot the last winner took


def postgres_cpu() -> float:
    """CPU seconds used so far by this machine's PostgreSQL processes (from /proc)."""
    total, tick = 0, os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)
            if fields[0].endswith("(postgres"):
                parts = fields[1].split()
                total += int(parts[11]) + int(parts[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return total / tick


def run_block(app, trivial, reqs: Requests, kind: str, n: int, counter: list) -> tuple:
    """``n`` requests of ``kind``; return (CPU s per request, statements per request,
    PostgreSQL's CPU s per request)."""
    make = getattr(reqs, kind if kind != "trivial" else "heartbeat")
    envs = []
    for _ in range(n):
        path, body, headers, agent_id = make()
        envs.append((environ("/echo" if kind == "trivial" else path, body, headers), agent_id))
    target = trivial if kind == "trivial" else app
    expect = {"healthz": 200, "heartbeat": 200, "booking_win": 201, "booking_lose": 409,
              "trivial": 200}[kind]
    counter[0] = 0
    pg0 = postgres_cpu()
    cpu0 = time.process_time()
    for env, agent_id in envs:
        status, data = call(target, env)
        if status != expect:
            raise SystemExit(f"{kind}: {status} {data[:300]!r}")
        if kind == "heartbeat":
            reqs.sync[agent_id] = json.loads(data)["sync"]
    cpu = time.process_time() - cpu0
    return cpu / n, counter[0] / n, (postgres_cpu() - pg0) / n


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--n", type=int, default=300, help="requests per block")
    parser.add_argument("--kinds", default="heartbeat,booking_win,booking_lose")
    parser.add_argument("--profile", default="", help="a kind: print its cProfile instead")
    parser.add_argument("--sql", default="", help="a kind: print the SQL of one such request")
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="hot-api-")
    url = fresh_database(DB_NAME)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update({"TELECENTRE_DATABASE_URL": url,
                "TELECENTRE_SECRET_KEY": "hot-api-inprocess-not-for-production",
                "TELECENTRE_SECRETS_KEY_FILE": os.path.join(workdir, "secrets.keys"),
                "TELECENTRE_SECURE_COOKIES": "false", "TELECENTRE_LOG_LEVEL": "WARNING",
                "TELECENTRE_LOG_FORMAT": "json", "TELECENTRE_INSTANCE_PATH": workdir,
                "TELECENTRE_RATELIMIT_AGENT_HEARTBEAT": "1000000 per minute",
                # as gunicorn.conf.py: request latencies kept in files shared by the workers
                "PROMETHEUS_MULTIPROC_DIR": os.path.join(workdir, "metrics")})
    os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"])
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = env["PROMETHEUS_MULTIPROC_DIR"]
    os.environ.update({k: v for k, v in env.items() if k.startswith("TELECENTRE_")})
    load = os.getloadavg()
    try:
        subprocess.run([sys.executable, "-c", "from telecentre.cli import main; main()", "init"],
                       env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
        from sqlalchemy import event

        from telecentre import create_app
        from telecentre.extensions import db
        app = create_app()
        Path(workdir, "trivial_app.py").write_text(TRIVIAL_APP)
        sys.path.insert(0, workdir)
        from trivial_app import app as trivial
        creds, tokens, seat_ids, first = seed(app, 20, 50)
        reqs = Requests(creds, tokens, seat_ids, first)
        counter = [0]
        with app.app_context():
            engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _count(_conn, _cursor, statement, *_args):
            counter[0] += 1
            if args.sql and shown is not None:
                shown.append(" ".join(statement.split())[:300])

        shown = None

        kinds = [k for k in args.kinds.split(",") if k]
        for kind in kinds + ["trivial"]:  # warm: first connections, caches, imports
            run_block(app, trivial, reqs, kind, 30, counter)
        if args.sql:
            shown = []
            run_block(app, trivial, reqs, args.sql, 1, counter)
            print("\n".join(shown))
            return 0
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for the database
            profiler.enable()
            run_block(app, trivial, reqs, args.profile, args.n, counter)
            profiler.disable()
            # PROFILE_FILTER: a regular expression of the files to show (e.g. "telecentre")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(
                os.environ.get("PROFILE_FILTER", ""), 60)
            return 0
        figures = {k: [] for k in kinds + ["trivial"]}
        statements, server = {}, {k: [] for k in kinds + ["trivial"]}
        for b in range(args.blocks):
            order = kinds + ["trivial"]
            for kind in (order if b % 2 == 0 else order[::-1]):
                cpu, stmts, pg = run_block(app, trivial, reqs, kind, args.n, counter)
                figures[kind].append(cpu)
                statements[kind] = stmts
                server[kind].append(pg)
        base = statistics.median(figures["trivial"])
        for kind, values in figures.items():
            med = statistics.median(values)
            print(f"{kind}: {med * 1000:.3f} ms CPU (min {min(values) * 1000:.3f}, "
                  f"max {max(values) * 1000:.3f}) = {med / base:.1f}x trivial; "
                  f"{statements[kind]:.1f} statements; "
                  f"PostgreSQL {statistics.median(server[kind]) * 1000:.3f} ms CPU")
        after = os.getloadavg()
        print(f"load average before {load[0]:.2f}, after {after[0]:.2f}; "
              f"{args.blocks} blocks of {args.n}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    finally:
        try:
            from telecentre.extensions import db
            with app.app_context():
                db.engine.dispose()
        except Exception:  # noqa: BLE001  (the app may not exist yet)
            pass
        fresh_database(DB_NAME, drop_only=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
