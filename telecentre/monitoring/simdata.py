"""Simulated devices: snmpsim ``.snmprec`` data for each device kind.

Used by the tests (static values, rewritten between polls to simulate a
reboot or a counter wrap) and by ``make demo`` (``live=True``: uptime and
traffic counters grow with time through snmpsim's ``numeric`` variation
module, CPU wanders).  A record is ``OID|TAG|VALUE``; tags are the BER ones:
2 Integer, 4 OctetString, 6 OID, 65 Counter32, 66 Gauge32, 67 TimeTicks,
70 Counter64.
"""
from __future__ import annotations

import os

from . import oids as O

COUNTER64_MAX = (1 << 64) - 1


def base(name: str, descr: str, uptime: int = 8_640_000, live: bool = False) -> dict:
    """SNMPv2-MIB system group."""
    return {
        O.SYS_DESCR: ("4", descr),
        "1.3.6.1.2.1.1.2.0": ("6", "1.3.6.1.4.1.8072.3.2.10"),
        O.SYS_UPTIME: ("67:numeric", f"rate=100,initial={uptime}") if live else ("67", uptime),
        O.SYS_NAME: ("4", name),
    }


def interfaces(ports: list[dict], live: bool = False) -> dict:
    """IF-MIB rows; each port: name, up (bool), admin_up, in, out, errors."""
    rec = {}
    for i, p in enumerate(ports, start=1):
        rec[f"{O.IF_DESCR}.{i}"] = ("4", p["name"])
        rec[f"{O.IF_TYPE}.{i}"] = ("2", p.get("type", 6))
        rec[f"{O.IF_ADMIN_STATUS}.{i}"] = ("2", 1 if p.get("admin_up", True) else 2)
        rec[f"{O.IF_OPER_STATUS}.{i}"] = ("2", 1 if p.get("up", True) else 2)
        rec[f"{O.IF_IN_ERRORS}.{i}"] = ("65", p.get("in_errors", 0))
        rec[f"{O.IF_OUT_ERRORS}.{i}"] = ("65", p.get("out_errors", 0))
        rec[f"{O.IF_NAME}.{i}"] = ("4", p["name"])
        for column, key in ((O.IF_HC_IN_OCTETS, "in"), (O.IF_HC_OUT_OCTETS, "out")):
            value = p.get(key, 0)
            if live and p.get("up", True):
                # bytes/s grows with time since the simulator started
                rec[f"{column}.{i}"] = ("70:numeric",
                                        f"rate={p.get('rate', 50000)},initial={value}")
            else:
                rec[f"{column}.{i}"] = ("70", value)
    return rec


def host(cpus=(12, 20), disk=(1000, 450), ram=(4096, 1500), load="0.35",
         temp_milli=None, live=False) -> dict:
    """HOST-RESOURCES-MIB CPU and storage, UCD-SNMP-MIB load and memory."""
    rec = {}
    for n, load_pct in enumerate(cpus, start=196608):
        rec[f"{O.HR_PROCESSOR_LOAD}.{n}"] = (
            ("2:numeric", f"function=sin,rate=0.01,scale=15,offset={load_pct + 15}") if live
            else ("2", load_pct))
    for index, kind, descr, (size, used), units in (
            (1, O.HR_STORAGE_RAM, "Physical memory", ram, 1048576),
            (31, O.HR_STORAGE_FIXED_DISK, "/", disk, 1048576)):
        rec[f"{O.HR_STORAGE_TYPE}.{index}"] = ("6", kind)
        rec[f"{O.HR_STORAGE_DESCR}.{index}"] = ("4", descr)
        rec[f"{O.HR_STORAGE_UNITS}.{index}"] = ("2", units)
        rec[f"{O.HR_STORAGE_SIZE}.{index}"] = ("2", size)
        rec[f"{O.HR_STORAGE_USED}.{index}"] = ("2", used)
    rec[O.UCD_LA_LOAD_1] = ("4", load)
    total = ram[0] * 1024
    rec[O.UCD_MEM_TOTAL_REAL] = ("2", total)
    rec[O.UCD_MEM_AVAIL_REAL] = ("2", (ram[0] - ram[1]) * 1024 // 2)
    rec[O.UCD_MEM_BUFFER] = ("2", (ram[0] - ram[1]) * 1024 // 4)
    rec[O.UCD_MEM_CACHED] = ("2", (ram[0] - ram[1]) * 1024 // 4)
    if temp_milli is not None:
        rec[f"{O.LM_TEMP_DEVICE}.1"] = ("4", "Package id 0")
        rec[f"{O.LM_TEMP_VALUE}.1"] = ("66", temp_milli)
    return rec


def entity_temperature(celsius_tenths: int) -> dict:
    """ENTITY-SENSOR-MIB: one celsius sensor with one decimal place."""
    return {f"{O.ENT_SENSOR_TYPE}.1": ("2", O.ENT_SENSOR_CELSIUS),
            f"{O.ENT_SENSOR_SCALE}.1": ("2", 9),
            f"{O.ENT_SENSOR_PRECISION}.1": ("2", 1),
            f"{O.ENT_SENSOR_VALUE}.1": ("2", celsius_tenths)}


def ups(on_battery=False, charge=100, minutes=45, battery_status=2) -> dict:
    """UPS-MIB battery and output groups."""
    return {O.UPS_BATTERY_STATUS: ("2", battery_status),
            O.UPS_MINUTES_REMAINING: ("2", minutes),
            O.UPS_CHARGE_REMAINING: ("2", charge),
            O.UPS_OUTPUT_SOURCE: ("2", O.UPS_SOURCE_BATTERY if on_battery else 3)}


def printer_supplies(supplies: list[tuple[str, int, int]]) -> dict:
    """Printer-MIB marker supplies: (description, level, max capacity)."""
    rec = {}
    for i, (descr, level, cap) in enumerate(supplies, start=1):
        rec[f"{O.PRT_SUPPLY_DESCR}.1.{i}"] = ("4", descr)
        rec[f"{O.PRT_SUPPLY_MAX}.1.{i}"] = ("2", cap)
        rec[f"{O.PRT_SUPPLY_LEVEL}.1.{i}"] = ("2", level)
    return rec


def _oid_key(oid: str):
    return tuple(int(x) for x in oid.split("."))


def read_snmprec(path) -> dict:
    """``{oid: (tag, value)}`` of a .snmprec file (``#`` lines are comments)."""
    records = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if line and not line.startswith("#"):
                oid, tag, value = line.split("|", 2)
                records[oid] = (tag, value)
    return records


def write_snmprec(path: str, records: dict) -> None:
    """Write ``{oid: (tag, value)}`` as a sorted .snmprec file, atomically.

    snmpsim re-reads a data file whose mtime (whole seconds) changed, so the
    new file gets an mtime later than any before it.
    """
    lines = [f"{oid}|{tag}|{value}\n" for oid, (tag, value) in
             sorted(records.items(), key=lambda kv: _oid_key(kv[0]))]
    previous = os.stat(path).st_mtime if os.path.exists(path) else 0
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(lines)
    os.chmod(tmp, 0o644)
    stamp = max(previous + 2, os.stat(tmp).st_mtime + 2)
    os.utime(tmp, (stamp, stamp))
    os.replace(tmp, path)


def profile(kind: str, name: str, live: bool = False) -> dict:
    """Typical data for a device of ``kind`` named ``name``."""
    if kind in ("router", "switch", "access_point"):
        count = {"router": 3, "switch": 10, "access_point": 2}[kind]
        ports = [{"name": f"ge-0/0/{i}", "in": 10_000_000 * (i + 1), "out": 5_000_000 * (i + 1),
                  "up": i < 6, "admin_up": i < 6} for i in range(count)]
        descr = {"router": "MikroTik RouterOS 7.14 RB4011", "switch": "HPE OfficeConnect 1920S 24G",
                 "access_point": "Ubiquiti UniFi U6-Lite 6.6"}[kind]
        rec = base(name, descr, live=live) | interfaces(ports, live=live)
        rec |= entity_temperature(452)
        rec[f"{O.HR_PROCESSOR_LOAD}.1"] = ("2", 7)
        return rec
    if kind == "ups":
        return base(name, "APC Smart-UPS 1500 (UPS-MIB)", live=live) | ups()
    if kind == "printer":
        return base(name, "HP LaserJet Pro M404dn", live=live) | printer_supplies(
            [("Black Toner Cartridge HP 59A", 6200, 10000), ("Imaging Drum", 70, 100)])
    if kind in ("pc", "kiosk"):
        rec = base(name, "Linux 6.1.0-28-amd64 x86_64", uptime=360_000, live=live)
        rec |= interfaces([{"name": "lo", "type": 24}, {"name": "eth0", "in": 9_000_000,
                                                        "out": 2_000_000}], live=live)
        return rec | host(temp_milli=48000, live=live)
    raise ValueError(f"unknown device kind {kind!r}")
