"""Real SNMP agents on loopback for the monitoring tests.

snmpsim (127.0.1.1:1161) serves one simulated device per community, from
data files this module writes; tests that need a device to change (reboot,
counter wrap) rewrite its file and snmpsim re-reads it.  net-snmp's snmpd
(127.0.2.1:1161) is the real agent for SNMPv3 authPriv and for this host's
own MIB tables.  127.0.1.250:1199 has nothing listening: the dead device.
"""
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from telecentre.monitoring import simdata
from telecentre.monitoring.simulator import NetSnmpd, SnmpSimulator
from telecentre.monitoring.snmp import Credentials, SnmpRunner, Target

SIM_ENDPOINT = ("127.0.1.1", 1161)
SNMPD_ENDPOINT = ("127.0.2.1", 1161)
DEAD_ENDPOINT = ("127.0.1.250", 1199)
SNMPD_COMMUNITY = "tc-public"
V3_USER = ("tcmonitor", "auth-secret-1", "priv-secret-1")
KINDS = ("router", "switch", "access_point", "ups", "printer", "pc")
# snmpsim learns its data files (communities) at start; tests that rewrite a
# device's data use one of these, created up front.
SCRATCH = ("wrapsw", "rebooter", "flappy", "alerting", "narrow")
# Recordings of real device families (tests/monitoring/recordings/<name>.snmprec),
# served under their file name as the community.
RECORDINGS = Path(__file__).with_name("recordings")


@pytest.fixture(scope="session")
def sim_dir():
    """Directory of .snmprec files readable by snmpsim's unprivileged user."""
    path = tempfile.mkdtemp(prefix="tc-snmpsim-")
    os.chmod(path, 0o755)
    for kind in KINDS:
        simdata.write_snmprec(os.path.join(path, f"{kind}.snmprec"),
                              simdata.profile(kind, f"{kind}-test"))
    for name in SCRATCH:
        simdata.write_snmprec(os.path.join(path, f"{name}.snmprec"),
                              simdata.profile("router", name))
    for recording in RECORDINGS.glob("*.snmprec"):
        simdata.write_snmprec(os.path.join(path, recording.name),
                              simdata.read_snmprec(recording))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def snmpsim(sim_dir):
    """A running snmpsim serving every file in ``sim_dir``."""
    sim = SnmpSimulator(sim_dir, [SIM_ENDPOINT])
    try:
        sim.start(ready_oid_community="router")
        yield sim
    finally:
        sim.stop()


@pytest.fixture(scope="session")
def snmpd():
    """A running net-snmp snmpd with a v2c community and a v3 authPriv user."""
    agent = NetSnmpd([SNMPD_ENDPOINT], community=SNMPD_COMMUNITY, v3_user=V3_USER)
    try:
        agent.start()
        yield agent
    finally:
        agent.stop()


@pytest.fixture(scope="session")
def snmp():
    """One SNMP engine on its own loop for the whole test session."""
    r = SnmpRunner(timeout=0.5, retries=1)
    yield r
    r.close()


@pytest.fixture
def sim_target(snmpsim):
    """``sim_target("ups")`` -> Target of the simulated device of that name."""
    def make(name):
        return Target(*SIM_ENDPOINT, Credentials(community=name))
    return make


@pytest.fixture
def sim_device(sim_dir, snmpsim):
    """Give a scratch device new data; returns (Target, rewrite(records))."""
    def make(name, records):
        assert name in SCRATCH, "snmpsim only serves files present at its start"
        path = os.path.join(sim_dir, f"{name}.snmprec")
        simdata.write_snmprec(path, records)
        return (Target(*SIM_ENDPOINT, Credentials(community=name)),
                lambda new: simdata.write_snmprec(path, new))
    return make


@pytest.fixture
def snmpd_v2c(snmpd):
    """Target of snmpd over SNMPv2c."""
    return Target(*SNMPD_ENDPOINT, Credentials(community=SNMPD_COMMUNITY))


@pytest.fixture
def snmpd_v3(snmpd):
    """Target of snmpd over SNMPv3 authPriv (SHA/AES)."""
    user, auth_key, priv_key = V3_USER
    return Target(*SNMPD_ENDPOINT, Credentials(version="3", user=user, auth_key=auth_key,
                                               priv_key=priv_key))


@pytest.fixture
def dead_target():
    """An address where nothing listens."""
    return Target(*DEAD_ENDPOINT, Credentials(community="public"))
