"""Sweeps: many devices at once, a dead one does not hold the rest, shards."""
from telecentre.monitoring import poller
from telecentre.monitoring.poller import DeviceSpec
from telecentre.monitoring.snmp import Credentials, Target


def test_sweep_with_a_dead_device(snmp, sim_target, dead_target, snmpd_v3):
    specs = [DeviceSpec(kind, sim_target(kind)) for kind in ("router", "ups", "printer")]
    specs.insert(1, DeviceSpec("dead", dead_target))
    specs.append(DeviceSpec("v3", snmpd_v3))
    seen = []
    results = snmp.call(poller.sweep, snmp.client, specs, 4, seen.append)
    assert [r.device_id for r in results] == ["router", "dead", "ups", "printer", "v3"]
    by_id = {r.device_id: r for r in results}
    assert not by_id["dead"].ok and "timeout" in by_id["dead"].error.lower()
    assert all(by_id[i].ok for i in ("router", "ups", "printer", "v3"))
    assert by_id["ups"].reading.sys_name == "ups-test"
    assert sorted(r.device_id for r in seen) == sorted(by_id)


def test_sweep_of_many_devices_with_bounded_concurrency(snmp, snmpsim):
    # 60 "devices" over the six simulated communities, 8 in flight at once
    kinds = ("router", "switch", "access_point", "ups", "printer", "pc")
    specs = [DeviceSpec(n, Target("127.0.1.1", 1161, Credentials(community=kinds[n % 6])))
             for n in range(60)]
    results = snmp.call(poller.sweep, snmp.client, specs, 8)
    assert all(r.ok for r in results) and len(results) == 60


def test_discover_all_reports_errors_per_device(snmp, sim_target, dead_target):
    specs = [DeviceSpec("sw", sim_target("switch")), DeviceSpec("dead", dead_target)]
    found = snmp.call(poller.discover_all, snmp.client, specs)
    assert found[0].discovery and found[0].discovery.interfaces
    assert found[1].discovery is None and found[1].error


def test_shards_partition_devices_stably():
    ids = list(range(1000))
    shards = [[i for i in ids if poller.in_shard(i, s, 4)] for s in range(4)]
    assert sorted(i for s in shards for i in s) == ids  # each device in one shard
    assert all(150 < len(s) < 350 for s in shards)  # and spread out
    assert poller.shard_of(12345, 4) == poller.shard_of("12345", 4)
    assert poller.in_shard(7, 0, 1)
