"""Thresholds per device kind and the alert state machine, in plain code.

A rule compares one metric from :func:`telecentre.monitoring.metrics.derive`
with a limit.  An alert opens only after ``open_after`` consecutive bad polls
and resolves only after ``resolve_after`` consecutive good ones, so a value
hovering around its limit does not open and close an alert every sweep.  A
poll without the metric (device unreachable, object missing) leaves the state
as it was: an unreachable UPS has not stopped being on battery.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, replace

KINDS = ("router", "switch", "access_point", "ups", "printer", "pc", "kiosk")
_OPS = {">": operator.gt, "<": operator.lt, "==": operator.eq}


@dataclass(frozen=True)
class Rule:
    """``metric op limit`` is bad; e.g. ``cpu_percent > 90``."""

    check: str
    metric: str
    op: str
    limit: float
    severity: str = "warning"
    open_after: int = 3
    resolve_after: int = 3
    # Only judged while this metric is 1 (e.g. runtime only while on battery);
    # while it is 0 the rule counts as good, so an open alert resolves.
    only_when: str | None = None

    def is_bad(self, metrics: dict) -> bool | None:
        """True/False, or None when the poll did not measure the metric."""
        if self.only_when is not None:
            condition = metrics.get(self.only_when)
            if condition is None:
                return None
            if not condition:
                return False
        value = metrics.get(self.metric)
        if value is None:
            return None
        return _OPS[self.op](value, self.limit)


UNREACHABLE = Rule("unreachable", "reachable", "==", 0, "critical", open_after=2, resolve_after=2)
REBOOTED = Rule("rebooted", "rebooted", "==", 1, "warning", open_after=1, resolve_after=1)
CPU = Rule("cpu", "cpu_percent", ">", 90)
TEMPERATURE = Rule("temperature", "temperature_c", ">", 70, "critical")
IF_ERRORS = Rule("interface_errors", "if_errors_per_s", ">", 10)
STORAGE = Rule("storage", "storage_max_percent", ">", 90)
MEMORY = Rule("memory", "memory_used_percent", ">", 95)
LOAD = Rule("load", "load1", ">", 8)
ON_BATTERY = Rule("on_battery", "ups_on_battery", "==", 1, "critical", open_after=1,
                  resolve_after=2)
BATTERY_LOW = Rule("battery_charge", "ups_charge_percent", "<", 50, "critical", open_after=1)
# A UPS on mains often reports 0 minutes left while it charges or
# recalibrates: the runtime only matters while the load runs from the battery.
RUNTIME_LOW = Rule("battery_runtime", "ups_minutes_left", "<", 10, "critical", open_after=1,
                   resolve_after=2, only_when="ups_on_battery")
REPLACE_BATTERY = Rule("battery_replace", "ups_replace_battery", "==", 1, open_after=1,
                       resolve_after=1)
OVERLOAD = Rule("ups_overload", "ups_load_percent", ">", 90, "critical", open_after=2)
SUPPLIES = Rule("supplies", "supply_min_percent", "<", 10, open_after=1, resolve_after=1)
PAPER_JAM = Rule("paper_jam", "printer_paper_jam", "==", 1, open_after=2, resolve_after=1)

_NETWORK = (UNREACHABLE, REBOOTED, CPU, TEMPERATURE, IF_ERRORS)
_HOST = (UNREACHABLE, CPU, STORAGE, MEMORY, LOAD, TEMPERATURE)
DEFAULTS: dict[str, tuple[Rule, ...]] = {
    "router": _NETWORK,
    "switch": _NETWORK,
    "access_point": _NETWORK,
    "ups": (UNREACHABLE, REBOOTED, ON_BATTERY, BATTERY_LOW, RUNTIME_LOW, REPLACE_BATTERY,
            OVERLOAD, TEMPERATURE),
    "printer": (UNREACHABLE, SUPPLIES, PAPER_JAM),
    # Public PCs and kiosks are switched off every evening: reboots are normal.
    "pc": _HOST,
    "kiosk": _HOST,
}


def rules_for(kind: str, overrides: dict[str, dict] | None = None) -> tuple[Rule, ...]:
    """The rules for a device kind, with per-check overrides such as
    ``{"cpu": {"limit": 80, "open_after": 5}}`` applied."""
    overrides = overrides or {}
    return tuple(replace(rule, **overrides.get(rule.check, {})) for rule in DEFAULTS[kind])


@dataclass
class AlertState:
    """Per device and check: is an alert open, and the current streaks."""

    open: bool = False
    bad: int = 0
    good: int = 0


def step(state: AlertState, bad: bool | None, rule: Rule) -> tuple[AlertState, str | None]:
    """Advance one poll; return the new state and ``"open"``, ``"resolve"`` or None."""
    if bad is None:
        return state, None
    if bad:
        state = AlertState(state.open, state.bad + 1, 0)
        if not state.open and state.bad >= rule.open_after:
            return AlertState(True, state.bad, 0), "open"
        return state, None
    state = AlertState(state.open, 0, state.good + 1)
    if state.open and state.good >= rule.resolve_after:
        return AlertState(False, 0, state.good), "resolve"
    return state, None


@dataclass(frozen=True)
class Transition:
    """An alert to open or resolve, with the value that caused it."""

    check: str
    action: str          # "open" | "resolve"
    severity: str
    metric: str
    value: float | None
    limit: float


def evaluate(rules, metrics: dict,
             states: dict[str, dict]) -> tuple[dict[str, dict], list[Transition]]:
    """Run every rule over one poll's ``metrics``.

    ``states`` maps check → ``{"open", "bad", "good"}`` (JSON-friendly, as the
    database keeps it); returns the new map and the transitions to act on.
    When a device is unreachable the other checks have no data and keep
    their state, so only the unreachable alert moves.
    """
    new_states, transitions = {}, []
    for rule in rules:
        before = AlertState(**states.get(rule.check, {}))
        after, action = step(before, rule.is_bad(metrics), rule)
        new_states[rule.check] = {"open": after.open, "bad": after.bad, "good": after.good}
        if action:
            transitions.append(Transition(rule.check, action, rule.severity, rule.metric,
                                          metrics.get(rule.metric), rule.limit))
    return new_states, transitions
