"""Sweep >= 500 simulated devices: Telecentre's poller vs net-snmp's snmpget and snmp_exporter.

One net-snmp ``snmpd`` listens on 250 loopback addresses x N ports (2,000
"devices" by default, 127.0.2.0/24).  In the same run we sweep them with

* ``snmpget`` from the Debian ``snmp`` package, N in parallel (the baseline),
* Prometheus' ``snmp_exporter`` (Debian ``prometheus-snmp-exporter``; skipped
  with a note when it is not installed), scraped by one ``curl --parallel``,
  one scrape per device,
* the poller (``telecentre.monitoring.poller.sweep``) with every request on
  pysnmp's engine (``SNMP_FAST_V2C = False``), one process,
* the poller as deployed: SNMPv2c GETs on the fast lane
  (``telecentre.monitoring.snmp_wire``), one process -- what ``telecentre
  scheduler`` runs by default (shard 1/1) --, then sharded over two processes
  (``--shard 1/2`` and ``--shard 2/2``, one per core),

asking every device for the same objects (one poll of a one-interface
device), and print devices/s, the ratios and the client CPU per device.  The
first (cold) sweep of each poller process is timed apart.  Bounded: a few
sweeps each, about a minute; snmpd, the exporter and the worker processes are
always stopped.

    python bench/snmp_sweep.py [--devices 2000] [--rounds 5] [--cli-parallel 10]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from telecentre.monitoring import oids as O
from telecentre.monitoring import poller
from telecentre.monitoring.checks import Discovery, poll_oids
from telecentre.monitoring.simulator import NetSnmpd
from telecentre.monitoring.snmp import Credentials, SnmpClient, Target

COMMUNITY = "bench"
DISCOVERY = Discovery(interfaces={"1": "lo"})
OIDS = poll_oids(DISCOVERY)


def endpoints(count: int) -> list[tuple[str, int]]:
    """``count`` address:port pairs on 127.0.2.1-250, ports 1161, 1162, ..."""
    return [(f"127.0.2.{1 + n % 250}", 1161 + n // 250) for n in range(count)]


def _specs(eps, shard=0, shards=1):
    return [poller.DeviceSpec(n, Target(ip, port, Credentials(community=COMMUNITY)), DISCOVERY)
            for n, (ip, port) in enumerate(eps) if poller.in_shard(n, shard, shards)]


def pysnmp_worker(shard, shards, eps, rounds, concurrency, fast_v2c, barrier, out):
    """One process, one client: a warm-up sweep, then ``rounds`` timed sweeps."""
    async def main():
        client = SnmpClient(timeout=1.0, retries=1, fast_v2c=fast_v2c)
        specs = _specs(eps, shard, shards)
        cold = time.time()
        first = await poller.sweep(client, specs, concurrency)  # first contact with every target
        cold = (time.time() - cold, sum(r.ok for r in first))
        times = []
        for _ in range(rounds):
            barrier.wait()
            start, cpu = time.time(), time.process_time()
            results = await poller.sweep(client, specs, concurrency)
            times.append((start, time.time(), sum(r.ok for r in results),
                          time.process_time() - cpu))
        client.close()
        return cold, times
    out.put((shard, asyncio.run(main())))


def run_poller(eps, shards, rounds, concurrency, fast_v2c=True):
    """Devices/s per round (all shards together), devices answered, CPU seconds per round,
    and the cold first sweep (slowest shard's seconds, devices answered)."""
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(shards), ctx.Queue()
    procs = [ctx.Process(target=pysnmp_worker, args=(s, shards, eps, rounds, concurrency,
                                                     fast_v2c, barrier, out))
             for s in range(shards)]
    for p in procs:
        p.start()
    try:
        per_shard = dict(out.get(timeout=180) for _ in procs)
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
    cold = (max(c[0] for c, _ in per_shard.values()), sum(c[1] for c, _ in per_shard.values()))
    per_shard = {s: times for s, (_cold, times) in per_shard.items()}
    rates, answered, cpu = [], 0, []
    for r in range(rounds):
        starts = [per_shard[s][r][0] for s in per_shard]
        ends = [per_shard[s][r][1] for s in per_shard]
        answered = sum(per_shard[s][r][2] for s in per_shard)
        cpu.append(sum(per_shard[s][r][3] for s in per_shard))
        rates.append(len(eps) / (max(ends) - min(starts)))
    return rates, answered, cpu, cold


def run_cli(eps, parallel, load_mibs=False):
    """Devices/s for ``snmpget`` processes, ``parallel`` at a time, same objects;
    also the CPU seconds those processes used."""
    # MIBS= skips MIB parsing: the CLI at its fastest (load_mibs: as installed).
    env = dict(os.environ) if load_mibs else dict(os.environ, MIBS="")

    def one(ep):
        ip, port = ep
        done = subprocess.run(["snmpget", "-v2c", "-c", COMMUNITY, "-t", "1", "-r", "1",
                               "-On", "-Oq", f"{ip}:{port}", *OIDS],
                              env=env, capture_output=True, text=True, timeout=10,
                              check=False)
        return done.returncode == 0 and len(done.stdout.splitlines()) == len(OIDS)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    with ThreadPoolExecutor(parallel) as pool:
        answered = sum(pool.map(one, eps))
    rate = len(eps) / (time.time() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return rate, answered, cpu


EXPORTER = shutil.which("prometheus-snmp-exporter") or shutil.which("snmp_exporter")


def exporter_config() -> dict:
    """An snmp_exporter (0.21) module GETting exactly OIDS, one metric per object."""
    metrics = []
    for oid in OIDS:
        column, index = oid.rsplit(".", 1)
        metric = {"name": f"o{column.replace('.', '_')}", "oid": column,
                  "type": "DisplayString" if oid == O.SYS_NAME else "gauge"}
        if index != "0":
            metric["indexes"] = [{"labelname": "index", "type": "gauge"}]
        metrics.append(metric)
    return {"bench": {"version": 2, "auth": {"community": COMMUNITY}, "timeout": "1s",
                      "retries": 1, "get": OIDS, "metrics": metrics}}


def run_exporter(eps, parallel):
    """Devices/s for snmp_exporter scraped ``parallel`` at a time (one curl), the scrapes
    that returned every object, and the exporter's and curl's CPU seconds."""
    workdir = tempfile.mkdtemp(prefix="bench-exporter-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config, urls = os.path.join(workdir, "snmp.yml"), os.path.join(workdir, "urls")
    with open(config, "w", encoding="utf-8") as fh:
        json.dump(exporter_config(), fh)  # JSON is YAML
    with open(urls, "w", encoding="utf-8") as fh:
        for n, (ip, p) in enumerate(eps):
            fh.write(f'url = "http://127.0.0.1:{port}/snmp?module=bench&target={ip}:{p}"\n'
                     f'output = "{workdir}/{n}"\n')
    exporter = subprocess.Popen([EXPORTER, f"--config.file={config}", "--log.level=error",
                                 f"--web.listen-address=127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()  # nosec B310
                break
            except OSError:
                if time.monotonic() > deadline or exporter.poll() is not None:
                    raise RuntimeError("snmp_exporter did not start") from None
                time.sleep(0.1)
        rates, cpu_before = [], _cpu_of(exporter.pid)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        for _ in range(2):  # the better of two, as for snmpget
            start = time.time()
            subprocess.run(["curl", "-s", "--no-progress-meter", "--parallel",
                            "--parallel-max", str(parallel),
                            "-K", urls], check=True, timeout=120)
            rates.append(len(eps) / (time.time() - start))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (_cpu_of(exporter.pid) - cpu_before
               + after.ru_utime - children.ru_utime + after.ru_stime - children.ru_stime) / 2
        complete = 0
        for n in range(len(eps)):
            with open(os.path.join(workdir, str(n)), encoding="utf-8") as fh:
                text = fh.read()
            complete += f"snmp_scrape_pdus_returned {len(OIDS)}" in text
        return max(rates), complete, cpu
    finally:
        exporter.terminate()
        exporter.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None):
    """Run the benchmark and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cli-parallel", type=int, default=10)
    parser.add_argument("--exporter-parallel", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=poller.DEFAULT_CONCURRENCY)
    args = parser.parse_args(argv)
    # A SIGTERM (e.g. from `timeout`) must still run the cleanup below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    eps = endpoints(args.devices)
    n = len(eps)
    print(f"{n} devices (snmpd on {len({ip for ip, _ in eps})} loopback addresses), "
          f"{len(OIDS)} objects per device (a one-interface poll), {os.cpu_count()} CPUs, "
          f"load average before {os.getloadavg()[0]:.2f}")
    agent = NetSnmpd(eps, community=COMMUNITY)
    exporter = None
    try:
        agent.start()
        cli_rate, cli_ok, cli_cpu = run_cli(eps, args.cli_parallel)
        if EXPORTER:
            exporter = run_exporter(eps, args.exporter_parallel)
        engine_rates, engine_ok, engine_cpu, _ = run_poller(eps, 1, args.rounds,
                                                            args.concurrency, fast_v2c=False)
        one_rates, one_ok, one_cpu, one_cold = run_poller(eps, 1, args.rounds, args.concurrency)
        two_rates, two_ok, two_cpu, _ = run_poller(eps, 2, args.rounds, args.concurrency)
        cli_rate_again, _, cli_cpu_again = run_cli(eps, args.cli_parallel)
    finally:
        agent.stop()
    cli = max(cli_rate, cli_rate_again)  # the CLI's better run, to be fair to it
    cli_ms = 1000 * min(cli_cpu, cli_cpu_again) / n
    engine, one, two = (statistics.median(r) for r in (engine_rates, one_rates, two_rates))

    def row(name, rate, answered, cpu_ms, note=""):
        print(f"{name:<34}{rate:8.0f} devices/s  {rate / cli:5.2f}x snmpget  "
              f"answered {answered}/{n}  client CPU {cpu_ms:.3f} ms/device{note}")

    print(f"{'snmpget x' + str(args.cli_parallel) + ' in parallel':<34}{cli:8.0f} devices/s  "
          f"(runs: {cli_rate:.0f}, {cli_rate_again:.0f}; answered {cli_ok}/{n}; "
          f"client CPU {cli_ms:.3f} ms/device)")
    if exporter:
        row(f"snmp_exporter, curl x{args.exporter_parallel}", exporter[0], exporter[1],
            1000 * exporter[2] / n, "  (exporter + curl)")
    else:
        print("snmp_exporter: not installed, not compared "
              "(bash scripts/system-deps.sh prometheus-snmp-exporter)")
    row("poller, pysnmp engine, 1 process", engine, engine_ok,
        1000 * statistics.median(engine_cpu) / n, "  <- SNMP_FAST_V2C = False")
    row("poller, 1 process", one, one_ok, 1000 * statistics.median(one_cpu) / n,
        "  <- the default: one `telecentre scheduler`")
    row("poller, 2 shards", two, two_ok, 1000 * statistics.median(two_cpu) / n,
        "  <- `--shard 1/2` + `--shard 2/2`")
    print(f"(medians of {args.rounds} sweeps; cold first sweep of the default poller: "
          f"{one_cold[0]:.2f} s, answered {one_cold[1]}/{n})")
    print(f"load average after {os.getloadavg()[0]:.2f} (other work on the machine skews every "
          f"row; compare ratios within one run)")
    print(f"aim 2.5x snmpget: 1 process {'met' if one >= 2.5 * cli else 'NOT met'} "
          f"({one / cli:.2f}x)")
    if exporter:
        print(f"aim within half of snmp_exporter: 1 process "
              f"{'met' if one >= exporter[0] / 2 else 'NOT met'} ({one / exporter[0]:.2f}x its "
              f"rate), 2 shards {two / exporter[0]:.2f}x")


if __name__ == "__main__":
    main()
