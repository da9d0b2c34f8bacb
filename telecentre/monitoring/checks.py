"""What we read from each device, in two steps.

Discovery walks the tables once (when a device is added, then daily) to learn
which rows exist: interfaces, processors, disks, printer supplies, sensors.
The poll is then one GET per device carrying every health object at the
indices discovery found (split into 25-varbind requests by the adapter).
:func:`read` turns the raw OID → value map into a :class:`Reading` of plain
values; :mod:`telecentre.monitoring.metrics` turns two readings into rates.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from . import oids as O
from . import profiles

MAX_INTERFACES = 64  # a 48-port switch plus uplinks; bounds the poll size
SOFTWARE_LOOPBACK = 24


@dataclass
class Discovery:
    """The rows a device has, found by walking its tables."""

    sys_descr: str = ""
    interfaces: dict[str, str] = field(default_factory=dict)   # ifIndex -> name
    processors: list[str] = field(default_factory=list)        # hrDeviceIndex
    storage: dict[str, str] = field(default_factory=dict)      # hrStorageIndex -> descr
    memory_rows: list[str] = field(default_factory=list)       # storage rows that are RAM
    supplies: dict[str, str] = field(default_factory=dict)     # prtMarkerSupplies index -> descr
    # ENTITY-SENSOR-MIB index -> [scale, precision]
    entity_sensors: dict[str, list[int]] = field(default_factory=dict)
    lm_sensors: list[str] = field(default_factory=list)
    ucd: bool = False   # UCD-SNMP-MIB load and memory present
    ups: bool = False   # UPS-MIB present
    # ifIndexes without 64-bit counters: polled through ifInOctets/ifOutOctets
    counters32: list[str] = field(default_factory=list)
    # ifIndex -> bit/s (ifHighSpeed, else ifSpeed); rediscovered daily, so the poll
    # stays at six objects per interface
    speeds: dict[str, int] = field(default_factory=dict)
    profile: str | None = None   # device family (telecentre/monitoring/families/*.yaml)
    profile_rows: dict[str, list[str]] = field(default_factory=dict)  # column -> rows

    def to_dict(self) -> dict:
        """Plain dict for storing as JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> Discovery:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        data = data or {}
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def text(value) -> str:
    """Decode an OctetString value for display."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip("\x00").strip()
    return "" if value is None else str(value)


DISCOVERY_PROBES = [O.SYS_DESCR, O.SYS_OBJECT_ID, O.UCD_LA_LOAD_1, O.UCD_MEM_TOTAL_REAL,
                    O.UPS_OUTPUT_SOURCE]
DISCOVERY_COLUMNS = [
    O.IF_DESCR, O.IF_TYPE, O.IF_NAME, O.IF_HC_IN_OCTETS, O.IF_HIGH_SPEED, O.IF_SPEED,
    O.HR_PROCESSOR_LOAD, O.HR_STORAGE_TYPE,
    O.HR_STORAGE_DESCR, O.PRT_SUPPLY_DESCR, O.ENT_SENSOR_TYPE, O.ENT_SENSOR_SCALE,
    O.ENT_SENSOR_PRECISION, O.LM_TEMP_DEVICE,
]


async def discover(client, target) -> Discovery:
    """Walk a device's tables (GETBULK) and return what it has."""
    probes = await client.get(target, DISCOVERY_PROBES + profiles.probe_oids())
    profile = profiles.choose(text(probes.get(O.SYS_OBJECT_ID)), text(probes.get(O.SYS_DESCR)),
                              probes)
    columns = DISCOVERY_COLUMNS + [c for c in (profile.columns() if profile else [])
                                   if c not in DISCOVERY_COLUMNS]
    t = await client.walk(target, columns)
    d = discovery_from(probes, t)
    if profile is not None:
        d.profile, d.profile_rows = profile.name, profile.rows_from(t)
    return d


def discovery_from(probes: dict, t: dict) -> Discovery:
    """Build a :class:`Discovery` from probe GET values and walked columns."""
    d = Discovery(sys_descr=text(probes.get(O.SYS_DESCR)),
                  ucd=probes.get(O.UCD_LA_LOAD_1) is not None
                  and probes.get(O.UCD_MEM_TOTAL_REAL) is not None,
                  ups=probes.get(O.UPS_OUTPUT_SOURCE) is not None)
    names = t.get(O.IF_NAME, {})
    for index, descr in sorted(t.get(O.IF_DESCR, {}).items(), key=lambda kv: int(kv[0])):
        if t.get(O.IF_TYPE, {}).get(index) == SOFTWARE_LOOPBACK:
            continue
        if len(d.interfaces) < MAX_INTERFACES:
            d.interfaces[index] = text(names.get(index)) or text(descr)
    hc = t.get(O.IF_HC_IN_OCTETS, {})
    d.counters32 = [i for i in d.interfaces if hc.get(i) is None]
    for i in d.interfaces:
        speed = interface_speed(t.get(O.IF_HIGH_SPEED, {}).get(i), t.get(O.IF_SPEED, {}).get(i))
        if speed:
            d.speeds[i] = speed
    d.processors = sorted(t.get(O.HR_PROCESSOR_LOAD, {}), key=int)
    for index, kind in t.get(O.HR_STORAGE_TYPE, {}).items():
        if kind in (O.HR_STORAGE_FIXED_DISK, O.HR_STORAGE_RAM):
            d.storage[index] = text(t.get(O.HR_STORAGE_DESCR, {}).get(index))
        if kind == O.HR_STORAGE_RAM:
            d.memory_rows.append(index)
    d.supplies = {i: text(v) for i, v in t.get(O.PRT_SUPPLY_DESCR, {}).items()}
    for index, kind in t.get(O.ENT_SENSOR_TYPE, {}).items():
        if kind == O.ENT_SENSOR_CELSIUS:
            d.entity_sensors[index] = [int(t.get(O.ENT_SENSOR_SCALE, {}).get(index) or 9),
                                       int(t.get(O.ENT_SENSOR_PRECISION, {}).get(index) or 0)]
    d.lm_sensors = sorted(t.get(O.LM_TEMP_DEVICE, {}), key=int)
    return d


def interface_speed(high_speed, speed) -> int | None:
    """Interface speed in bit/s: ifHighSpeed (Mbit/s) first, then ifSpeed."""
    if isinstance(high_speed, int) and high_speed > 0:
        return high_speed * 1_000_000
    if isinstance(speed, int) and speed > 0:
        return speed
    return None


def poll_oids(d: Discovery | None) -> list[str]:
    """Every object one poll GETs for a device with discovery ``d``."""
    result = [O.SYS_UPTIME, O.SYS_NAME]
    if d is None:
        return result
    for i in d.interfaces:
        octets = ((O.IF_IN_OCTETS, O.IF_OUT_OCTETS) if i in d.counters32
                  else (O.IF_HC_IN_OCTETS, O.IF_HC_OUT_OCTETS))
        result += [f"{c}.{i}" for c in (O.IF_ADMIN_STATUS, O.IF_OPER_STATUS, *octets,
                                        O.IF_IN_ERRORS, O.IF_OUT_ERRORS)]
    result += [f"{O.HR_PROCESSOR_LOAD}.{i}" for i in d.processors]
    for i in d.storage:
        result += [f"{c}.{i}" for c in (O.HR_STORAGE_UNITS, O.HR_STORAGE_SIZE, O.HR_STORAGE_USED)]
    if d.ucd:
        result += [O.UCD_LA_LOAD_1, O.UCD_MEM_TOTAL_REAL, O.UCD_MEM_AVAIL_REAL,
                   O.UCD_MEM_BUFFER, O.UCD_MEM_CACHED]
    if d.ups:
        result += [O.UPS_OUTPUT_SOURCE, O.UPS_BATTERY_STATUS, O.UPS_CHARGE_REMAINING,
                   O.UPS_MINUTES_REMAINING]
    for i in d.supplies:
        result += [f"{O.PRT_SUPPLY_MAX}.{i}", f"{O.PRT_SUPPLY_LEVEL}.{i}"]
    result += [f"{O.ENT_SENSOR_VALUE}.{i}" for i in d.entity_sensors]
    result += [f"{O.LM_TEMP_VALUE}.{i}" for i in d.lm_sensors]
    profile = profiles.get(d.profile)
    if profile is not None:
        result += [o for o in profile.poll_oids(d.profile_rows) if o not in result]
    return result
