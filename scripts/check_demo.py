"""Check that ``make demo`` from a fresh clone is alive: a running session at every site.

    python scripts/check_demo.py [--port 5391] [--limit 120] [--source .]

Clones the repository (its committed HEAD) into a temporary folder, runs
``make demo`` there, and, once the dashboard answers, signs in as the demo
admin through the API and reads every site's live room
(``/api/v1/console/sites/<slug>/room``) until each has at least one running
session, at most ``--limit`` seconds. It also checks that a queue and later
bookings are there and that the logins were printed after the start-up noise.
Prints the times it measured and exits 0 when all holds, 1 otherwise. Stops
the demo (its whole process group) in every case. Run it at any hour: the demo
opens its sites around the clock.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SITES = ("starostwo", "leczna", "cycow", "milejow", "ludwin", "puchaczow", "spiczyn")


def _get(url: str, token: str | None = None, data: dict | None = None):
    request = urllib.request.Request(url, data=json.dumps(data).encode() if data else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"}
                                                 if token else {})})
    with urllib.request.urlopen(request, timeout=10) as reply:  # nosec B310 - loopback only
        return json.loads(reply.read() or b"null")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5391)
    parser.add_argument("--limit", type=float, default=120.0,
                        help="seconds from the dashboard's first answer")
    parser.add_argument("--source", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            print(f"FAIL: something already listens on port {args.port}; pick another --port")
            return 1
    with tempfile.TemporaryDirectory(prefix="telecentre-demo-check-") as tmp:
        clone = Path(tmp, "clone")
        subprocess.run(["git", "clone", "-q", args.source, str(clone)], check=True)
        log = open(Path(tmp, "demo.log"), "w+b")  # noqa: SIM115
        began = time.monotonic()
        demo = subprocess.Popen(["make", "demo", f"PORT={args.port}"], cwd=clone,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            return _check(base, clone, demo, began, args.limit, log)
        finally:
            os.killpg(demo.pid, signal.SIGINT)
            try:
                demo.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(demo.pid, signal.SIGKILL)
            log.close()


def _check(base, clone, demo, began, limit, log) -> int:
    served = None
    while served is None:
        if demo.poll() is not None:
            log.seek(0)
            print(log.read().decode(errors="replace")[-3000:])
            print("FAIL: make demo ended", demo.returncode)
            return 1
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)  # nosec B310
            served = time.monotonic()
        except OSError:
            time.sleep(1)
    print(f"dashboard answers after {served - began:.0f} s (venv, install, seed included)")
    logins = Path(clone, "instance", "demo-logins.txt")
    admin = next(line.split("\t") for line in logins.read_text().splitlines()
                 if line.startswith("admin\t"))
    token = _get(f"{base}/api/v1/auth/token", data={"login": admin[0], "password": admin[2]})
    token = token.get("token") or token.get("access_token")
    busy: dict[str, int] = {}
    rooms: dict[str, dict] = {}
    while time.monotonic() - served < limit:
        for slug in SITES:
            rooms[slug] = _get(f"{base}/api/v1/console/sites/{slug}/room", token)
            busy[slug] = sum(1 for s in rooms[slug]["seats"] if s["session"])
        if all(busy.values()):
            break
        time.sleep(2)
    took = time.monotonic() - served
    print("running sessions per site:", busy)
    if not all(busy.values()):
        print(f"FAIL: a site has no running session {limit:.0f} s after the dashboard answered")
        print(_tail(log).decode(errors="replace")[-3000:])
        for agent_log in sorted(Path(clone, "instance", "demo-agents").glob("*.log"))[:3]:
            print(agent_log.name, agent_log.read_text(errors="replace")[-500:])
        return 1
    print(f"every site has a running session {took:.0f} s after the dashboard answered")
    later = sum(1 for room in rooms.values() for s in room["seats"]
                if s["next_booking"] and not s["session"])
    print(f"seats with a booking later: {later}; day counts at cycow: {rooms['cycow']['counts']}")
    printed = time.monotonic()
    while time.monotonic() - printed < 30 and b"password:" not in _tail(log):
        time.sleep(1)
    text = _tail(log).decode(errors="replace")
    last = text.rstrip().splitlines()[-6:]
    if not any("password:" in line for line in last) or "Package would be ignored" in text:
        print("FAIL: the logins are not the last thing printed, or setuptools warned:")
        print("\n".join(last))
        return 1
    print("logins printed last; no setuptools 'Package would be ignored' warning")
    return 0


def _tail(log) -> bytes:
    log.flush()
    log.seek(0)
    return log.read()


if __name__ == "__main__":
    sys.exit(main())
