"""Vendor knowledge as data: device profiles read from ``families/*.yaml``.

A profile says how to recognise a family (sysObjectID prefixes, a sysDescr
regular expression, or a probe object that only that kind of agent has) and
which objects give which of our metrics.  A metric is read from a scalar
(``oid``) or from a table column (``table``) aggregated over its rows, with an
optional scale, a ``subtract_from`` (idle -> busy), an enumeration map
(``states``) or a bit of a BITS value (``bit``); a percentage can be built
from parts (``used`` with ``free`` or ``total``).  A new family is a new file.

Discovery picks the profile and walks its table columns once to learn their
rows; the poll GETs those rows with everything else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

PROFILE_DIR = Path(__file__).with_name("families")
MAX_ROWS = 32  # rows kept per column: bounds the poll size
AGGREGATES = {
    "avg": lambda xs: sum(xs) / len(xs),
    "max": max,
    "min": min,
    "sum": sum,
    "first": lambda xs: xs[0],
}
# Metrics a profile may give; ``derive`` and the alert rules know their meaning.
METRICS = {
    "cpu_percent", "memory_used_percent", "temperature_c",
    "ups_source", "ups_charge_percent", "ups_minutes_left", "ups_load_percent",
    "ups_replace_battery", "pdu_load_amps", "printer_pages", "printer_paper_jam",
}
UPS_SOURCES = {"mains", "battery", "bypass", "off", "other"}


class ProfileError(ValueError):
    """A profile file that does not say what the engine understands."""


@dataclass(frozen=True)
class Source:
    """One number (or state) read from a scalar or aggregated over a column."""

    oid: str
    table: bool = False
    aggregate: str = "avg"
    scale: float = 1.0
    subtract_from: float | None = None
    states: tuple = ()          # ((raw, our state), ...)
    bit: int | None = None      # BITS (OCTET STRING): bit number, 0 = first octet's MSB
    where: tuple | None = None  # (column, regex): keep rows whose column matches

    @classmethod
    def parse(cls, spec: dict, where: str) -> Source:
        if not isinstance(spec, dict) or ("oid" in spec) == ("table" in spec):
            raise ProfileError(f"{where}: give exactly one of oid or table")
        aggregate = spec.get("aggregate", "avg")
        if aggregate not in AGGREGATES:
            raise ProfileError(f"{where}: unknown aggregate {aggregate!r}")
        row_filter = spec.get("where")
        if row_filter is not None:
            row_filter = (str(row_filter["column"]), str(row_filter["matches"]))
            re.compile(row_filter[1])
        return cls(oid=str(spec.get("oid") or spec["table"]).lstrip("."),
                   table="table" in spec, aggregate=aggregate,
                   scale=float(spec.get("scale", 1)),
                   subtract_from=spec.get("subtract_from"),
                   states=tuple((int(k), v) for k, v in (spec.get("states") or {}).items()),
                   bit=spec.get("bit"), where=row_filter)

    def oids(self, rows: dict[str, list[str]]) -> list[str]:
        """The OIDs one poll GETs for this source."""
        if not self.table:
            return [self.oid]
        return [f"{self.oid}.{i}" for i in rows.get(self.oid, [])]

    def _number(self, raw):
        if isinstance(raw, bytes) and self.bit is not None:
            octet, offset = divmod(self.bit, 8)
            return 1.0 if len(raw) > octet and raw[octet] & (0x80 >> offset) else 0.0
        if isinstance(raw, bytes):
            try:
                raw = float(raw.decode("ascii").strip())
            except ValueError:
                return None
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            return None
        if self.states:
            state = dict(self.states).get(int(raw))
            return state if state is not None else None
        value = raw * self.scale
        return self.subtract_from - value if self.subtract_from is not None else value

    def value(self, rows: dict[str, list[str]], values: dict):
        """The decoded value from a poll's OID -> value map, or None."""
        found = [self._number(values.get(oid)) for oid in self.oids(rows)]
        found = [x for x in found if x is not None]
        if not found:
            return None
        if self.states:
            return found[0]
        return AGGREGATES[self.aggregate](found)


@dataclass(frozen=True)
class Metric:
    """A metric from one source, or a percentage from ``used`` and ``free``/``total``."""

    name: str
    source: Source | None = None
    used: Source | None = None
    free: Source | None = None
    total: Source | None = None

    def sources(self) -> list[Source]:
        return [s for s in (self.source, self.used, self.free, self.total) if s is not None]

    def value(self, rows, values):
        if self.source is not None:
            result = self.source.value(rows, values)
            if isinstance(result, bool):
                return 1.0 if result else 0.0
            return round(result, 2) if isinstance(result, float) else result
        used = self.used.value(rows, values) if self.used else None
        free = self.free.value(rows, values) if self.free else None
        total = self.total.value(rows, values) if self.total else None
        if total is None and used is not None and free is not None:
            total = used + free
        if used is None and free is not None and total is not None:
            used = total - free
        if used is None or not total or total <= 0:
            return None
        return round(100.0 * used / total, 1)


@dataclass(frozen=True)
class Profile:
    """One device family."""

    name: str
    title: str
    sys_object_ids: tuple[str, ...] = ()
    sys_descr: str | None = None
    probe: str | None = None
    metrics: tuple[Metric, ...] = field(default_factory=tuple)

    def rank(self, sys_object_id: str, sys_descr: str, probes: dict) -> tuple | None:
        """How well this profile fits a device (higher is better), None if not at all."""
        oid = (sys_object_id or "").lstrip(".")
        best = max((len(p) for p in self.sys_object_ids
                    if oid == p.rstrip(".") or oid.startswith(p.rstrip(".") + ".")), default=0)
        descr = bool(self.sys_descr and re.search(self.sys_descr, sys_descr or ""))
        probed = bool(self.probe and probes.get(self.probe) is not None)
        if not (best or descr or probed):
            return None
        return (best, descr, probed)

    def columns(self) -> list[str]:
        """Table columns discovery walks to learn the rows (filter columns included)."""
        found = []
        for metric in self.metrics:
            for s in metric.sources():
                for column in ([s.oid] if s.table else []) + ([s.where[0]] if s.where else []):
                    if column not in found:
                        found.append(column)
        return found

    def rows_from(self, walked: dict[str, dict]) -> dict[str, list[str]]:
        """Rows per column from a discovery walk, filtered and bounded."""
        rows = {}
        for metric in self.metrics:
            for s in metric.sources():
                if not s.table:
                    continue
                indices = sorted(walked.get(s.oid, {}), key=_index_key)
                if s.where:
                    column, pattern = s.where
                    names = walked.get(column, {})
                    indices = [i for i in indices if re.search(pattern, _text(names.get(i)))]
                rows[s.oid] = indices[:MAX_ROWS]
        return rows

    def poll_oids(self, rows: dict[str, list[str]]) -> list[str]:
        """Every OID a poll GETs for this profile."""
        found = []
        for metric in self.metrics:
            for s in metric.sources():
                found += [o for o in s.oids(rows) if o not in found]
        return found

    def read(self, rows: dict[str, list[str]], values: dict) -> dict:
        """``{metric: value}`` for every metric the poll answered."""
        out = {}
        for metric in self.metrics:
            value = metric.value(rows, values)
            if value is not None:
                out[metric.name] = value
        return out


def _index_key(index: str):
    return tuple(int(p) if p.isdigit() else 0 for p in str(index).split("."))


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def parse(data: dict, origin: str = "profile") -> Profile:
    """Build a :class:`Profile` from a loaded YAML document (errors name the file)."""
    if not isinstance(data, dict) or not data.get("name"):
        raise ProfileError(f"{origin}: a profile needs a name")
    match = data.get("match") or {}
    if not (match.get("sys_object_id") or match.get("sys_descr") or match.get("probe")):
        raise ProfileError(f"{origin}: match on sys_object_id, sys_descr or probe")
    if match.get("sys_descr"):
        re.compile(match["sys_descr"])
    metrics = []
    for name, spec in (data.get("metrics") or {}).items():
        where = f"{origin}: {name}"
        if name not in METRICS:
            raise ProfileError(f"{where}: unknown metric")
        if isinstance(spec, dict) and ("used" in spec or "free" in spec):
            parts = {k: Source.parse(spec[k], where) for k in ("used", "free", "total")
                     if k in spec}
            if "used" not in parts and not ("free" in parts and "total" in parts):
                raise ProfileError(f"{where}: give used with free or total")
            metrics.append(Metric(name, **parts))
        else:
            metrics.append(Metric(name, source=Source.parse(spec, where)))
        states = {v for _, v in (metrics[-1].source.states if metrics[-1].source else ())}
        if name == "ups_source" and not states <= UPS_SOURCES:
            raise ProfileError(f"{where}: states must be among {sorted(UPS_SOURCES)}")
    return Profile(name=str(data["name"]), title=str(data.get("title") or data["name"]),
                   sys_object_ids=tuple(str(p).lstrip(".") for p in
                                        match.get("sys_object_id") or ()),
                   sys_descr=match.get("sys_descr"),
                   probe=str(match["probe"]).lstrip(".") if match.get("probe") else None,
                   metrics=tuple(metrics))


@cache
def profiles() -> dict[str, Profile]:
    """Every profile shipped in the package, by name."""
    found = {}
    for path in sorted(PROFILE_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            profile = parse(yaml.safe_load(fh), path.name)
        if profile.name in found:
            raise ProfileError(f"{path.name}: profile {profile.name!r} defined twice")
        found[profile.name] = profile
    return found


def probe_oids() -> list[str]:
    """Objects discovery GETs so probe-matched profiles can be recognised."""
    return sorted({p.probe for p in profiles().values() if p.probe})


def choose(sys_object_id: str, sys_descr: str, probes: dict) -> Profile | None:
    """The best-fitting profile: longest sysObjectID prefix, then sysDescr, then a probe."""
    ranked = [(rank, p.name) for p in profiles().values()
              if (rank := p.rank(sys_object_id, sys_descr, probes)) is not None]
    return profiles()[max(ranked)[1]] if ranked else None


def get(name: str | None) -> Profile | None:
    """A profile by name (None when unknown: a profile file was removed)."""
    return profiles().get(name) if name else None
