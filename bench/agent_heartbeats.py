"""Benchmark: agent heartbeats per second the server sustains, and the agent's resident memory.

Runs `telecentre serve` (gunicorn, several workers) on PostgreSQL on a
loopback port, enrols agents through the real API, then drives
POST /api/v1/agent/heartbeat from several client processes for a bounded time.
The same clients then drive GET /healthz (a trivial endpoint served the same
way), and the result is printed as a ratio, since absolute rates depend on
the machine. Finally a real agent process runs against the server and its
resident memory is read from /proc.

    python bench/agent_heartbeats.py [--workers 4] [--agents 200] [--seconds 8] [--clients 2]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust); it creates and drops
the database `agent_bench`.
"""

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pgdb import fresh_database  # noqa: E402  (bench/ is the script's own folder)
sys.path.insert(0, str(ROOT / "tests" / "agent"))


from agent_process import AgentProcess  # noqa: E402
from tests.agent_api.server_process import ServerProcess  # noqa: E402

DB_NAME = "agent_bench"
PORT = 18400


def _database(drop_only=False):
    return fresh_database(DB_NAME, drop_only)


def _post(url, body, headers=None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)


def _client(args):
    """One load process: threads loop over requests until the deadline; returns the counts."""
    import threading

    url, credentials, seconds, threads, kind = args
    body = json.dumps(
        {
            "state": "locked",
            "session": None,
            "version": "1.0.0",
            "outbox_pending": 0,
            "health": {
                "cpu_percent": 3.5,
                "memory_percent": 41.0,
                "disk_percent": 63.2,
                "uptime_seconds": 86400,
                "os_user": None,
            },
        }
    ).encode()
    deadline = time.monotonic() + seconds
    counts = [0] * threads
    errors = [0] * threads

    def loop(n):
        i = n
        while time.monotonic() < deadline:
            if kind == "heartbeat":
                agent_id, secret = credentials[i % len(credentials)]
                request = urllib.request.Request(
                    url,
                    data=body,
                    method="POST",
                    headers={
                        "Content-Type": "application/json",
                        "Authorization": f"Bearer {agent_id}.{secret}",
                    },
                )
            else:
                request = urllib.request.Request(url)
            i += threads
            try:
                with urllib.request.urlopen(request, timeout=30) as reply:
                    reply.read()
                counts[n] += 1
            except OSError:
                errors[n] += 1

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts), sum(errors)


def _rate(url, credentials, seconds, clients, threads, kind):
    with multiprocessing.Pool(clients) as pool:
        started = time.monotonic()
        results = pool.map(
            _client,
            [
                (url, credentials[c::clients] or credentials, seconds, threads, kind)
                for c in range(clients)
            ],
        )
        elapsed = time.monotonic() - started
    done, errors = sum(r[0] for r in results), sum(r[1] for r in results)
    return done / elapsed, errors


def _tokens(server, count):
    """Enrolment tokens made in this process (one app, not one command per token)."""
    from telecentre import create_app
    from telecentre.agent_api.services import new_enrollment_token
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    from telecentre.sites.services import get_site

    app = create_app(
        {
            "DATABASE_URL": server.env["TELECENTRE_DATABASE_URL"],
            "SECRET_KEY": server.env["TELECENTRE_SECRET_KEY"],
        }
    )
    with app.app_context():
        site = get_site("cycow")
        tokens = [new_enrollment_token(None, site, utcnow()) for _ in range(count)]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return tokens


def _rss_kib(pid):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=2, help="load processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per load process")
    args = parser.parse_args()
    args.seconds = min(args.seconds, 60.0)  # bounded, whatever is asked

    url = _database()
    workdir = Path(tempfile.mkdtemp(prefix="agent-bench-"))
    server = ServerProcess(
        workdir,
        PORT,
        database_url=url,
        workers=args.workers,
        AGENT_CODE_HASH_ITERATIONS=50000,
        LOG_LEVEL="WARNING",
        # The limits stay on (their shared counters are part of each request's
        # cost) but high enough never to refuse the bench's own load.
        RATELIMIT_AGENT_ENROLL="100000 per minute",
        RATELIMIT_AGENT_HEARTBEAT="100000 per minute",
    )
    try:
        server.cli("init")
        server.start()
        tokens = _tokens(server, args.agents + 1)
        credentials = []
        for n in range(args.agents):
            token = tokens.pop()
            reply = _post(
                server.url + "/api/v1/agent/enroll",
                {"token": token, "hostname": f"bench-{n:05d}", "kind": "pc"},
            )
            credentials.append((reply["agent_id"], reply["secret"]))
            if n % 50 == 49:
                print(f"enrolled {n + 1}/{args.agents}", file=sys.stderr)
        beat_rate, beat_errors = _rate(
            server.url + "/api/v1/agent/heartbeat",
            credentials,
            args.seconds,
            args.clients,
            args.threads,
            "heartbeat",
        )
        trivial_rate, trivial_errors = _rate(
            server.url + "/healthz",
            credentials,
            args.seconds,
            args.clients,
            args.threads,
            "trivial",
        )
        token = tokens.pop()
        agent = AgentProcess(server.url, workdir / "agent-state", token=token)
        try:
            agent.wait_for("online")
            time.sleep(3)
            rss = _rss_kib(agent.proc.pid)
        finally:
            agent.stop()
            for pipe in (agent.proc.stdin, agent.proc.stdout, agent.proc.stderr):
                pipe.close()
    finally:
        server.kill()
        server.log.close()
        _database(drop_only=True)
    print(
        f"gunicorn workers: {args.workers}, PostgreSQL, {args.agents} agents, "
        f"{args.clients}x{args.threads} client threads, {args.seconds:.0f} s each"
    )
    print(
        f"heartbeats/s: {beat_rate:.0f} (errors {beat_errors}); "
        f"trivial GET /healthz/s: {trivial_rate:.0f} (errors {trivial_errors})"
    )
    print(f"heartbeat / trivial ratio: {beat_rate / trivial_rate:.2f}")
    print(f"at 15 s heartbeats that rate serves about {beat_rate * 15:.0f} agents")
    print(f"agent resident memory: {rss / 1024:.1f} MiB (VmRSS)")


if __name__ == "__main__":
    main()
