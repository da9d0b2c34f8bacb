"""Load test: 2,000 agents heartbeating and 50 residents booking at once, for minutes.

Creates its own PostgreSQL database, runs ``telecentre init``, opens the seven
sites 00:00-24:00 with a lenient booking policy, makes one enrolment token per
agent and the residents (through the app's services: they are setup, not
load), starts ``telecentre serve`` (gunicorn) on a loopback port, enrols every
agent through the real API (``POST /api/v1/agent/enroll``), then runs locust
headless with ``bench/load_locust.py``. It prints per-endpoint counts and
p50/p95/p99 latency, the failure ratio, the heartbeats per second achieved
against the target (agents / HEARTBEAT_SECONDS), the machine's load, and the
server's own /metrics for agents; it exits 1 when any request failed.

The token sign-in limit (RATELIMIT_TOKEN) and the enrolment limit
(RATELIMIT_AGENT_ENROLL) are raised for the test server only, through its
environment: 50 residents sign in, and 2,000 machines enrol, from one address
within seconds, which the production limits (per address) rightly refuse.

    python bench/load_test.py [--agents 2000] [--residents 50] [--duration 3m]
                              [--workers 3] [--threads 4] [--port 5350]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust); it creates and drops
the database ``load_bench``.
"""
import argparse
import csv
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pgdb import fresh_database  # noqa: E402  (bench/ is the script's own folder)

from sqlalchemy import create_engine, text  # noqa: E402

DB_NAME = "load_bench"
TELECENTRE = "from telecentre.cli import main; main()"
RESIDENT_PASSWORD = "load-test-password-1"


def database(drop_only=False) -> str:
    """(Re)create the test database; return its URL."""
    return fresh_database(DB_NAME, drop_only)


def server_env(url: str, workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update({
        "PYTHONPATH": str(ROOT),
        "TELECENTRE_DATABASE_URL": url,
        "TELECENTRE_SECRET_KEY": "load-test-secret-key-not-for-production",
        "TELECENTRE_SECRETS_KEY_FILE": str(workdir / "secrets.keys"),
        "TELECENTRE_SECURE_COOKIES": "false",
        # Legitimate load from one address: see the module docstring.
        "TELECENTRE_RATELIMIT_TOKEN": "1000 per minute",
        # 2,000 machines enrol from 127.0.0.1 in a minute or two; in a county they come
        # from their own addresses, a few a day. The heartbeat limit stays as in production.
        "TELECENTRE_RATELIMIT_AGENT_ENROLL": "100000 per minute",
    })
    return env


def cli(env, *args) -> str:
    """Run a ``telecentre`` command against the test database; return its output."""
    result = subprocess.run([sys.executable, "-c", TELECENTRE, *args], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"telecentre {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def seed(url: str, agents: int, residents: int) -> tuple[list[tuple[str, str]], list[dict]]:
    """Open every site all day, lenient policy; return (site, enrolment token)s and residents."""
    os.environ.setdefault("TELECENTRE_SECRET_KEY", "load-test-secret-key-not-for-production")
    from telecentre import create_app
    from telecentre.agent_api.services import new_enrollment_token
    from telecentre.auth.services import create_user
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    from telecentre.sites.services import list_sites, set_hours

    app = create_app({"DATABASE_URL": url, "SECURE_COOKIES": False})
    with app.app_context():
        sites = list_sites()
        for site in sites:
            set_hours(None, site, ["mon-sun 00:00-24:00"])
            policy = site.policy
            policy.slot_minutes, policy.max_booking_minutes = 15, 60
            policy.daily_minutes, policy.max_open_bookings, policy.days_ahead = 1440, 20, 14
            policy.min_gap_minutes, policy.walk_in_share_percent = 0, 0
        now = utcnow()
        tokens = [(sites[i % len(sites)].slug,
                   new_enrollment_token(None, sites[i % len(sites)], now, hours=6))
                  for i in range(agents)]
        people = []
        for i in range(residents):
            login = f"resident{i:03d}"
            create_user(None, login, role="resident", password=RESIDENT_PASSWORD,
                        site=sites[i % len(sites)], consent=True)
            people.append({"login": login, "password": RESIDENT_PASSWORD})
        db.session.commit()
        slugs = [s.slug for s in sites]
        db.engine.dispose()
    return tokens, people, slugs


def post_json(url: str, body: dict, timeout=60) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:  # nosec B310 - loopback
        return json.load(reply)


def enrol_all(base: str, tokens: list[tuple[str, str]], threads: int = 8) -> list[dict]:
    """Enrol one agent per token through the real API, ``threads`` at a time."""
    def enrol(item):
        i, (slug, token) = item
        kind = "kiosk" if i % 10 == 9 else "pc"
        reply = post_json(f"{base}/api/v1/agent/enroll", {
            "token": token, "seat_name": f"{slug.upper()}-{kind.upper()}-{i:05d}", "kind": kind,
            "hostname": f"{slug}-{kind}-{i:05d}", "os": "windows", "version": "1.0.0",
            "mac": "02:00:%02x:%02x:%02x:%02x" % (i >> 24 & 255, i >> 16 & 255, i >> 8 & 255,
                                                  i & 255)})
        return {"agent_id": reply["agent_id"], "secret": reply["secret"], "kind": kind,
                "heartbeat_seconds": reply["heartbeat_seconds"]}

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(enrol, enumerate(tokens)))


class Server:
    """``telecentre serve`` on loopback, in its own process group."""

    def __init__(self, env, port, workers, threads, log: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", TELECENTRE, "serve", "--host", "127.0.0.1", "--port",
             str(port), "--workers", str(workers), "--threads", str(threads)],
            env=env, cwd=ROOT, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited; see {log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # nosec B310
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"the server did not answer within 60 s; see {log}")

    def pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True,
                             text=True).stdout
        return [int(p) for p in out.split()]

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


class MachineLoad:
    """Samples the machine's CPU use (all processes) and load average while the test runs."""

    def __init__(self, every=5.0):
        self.samples, self.loads, self.every = [], [], every
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _cpu():
        with open("/proc/stat") as fh:
            values = [int(v) for v in fh.readline().split()[1:]]
        idle = values[3] + values[4]
        return sum(values), idle

    def _run(self):
        last = self._cpu()
        while not self.stop_event.wait(self.every):
            now = self._cpu()
            total, idle = now[0] - last[0], now[1] - last[1]
            if total:
                self.samples.append(100.0 * (total - idle) / total)
            self.loads.append(os.getloadavg()[0])
            last = now

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()


def cpu_seconds(pids) -> float:
    """User + system CPU seconds used so far by these processes (gone ones count 0)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL server processes serving the test database now."""
    engine = create_engine(url)
    with engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d "
                                 "AND pid <> pg_backend_pid()"), {"d": DB_NAME}).scalars().all()
    engine.dispose()
    return list(pids)


def server_requests(base: str) -> tuple[float, float]:
    """(requests answered, heartbeats answered) so far, summed over workers, from /metrics."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=120) as reply:  # nosec B310
        lines = reply.read().decode().splitlines()
    counts = [(line, float(line.rsplit(" ", 1)[1])) for line in lines
              if line.startswith("telecentre_request_seconds_count{")]
    return (sum(n for _line, n in counts),
            sum(n for line, n in counts if 'endpoint="agent_api.heartbeat"' in line))


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv") as fh:
        return list(csv.DictReader(fh))


def report(rows, seconds, agents, heartbeat_seconds, load: MachineLoad, cpu: dict,
           answered: tuple[float, float]) -> int:
    """Print the table and the verdict; return the number of failed requests."""
    print(f"\n{'endpoint':48} {'requests':>9} {'failed':>7} {'p50 ms':>7} {'p95 ms':>7}"
          f" {'p99 ms':>7} {'max ms':>7}")
    total = failed = 0
    heartbeats = 0
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "all requests"
        count, fails = int(row["Request Count"]), int(row["Failure Count"])
        print(f"{name:48} {count:>9} {fails:>7} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
              f" {float(row['Max Response Time']):>7.0f}")
        if row["Name"] == "Aggregated":
            total, failed = count, fails
        elif row["Name"] == "POST /api/v1/agent/heartbeat":
            heartbeats = count
    target = agents / heartbeat_seconds
    print(f"\nfailure ratio: {failed}/{total} = {failed / max(total, 1):.6f}")
    print(f"heartbeats: {heartbeats / seconds:.1f}/s achieved over {seconds:.0f} s "
          f"(target {target:.1f}/s = {agents} agents / {heartbeat_seconds:g} s; "
          f"ratio {heartbeats / seconds / target:.3f}, the ramp-up included)")
    if load.samples:
        print(f"machine: CPU busy {sum(load.samples) / len(load.samples):.0f}% on average "
              f"(max {max(load.samples):.0f}%) of {os.cpu_count()} cores, load average "
              f"{sum(load.loads) / len(load.loads):.2f} (max {max(load.loads):.2f}) — "
              "server, PostgreSQL and locust together")
    print(f"server side: {answered[0]:.0f} requests answered during the run, "
          f"{answered[1]:.0f} of them heartbeats ({answered[1] / seconds:.1f}/s)")
    print("CPU used during the run, ms per request answered: " + ", ".join(
        f"{name} {1000 * used / max(answered[0], 1):.1f} ({used:.0f} s)"
        for name, used in cpu.items()))
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--duration", default="3m", help="locust's --run-time (e.g. 3m, 300s)")
    parser.add_argument("--spawn-rate", type=float, default=100)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=5350)
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="telecentre-load-"))
    url = database()
    env = server_env(url, workdir)
    server = None
    try:
        cli(env, "init")
        started = time.monotonic()
        tokens, residents, slugs = seed(url, args.agents, args.residents)
        print(f"seeded {len(slugs)} sites, {len(tokens)} enrolment tokens, "
              f"{len(residents)} residents in {time.monotonic() - started:.1f} s")
        server = Server(env, args.port, args.workers, args.threads, workdir / "server.log")
        started = time.monotonic()
        agents = enrol_all(server.url, tokens)
        seconds = time.monotonic() - started
        print(f"enrolled {len(agents)} agents through POST /api/v1/agent/enroll in "
              f"{seconds:.1f} s ({len(agents) / seconds:.0f}/s)")
        heartbeat_seconds = agents[0]["heartbeat_seconds"]
        (workdir / "agents.json").write_text(json.dumps(
            {"heartbeat_seconds": heartbeat_seconds, "agents": agents}))
        (workdir / "residents.json").write_text(json.dumps(
            {"sites": slugs, "residents": residents}))
        users = len(agents) + len(residents)
        command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "load_locust.py"),
                   "--headless", "--host", server.url, "-u", str(users), "-r",
                   str(args.spawn_rate), "-t", args.duration, "--only-summary",
                   "--csv", str(workdir / "locust"), "--stop-timeout", "10",
                   "--loglevel", "WARNING"]
        print(f"server: gunicorn, {args.workers} workers x {args.threads} threads; "
              f"locust: {users} users for {args.duration}\n$ {' '.join(command[2:])}")
        locust_env = {**os.environ, "LOAD_AGENTS_FILE": str(workdir / "agents.json"),
                      "LOAD_RESIDENTS_FILE": str(workdir / "residents.json"),
                      "LOAD_OUTCOMES_FILE": str(workdir / "outcomes.json")}
        server_pids, pg_pids = server.pids(), backend_pids(url)
        answered_before = server_requests(server.url)
        before = cpu_seconds(server_pids), cpu_seconds(pg_pids), \
            resource.getrusage(resource.RUSAGE_CHILDREN)
        with MachineLoad() as load:
            started = time.monotonic()
            result = subprocess.run(command, env=locust_env, cwd=ROOT, capture_output=True,
                                    text=True)
            seconds = time.monotonic() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        answered = tuple(after - before for after, before
                         in zip(server_requests(server.url), answered_before, strict=True))
        # Backends opened during the run are missed if they also closed; the pool keeps them.
        cpu = {"server": cpu_seconds(server_pids) - before[0],
               "PostgreSQL": cpu_seconds(set(pg_pids) | set(backend_pids(url))) - before[1],
               "locust": (children.ru_utime + children.ru_stime
                          - before[2].ru_utime - before[2].ru_stime)}
        (workdir / "locust.log").write_text(result.stdout + result.stderr)
        failed = report(read_stats(workdir / "locust"), seconds, len(agents), heartbeat_seconds,
                        load, cpu, answered)
        if (workdir / "outcomes.json").exists():
            outcomes = json.loads((workdir / "outcomes.json").read_text())
            print(f"bookings: {outcomes['booked']} made and {outcomes['cancelled']} cancelled; "
                  f"{outcomes['seat_taken']} refused with 409 seat_taken (another resident "
                  "took the seat first: counted as a right answer)")
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=120) as reply:  # nosec B310
            metrics = reply.read().decode()
        print("\n/metrics (agents):")
        for line in metrics.splitlines():
            if line.startswith(("telecentre_agent", 'telecentre_request_seconds_count{endpoint='
                                '"agent_api.heartbeat"')):
                print("  " + line)
        print("\n$ telecentre audit verify\n  " + cli(env, "audit", "verify").strip())
        if failed or result.returncode not in (0, 1):
            print(f"\nFAILED: {failed} request(s) failed (locust exit {result.returncode}); "
                  f"see {workdir}/locust_failures.csv and {workdir}/server.log")
            return 1
        print("\nOK: no request failed")
        return 0
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            database(drop_only=True)
            print(f"(files kept in {workdir}; database {DB_NAME} dropped)")
        else:
            print(f"(files in {workdir}; database {DB_NAME} kept)")


if __name__ == "__main__":
    sys.exit(main())
