"""Sweep >= 500 simulated devices: Telecentre's poller vs net-snmp's snmpget.

One net-snmp ``snmpd`` listens on 250 loopback addresses x 2 ports (500
"devices", 127.0.2.0/24).  In the same run we sweep them with

* the poller (``telecentre.monitoring.poller.sweep``, one reused engine) in one
  process -- what ``telecentre scheduler`` runs by default (shard 1/1) --, then
  sharded over two processes (``--shard 1/2`` and ``--shard 2/2``, one per core),
* ``snmpget`` from the Debian ``snmp`` package, N in parallel,

asking every device for the same objects (one poll of a one-interface
device), and print devices/s, the ratios and the client CPU per device.  The
first (cold) sweep of each poller process is timed apart: it registers every
target with the engine.  Bounded: a few sweeps each, well under two minutes;
snmpd and the worker processes are always stopped.

    python bench/snmp_sweep.py [--devices 500] [--rounds 3] [--cli-parallel 10]
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

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


def pysnmp_worker(shard, shards, eps, rounds, concurrency, barrier, out):
    """One process, one engine: a warm-up sweep, then ``rounds`` timed sweeps."""
    async def main():
        client = SnmpClient(timeout=1.0, retries=1)
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


def run_pysnmp(eps, shards, rounds, concurrency):
    """Devices/s per round (all shards together), devices answered, CPU seconds per round,
    and the cold first sweep (slowest shard's seconds, devices answered)."""
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(shards), ctx.Queue()
    procs = [ctx.Process(target=pysnmp_worker, args=(s, shards, eps, rounds, concurrency,
                                                     barrier, out)) for s in range(shards)]
    for p in procs:
        p.start()
    try:
        per_shard = dict(out.get(timeout=90) for _ in procs)
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


def main(argv=None):
    """Run the benchmark and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cli-parallel", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=poller.DEFAULT_CONCURRENCY)
    args = parser.parse_args(argv)
    # A SIGTERM (e.g. from `timeout`) must still run the cleanup below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    eps = endpoints(args.devices)
    print(f"{len(eps)} devices (snmpd on {len({ip for ip, _ in eps})} loopback addresses), "
          f"{len(OIDS)} objects per device (a one-interface poll), {os.cpu_count()} CPUs, "
          f"load average before {os.getloadavg()[0]:.2f}")
    agent = NetSnmpd(eps, community=COMMUNITY)
    try:
        agent.start()
        cli_rate, cli_ok, cli_cpu = run_cli(eps, args.cli_parallel)
        one_rates, one_ok, one_cpu, one_cold = run_pysnmp(eps, 1, args.rounds, args.concurrency)
        two_rates, two_ok, two_cpu, _two_cold = run_pysnmp(eps, 2, args.rounds,
                                                           args.concurrency)
        cli_rate_again, _, cli_cpu_again = run_cli(eps, args.cli_parallel)
        cli_mibs_rate, _, _ = run_cli(eps, args.cli_parallel, load_mibs=True)
    finally:
        agent.stop()
    cli = max(cli_rate, cli_rate_again)  # the CLI's better run, to be fair to it
    one, two = statistics.median(one_rates), statistics.median(two_rates)
    print(f"snmpget x{args.cli_parallel} in parallel: {cli:8.0f} devices/s "
          f"(runs: {cli_rate:.0f}, {cli_rate_again:.0f}; answered {cli_ok}/{len(eps)})")
    print(f"  (with its default MIB loading: {cli_mibs_rate:.0f} devices/s, not used for "
          f"the ratios)")
    print(f"poller, 1 process:         {one:8.0f} devices/s "
          f"(median of {args.rounds}; answered {one_ok}/{len(eps)})  ratio {one / cli:4.2f}x"
          f"   <- the default deployment: one `telecentre scheduler`")
    print(f"poller, 2 shards:          {two:8.0f} devices/s "
          f"(median of {args.rounds}; answered {two_ok}/{len(eps)})  ratio {two / cli:4.2f}x"
          f"   <- `telecentre scheduler --shard 1/2` + `--shard 2/2`")
    print(f"cold first sweep, 1 process: {one_cold[0]:.2f} s (answered {one_cold[1]}/{len(eps)}; "
          f"registers every target with the engine)")
    cli_ms = 1000 * min(cli_cpu, cli_cpu_again) / len(eps)
    one_ms = 1000 * statistics.median(one_cpu) / len(eps)
    two_ms = 1000 * statistics.median(two_cpu) / len(eps)
    print(f"client CPU per device: snmpget {cli_ms:.2f} ms, poller 1 process {one_ms:.2f} ms, "
          f"2 shards {two_ms:.2f} ms -> the poller does {cli_ms / one_ms:.1f}x the work per "
          f"CPU-second")
    print(f"load average after {os.getloadavg()[0]:.2f} (other work on the machine skews both "
          f"sides; compare ratios within one run)")
    print(f"target 2.5x the CLI tools: 1 process {'met' if one >= 2.5 * cli else 'NOT met'} "
          f"({one / cli:.2f}x), 2 shards {'met' if two >= 2.5 * cli else 'NOT met'} "
          f"({two / cli:.2f}x)")


if __name__ == "__main__":
    main()
