"""Turn two consecutive readings into rates and flat metrics.

Counters only mean something as differences: octets per second come from two
polls, a counter that went backwards either wrapped (2^64 for ifHC*, 2^32 for
error counters) or was reset by a reboot, and sysUpTime going backwards is how
a reboot shows.  The flat ``metrics`` dict is what samples store and what
thresholds compare against.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .readings import Reading

TICKS_WRAP = 1 << 32          # sysUpTime is TimeTicks (32-bit, 1/100 s)
TICKS_PER_SECOND = 100


def counter_delta(previous: int | None, current: int | None, bits: int) -> int | None:
    """Increase of a ``bits``-wide counter, wrap included.

    A drop that would imply an increase of more than half the counter's range
    is a reset (discontinuity), not a wrap: ``None``.
    """
    if previous is None or current is None:
        return None
    if current >= previous:
        return current - previous
    wrapped = current + (1 << bits) - previous
    return wrapped if wrapped < (1 << (bits - 1)) else None


def _interface_rates(before: dict, now: dict, interval: float) -> dict:
    """bit/s, errors/s and utilisation of one interface between two polls.

    32-bit counters wrap every 34 s at 1 Gbit/s, 64-bit ones never in
    practice; a rate above the interface's speed is a counter that was reset
    or wrapped more than once, so it is dropped rather than reported.
    """
    rates = {}
    speed = now.get("speed_bps")
    bits = now.get("counter_bits", 64)
    if before.get("counter_bits", 64) != bits:
        bits = None  # counters changed width (rediscovered): no difference to take
    for key, out, width in (("in_octets", "in_bps", bits), ("out_octets", "out_bps", bits),
                            ("in_errors", "in_errors_per_s", 32),
                            ("out_errors", "out_errors_per_s", 32)):
        delta = counter_delta(before.get(key), now.get(key), width) if width else None
        if delta is None:
            continue
        per_second = delta / interval * (8 if key.endswith("octets") else 1)
        if key.endswith("octets") and speed and per_second > speed:
            continue
        rates[out] = per_second
    if speed and ("in_bps" in rates or "out_bps" in rates):
        rates["util_percent"] = round(100.0 * max(rates.get("in_bps", 0),
                                                  rates.get("out_bps", 0)) / speed, 1)
    return rates


def rebooted(previous: Reading, current: Reading) -> bool:
    """True when sysUpTime went backwards by more than a TimeTicks wrap explains."""
    before, now = previous.uptime_ticks, current.uptime_ticks
    if before is None or now is None or now >= before:
        return False
    elapsed = max(current.at - previous.at, 0) * TICKS_PER_SECOND
    expected = before + elapsed
    if expected >= TICKS_WRAP:
        # Uptime wraps after 497 days; allow a minute or 10 % of clock skew.
        slack = max(60 * TICKS_PER_SECOND, elapsed * 0.1)
        return abs((expected - TICKS_WRAP) - now) > slack
    return True


@dataclass
class Health:
    """What one poll says about a device, given the poll before it."""

    reachable: bool
    rebooted: bool = False
    metrics: dict[str, float] = field(default_factory=dict)
    interfaces: dict[str, dict] = field(default_factory=dict)  # index -> rates


def _interval(previous: Reading, current: Reading) -> float:
    # The device's own clock is exact between two polls of the same agent;
    # fall back to ours when uptime is missing or frozen (static simulators).
    if previous.uptime_ticks is not None and current.uptime_ticks is not None:
        ticks = current.uptime_ticks - previous.uptime_ticks
        if ticks > 0:
            return ticks / TICKS_PER_SECOND
    return current.at - previous.at


def derive(previous: Reading | None, current: Reading | None) -> Health:
    """Health of a device from its last two readings (``current`` None = no answer)."""
    if current is None:
        return Health(reachable=False, metrics={"reachable": 0.0})
    h = Health(reachable=True, metrics={"reachable": 1.0})
    m = h.metrics
    if current.uptime_ticks is not None:
        m["uptime_s"] = current.uptime_ticks / TICKS_PER_SECOND
    if previous is not None and rebooted(previous, current):
        h.rebooted = True
    m["rebooted"] = 1.0 if h.rebooted else 0.0
    rates_ok = previous is not None and not h.rebooted
    interval = _interval(previous, current) if rates_ok else 0
    totals = {"in": 0.0, "out": 0.0, "errors": 0.0}
    have = set()
    down = 0
    busiest = None
    for index, now in current.interfaces.items():
        if now["admin_up"] and not now["oper_up"]:
            down += 1
        rates = {"name": now["name"], "oper_up": now["oper_up"]}
        before = previous.interfaces.get(index) if rates_ok else None
        if before and interval > 0:
            rates.update(_interface_rates(before, now, interval))
        for out, key in (("in", "in_bps"), ("out", "out_bps")):
            if key in rates:
                totals[out] += rates[key]
                have.add(out)
        # An interface switched off by an administrator never alerts.
        if now["admin_up"] and ("in_errors_per_s" in rates or "out_errors_per_s" in rates):
            totals["errors"] += rates.get("in_errors_per_s", 0) + rates.get("out_errors_per_s", 0)
            have.add("errors")
        if now["admin_up"] and "util_percent" in rates:
            busiest = max(busiest or 0.0, rates["util_percent"])
        h.interfaces[index] = rates
    if current.interfaces:
        m["interfaces_down"] = float(down)
    if busiest is not None:
        m["if_util_max_percent"] = round(busiest, 1)
    for key, name in (("in", "if_in_bps"), ("out", "if_out_bps"), ("errors", "if_errors_per_s")):
        if key in have:
            m[name] = round(totals[key], 3)
    for key in ("cpu_percent", "load1", "memory_used_percent", "temperature_c"):
        if getattr(current, key) is not None:
            m[key] = float(getattr(current, key))
    # RAM rows count page cache as used (a Linux host's is always nearly full):
    # memory has its own metric, the disk alert looks at disks only.
    disks = [s["used_percent"] for s in current.storage.values() if not s.get("memory")]
    if disks:
        m["storage_max_percent"] = max(disks)
    if current.ups:
        ups = current.ups
        if ups.get("on_battery") is not None:
            m["ups_on_battery"] = 1.0 if ups["on_battery"] else 0.0
        for key in ("charge_percent", "minutes_left", "load_percent", "replace_battery"):
            if isinstance(ups.get(key), (int, float)) and not isinstance(ups[key], bool):
                m[f"ups_{key}"] = float(ups[key])
    for key, value in (current.extra or {}).items():
        m[key] = float(value)
    levels = [s["percent"] for s in current.supplies.values() if s["percent"] is not None]
    if levels:
        m["supply_min_percent"] = min(levels)
    return h
