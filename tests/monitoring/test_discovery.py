"""Discovery on loopback: three simulated devices that list each other as LLDP and CDP
neighbours (each its own snmpsim on its own address), and a subnet scan of a /29 where
snmpsim listens on some addresses only.  Run under ``flock /tmp/tc-snmp.lock``."""
import asyncio
import os
import shutil
import tempfile
import time

import pytest
from sqlalchemy import select

from telecentre.common.errors import InvalidInput
from telecentre.extensions import db
from telecentre.monitoring import discovery, simdata
from telecentre.monitoring.discovery_models import NeighbourLink, ProposedDevice
from telecentre.monitoring.models import Device
from telecentre.monitoring.proposals import (accept_proposal, discover_site, get_proposal,
                                             ignore_proposal, pending_proposals, scan_ranges,
                                             scan_site, site_links)
from telecentre.monitoring.services import credentials_for, save_device
from telecentre.monitoring.simulator import SnmpSimulator
from telecentre.sites.services import get_site
from tests.monitoring.conftest import V3_USER

PORT = 1161
COMMUNITY = "tc-disc"
CORE, FLOOR, HALL = "127.0.31.1", "127.0.31.2", "127.0.31.3"
SILENT_PC = "127.0.31.9"       # in the ARP table, no SNMP agent
OUTSIDE = "10.9.9.9"           # in the ARP table, not in the site's subnets
SCAN_RANGE = "127.0.32.0/29"
LISTENING = ["127.0.32.1", "127.0.32.2", "127.0.32.5"]
MAC = {CORE: bytes.fromhex("0011223344a1"), FLOOR: bytes.fromhex("0011223344a2"),
       HALL: bytes.fromhex("0011223344a3")}


def core_records():
    rec = simdata.base("sw-core", "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M)")
    rec |= simdata.lldp([
        {"local_port": 1, "local_name": "Gi0/1", "sys_name": "sw-floor", "chassis": MAC[FLOOR],
         "port": "ge-0/0/1", "sys_descr": "HPE OfficeConnect 1920S", "address": FLOOR},
        {"local_port": 2, "local_name": "Gi0/2", "sys_name": "ap-hall", "chassis": MAC[HALL],
         "port": "eth0", "sys_descr": "Ubiquiti UniFi U6-Lite", "address": HALL}])
    rec |= simdata.cdp([{"if_index": 10001, "device_id": "sw-floor", "address": FLOOR,
                         "port": "GigabitEthernet0/24", "platform": "cisco WS-C2960"}])
    rec |= simdata.arp([(1, FLOOR, MAC[FLOOR]), (1, HALL, MAC[HALL]),
                        (1, SILENT_PC, bytes.fromhex("0011223344b9")),
                        (2, OUTSIDE, bytes.fromhex("0011223344c9"))])
    return rec


def floor_records(with_hall=True):
    rec = simdata.base("sw-floor", "HPE OfficeConnect 1920S 24G")
    neighbours = [{"local_port": 1, "local_name": "ge-0/0/1", "sys_name": "sw-core",
                   "chassis": MAC[CORE], "port": "Gi0/1", "address": CORE}]
    if with_hall:
        neighbours.append({"local_port": 7, "local_name": "ge-0/0/7", "sys_name": "ap-hall",
                           "chassis": MAC[HALL], "port": "eth1", "address": HALL})
    rec |= simdata.lldp(neighbours)
    rec |= simdata.cdp([{"if_index": 24, "device_id": "sw-core", "address": CORE,
                         "port": "GigabitEthernet0/1", "platform": "cisco WS-C2960"}])
    return rec


def hall_records():
    rec = simdata.base("ap-hall", "Ubiquiti UniFi U6-Lite 6.6.55")
    rec |= simdata.lldp([{"local_port": 1, "local_name": "eth0", "sys_name": "sw-core",
                          "chassis": MAC[CORE], "port": "Gi0/2", "address": CORE}])
    return rec


class Lab:
    """One snmpsim per address, each serving one device under the same community."""

    def __init__(self):
        self.dirs, self.sims = {}, []

    def start(self, devices):
        for address, records in devices.items():
            path = tempfile.mkdtemp(prefix="tc-disc-")
            os.chmod(path, 0o755)
            simdata.write_snmprec(os.path.join(path, f"{COMMUNITY}.snmprec"), records)
            self.dirs[address] = path
            self.sims.append(SnmpSimulator(path, [(address, PORT)]).start())
        for sim in self.sims:
            sim.wait_ready(COMMUNITY, 15)
        return self

    def rewrite(self, address, records):
        simdata.write_snmprec(os.path.join(self.dirs[address], f"{COMMUNITY}.snmprec"), records)

    def stop(self):
        for sim in self.sims:
            sim.stop()
        for path in self.dirs.values():
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def lab():
    """sw-core, sw-floor and ap-hall on 127.0.31.1-3, listing each other as neighbours."""
    running = Lab()
    try:
        yield running.start({CORE: core_records(), FLOOR: floor_records(),
                             HALL: hall_records()})
    finally:
        running.stop()


@pytest.fixture(scope="module")
def scan_lab():
    """snmpsim on three of the six host addresses of 127.0.32.0/29."""
    path = tempfile.mkdtemp(prefix="tc-scan-")
    os.chmod(path, 0o755)
    simdata.write_snmprec(os.path.join(path, f"{COMMUNITY}.snmprec"),
                          simdata.base("printer-x", "HP LaserJet Pro M404dn"))
    sim = SnmpSimulator(path, [(a, PORT) for a in LISTENING])
    try:
        yield sim.start(ready_oid_community=COMMUNITY)
    finally:
        sim.stop()
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def config(app):
    app.config.update(DISCOVERY_SNMP_PORT=PORT, SNMP_TIMEOUT=0.5, DISCOVERY_SCAN_RATE=200)
    return app.config


@pytest.fixture
def cycow(app, create_device):
    """Cyców with 127.0.31.0/28 and 127.0.32.0/29; sw-core and sw-floor already known."""
    site = get_site("cycow")
    site.subnets = ["127.0.31.0/28", SCAN_RANGE]
    create_device(site, name="sw-core", address=CORE, port=PORT, community=COMMUNITY)
    create_device(site, name="sw-floor", address=FLOOR, port=PORT, community=COMMUNITY)
    db.session.commit()
    return site


def test_neighbours_are_linked_and_the_unknown_one_is_proposed(lab, snmp, cycow, config):
    report = discover_site(snmp, cycow, config)
    db.session.commit()
    assert (report.walked, report.failed) == (2, 0)
    # Probed: the unknown neighbour and the silent ARP entry; never the known devices
    # nor the address outside the site's subnets.
    assert sorted(report.sent) == [HALL, SILENT_PC]
    [proposal] = pending_proposals()
    assert (proposal.address, proposal.found_by, proposal.sys_name) == (HALL, "lldp", "ap-hall")
    assert proposal.via_device.name == "sw-core"
    assert proposal.sys_descr == "Ubiquiti UniFi U6-Lite 6.6.55"  # from the probe
    assert (proposal.suggested_kind, proposal.snmp_version, proposal.port) == (
        "access_point", "2c", PORT)

    rows = {(link.device.name, link.protocol, link.local_port): link
            for link in site_links(cycow)}
    assert set(rows) == {("sw-core", "lldp", "Gi0/1"), ("sw-core", "lldp", "Gi0/2"),
                         ("sw-core", "cdp", "10001"), ("sw-floor", "lldp", "ge-0/0/1"),
                         ("sw-floor", "lldp", "ge-0/0/7"), ("sw-floor", "cdp", "24")}
    to_floor = rows[("sw-core", "lldp", "Gi0/1")]
    assert (to_floor.neighbour_name, to_floor.neighbour_port, to_floor.neighbour_address,
            to_floor.neighbour_device.name) == ("sw-floor", "ge-0/0/1", FLOOR, "sw-floor")
    cdp = rows[("sw-core", "cdp", "10001")]
    assert (cdp.neighbour_port, cdp.neighbour_platform, cdp.neighbour_address) == (
        "GigabitEthernet0/24", "cisco WS-C2960", FLOOR)
    assert rows[("sw-core", "lldp", "Gi0/2")].neighbour_device is None  # not a device yet


def test_accepted_proposal_becomes_a_device(lab, snmp, cycow, config):
    discover_site(snmp, cycow, config)
    db.session.commit()
    proposal = get_proposal(pending_proposals()[0].id)
    device = accept_proposal(None, proposal, "", "access_point")
    db.session.commit()
    device = db.session.get(Device, device.id)
    assert (device.name, device.kind, device.address, device.port, device.site.slug) == (
        "ap-hall", "access_point", HALL, PORT, "cycow")
    assert credentials_for(device).community == COMMUNITY
    assert proposal.status == "accepted" and proposal.device_id == device.id
    # The next run walks ap-hall too, proposes nothing, and links sw-core to it.
    report = discover_site(snmp, cycow, config)
    db.session.commit()
    assert report.walked == 3 and report.proposed == [] and pending_proposals() == []
    link = db.session.scalar(select(NeighbourLink).where(NeighbourLink.local_port == "Gi0/2"))
    assert link.neighbour_device_id == device.id
    with pytest.raises(InvalidInput):
        get_proposal(proposal.id)


def test_ignored_proposal_is_not_proposed_again(lab, snmp, cycow, config):
    discover_site(snmp, cycow, config)
    db.session.commit()
    ignore_proposal(None, get_proposal(pending_proposals()[0].id))
    db.session.commit()
    report = discover_site(snmp, cycow, config)
    db.session.commit()
    assert report.proposed == [] and pending_proposals() == []
    assert HALL not in report.sent  # not even probed again
    [row] = db.session.scalars(select(ProposedDevice)).all()
    assert (row.address, row.status) == (HALL, "ignored")


def test_links_not_seen_again_are_removed(lab, snmp, cycow, config):
    discover_site(snmp, cycow, config)
    db.session.commit()
    lab.rewrite(FLOOR, floor_records(with_hall=False))
    try:
        deadline = time.monotonic() + 15  # snmpsim re-reads a data file whose mtime changed
        while True:
            discover_site(snmp, cycow, config)
            db.session.commit()
            ports = {link.local_port for link in site_links(cycow)
                     if link.device.name == "sw-floor"}
            if "ge-0/0/7" not in ports or time.monotonic() > deadline:
                break
        assert ports == {"ge-0/0/1", "24"}
    finally:
        lab.rewrite(FLOOR, floor_records())


def test_the_daily_job_reads_every_site_with_devices_on_the_task_queue(lab, cycow, config):
    from telecentre.monitoring.jobs import daily_neighbours
    assert daily_neighbours() == "1 sites sent"  # tasks run where they are sent in tests
    db.session.rollback()
    assert len(site_links(cycow)) == 6
    assert [p.address for p in pending_proposals()] == [HALL]


def test_scan_finds_exactly_the_listening_addresses(scan_lab, snmp, cycow, config):
    app_config = dict(config, DISCOVERY_COMMUNITIES=[COMMUNITY])
    report = scan_site(snmp, cycow, [SCAN_RANGE], app_config)
    db.session.commit()
    # Every host address of the /29 probed once (one set of credentials), nothing else.
    assert sorted(report.sent) == [f"127.0.32.{i}" for i in range(1, 7)]
    assert sorted(report.proposed) == LISTENING
    rows = db.session.scalars(select(ProposedDevice).order_by(ProposedDevice.address)).all()
    assert [(r.address, r.found_by, r.sys_name, r.suggested_kind) for r in rows] == [
        (a, "scan", "printer-x", "printer") for a in LISTENING]


def test_scan_tries_the_v3_users_of_known_devices(snmpd, snmp, cycow, config):
    user, auth_key, priv_key = V3_USER
    cycow.subnets = [*cycow.subnets, "127.0.2.0/30"]
    save_device(None, cycow, {"name": "ups-v3", "kind": "ups", "address": "127.0.2.2",
                              "port": str(PORT), "snmp_version": "3", "v3_user": user,
                              "v3_auth_key": auth_key, "v3_priv_key": priv_key})
    db.session.commit()
    report = scan_site(snmp, cycow, ["127.0.2.0/30"], config)
    db.session.commit()
    # 127.0.2.2 is known (not probed); snmpd on 127.0.2.1 ignores the v2c community
    # and answers the v3 user.
    assert report.sent == ["127.0.2.1", "127.0.2.1"]
    [row] = pending_proposals()
    assert (row.address, row.snmp_version, row.v3_user, row.community_secret) == (
        "127.0.2.1", "3", user, None)
    device = accept_proposal(None, row, "snmpd-host", "pc")
    db.session.commit()
    c = credentials_for(device)
    assert (c.version, c.user, c.auth_key, c.priv_key) == ("3", user, auth_key, priv_key)


@pytest.mark.parametrize("ranges, words", [
    (["127.0.28.0/21"], "too large"),
    (["127.0.40.0/29"], "not inside the subnets"),
    (["no-such-range"], "is not a range"),
])
def test_scan_ranges_are_refused_with_a_clear_message(app, cycow, config, ranges, words):
    with app.test_request_context(headers={"Accept-Language": "en"}), \
            pytest.raises(InvalidInput) as exc:
        scan_ranges(cycow, ranges, config)
    assert words in exc.value.message
    assert db.session.scalar(select(ProposedDevice)) is None


def test_scan_ranges_default_to_the_site_subnets(cycow, config):
    assert scan_ranges(cycow, [], config) == ["127.0.31.0/28", SCAN_RANGE]
    assert scan_ranges(cycow, ["127.0.32.4/30"], config) == ["127.0.32.4/30"]


class FakeClock:
    """Time that moves only when the limiter sleeps."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    async def sleep(self, seconds):
        self.now += seconds


@pytest.mark.parametrize("rate, burst", [(10, 1), (50, 5), (3, 1)])
def test_rate_limiter_never_lets_more_than_the_rate_through(rate, burst):
    clock = FakeClock()
    limiter = discovery.RateLimiter(rate, burst=burst, clock=clock, sleep=clock.sleep)
    sent = []

    async def send_all():
        async def one():
            await limiter.acquire()
            sent.append(clock.now)
        await asyncio.gather(*(one() for _ in range(4 * rate)))
    asyncio.run(send_all())
    assert limiter.granted == len(sent) == 4 * rate
    # In any window of one second at most rate + burst sends (a token bucket's bound).
    for i, start in enumerate(sent):
        assert sum(1 for t in sent[i:] if t <= start + 1.0) <= rate + burst
    assert sent[-1] - sent[0] >= (4 * rate - burst) / rate - 1e-9


def test_rate_limiter_does_not_wait_when_sends_are_far_apart():
    clock = FakeClock()
    limiter = discovery.RateLimiter(10, clock=clock, sleep=clock.sleep)
    waits = []
    for _ in range(5):
        waits.append(limiter.reserve())
        clock.now += 1
    assert waits == [0.0] * 5


def test_parsing_keeps_mac_addresses_readable_and_skips_invalid_arp():
    assert discovery.display(bytes.fromhex("0011223344a1")) == "00:11:22:33:44:a1"
    assert discovery.display(b"eth0/1") == "eth0/1"
    tables = {"1.3.6.1.2.1.4.22.1.2": {"1.10.0.0.5": b"x", "1.10.0.0.6": b"y"},
              "1.3.6.1.2.1.4.22.1.4": {"1.10.0.0.6": 2}}
    assert discovery.arp_addresses(tables) == {"10.0.0.5"}
    assert discovery.suggest_kind("APC Web/SNMP Management Card (Smart-UPS 1500)") == "ups"
    assert discovery.suggest_kind("", found_by="lldp") == "switch"
