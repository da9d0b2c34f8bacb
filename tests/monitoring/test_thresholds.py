"""Thresholds per kind and the open/resolve state machine (no flapping)."""
import pytest

from telecentre.monitoring import thresholds as T


def run(rules, polls, states=None):
    """Feed a list of metric dicts; return (final states, [(poll no, check, action)])."""
    states, seen = states or {}, []
    for n, metrics in enumerate(polls, start=1):
        states, transitions = T.evaluate(rules, metrics, states)
        seen += [(n, t.check, t.action) for t in transitions]
    return states, seen


def test_every_kind_has_defaults_with_reachability():
    for kind in T.KINDS:
        assert any(r.check == "unreachable" for r in T.rules_for(kind))


def test_alert_opens_after_n_bad_polls_and_resolves_after_m_good():
    rules = T.rules_for("pc")  # cpu: open after 3, resolve after 3
    hot, cool = {"reachable": 1, "cpu_percent": 97}, {"reachable": 1, "cpu_percent": 20}
    states, seen = run(rules, [hot, hot, hot, cool, cool, cool])
    assert seen == [(3, "cpu", "open"), (6, "cpu", "resolve")]
    assert states["cpu"]["open"] is False


def test_value_hovering_at_the_limit_does_not_flap():
    rules = T.rules_for("pc")
    hot, cool = {"cpu_percent": 95}, {"cpu_percent": 85}
    _, seen = run(rules, [hot, cool] * 10)
    assert seen == []
    # once open, short dips below the limit do not resolve it
    _, seen = run(rules, [hot, hot, hot] + [cool, hot] * 10)
    assert seen == [(3, "cpu", "open")]


def test_unreachable_device_keeps_its_other_alerts():
    rules = T.rules_for("ups")
    battery = {"reachable": 1, "ups_on_battery": 1, "ups_charge_percent": 90}
    dead = {"reachable": 0}
    states, seen = run(rules, [battery, dead, dead, dead])
    assert (1, "on_battery", "open") in seen and (3, "unreachable", "open") in seen
    assert states["on_battery"]["open"]  # no data is not good news
    assert not any(action == "resolve" for _, _, action in seen)


def test_reboot_opens_and_resolves_at_once_for_network_devices_only():
    _, seen = run(T.rules_for("router"), [{"rebooted": 1}, {"rebooted": 0}])
    assert seen == [(1, "rebooted", "open"), (2, "rebooted", "resolve")]
    _, seen = run(T.rules_for("kiosk"), [{"rebooted": 1}])
    assert seen == []


def test_overrides_change_limit_and_streaks():
    rules = T.rules_for("pc", {"cpu": {"limit": 50, "open_after": 1}})
    _, seen = run(rules, [{"cpu_percent": 60}])
    assert seen == [(1, "cpu", "open")]
    with pytest.raises(KeyError):
        T.rules_for("toaster")


def test_transition_carries_value_and_limit():
    _, transitions = T.evaluate(T.rules_for("printer"), {"supply_min_percent": 4.0}, {})
    (t,) = transitions
    assert (t.check, t.action, t.value, t.limit) == ("supplies", "open", 4.0, 10)
