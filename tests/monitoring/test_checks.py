"""Discovery walks and the poll's decoding, against simulated and real agents."""
import time

from telecentre.monitoring import checks, metrics, poller
from telecentre.monitoring.checks import Discovery
from telecentre.monitoring.readings import Reading, read


def discover(snmp, target):
    return snmp.call(checks.discover, snmp.client, target)


def poll(snmp, target, discovery):
    result = snmp.call(poller.poll_device, snmp.client,
                         poller.DeviceSpec("d", target, discovery))
    assert result.ok, result.error
    return result.reading


def test_switch_interfaces_and_temperature(snmp, sim_target):
    d = discover(snmp, sim_target("switch"))
    assert d.sys_descr.startswith("HPE")
    assert list(d.interfaces) == [str(i) for i in range(1, 11)]
    assert d.entity_sensors == {"1": [9, 1]}
    r = poll(snmp, sim_target("switch"), d)
    assert r.sys_name == "switch-test"
    assert r.interfaces["1"]["oper_up"] and r.interfaces["1"]["in_octets"] == 10_000_000
    assert r.interfaces["8"]["admin_up"] is False
    assert r.temperature_c == 45.2  # 452 tenths, ENTITY-SENSOR-MIB precision 1


def test_ups_on_mains(snmp, sim_target):
    d = discover(snmp, sim_target("ups"))
    assert d.ups and not d.interfaces
    h = metrics.derive(None, poll(snmp, sim_target("ups"), d))
    assert h.metrics["ups_on_battery"] == 0
    assert h.metrics["ups_charge_percent"] == 100
    assert h.metrics["ups_minutes_left"] == 45


def test_printer_supply_levels(snmp, sim_target):
    d = discover(snmp, sim_target("printer"))
    assert d.supplies == {"1.1": "Black Toner Cartridge HP 59A", "1.2": "Imaging Drum"}
    r = poll(snmp, sim_target("printer"), d)
    assert r.supplies["1.1"]["percent"] == 62.0
    assert metrics.derive(None, r).metrics["supply_min_percent"] == 62.0


def test_pc_host_resources_and_ucd(snmp, sim_target):
    d = discover(snmp, sim_target("pc"))
    assert list(d.interfaces) == ["2"]  # the loopback interface is left out
    assert d.processors == ["196608", "196609"] and d.ucd
    assert set(d.storage) == {"1", "31"} and d.lm_sensors == ["1"]
    m = metrics.derive(None, poll(snmp, sim_target("pc"), d)).metrics
    assert m["cpu_percent"] == 16.0
    assert m["storage_max_percent"] == 45.0
    assert m["load1"] == 0.35
    assert m["temperature_c"] == 48.0
    assert 0 < m["memory_used_percent"] < 100


def test_real_snmpd_host_discovery(snmp, snmpd_v2c):
    d = discover(snmp, snmpd_v2c)
    assert d.ucd and d.sys_descr
    assert d.storage  # this machine has RAM and a disk in HOST-RESOURCES-MIB
    m = metrics.derive(None, poll(snmp, snmpd_v2c, d)).metrics
    assert m["memory_used_percent"] > 0 and m["load1"] >= 0


def test_poll_of_a_big_device_is_split_but_complete():
    d = Discovery(interfaces={str(i): f"port{i}" for i in range(1, 49)})
    oids = checks.poll_oids(d)
    assert len(oids) == 2 + 48 * 6
    assert len(set(oids)) == len(oids)


def test_discovery_round_trips_through_json_dicts(snmp, sim_target):
    d = discover(snmp, sim_target("pc"))
    assert Discovery.from_dict(d.to_dict()) == d
    r = read(d, {}, time.time())
    assert Reading.from_dict(r.to_dict()) == r
