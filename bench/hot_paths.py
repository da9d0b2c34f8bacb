"""Hot paths against a plain request, side by side: heartbeat, booking, sweep, console, county.

Issue 18. Everything is measured as a ratio within one run, in A/B rounds
whose order alternates (A B, B A, A B, ...), because the machine is shared and
absolute figures mean little:

* ``heartbeat_vs_trivial``: heartbeats/s of the production server ÷ requests/s
  of a 15-line Flask app served the same way (same gunicorn.conf.py: workers,
  gthread threads, keep-alive), same client processes, body and headers; the
  200 agents in a steady state, as a county's are: each sends back the last
  ``sync`` it was given, and the rounds start once the agents' first
  heartbeats (an interval opened, the whole policy sent) are over;
* ``booking_p50_vs_trivial``: median latency of ``POST /api/v1/bookings`` with
  50 concurrent clients, each (seat, slot) asked for by 10 requests in a row,
  ÷ the trivial app's median with the same 50 clients and body;
* ``sweep_vs_poll``: the ``snmp.sweep`` job's work (``run_sweep`` + commit) on
  2,000 devices (net-snmp ``snmpd`` on 127.0.18.x) ÷ the SNMP poll of the same
  devices alone;
* ``console_vs_empty``: the attendant console room (200 seats, agents,
  sessions, today's bookings) ÷ an empty page on the same layout
  (``base.html``, same sign-in, same server);
* ``county_vs_empty`` and ``county_10x_vs_empty``: the IT county overview with
  2,000 devices, then with 20,000, ÷ the same empty page.

Each line is the median of its rounds, then min and max. The production
server is ``gunicorn -c gunicorn.conf.py`` on the app of ``wsgi.py`` plus one
route the bench adds (``/bench/empty``, IT only); the heartbeat limit stays on
(counted as configured) but is raised so the bench's own load is never refused.

    .venv/bin/python bench/hot_paths.py [--rounds 3] [--seconds 3] [--budget 240]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and ``snmpd``; it
creates and drops the database ``hot_paths_bench``. Bounded: setup plus
rounds stop at ``--budget`` seconds (a round in flight finishes); servers,
client processes and snmpd are always stopped.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import multiprocessing as mp
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pgdb import fresh_database  # noqa: E402  (bench/ is the script's own folder)

# Two engineers may run the bench at once: HOT_PATHS_DB and HOT_PATHS_PORT (the production
# server's; the trivial app takes the next) keep their runs apart.
DB_NAME = os.environ.get("HOT_PATHS_DB", "hot_paths_bench")
APP_PORT = int(os.environ.get("HOT_PATHS_PORT", "18461"))
TRIVIAL_PORT = APP_PORT + 1
COMMUNITY = "bench"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "bench-password-1"

TRIVIAL_APP = '''"""The trivial app of bench/hot_paths.py: JSON body in, small JSON out."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/echo")
def echo():
    body = request.get_json(silent=True) or {}
    return jsonify({"ok": True, "state": body.get("state")})


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})
'''

BENCH_APP = '''"""The production app (wsgi.py) plus an empty page on its layout."""
from flask import render_template

from telecentre.common.access import access
from wsgi import app


@access("it")
def bench_empty():
    return render_template("base.html")


app.add_url_rule("/bench/empty", "bench_empty", bench_empty)
'''


def heartbeat_body(sync=None) -> dict:
    body = {"state": "locked", "session": None, "version": "1.0.0", "outbox_pending": 0,
            "health": {"cpu_percent": 3.5, "memory_percent": 41.0, "disk_percent": 63.2,
                       "uptime_seconds": 86400, "os_user": None}}
    if sync is not None:
        body["sync"] = sync
    return body


# ---------------------------------------------------------------- client processes

_COUNTER = None
_STATUSES: dict = {}  # a client process's answers to bookings, by status (--verbose)
# Each agent's last ``sync`` as this client process heard it, kept from round to round as a
# real agent keeps it (a heartbeat without it gets the whole policy and bookings list back).
_SYNC: dict = {}
VERBOSE = False


def _init_client(counter):
    global _COUNTER
    _COUNTER = counter
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _next() -> int:
    with _COUNTER.get_lock():
        _COUNTER.value += 1
        return _COUNTER.value


def _client(job):
    """One client process: ``threads`` keep-alive connections loop until the deadline.

    Returns (answers, errors, latencies). ``kind``: ``heartbeat`` (agent bearer,
    the reply's ``sync`` sent back as a real agent does), ``booking`` (resident
    bearer, a (seat, slot) asked ``contention`` times), ``echo`` (the trivial
    app, same bodies and headers as ``like``).
    """
    (port, kind, like, seconds, threads, creds, seats, first, contention, offset) = job
    deadline = time.monotonic() + seconds
    out = [[0, 0, []] for _ in range(threads)]

    def request(n, conn, sync):
        if like == "heartbeat":
            agent_id, secret = creds[(n + offset) % len(creds)]
            body = heartbeat_body(sync.get(agent_id))
            headers = {"Authorization": f"Bearer {agent_id}.{secret}"}
            path = "/api/v1/agent/heartbeat"
        else:
            pair = _next() // contention
            seat = seats[pair % len(seats)]
            start = first + 900 * (pair // len(seats))
            from datetime import datetime, timezone
            body = {"seat_id": seat,
                    "start": datetime.fromtimestamp(start, timezone.utc).isoformat(),
                    "end": datetime.fromtimestamp(start + 900, timezone.utc).isoformat()}
            headers = {"Authorization": f"Bearer {creds[(n + offset) % len(creds)]}"}
            path = "/api/v1/bookings"
            agent_id = None
        if kind == "echo":
            path = "/echo"
        headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        conn.request("POST", path, body=json.dumps(body), headers=headers)
        reply = conn.getresponse()
        data = reply.read()
        elapsed = time.perf_counter() - started
        if kind == "heartbeat" and reply.status == 200:
            got = json.loads(data).get("sync")
            if got is not None:
                sync[agent_id] = got
        return reply.status, elapsed

    def loop(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        sync, i = _SYNC, n
        while time.monotonic() < deadline:
            try:
                status, elapsed = request(i, conn, sync)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                out[n][1] += 1
                continue
            i += threads
            good = status < 300 or (like == "booking" and status == 409)
            out[n][0 if good else 1] += 1
            if kind == "booking":
                _STATUSES[status] = _STATUSES.get(status, 0) + 1
            out[n][2].append(elapsed)
        conn.close()

    _STATUSES.clear()
    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return (sum(o[0] for o in out), sum(o[1] for o in out),
            [t for o in out for t in o[2]], dict(_STATUSES))


def drive(pool, clients, port, kind, like, seconds, threads, creds, seats=(), first=0,
          contention=10):
    """Run the clients for ``seconds``; return (answers/s, errors, median latency s)."""
    jobs = [(port, kind, like, seconds, threads, creds, list(seats), first, contention,
             c * threads) for c in range(clients)]
    started = time.monotonic()
    results = pool.map(_client, jobs)
    elapsed = time.monotonic() - started
    answers = sum(r[0] for r in results)
    latencies = [t for r in results for t in r[2]]
    statuses = {}
    for r in results:
        for status, count in r[3].items():
            statuses[status] = statuses.get(status, 0) + count
    if statuses and VERBOSE:
        print(f"    answers: {dict(sorted(statuses.items()))}", file=sys.stderr)
    return (answers / elapsed, sum(r[1] for r in results),
            statistics.median(latencies) if latencies else float("nan"))


# ---------------------------------------------------------------- servers

class Gunicorn:
    """``gunicorn -c gunicorn.conf.py <module>:app`` on loopback, its own metrics folder."""

    def __init__(self, module, port, env, workdir):
        self.port = port
        metrics = tempfile.mkdtemp(prefix="metrics-", dir=workdir)
        self.env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}",
                        PROMETHEUS_MULTIPROC_DIR=metrics)
        self.log = open(os.path.join(workdir, f"{module}.log"), "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             f"{module}:app"], env=self.env, cwd=workdir, stdout=self.log,
            stderr=self.log, start_new_session=True)

    def wait(self, path="/healthz"):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not come up")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


# ---------------------------------------------------------------- the data

def endpoints(count):
    """``count`` address:port pairs on 127.0.18.1-250, ports 1161, 1162, ..."""
    return [(f"127.0.18.{1 + n % 250}", 1161 + n // 250) for n in range(count)]


def seed(app, devices: int, console_seats: int, residents: int):
    """The sites, policy, console room, agents, residents and devices; returns what clients need."""
    from sqlalchemy import insert

    from telecentre.agent_api.models import Agent
    from telecentre.auth.services import create_user, issue_token
    from telecentre.booking.codes import new_code
    from telecentre.booking.models import Booking
    from telecentre.common.crypto import encrypt
    from telecentre.common.time import local_minute_to_utc, local_today, utcnow
    from telecentre.extensions import db
    from telecentre.monitoring.models import Device
    from telecentre.seats.services import add_seat
    from telecentre.sessions.models import UsageSession
    from telecentre.sites.services import get_site, list_sites, set_hours

    with app.app_context():
        now = utcnow()
        for site in list_sites():
            set_hours(None, site, ["mon-sun 00:00-24:00"])
            site.subnets = ["127.0.0.0/8"]
            p = site.policy
            p.slot_minutes, p.max_booking_minutes = 15, 15
            p.daily_minutes, p.max_open_bookings, p.days_ahead = 1440, 10 ** 6, 90
            p.min_gap_minutes, p.walk_in_share_percent = 0, 0
        room = get_site("leczna")
        seats = [add_seat(None, room, f"PC-{i:03d}") for i in range(console_seats)]
        cycow = get_site("cycow")
        booking_seats = [add_seat(None, cycow, f"BENCH-{i}").id for i in range(5)]
        db.session.flush()
        creds, agents = [], []
        for seat in seats:
            secret = uuid.uuid4().hex
            agent_id = str(uuid.uuid4())
            creds.append((agent_id, secret))
            agents.append({"id": agent_id, "site_id": room.id, "seat_id": seat.id,
                           "secret_hash": hashlib.sha256(secret.encode()).hexdigest(),
                           "hostname": seat.name.lower(), "os": "linux", "version": "1.0.0",
                           "enrolled_at": now, "last_seen_at": now, "online": True})
        db.session.execute(insert(Agent), agents)
        # Residents sign in with API tokens here: no password to hash.
        people = [create_user(None, f"bench-resident-{i}", role="resident")
                  for i in range(residents)]
        tokens = [issue_token(u, 4)[0] for u in people]
        create_user(None, "bench-it", role="it", password=PASSWORD)
        # Today at the console: a session on every third seat, bookings on the others.
        day = local_today()
        codes, rows, sessions = set(), [], []
        for n, seat in enumerate(seats):
            if n % 3 == 0:
                sessions.append({"site_id": room.id, "seat_id": seat.id, "kind": "walk_in",
                                 "started_at": now - timedelta(minutes=20),
                                 "minutes_granted": 60})
                continue
            for hour in (9, 13, 17):
                code = new_code()
                while code in codes:
                    code = new_code()
                codes.add(code)
                start = local_minute_to_utc(day, hour * 60)
                rows.append({"site_id": room.id, "seat_id": seat.id,
                             "resident_id": people[n % residents].id, "start": start,
                             "end": start + timedelta(minutes=60), "status": "booked",
                             "code": code, "source": "web"})
        db.session.execute(insert(Booking), rows)
        db.session.execute(insert(UsageSession), sessions)
        add_devices(db, Device, encrypt(COMMUNITY), list_sites(), endpoints(devices), 0)
        db.session.commit()
        first = local_minute_to_utc(day + timedelta(days=1), 0)
        return creds, tokens, booking_seats, first.timestamp()


def add_devices(db, Device, secret, sites, eps, offset, states=False):
    """Insert devices (Core, in chunks) spread over the sites; with ``states`` also up states."""
    from sqlalchemy import insert, select

    from telecentre.common.time import utcnow
    from telecentre.monitoring.models import DeviceState
    kinds = ("switch", "access_point", "printer", "ups", "router")
    rows = [{"site_id": sites[n % len(sites)].id, "name": f"dev-{offset + n:05d}",
             "kind": kinds[n % len(kinds)], "address": ip, "port": port, "snmp_version": "2c",
             "community_secret": secret, "thresholds": {}, "enabled": True}
            for n, (ip, port) in enumerate(eps)]
    for i in range(0, len(rows), 2000):
        db.session.execute(insert(Device), rows[i:i + 2000])
    if states:
        now = utcnow()
        ids = db.session.scalars(select(Device.id).where(
            Device.name >= f"dev-{offset:05d}")).all()
        states_rows = [{"device_id": i, "status": "up" if i % 50 else "down", "polled_at": now,
                        "up_since": now, "metrics": {"cpu_percent": 5}, "alert_states": {}}
                       for i in ids]
        for i in range(0, len(states_rows), 2000):
            db.session.execute(insert(DeviceState), states_rows[i:i + 2000])


# ---------------------------------------------------------------- pages

def signed_in(port):
    import requests
    session = requests.Session()
    base = f"http://127.0.0.1:{port}"
    page = session.get(base + "/login", timeout=30).text
    reply = session.post(base + "/login", data={
        "login": "bench-it", "password": PASSWORD,
        "csrf_token": CSRF_RE.search(page).group(1)}, allow_redirects=False, timeout=30)
    assert reply.status_code == 302, reply.text[:300]
    return session


def page_median(sessions, port, path, seconds):
    """Median latency of GET ``path`` from each signed-in session in its own thread."""
    times, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(session):
        mine = []
        while time.monotonic() < deadline or not mine:
            t0 = time.perf_counter()
            reply = session.get(f"http://127.0.0.1:{port}{path}", timeout=120)
            mine.append(time.perf_counter() - t0)
            if reply.status_code != 200:
                errors[0] += 1
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=loop, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors[0]:
        raise SystemExit(f"GET {path}: {errors[0]} answers other than 200")
    if VERBOSE:
        print(f"    {path}: median {statistics.median(times) * 1000:.1f} ms", file=sys.stderr)
    return statistics.median(times)


# ---------------------------------------------------------------- main

def summary(name, ratios):
    if not ratios:
        return f"{name}=nan (no round finished inside the budget)"
    return (f"{name}={statistics.median(ratios):.3f} min={min(ratios):.3f} "
            f"max={max(ratios):.3f} rounds={len(ratios)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="per side of a round")
    parser.add_argument("--budget", type=float, default=240.0,
                        help="seconds of measured rounds, at most (setup comes before)")
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--verbose", action="store_true",
                        help="also print each side's absolute figures")
    parser.add_argument("--only", default="", help="comma-separated: heartbeat,booking,sweep,"
                        "console,county (default: all)")
    args = parser.parse_args(argv)
    global VERBOSE
    VERBOSE = args.verbose
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    only = {w.strip() for w in args.only.split(",") if w.strip()}

    def left():
        return args.budget - (time.monotonic() - began)

    load_before = os.getloadavg()
    workdir = tempfile.mkdtemp(prefix="hot-paths-")
    Path(workdir, "trivial_app.py").write_text(TRIVIAL_APP)
    Path(workdir, "bench_app.py").write_text(BENCH_APP)
    url = fresh_database(DB_NAME)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update({
        "PYTHONPATH": f"{workdir}:{ROOT}",
        "TELECENTRE_DATABASE_URL": url,
        "TELECENTRE_SECRET_KEY": "hot-paths-bench-secret-not-for-production",
        "TELECENTRE_SECRETS_KEY_FILE": os.path.join(workdir, "secrets.keys"),
        "TELECENTRE_SECURE_COOKIES": "false",
        "TELECENTRE_LOG_LEVEL": "WARNING",
        "TELECENTRE_RATELIMIT_AGENT_HEARTBEAT": "1000000 per minute",
    })
    os.environ.update({k: v for k, v in env.items() if k.startswith("TELECENTRE_")})
    ctx = mp.get_context("fork")
    pool = ctx.Pool(args.clients, initializer=_init_client, initargs=(ctx.Value("q", 0),))
    servers, snmpd = [], None
    ratios = {k: [] for k in ("heartbeat_vs_trivial", "booking_p50_vs_trivial",
                              "sweep_vs_poll", "console_vs_empty", "county_vs_empty",
                              "county_10x_vs_empty")}
    notes, setup = [], 0.0
    try:
        subprocess.run([sys.executable, "-c", "from telecentre.cli import main; main()", "init"],
                       env=env, cwd=ROOT, check=True, capture_output=True, timeout=180)
        from telecentre import create_app
        from telecentre.extensions import db
        app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
        creds, tokens, booking_seats, first = seed(app, args.devices, 200, 50)
        db_engine_dispose(app)
        servers = [Gunicorn("bench_app", APP_PORT, env, workdir),
                   Gunicorn("trivial_app", TRIVIAL_PORT, env, workdir)]
        for s in servers:
            s.wait()
        setup = time.monotonic() - began
        began = time.monotonic()  # the budget bounds the rounds; setup is reported apart
        print(f"setup {setup:.0f} s; gunicorn.conf.py workers "
              f"{servers[0].env.get('GUNICORN_WORKERS', 'default')}, "
              f"{os.cpu_count()} CPUs", file=sys.stderr)

        def ab(name, a, b, ratio):
            """Rounds of a() and b(), alternating which runs first; ratio(a, b) kept."""
            if only and name.split("_")[0] not in only:
                return
            for r in range(args.rounds):
                if left() < 0:
                    notes.append(f"{name}: stopped after {r} rounds (budget)")
                    return
                if r % 2 == 0:
                    x = a()
                    y = b()
                else:
                    y = b()
                    x = a()
                ratios[name].append(ratio(x, y))
                print(f"  {name} round {r + 1}: {ratios[name][-1]:.3f}", file=sys.stderr)

        threads = 8
        # Warm both servers: every worker opens its connections, and every agent's first
        # heartbeats (an availability interval opened, the whole policy and bookings list
        # sent back to each client process, which keeps the sync from then on, as agents
        # do) are behind us. A steady state, as a county's agents are in: one-second
        # drives until the rate stops rising, ten at most.
        rate = 0.0
        for _ in range(10):
            previous, rate = rate, drive(pool, args.clients, APP_PORT, "heartbeat",
                                         "heartbeat", 1, threads, creds)[0]
            if VERBOSE:
                print(f"    warming, heartbeat: {rate:.0f}/s", file=sys.stderr)
            if previous and rate < previous * 1.1:
                break
        drive(pool, args.clients, TRIVIAL_PORT, "echo", "heartbeat", 1, threads, creds)
        hb_errors = []

        def beats():
            rate, errors, _ = drive(pool, args.clients, APP_PORT, "heartbeat", "heartbeat",
                                    args.seconds, threads, creds)
            hb_errors.append(errors)
            if VERBOSE:
                print(f"    heartbeat: {rate:.0f}/s", file=sys.stderr)
            return rate

        def echoes():
            rate = drive(pool, args.clients, TRIVIAL_PORT, "echo", "heartbeat", args.seconds,
                         threads, creds)[0]
            if VERBOSE:
                print(f"    trivial: {rate:.0f}/s", file=sys.stderr)
            return rate

        ab("heartbeat_vs_trivial", beats, echoes, lambda x, y: x / y)
        if any(hb_errors):
            notes.append(f"heartbeat errors: {sum(hb_errors)}")

        booking_threads = 50 // args.clients
        bk_errors = []

        def book():
            rate, errors, median = drive(pool, args.clients, APP_PORT, "booking", "booking",
                                         args.seconds, booking_threads, tokens, booking_seats,
                                         first)
            bk_errors.append(errors)
            if args.verbose:
                print(f"    booking: {rate:.0f}/s, median {median * 1000:.1f} ms",
                      file=sys.stderr)
            return median

        def book_trivial():
            rate, _, median = drive(pool, args.clients, TRIVIAL_PORT, "echo", "booking",
                                    args.seconds, booking_threads, tokens, booking_seats, first)
            if args.verbose:
                print(f"    trivial: {rate:.0f}/s, median {median * 1000:.1f} ms",
                      file=sys.stderr)
            return median

        if not only or "booking" in only:
            # warm both (each worker's first bookings: imports, translations, the seats'
            # copies, prepared statements), as the heartbeats warmed them above
            drive(pool, args.clients, APP_PORT, "booking", "booking", 1, booking_threads,
                  tokens, booking_seats, first)
            drive(pool, args.clients, TRIVIAL_PORT, "echo", "booking", 1, booking_threads,
                  tokens, booking_seats, first)
        ab("booking_p50_vs_trivial", book, book_trivial, lambda x, y: x / y)
        if any(bk_errors):
            notes.append(f"booking answers other than 201/409: {sum(bk_errors)}")

        sessions = [signed_in(APP_PORT) for _ in range(4)]
        page_median(sessions, APP_PORT, "/console/leczna", 1)  # warm
        page_median(sessions, APP_PORT, "/it/health", 1)
        empty = lambda: page_median(sessions, APP_PORT, "/bench/empty", args.seconds)  # noqa
        ab("console_vs_empty",
           lambda: page_median(sessions, APP_PORT, "/console/leczna", args.seconds), empty,
           lambda x, y: x / y)

        # The sweep, in this process as the scheduler runs it: poll alone vs the job's work.
        from telecentre.monitoring import poller, runtime
        from telecentre.monitoring.simulator import NetSnmpd
        from telecentre.monitoring.services import spec_for
        from telecentre.monitoring.sweeps import devices_to_poll, run_sweep
        if not only or "sweep" in only:
            snmpd = NetSnmpd(endpoints(args.devices), community=COMMUNITY).start()
            with app.app_context():
                runner = runtime.runner(app.config)
                concurrency = app.config.get("SNMP_CONCURRENCY", poller.DEFAULT_CONCURRENCY)
                run_sweep(runner)  # discovery and first contact, not timed
                db.session.commit()
                up = []

                def poll_alone():
                    specs = [spec_for(d) for d in devices_to_poll()]
                    db.session.rollback()
                    t0 = time.perf_counter()
                    results = runner.call(poller.sweep, runner.client, specs, concurrency)
                    up.append(sum(r.ok for r in results))
                    return time.perf_counter() - t0

                def sweep_job():
                    t0 = time.perf_counter()
                    report = run_sweep(runner)
                    db.session.commit()
                    up.append(report.up)
                    return time.perf_counter() - t0

                ab("sweep_vs_poll", sweep_job, poll_alone, lambda x, y: x / y)
                if min(up, default=args.devices) < args.devices:
                    notes.append(f"sweep: fewest devices answering in a round {min(up)}"
                                 f"/{args.devices}")
                runtime.shutdown()
                db.session.remove()
            snmpd.stop()
            snmpd = None

        ab("county_vs_empty",
           lambda: page_median(sessions, APP_PORT, "/it/health", args.seconds), empty,
           lambda x, y: x / y)
        with app.app_context():
            from telecentre.common.crypto import encrypt
            from telecentre.monitoring.models import Device
            from telecentre.sites.services import list_sites
            add_devices(db, Device, encrypt(COMMUNITY), list_sites(),
                        endpoints(9 * args.devices), args.devices, states=True)
            db.session.commit()
            db.session.remove()
        page_median(sessions, APP_PORT, "/it/health", 1)
        ab("county_10x_vs_empty",
           lambda: page_median(sessions, APP_PORT, "/it/health", args.seconds), empty,
           lambda x, y: x / y)
    finally:
        # close, not terminate: every client job ends at its deadline, and a worker killed
        # while it holds the task queue's lock leaves its siblings waiting on it for ever
        pool.close()
        pool.join()
        for s in servers:
            s.stop()
        if snmpd is not None:
            snmpd.stop()
        fresh_database(DB_NAME, drop_only=True)
        report(ratios, notes, load_before, setup, began, only)
    return 0


def report(ratios, notes, load_before, setup, began, only):
    """Print the lines (also when the run was cut short: what finished is shown)."""
    load_after = os.getloadavg()
    for name, values in ratios.items():
        if not only or name.split("_")[0] in only:
            print(summary(name, values))
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
          f"{os.cpu_count()} CPUs; setup {setup:.0f} s, rounds {time.monotonic() - began:.0f} s")
    for note in notes:
        print("note:", note)


def db_engine_dispose(app):
    from telecentre.extensions import db
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
