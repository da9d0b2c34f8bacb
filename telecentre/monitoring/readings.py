"""One poll's raw values, decoded per check into plain numbers.

A :class:`Reading` keeps the raw counters (octets, errors, uptime) so the next
poll can turn them into rates; it is JSON-serialisable so the database can
keep the last one per device.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from . import oids as O
from . import profiles
from .checks import Discovery, text


@dataclass
class Reading:
    """Decoded values of one poll of one device."""

    at: float                                   # epoch seconds (poller clock)
    uptime_ticks: int | None = None
    sys_name: str | None = None
    interfaces: dict[str, dict] = field(default_factory=dict)
    cpu_percent: float | None = None
    storage: dict[str, dict] = field(default_factory=dict)
    load1: float | None = None
    memory_used_percent: float | None = None
    ups: dict | None = None
    supplies: dict[str, dict] = field(default_factory=dict)
    temperature_c: float | None = None
    extra: dict[str, float] = field(default_factory=dict)  # profile metrics (PDU, printer)

    def to_dict(self) -> dict:
        """Plain dict for storing as JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> Reading | None:
        """Inverse of :meth:`to_dict`; ``None`` stays ``None``."""
        if not data:
            return None
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _percent(part, whole) -> float | None:
    if part is None or not whole or whole <= 0 or part < 0:
        return None
    return round(100.0 * part / whole, 1)


def read(d: Discovery | None, v: dict, at: float) -> Reading:
    """Decode a poll's OID → value map ``v`` using discovery ``d``."""
    r = Reading(at=at, uptime_ticks=v.get(O.SYS_UPTIME), sys_name=text(v.get(O.SYS_NAME)) or None)
    if d is None:
        return r
    for i, name in d.interfaces.items():
        narrow = i in d.counters32
        r.interfaces[i] = {
            "name": name,
            "admin_up": v.get(f"{O.IF_ADMIN_STATUS}.{i}") == 1,
            "oper_up": v.get(f"{O.IF_OPER_STATUS}.{i}") == 1,
            "in_octets": v.get(f"{O.IF_IN_OCTETS if narrow else O.IF_HC_IN_OCTETS}.{i}"),
            "out_octets": v.get(f"{O.IF_OUT_OCTETS if narrow else O.IF_HC_OUT_OCTETS}.{i}"),
            "counter_bits": 32 if narrow else 64,
            "in_errors": v.get(f"{O.IF_IN_ERRORS}.{i}"),
            "out_errors": v.get(f"{O.IF_OUT_ERRORS}.{i}"),
            "speed_bps": d.speeds.get(i),
        }
    loads = [v.get(f"{O.HR_PROCESSOR_LOAD}.{i}") for i in d.processors]
    loads = [x for x in loads if isinstance(x, int)]
    if loads:
        r.cpu_percent = round(sum(loads) / len(loads), 1)
    for i, descr in d.storage.items():
        units, size, used = (v.get(f"{c}.{i}") for c in
                             (O.HR_STORAGE_UNITS, O.HR_STORAGE_SIZE, O.HR_STORAGE_USED))
        pct = _percent(used, size)
        if pct is not None:
            r.storage[i] = {"descr": descr, "used_percent": pct,
                            "size_bytes": (units or 1) * size}
            if i in d.memory_rows:
                r.storage[i]["memory"] = True
    if d.ucd:
        try:
            r.load1 = float(text(v.get(O.UCD_LA_LOAD_1)))
        except ValueError:
            pass
        total = v.get(O.UCD_MEM_TOTAL_REAL)
        avail = [v.get(o) for o in (O.UCD_MEM_AVAIL_REAL, O.UCD_MEM_BUFFER, O.UCD_MEM_CACHED)]
        if total and all(isinstance(x, int) for x in avail):
            # Buffers and cache are reclaimable, so they count as free.
            r.memory_used_percent = _percent(max(total - sum(avail), 0), total)
    if d.ups and v.get(O.UPS_OUTPUT_SOURCE) is not None:
        r.ups = {"on_battery": v.get(O.UPS_OUTPUT_SOURCE) == O.UPS_SOURCE_BATTERY,
                 "battery_status": v.get(O.UPS_BATTERY_STATUS),
                 "charge_percent": v.get(O.UPS_CHARGE_REMAINING),
                 "minutes_left": v.get(O.UPS_MINUTES_REMAINING)}
    for i, descr in d.supplies.items():
        level, cap = v.get(f"{O.PRT_SUPPLY_LEVEL}.{i}"), v.get(f"{O.PRT_SUPPLY_MAX}.{i}")
        r.supplies[i] = {"descr": descr, "percent": _percent(level, cap)}
    temps = []
    for i, (scale, precision) in d.entity_sensors.items():
        raw = v.get(f"{O.ENT_SENSOR_VALUE}.{i}")
        if isinstance(raw, int):
            temps.append(raw * 10 ** ((scale - 9) * 3) / 10 ** precision)
    for i in d.lm_sensors:
        raw = v.get(f"{O.LM_TEMP_VALUE}.{i}")
        if isinstance(raw, int):
            temps.append(raw / 1000)
    if temps:
        r.temperature_c = round(max(temps), 1)
    profile = profiles.get(d.profile)
    if profile is not None:
        _apply_profile(r, profile.read(d.profile_rows, v))
    return r


_UPS_KEYS = {"ups_charge_percent": "charge_percent", "ups_minutes_left": "minutes_left",
             "ups_load_percent": "load_percent", "ups_replace_battery": "replace_battery"}


def _apply_profile(r: Reading, found: dict) -> None:
    """Put a profile's values in the reading; they win over the generic MIBs'."""
    for key in ("cpu_percent", "memory_used_percent", "temperature_c"):
        if key in found:
            setattr(r, key, round(float(found[key]), 1))
    ups = {target: found[key] for key, target in _UPS_KEYS.items() if key in found}
    if "ups_source" in found:
        ups["source"] = found["ups_source"]
        ups["on_battery"] = found["ups_source"] == "battery"
    if ups:
        r.ups = {**(r.ups or {}), **ups}
    r.extra.update({k: float(found[k]) for k in ("pdu_load_amps", "printer_pages",
                                                  "printer_paper_jam") if k in found})
