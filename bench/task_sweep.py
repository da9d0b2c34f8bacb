"""Sweep 10,000 simulated SNMP devices on the task queue with 1, 2 and 4 workers.

net-snmp's ``snmpd`` listens on 250 loopback addresses x 40 ports
(127.0.2.0/24, 10,000 "devices"; one snmpd per 2,500 of them, as one
command line cannot hold more). The devices are stored in a PostgreSQL
database of the benchmark's own (dropped at the end); each round sends the
``snmp.sweep`` fan-out (one ``snmp.sweep_batch`` task per ``--batch``
devices) to a real broker, and N ``telecentre worker`` processes poll and
record them. A round ends when every device has a state polled in it. For
each N it prints devices/s (the median of ``--rounds`` after one warm-up
round, which pays each process's first request to every target) and the
speed-up over one worker. Scaling, not absolute figures: on a 2-core machine
PostgreSQL, snmpd and the workers share the same two cores.

    python bench/task_sweep.py [--devices 10000] [--workers 1,2,4] [--rounds 2]
                               [--batch 250] [--broker redis://127.0.0.1:6379/9]

Bounded: every round has a time limit; snmpd and the workers are always stopped.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from bench.pgdb import fresh_database  # noqa: E402

DB_NAME = "task_sweep_bench"
COMMUNITY = "bench"


def endpoints(count: int) -> list[tuple[str, int]]:
    """``count`` address:port pairs on 127.0.2.1-250, ports 1161, 1162, ..."""
    return [(f"127.0.2.{1 + n % 250}", 1161 + n // 250) for n in range(count)]


def seed(app, eps) -> None:
    """Store one device per endpoint (discovered already: one interface, lo)."""
    from sqlalchemy import insert

    from telecentre.common.crypto import encrypt
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    from telecentre.monitoring.checks import Discovery
    from telecentre.monitoring.models import Device
    from telecentre.sites.services import get_site, seed_sites
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        seed_sites()
        db.session.commit()
        site = get_site("cycow")
        secret, now = encrypt(COMMUNITY), utcnow()
        discovery = Discovery(interfaces={"1": "lo"}).to_dict()
        rows = [{"site_id": site.id, "name": f"bench-{n:05d}", "kind": "switch",
                 "address": ip, "port": port, "snmp_version": "2c",
                 "community_secret": secret, "thresholds": {}, "enabled": True,
                 "discovery": discovery, "discovered_at": now}
                for n, (ip, port) in enumerate(eps)]
        db.session.execute(insert(Device), rows)
        db.session.commit()


def polled_since(app, moment) -> int:
    from sqlalchemy import func, select

    from telecentre.extensions import db
    from telecentre.monitoring.models import DeviceState
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(DeviceState)
                                  .where(DeviceState.polled_at >= moment))
        db.session.remove()
        return count


def up_since(app, moment) -> int:
    from sqlalchemy import func, select

    from telecentre.extensions import db
    from telecentre.monitoring.models import DeviceState
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(DeviceState).where(
            DeviceState.polled_at >= moment, DeviceState.status == "up"))
        db.session.remove()
        return count


def sweep_round(app, devices: int, limit: float) -> tuple[float, int]:
    """Send one sweep; return (seconds until every device was polled, devices up)."""
    from telecentre.common.time import utcnow
    from telecentre.monitoring.tasks import fan_out, sweep_batch
    started_at, started = utcnow(), time.monotonic()
    with app.app_context():
        fan_out(sweep_batch, expires=limit)
    while polled_since(app, started_at) < devices:
        if time.monotonic() - started > limit:
            raise SystemExit(f"round not finished within {limit:.0f}s "
                             f"({polled_since(app, started_at)}/{devices} polled)")
        time.sleep(0.2)
    return time.monotonic() - started, up_since(app, started_at)


def start_workers(count: int, env: dict, logdir: str, concurrency: int):
    workers = []
    for index in range(count):
        log = open(os.path.join(logdir, f"worker{index}.log"), "wb")  # noqa: SIM115
        workers.append((subprocess.Popen(
            [sys.executable, "-m", "telecentre.cli", "worker", "--name",
             f"bench{index}@local", "--concurrency", str(concurrency)],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True), log))
    deadline = time.monotonic() + 60
    for index, (process, _log) in enumerate(workers):
        path = os.path.join(logdir, f"worker{index}.log")
        while " ready." not in open(path, errors="replace").read():
            if process.poll() is not None or time.monotonic() > deadline:
                stop_workers(workers)
                raise SystemExit(f"worker {index} did not start:\n" + open(path).read()[-2000:])
            time.sleep(0.2)
    return workers


def stop_workers(workers) -> None:
    for process, _log in workers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process, log in workers:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--concurrency", type=int, default=2,
                        help="tasks at once per worker (threads)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--limit", type=float, default=300.0, help="seconds per round at most")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    if not 1 <= args.devices <= 10_000:
        parser.error("--devices: 1 to 10,000 (250 addresses x 40 ports)")

    from telecentre import create_app
    from telecentre.monitoring.simulator import NetSnmpd
    workdir = tempfile.mkdtemp(prefix="task-sweep-")
    url = fresh_database(DB_NAME)
    settings = {"DATABASE_URL": url, "TASKS_BROKER_URL": args.broker,
                "TASKS_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
                "SECRETS_KEY_FILE": os.path.join(workdir, "secrets.keys"),
                "SECRET_KEY": uuid.uuid4().hex, "SNMP_BATCH_SIZE": args.batch,
                "LOG_LEVEL": "INFO", "LOG_FORMAT": "text"}
    env = dict(os.environ, **{f"TELECENTRE_{k}": str(v) for k, v in settings.items()})
    app = create_app(settings)
    eps = endpoints(args.devices)
    agents = [NetSnmpd(eps[i:i + 2500], community=COMMUNITY) for i in range(0, len(eps), 2500)]
    results = {}
    try:
        seed(app, eps)
        for agent in agents:
            agent.start(wait=30)
        print(f"{args.devices} devices on snmpd, batches of {args.batch}, broker "
              f"{args.broker}, {os.cpu_count()} cores", flush=True)
        for count in counts:
            workers = start_workers(count, env, workdir, args.concurrency)
            try:
                warm, up = sweep_round(app, args.devices, args.limit)
                print(f"  {count} worker(s): warm-up {warm:.1f}s ({up} up)", flush=True)
                times = []
                for _ in range(args.rounds):
                    seconds, up = sweep_round(app, args.devices, args.limit)
                    times.append(seconds)
                    print(f"  {count} worker(s): {seconds:.1f}s, "
                          f"{args.devices / seconds:.0f} devices/s ({up} up)", flush=True)
                results[count] = args.devices / statistics.median(times)
            finally:
                stop_workers(workers)
    finally:
        for agent in agents:
            agent.stop()
        with app.app_context():
            from telecentre.extensions import db
            db.engine.dispose()
        from telecentre.tasks.locks import forget_engines
        forget_engines()
        fresh_database(DB_NAME, drop_only=True)
        if args.broker.startswith("redis"):
            import redis
            redis.Redis.from_url(args.broker).delete(settings["TASKS_QUEUE"])
    base = results.get(counts[0])
    for count, rate in results.items():
        print(f"workers={count} devices_per_s={rate:.0f} speedup={rate / base:.2f}")


if __name__ == "__main__":
    main()
