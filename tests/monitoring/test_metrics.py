"""Rates, counter wraps and reboots: units, then against a live snmpsim agent."""
from telecentre.monitoring import checks, poller, simdata
from telecentre.monitoring.metrics import counter_delta, derive
from telecentre.monitoring.readings import Reading

MAX64 = (1 << 64) - 1


def test_counter_delta_plain_wrap_and_reset():
    assert counter_delta(100, 250, 64) == 150
    assert counter_delta(MAX64 - 99, 400, 64) == 500          # wrapped past 2^64
    assert counter_delta((1 << 32) - 10, 5, 32) == 15          # Counter32 wrap
    assert counter_delta(5_000_000, 10, 64) is None            # reset, not a wrap
    assert counter_delta(None, 10, 64) is None


def test_uptime_going_backwards_is_a_reboot_but_its_wrap_is_not():
    before = Reading(at=1000.0, uptime_ticks=500_000)
    assert derive(before, Reading(at=1060.0, uptime_ticks=200)).rebooted
    assert not derive(before, Reading(at=1060.0, uptime_ticks=506_000)).rebooted
    # TimeTicks wrap after 497 days: 2^32 - 1000 ticks, then 5000 ticks 60 s later.
    near_wrap = Reading(at=1000.0, uptime_ticks=(1 << 32) - 1000)
    assert not derive(near_wrap, Reading(at=1060.0, uptime_ticks=5000)).rebooted
    # ... but 10 minutes later an uptime of 0.5 s is a reboot, wrap or not.
    assert derive(near_wrap, Reading(at=1600.0, uptime_ticks=50)).rebooted


def test_unreachable_has_only_reachability():
    h = derive(Reading(at=1.0, uptime_ticks=5), None)
    assert not h.reachable and h.metrics == {"reachable": 0.0}


def _switch(uptime, in_octets, out_octets, errors=0):
    ports = [{"name": "uplink", "in": in_octets, "out": out_octets, "in_errors": errors}]
    return simdata.base("wrap-sw", "test switch", uptime=uptime) | simdata.interfaces(ports)


def _poll(snmp, target, discovery):
    result = snmp.call(poller.poll_device, snmp.client,
                         poller.DeviceSpec("x", target, discovery))
    assert result.ok, result.error
    return result.reading


def test_counter64_wrap_on_a_live_agent(snmp, sim_device):
    target, rewrite = sim_device("wrapsw", _switch(1_000_000, MAX64 - 999, 2_000, errors=7))
    d = snmp.call(checks.discover, snmp.client, target)
    first = _poll(snmp, target, d)
    assert first.interfaces["1"]["in_octets"] == MAX64 - 999
    # 5 s later on the device's clock the counter has wrapped past 2^64.
    rewrite(_switch(1_000_500, 4_000, 7_000, errors=17))
    second = _poll(snmp, target, d)
    assert second.interfaces["1"]["in_octets"] == 4_000
    h = derive(first, second)
    assert not h.rebooted
    assert h.interfaces["1"]["in_bps"] == 5_000 * 8 / 5   # 1000 to the wrap + 4000
    assert h.interfaces["1"]["out_bps"] == 5_000 * 8 / 5
    assert h.metrics["if_errors_per_s"] == 2.0             # 10 errors in 5 s


def test_reboot_on_a_live_agent(snmp, sim_device):
    target, rewrite = sim_device("rebooter", _switch(9_000_000, 800_000, 900_000))
    d = snmp.call(checks.discover, snmp.client, target)
    first = _poll(snmp, target, d)
    rewrite(_switch(1_200, 3_000, 2_000))  # came back up 12 s ago, counters reset
    second = _poll(snmp, target, d)
    h = derive(first, second)
    assert h.rebooted and h.metrics["rebooted"] == 1.0
    assert "in_bps" not in h.interfaces["1"]  # no rate across a reboot
    third = _poll(snmp, target, d)
    assert not derive(second, third).rebooted
