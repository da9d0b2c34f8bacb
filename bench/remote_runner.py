"""Benchmark: the remote runner against a real sshd on 127.0.0.1.

Runs ``true`` on HOSTS connections (all to one local sshd, so every host
costs a full TCP connect, key exchange, host key check and key login) with
different bounds, and prints the wall time of each and its ratio to the
sequential run. Also runs the same with one silent host (a socket that
never speaks) to show it costs one slot for its timeout, not the whole run.

    python -m bench.remote_runner [HOSTS]
"""
from __future__ import annotations

import socket
import sys
import tempfile
import time
from pathlib import Path

from telecentre.remote.hostkeys import load_private_key
from telecentre.remote.runner import Host, HostJob, run_many
from tests.remote.sshd import free_port, start_sshd


def main(hosts: int = 30) -> None:
    """Print wall times and ratios for a few parallel bounds."""
    with tempfile.TemporaryDirectory(prefix="remote-bench-") as tmp:
        server = start_sshd(Path(tmp), ("ed25519",), max_startups="200:30:400")
        try:
            key = load_private_key(server.client_key_text)
            pin = server.host_keys["ssh-ed25519"]
            jobs = [HostJob(Host(f"pc-{i}", server.host, server.port, server.username, pin),
                            "true", timeout=30) for i in range(hosts)]
            timings = {}
            for bound in (1, 4, 10, 20):
                started = time.perf_counter()
                results = run_many(jobs, key, max_parallel=bound)
                timings[bound] = time.perf_counter() - started
                ok = sum(r.status == "done" for r in results)
                print(f"{hosts} hosts, bound {bound:>2}: {timings[bound]:6.2f} s, "
                      f"{ok}/{hosts} done, {timings[1] / timings[bound]:4.1f}x the sequential")
            with socket.socket() as silent:
                silent.bind(("127.0.0.1", free_port(exclude={server.port})))
                silent.listen(8)
                dead = HostJob(Host("silent", "127.0.0.1", silent.getsockname()[1],
                                    server.username, pin), "true", timeout=30)
                started = time.perf_counter()
                results = run_many([dead] + jobs, key, max_parallel=10, connect_timeout=3)
                elapsed = time.perf_counter() - started
            statuses = {r.status for r in results[1:]}
            print(f"{hosts} hosts + 1 silent (3 s timeout), bound 10: {elapsed:6.2f} s, "
                  f"silent={results[0].status}, others={sorted(statuses)}, "
                  f"{elapsed / timings[10]:4.1f}x the run without it")
        finally:
            server.process.terminate()
            server.process.wait(timeout=10)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
