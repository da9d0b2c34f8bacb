"""Device profiles against recordings of real device families, polled over UDP.

Each recording in tests/monitoring/recordings/ is served by snmpsim under its
file name as the community.  A device is discovered (which picks its profile),
polled three times (the most any rule waits before opening an alert) and its
figures are compared with the values in the recording; the alert rules of its
kind must open exactly the alerts the recording calls for (the Catalyst really
is at 97 % processor load) and nothing else.
"""
from pathlib import Path

import pytest

from telecentre.monitoring import checks, metrics, poller, profiles, simdata, thresholds
from telecentre.monitoring.readings import Reading

RECORDINGS = Path(__file__).with_name("recordings")
# recording -> (device kind, profile, figures, {ifIndex: (in, out, counter bits, bit/s)},
#               alerts the recording rightly raises)
FAMILIES = {
    "cisco-catalyst": ("switch", "cisco-ios",
                       {"cpu_percent": 97.0, "memory_used_percent": 52.6, "temperature_c": 41.0},
                       {"1": (12492705826, 5498423785, 64, 100_000_000)}, {"cpu"}),
    "hp-procurve": ("switch", "hp-procurve",
                    {"cpu_percent": 23.0, "memory_used_percent": 40.0, "interfaces_down": 1.0},
                    {"55": (912837465123, 1203948576234, 64, 10_000_000_000)}, set()),
    "mikrotik-hap": ("router", "mikrotik",
                     {"cpu_percent": 21.0, "memory_used_percent": 41.5, "temperature_c": 38.5},
                     {"3": (6422347895, 358657426, 64, 100_000_000)}, set()),
    "ubiquiti-airos": ("access_point", "ubiquiti",
                       {"cpu_percent": 7.0, "memory_used_percent": 54.6},
                       {"2": (1938271234, 3948576012, 32, 100_000_000),
                        "5": (2837465123, 1029384756, 32, None)}, set()),
    "juniper-ex4200": ("switch", "juniper",
                       {"cpu_percent": 3.0, "memory_used_percent": 51.0, "temperature_c": 35.0},
                       {"511": (998877665544, 112233445566, 64, 1_000_000_000)}, set()),
    "tp-link-jetstream": ("switch", "tp-link", {"cpu_percent": 7.0, "memory_used_percent": 38.0},
                          {"49153": (73829104733, 19283746501, 64, 1_000_000_000)}, set()),
    "d-link-des3200": ("switch", "d-link", {"cpu_percent": 4.0, "memory_used_percent": 59.0},
                       {"1": (2019283746, 3847561029, 32, 100_000_000)}, set()),
    "net-snmp-linux": ("pc", "net-snmp",
                       {"cpu_percent": 13.0, "memory_used_percent": 20.2, "load1": 0.42,
                        "storage_max_percent": 32.8},
                       {"2": (902938475612, 1209384756123, 64, 1_000_000_000)}, set()),
    "windows-10": ("pc", "windows",
                   {"cpu_percent": 26.0, "memory_used_percent": 60.0,
                    "storage_max_percent": 61.2},  # C:\ only, not memory
                   {"6": (29384756123, 3847561234, 64, 1_000_000_000)}, set()),
    "apc-smart-ups": ("ups", "apc-ups",
                      {"ups_on_battery": 0.0, "ups_charge_percent": 100.0,
                       "ups_minutes_left": 0.0, "ups_load_percent": 34.0,
                       "ups_replace_battery": 0.0, "temperature_c": 27.0}, {}, set()),
    "apc-pdu-ap8641": ("ups", "apc-pdu", {"pdu_load_amps": 6.5},
                       {"2": (3050213, 3465069, 32, 100_000_000)}, set()),
    "eaton-93e": ("ups", "eaton-xups",
                  {"ups_on_battery": 0.0, "ups_charge_percent": 100.0,
                   "ups_minutes_left": 1092.25, "ups_load_percent": 21.0}, {}, set()),
    "ups-mib-phoenixtec": ("ups", "ups-mib",
                           {"ups_on_battery": 0.0, "ups_charge_percent": 100.0,
                            "ups_minutes_left": 0.0, "ups_load_percent": 0.0},
                           {"2": (4347905, 6668400, 64, 100_000_000)}, set()),
    "hp-laserjet": ("printer", "printer-mib",
                    {"printer_pages": 48213.0, "printer_paper_jam": 0.0,
                     "supply_min_percent": 45.0},
                    {"1": (183746512, 29384712, 32, 100_000_000)}, set()),
}


def _discover(snmp, target):
    return snmp.call(checks.discover, snmp.client, target)


def _poll(snmp, target, discovery):
    result = snmp.call(poller.poll_device, snmp.client, poller.DeviceSpec("d", target, discovery))
    assert result.ok, result.error
    return result.reading


def test_every_profile_has_a_recording():
    assert {f[1] for f in FAMILIES.values()} == set(profiles.profiles())


@pytest.mark.parametrize("recording", sorted(FAMILIES))
def test_recording_read_through_its_profile(snmp, sim_target, recording):
    kind, profile, figures, ports, alerts = FAMILIES[recording]
    target = sim_target(recording)
    d = _discover(snmp, target)
    assert d.profile == profile
    previous, opened, states = None, set(), {}
    for _ in range(3):
        reading = _poll(snmp, target, d)
        health = metrics.derive(previous, reading)
        states, transitions = thresholds.evaluate(thresholds.rules_for(kind), health.metrics,
                                                  states)
        opened |= {t.check for t in transitions if t.action == "open"}
        previous = reading
    for metric, value in figures.items():
        assert health.metrics.get(metric) == pytest.approx(value), metric
    for index, (in_octets, out_octets, bits, speed) in ports.items():
        port = reading.interfaces[index]
        assert (port["in_octets"], port["out_octets"]) == (in_octets, out_octets)
        assert (port["counter_bits"], port["speed_bps"]) == (bits, speed)
        assert health.interfaces[index]["in_bps"] == 0.0  # a recording does not move
    if ports:
        assert health.metrics["if_in_bps"] == 0.0
    assert opened == alerts


def test_profile_filters_rows_by_description(snmp, sim_target):
    """Juniper: only the routing engines count, not the FPC and PIC rows."""
    d = _discover(snmp, sim_target("juniper-ex4200"))
    cpu = "1.3.6.1.4.1.2636.3.1.13.1.8"
    assert d.profile_rows[cpu] == ["9.1.0.0", "9.2.0.0"]


def _narrow_switch(uptime, in_octets, out_octets):
    records = simdata.read_snmprec(RECORDINGS / "d-link-des3200.snmprec")
    records["1.3.6.1.2.1.1.3.0"] = ("67", uptime)
    records["1.3.6.1.2.1.2.2.1.10.1"] = ("65", in_octets)
    records["1.3.6.1.2.1.2.2.1.16.1"] = ("65", out_octets)
    return records


def test_32_bit_counters_wrap_and_impossible_rates_are_dropped(snmp, sim_device):
    target, rewrite = sim_device("narrow", _narrow_switch(1_000_000, 4_294_967_000, 1_000))
    d = _discover(snmp, target)
    assert "1" in d.counters32
    first = _poll(snmp, target, d)
    rewrite(_narrow_switch(1_000_500, 1_000, 626_000))       # 5 s later, in wrapped
    second = _poll(snmp, target, d)
    rates = metrics.derive(first, second).interfaces["1"]
    assert rates["in_bps"] == (1_000 + 2**32 - 4_294_967_000) * 8 / 5   # 2,073.6 bit/s
    assert rates["out_bps"] == 625_000 * 8 / 5                          # 1 Mbit/s
    assert rates["util_percent"] == 1.0                                 # of 100 Mbit/s
    rewrite(_narrow_switch(1_001_000, 3_000_000_000, 627_000))          # 4.8 Gbit/s: no
    third = _poll(snmp, target, d)
    rates = metrics.derive(second, third).interfaces["1"]
    assert "in_bps" not in rates and rates["out_bps"] == 1_600.0


def _reading(at, uptime, admin_up, errors, ups=None):
    return Reading(at=at, uptime_ticks=uptime, ups=ups, interfaces={"1": {
        "name": "ge1", "admin_up": admin_up, "oper_up": admin_up, "in_octets": 0,
        "out_octets": 0, "in_errors": errors, "out_errors": 0, "counter_bits": 64,
        "speed_bps": 1_000_000_000}})


def test_admin_down_interfaces_never_alert():
    down = metrics.derive(_reading(0, 0, False, 0), _reading(5, 500, False, 5_000)).metrics
    assert "if_errors_per_s" not in down
    up = metrics.derive(_reading(0, 0, True, 0), _reading(5, 500, True, 5_000)).metrics
    assert up["if_errors_per_s"] == 1_000.0


def _ups_alerts(polls):
    """Run the UPS rules over ``polls`` of UPS values; the checks open at the end."""
    states, open_ = {}, set()
    for ups in polls:
        m = metrics.derive(None, Reading(at=0, uptime_ticks=1, ups=ups)).metrics
        states, transitions = thresholds.evaluate(thresholds.rules_for("ups"), m, states)
        for t in transitions:
            (open_.add if t.action == "open" else open_.discard)(t.check)
    return open_


def test_ups_alerts_make_sense():
    mains = {"on_battery": False, "charge_percent": 100, "minutes_left": 0, "load_percent": 40}
    assert _ups_alerts([mains] * 3) == set()
    battery = {**mains, "on_battery": True, "charge_percent": 90, "minutes_left": 6}
    assert _ups_alerts([battery]) == {"on_battery", "battery_runtime"}
    # Power back: both alerts resolve after two polls on mains.
    assert _ups_alerts([battery, mains, mains]) == set()
    assert _ups_alerts([{**mains, "charge_percent": 30}]) == {"battery_charge"}
    assert _ups_alerts([{**mains, "replace_battery": 1}]) == {"battery_replace"}
    assert _ups_alerts([{**mains, "load_percent": 97}] * 2) == {"ups_overload"}


def test_a_profile_file_that_the_engine_does_not_understand_is_refused():
    with pytest.raises(profiles.ProfileError, match="unknown metric"):
        profiles.parse({"name": "x", "match": {"probe": "1.2.3"},
                        "metrics": {"fan_rpm": {"oid": "1.2.3.0"}}})
    with pytest.raises(profiles.ProfileError, match="match on"):
        profiles.parse({"name": "x", "metrics": {}})
    with pytest.raises(profiles.ProfileError, match="states must be among"):
        profiles.parse({"name": "x", "match": {"probe": "1.2"},
                        "metrics": {"ups_source": {"oid": "1.2.0", "states": {3: False}}}})


def test_a_new_family_is_a_new_file(snmp, sim_target, tmp_path, monkeypatch):
    """Drop a file beside the shipped ones: discovery picks it, the poll reads it."""
    for shipped in profiles.PROFILE_DIR.glob("*.yaml"):
        (tmp_path / shipped.name).write_text(shipped.read_text(encoding="utf-8"),
                                             encoding="utf-8")
    (tmp_path / "kert-ups.yaml").write_text(
        "name: kert-ups\ntitle: Kert UPS\nmatch:\n  sys_object_id: ['1.3.6.1.4.1.935']\n"
        "metrics:\n  temperature_c: {oid: 1.3.6.1.2.1.33.1.2.7.0}\n",  # upsBatteryTemperature
        encoding="utf-8")
    monkeypatch.setattr(profiles, "PROFILE_DIR", tmp_path)
    profiles.profiles.cache_clear()
    try:
        d = _discover(snmp, sim_target("ups-mib-phoenixtec"))
        assert d.profile == "kert-ups"
        reading = _poll(snmp, sim_target("ups-mib-phoenixtec"), d)
        assert reading.temperature_c == 31.0
    finally:
        profiles.profiles.cache_clear()
