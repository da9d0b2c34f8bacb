"""``make demo``: simulated SNMP devices for all seven sites, one failing now and then.

``seed()`` gives each site a loopback /28 (added to its subnets) and imports
``demo_devices.csv``; ``start(app, processes)`` launches
``python -m telecentre.monitoring.demo DIR`` which runs snmpsim for every
device (uptime and traffic grow, CPU wanders) and, every
``TELECENTRE_DEMO_FAIL_PERIOD`` seconds (default 600), takes Ludwin's access
point off the air for a third of the period (it comes back rebooted) and puts
Spiczyn's UPS on battery for a fifth.
"""
from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from telecentre.monitoring import simdata
from telecentre.monitoring.simulator import SnmpSimulator

CSV_PATH = Path(__file__).with_name("demo_devices.csv")
SITES = ("starostwo", "leczna", "cycow", "milejow", "ludwin", "puchaczow", "spiczyn")
KINDS = ("router", "switch", "access_point", "ups", "printer")
FLAKY, ON_BATTERY = "ludwin-access_point", "spiczyn-ups"
PORT = 1161


def subnet(slug: str) -> str:
    """The loopback /28 of a demo site: 127.0.1.16/28 for the first, and so on."""
    return f"127.0.1.{16 * (SITES.index(slug) + 1)}/28"


def demo_rows() -> list[dict]:
    """The demo devices: five per site, each its own loopback address and community."""
    rows = []
    for slug in SITES:
        base = 16 * (SITES.index(slug) + 1)
        for n, kind in enumerate(KINDS, start=1):
            rows.append({"site": slug, "name": f"{kind.replace('_', '-')}-{slug}", "kind": kind,
                         "address": f"127.0.1.{base + n}", "port": PORT, "snmp_version": "2c",
                         "community": f"{slug}-{kind}"})
    return rows


def write_csv(path: Path = CSV_PATH) -> None:
    """(Re)write the demo devices' CSV, the same format ``devices import`` reads."""
    rows = demo_rows()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def seed() -> None:
    """Give the demo sites loopback subnets and import the demo devices (idempotent)."""
    from telecentre.monitoring.importer import import_devices
    from telecentre.sites.services import get_site, set_subnets
    for slug in SITES:
        site = get_site(slug)
        if subnet(slug) not in (site.subnets or []):
            set_subnets(None, site, list(site.subnets or []) + [subnet(slug)])
    import_devices(None, CSV_PATH.read_text(encoding="utf-8"))


def start(app, processes: list) -> None:
    """Start the simulated devices as a child process of the demo."""
    data_dir = Path(app.instance_path) / "demo-snmp"
    processes.append(subprocess.Popen([sys.executable, "-m", "telecentre.monitoring.demo",
                                       str(data_dir)]))


def _records(row: dict, on_battery: bool = False) -> dict:
    records = simdata.profile(row["kind"], row["name"], live=True)
    if row["kind"] == "ups" and on_battery:
        records |= simdata.ups(on_battery=True, charge=64, minutes=18)
    return records


def run(data_dir: str, period: float) -> None:
    """Serve every demo device until SIGTERM, failing the two chosen ones in turn."""
    scratch = None
    if os.geteuid() == 0:
        # snmpsim drops to "nobody", who may not reach the instance folder.
        data_dir = scratch = tempfile.mkdtemp(prefix="telecentre-demo-snmp-")
    main_dir, flaky_dir = Path(data_dir, "all"), Path(data_dir, "flaky")
    for d in (main_dir, flaky_dir):
        d.mkdir(parents=True, exist_ok=True)
        os.chmod(d, 0o755)
    os.chmod(data_dir, 0o755)
    rows = {r["community"]: r for r in demo_rows()}
    for community, row in rows.items():
        target = flaky_dir if community == FLAKY else main_dir
        simdata.write_snmprec(str(target / f"{community}.snmprec"), _records(row))
    endpoints = [(r["address"], PORT) for c, r in rows.items() if c != FLAKY]
    flaky_endpoint = [(rows[FLAKY]["address"], PORT)]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    main = SnmpSimulator(str(main_dir), endpoints).start()
    flaky = SnmpSimulator(str(flaky_dir), flaky_endpoint).start()
    ups_file = str(main_dir / f"{ON_BATTERY}.snmprec")
    battery = False
    try:
        started = time.monotonic()
        while not stop:
            phase = ((time.monotonic() - started) % period) / period
            want_down, want_battery = 0.5 <= phase < 0.83, 0.1 <= phase < 0.3
            if want_down and flaky.process and flaky.process.poll() is None:
                flaky.stop()
            elif not want_down and (flaky.process is None or flaky.process.poll() is not None):
                flaky = SnmpSimulator(str(flaky_dir), flaky_endpoint).start()
            if want_battery != battery:
                battery = want_battery
                simdata.write_snmprec(ups_file, _records(rows[ON_BATTERY], on_battery=battery))
            time.sleep(1)
    finally:
        flaky.stop()
        main.stop()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    run(sys.argv[1], float(os.environ.get("TELECENTRE_DEMO_FAIL_PERIOD", "600")))
