"""The demo piece: its CSV, the seed, and the simulated devices answering."""
import csv
import subprocess
import sys
import time

from sqlalchemy import func, select

from telecentre.extensions import db
from telecentre.monitoring import demo
from telecentre.monitoring.models import Device
from telecentre.monitoring.snmp import Credentials, SnmpTimeout, Target


def test_csv_matches_the_generator():
    with open(demo.CSV_PATH, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [{k: str(v) for k, v in r.items()} for r in demo.demo_rows()]
    assert len({r["site"] for r in rows}) == 7


def test_seed_gives_sites_subnets_and_imports_devices(app, site):
    site("cycow").subnets = ["10.20.3.0/24"]
    db.session.commit()
    demo.seed()
    demo.seed()  # idempotent
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Device)) == 35
    assert site("cycow").subnets == ["10.20.3.0/24", "127.0.1.48/28"]


def test_demo_devices_answer(tmp_path, snmp):
    proc = subprocess.Popen([sys.executable, "-m", "telecentre.monitoring.demo",
                             str(tmp_path / "demo")], start_new_session=True)
    router = Target("127.0.1.49", demo.PORT, Credentials(community="cycow-router"))
    try:
        values = None
        deadline = time.monotonic() + 20
        while values is None and time.monotonic() < deadline:
            try:
                values = snmp.get(router, ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.31.1.1.1.6.1"])
            except SnmpTimeout:
                time.sleep(0.3)
        assert values["1.3.6.1.2.1.1.5.0"] == b"router-cycow"
        assert values["1.3.6.1.2.1.31.1.1.1.6.1"] >= 10_000_000
    finally:
        proc.terminate()
        proc.wait(15)
