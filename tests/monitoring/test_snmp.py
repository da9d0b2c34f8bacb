"""The pysnmp adapter against real agents: v2c, v3 authPriv, batching, walks."""
import pytest

from telecentre.monitoring import oids as O
from telecentre.monitoring.snmp import Credentials, SnmpError, SnmpTimeout, Target


def test_v2c_get_returns_plain_values(snmp, sim_target):
    values = snmp.get(sim_target("router"), [O.SYS_NAME, O.SYS_UPTIME, "1.3.6.1.2.1.1.99.0"])
    assert values[O.SYS_NAME] == b"router-test"
    assert values[O.SYS_UPTIME] == 8_640_000
    assert values["1.3.6.1.2.1.1.99.0"] is None  # noSuchObject


def test_v3_authpriv_against_snmpd(snmp, snmpd_v3):
    values = snmp.get(snmpd_v3, [O.SYS_NAME, O.SYS_UPTIME])
    assert values[O.SYS_NAME]
    assert isinstance(values[O.SYS_UPTIME], int)


def test_v3_wrong_key_is_an_error_not_a_hang(snmp, snmpd_v3):
    c = snmpd_v3.credentials
    wrong = Target(snmpd_v3.address, snmpd_v3.port,
                   Credentials(version="3", user=c.user, auth_key="not-the-key",
                               priv_key=c.priv_key))
    with pytest.raises(SnmpError):
        snmp.get(wrong, [O.SYS_NAME])


def test_v3_credentials_are_validated():
    with pytest.raises(ValueError):
        Credentials(version="3", user="u", auth_key="short", priv_key="long-enough")
    with pytest.raises(ValueError):
        Credentials(version="1")


def test_get_is_batched_above_25_varbinds(snmp, snmpd_v2c):
    # 80 objects: more than one PDU; every one must come back.
    wanted = [f"{O.IF_OPER_STATUS}.{i}" for i in range(1, 81)]
    values = snmp.get(snmpd_v2c, wanted)
    assert list(values) == wanted
    assert values[f"{O.IF_OPER_STATUS}.1"] == 1  # lo is up


def test_getbulk_walk_of_several_columns(snmp, snmpd_v2c):
    tables = snmp.walk(snmpd_v2c, [O.IF_DESCR, O.IF_TYPE, "1.3.6.1.2.1.999"])
    assert tables[O.IF_DESCR]["1"] == b"lo"
    assert tables[O.IF_TYPE]["1"] == 24
    assert set(tables[O.IF_DESCR]) == set(tables[O.IF_TYPE])
    assert tables["1.3.6.1.2.1.999"] == {}


def test_walk_over_many_rows_pages_through_getbulk(snmp, snmpd_v2c):
    # hrSWRunName has more rows than one GETBULK of 20 repetitions returns.
    column = "1.3.6.1.2.1.25.4.2.1.2"
    rows = snmp.walk(snmpd_v2c, [column])[column]
    assert len(rows) > 20
    assert len(rows) == len(set(rows))


def test_dead_device_times_out(snmp, dead_target):
    with pytest.raises(SnmpTimeout):
        snmp.get(dead_target, [O.SYS_UPTIME])


def test_unknown_community_on_snmpsim_times_out(snmp, snmpsim):
    # snmpsim, like most agents, drops requests with a wrong community.
    with pytest.raises(SnmpTimeout):
        snmp.get(Target("127.0.1.1", 1161, Credentials(community="nope")), [O.SYS_UPTIME])


def test_toobig_halves_the_request_until_it_fits(snmp, snmpd_v2c, monkeypatch):
    # An agent whose responses fit 3 varbinds at most: simulate its tooBig
    # answer in front of the real request to snmpd.
    client = snmp.client
    real = client._get_request
    sizes = []

    async def small_agent(target, oids):
        sizes.append(len(oids))
        if len(oids) > 3:
            return 1, 0, []  # error-status tooBig(1)
        return await real(target, oids)

    monkeypatch.setattr(client, "_get_request", small_agent)
    wanted = [f"{O.IF_OPER_STATUS}.{i}" for i in range(1, 11)]
    values = snmp.get(snmpd_v2c, wanted)
    assert list(values) == wanted
    assert sizes[0] == 10 and max(sizes[1:]) <= 5 and sizes.count(3) + sizes.count(2) >= 4


def test_prepare_registers_targets_with_the_engine_once(snmp):
    # Nothing is sent: prepare only registers the targets (one transport-map
    # rebuild for a whole cold sweep instead of one per new device).
    from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD

    targets = [Target(f"127.0.3.{i}", 1161, Credentials(community="prepare-test"))
               for i in range(1, 6)]

    async def prepare(client, batch, walks=True):
        return await client.prepare(batch, walks=walks)

    # Their GETs take the fast v2c lane: only walks need the engine to know them.
    assert snmp.run(prepare, targets, False) == 0
    assert snmp.run(prepare, targets) == 5
    assert snmp.run(prepare, targets + targets[:2]) == 0
    registered = {key[2] for key in LCD._get_cache(snmp.client.engine)["addr"]}
    assert {(t.address, t.port) for t in targets} <= registered
