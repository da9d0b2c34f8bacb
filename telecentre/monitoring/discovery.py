"""Finding devices over SNMP: neighbour tables of known devices and subnet scans.

The network side only (plain values in, plain values out; no database):

* :func:`read_neighbours` walks a known device's LLDP-MIB remote tables
  (with the management addresses), CISCO-CDP-MIB's cache and the IP-MIB
  ARP tables (``ipNetToMediaTable`` and ``ipNetToPhysicalTable``).
* :func:`scan` probes every host address of some ranges with a GET of
  sysDescr, sysObjectID and sysName, trying each set of credentials in turn,
  never faster than a :class:`RateLimiter` allows and with at most
  ``concurrency`` probes in flight.

What is stored and proposed is decided by
:mod:`telecentre.monitoring.proposals`.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import netaddr

from . import oids as O
from .checks import text
from .snmp import SnmpError, Target

LLDP_COLUMNS = [O.LLDP_LOC_PORT_ID, O.LLDP_LOC_PORT_DESC, O.LLDP_REM_CHASSIS_ID_SUBTYPE,
                O.LLDP_REM_CHASSIS_ID, O.LLDP_REM_PORT_ID_SUBTYPE, O.LLDP_REM_PORT_ID,
                O.LLDP_REM_PORT_DESC, O.LLDP_REM_SYS_NAME, O.LLDP_REM_SYS_DESC]
LLDP_ADDRESS_COLUMNS = [O.LLDP_REM_MAN_ADDR_IF_SUBTYPE]
CDP_COLUMNS = [O.CDP_CACHE_ADDRESS_TYPE, O.CDP_CACHE_ADDRESS, O.CDP_CACHE_DEVICE_ID,
               O.CDP_CACHE_DEVICE_PORT, O.CDP_CACHE_PLATFORM]
ARP_COLUMNS = [O.IP_NET_TO_MEDIA_PHYS, O.IP_NET_TO_MEDIA_TYPE, O.IP_NET_TO_PHYSICAL_PHYS,
               O.IP_NET_TO_PHYSICAL_TYPE]
PROBE_OIDS = [O.SYS_DESCR, O.SYS_OBJECT_ID, O.SYS_NAME]
MAC_SUBTYPE = {O.LLDP_REM_CHASSIS_ID_SUBTYPE: 4, O.LLDP_REM_PORT_ID_SUBTYPE: 3}
ARP_INVALID = 2
IPV4 = 1


@dataclass(frozen=True)
class Neighbour:
    """One neighbour-table row of a known device."""

    protocol: str            # "lldp" or "cdp"
    local_port: str
    name: str                # sysName (LLDP), device id (CDP), or the chassis id
    address: str | None      # management address (IPv4), if the table gives one
    port: str
    platform: str = ""       # sysDescr (LLDP) or platform (CDP)


@dataclass
class NeighbourTables:
    """What one device's tables say: LLDP/CDP neighbours and the IPv4 addresses it has seen."""

    neighbours: list[Neighbour] = field(default_factory=list)
    arp: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Probe:
    """An address that answered a probe, with what it said and the credentials that worked."""

    address: str
    port: int
    credentials: object
    sys_descr: str
    sys_object_id: str
    sys_name: str


def display(value) -> str:
    """Text of an octet string; a six-octet binary value (a MAC address) as aa:bb:…."""
    if isinstance(value, bytes) and len(value) == 6:
        try:
            printable = value.decode("ascii").isprintable()
        except UnicodeDecodeError:
            printable = False
        if not printable:
            return ":".join(f"{b:02x}" for b in value)
    return text(value)


def _ipv4(octets) -> str | None:
    """Dotted IPv4 of a 4-octet string or a list of 4 sub-identifiers."""
    parts = list(octets) if isinstance(octets, (bytes, list, tuple)) else []
    if len(parts) != 4 or not all(0 <= int(p) <= 255 for p in parts):
        return None
    return ".".join(str(int(p)) for p in parts)


def lldp_neighbours(t: dict) -> list[Neighbour]:
    """Neighbours from walked LLDP columns (``{column: {index: value}}``)."""
    local = {i: display(t.get(O.LLDP_LOC_PORT_DESC, {}).get(i)) or display(v)
             for i, v in t.get(O.LLDP_LOC_PORT_ID, {}).items()}
    addresses: dict[str, str] = {}
    for index in t.get(O.LLDP_REM_MAN_ADDR_IF_SUBTYPE, {}):
        parts = [int(p) for p in index.split(".")]
        # timeMark.localPortNum.remIndex.addrSubtype.addrLen.addr…
        if len(parts) >= 9 and parts[3] == IPV4 and parts[4] == 4:
            addresses.setdefault(".".join(map(str, parts[:3])), _ipv4(parts[5:9]))
    rows = []
    for index, chassis in sorted(t.get(O.LLDP_REM_CHASSIS_ID, {}).items()):
        local_port = index.split(".")[1] if index.count(".") >= 2 else ""
        port = display(t.get(O.LLDP_REM_PORT_ID, {}).get(index))
        if t.get(O.LLDP_REM_PORT_ID_SUBTYPE, {}).get(index) == MAC_SUBTYPE[
                O.LLDP_REM_PORT_ID_SUBTYPE]:
            port = display(t.get(O.LLDP_REM_PORT_DESC, {}).get(index)) or port
        rows.append(Neighbour(
            "lldp", local.get(local_port, local_port),
            display(t.get(O.LLDP_REM_SYS_NAME, {}).get(index)) or display(chassis),
            addresses.get(index), port, display(t.get(O.LLDP_REM_SYS_DESC, {}).get(index))))
    return rows


def cdp_neighbours(t: dict, interfaces: dict[str, str]) -> list[Neighbour]:
    """Neighbours from walked CDP columns; ``interfaces`` maps ifIndex to a port name."""
    rows = []
    for index, device_id in sorted(t.get(O.CDP_CACHE_DEVICE_ID, {}).items()):
        if_index = index.split(".")[0]
        address = None
        if t.get(O.CDP_CACHE_ADDRESS_TYPE, {}).get(index) == IPV4:
            address = _ipv4(t.get(O.CDP_CACHE_ADDRESS, {}).get(index))
        rows.append(Neighbour(
            "cdp", interfaces.get(if_index) or if_index, display(device_id), address,
            display(t.get(O.CDP_CACHE_DEVICE_PORT, {}).get(index)),
            display(t.get(O.CDP_CACHE_PLATFORM, {}).get(index))))
    return rows


def arp_addresses(t: dict) -> set[str]:
    """IPv4 addresses in the ARP tables (both IP-MIB forms), invalid entries left out."""
    found = set()
    types = t.get(O.IP_NET_TO_MEDIA_TYPE, {})
    for index in t.get(O.IP_NET_TO_MEDIA_PHYS, {}):
        parts = index.split(".")  # ifIndex.a.b.c.d
        if types.get(index) != ARP_INVALID and len(parts) == 5:
            found.add(_ipv4(parts[1:]))
    types = t.get(O.IP_NET_TO_PHYSICAL_TYPE, {})
    for index in t.get(O.IP_NET_TO_PHYSICAL_PHYS, {}):
        parts = index.split(".")  # ifIndex.addrType.addrLen.a.b.c.d
        if types.get(index) != ARP_INVALID and len(parts) == 7 and parts[1:3] == ["1", "4"]:
            found.add(_ipv4(parts[3:]))
    found.discard(None)
    return found


async def read_neighbours(client, target: Target,
                          interfaces: dict[str, str] | None = None) -> NeighbourTables:
    """Walk one device's LLDP, CDP and ARP tables (three walks: each reply stays small)."""
    lldp = await client.walk(target, LLDP_COLUMNS)
    lldp.update(await client.walk(target, LLDP_ADDRESS_COLUMNS))
    cdp = await client.walk(target, CDP_COLUMNS)
    arp = await client.walk(target, ARP_COLUMNS)
    return NeighbourTables(lldp_neighbours(lldp) + cdp_neighbours(cdp, interfaces or {}),
                           arp_addresses(arp))


class RateLimiter:
    """At most ``rate`` sends a second (bursts of ``burst``): a generic cell-rate algorithm.

    ``clock`` and ``sleep`` are injected so that tests drive it with a fake
    clock; ``granted`` counts the sends it let through.
    """

    def __init__(self, rate: float, burst: int = 1, clock=time.monotonic, sleep=asyncio.sleep):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.interval = 1.0 / rate
        self.burst = burst
        self.clock = clock
        self.sleep = sleep
        self.granted = 0
        self._tat: float | None = None  # theoretical arrival time of the next send

    def reserve(self) -> float:
        """Take the next slot; return how many seconds to wait before using it."""
        now = self.clock()
        tat = now if self._tat is None else max(self._tat, now)
        wait = max(0.0, tat - (self.burst - 1) * self.interval - now)
        self._tat = tat + self.interval
        self.granted += 1
        return wait

    async def acquire(self) -> None:
        """Wait for the next slot."""
        wait = self.reserve()
        if wait > 0:
            await self.sleep(wait)


async def probe(client, address: str, port: int, credentials_list, limiter: RateLimiter,
                sent: list | None = None) -> Probe | None:
    """GET sysDescr/sysObjectID/sysName with each credentials in turn; the first answer wins."""
    for credentials in credentials_list:
        await limiter.acquire()
        if sent is not None:
            sent.append(address)
        try:
            got = await client.get(Target(address, port, credentials), PROBE_OIDS)
        except (SnmpError, ValueError):
            continue
        if got.get(O.SYS_DESCR) is None and got.get(O.SYS_NAME) is None:
            continue
        return Probe(address, port, credentials, text(got.get(O.SYS_DESCR)),
                     text(got.get(O.SYS_OBJECT_ID)), text(got.get(O.SYS_NAME)))
    return None


@dataclass
class ScanReport:
    """What a scan did: every address it probed (once per credentials) and what answered."""

    found: list[Probe] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)


def hosts(ranges) -> list[str]:
    """The host addresses of ``ranges`` (CIDR texts), each once, in order."""
    seen: dict[str, None] = {}
    for cidr in ranges:
        network = netaddr.IPNetwork(cidr)
        addresses = network.iter_hosts() if network.size > 2 else network
        for ip in addresses:
            seen.setdefault(str(ip), None)
    return list(seen)


async def scan(client, addresses: list[str], credentials_list, limiter: RateLimiter,
               concurrency: int, port: int = 161) -> ScanReport:
    """Probe ``addresses`` (already checked to lie in the configured ranges)."""
    report = ScanReport()
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(address):
        async with gate:
            return await probe(client, address, port, credentials_list, limiter, report.sent)

    results = await asyncio.gather(*(one(a) for a in addresses))
    report.found = [r for r in results if r is not None]
    return report


def in_ranges(address: str | None, subnets) -> bool:
    """Whether ``address`` lies in one of ``subnets`` (CIDR texts)."""
    if not address:
        return False
    ip = netaddr.IPAddress(address)
    return any(ip in netaddr.IPNetwork(s) for s in subnets)


@dataclass
class Neighbourhood:
    """What reading a site's devices found: their tables (None: it did not answer), the
    addresses they name (address -> (found_by, via device id, LLDP/CDP row or None))
    and the probes of those inside the site's subnets."""

    tables: dict[int, NeighbourTables | None]
    candidates: dict[str, tuple[str, int, Neighbour | None]]
    probes: ScanReport


async def explore(walk_client, probe_client, devices, skip: set[str], subnets, credentials,
                  limiter: RateLimiter, concurrency: int, port: int) -> Neighbourhood:
    """Read the tables of ``devices`` ((id, target, ifIndex -> name) each, ``concurrency``
    at a time), then probe the addresses they name that lie in ``subnets``, not in ``skip``.
    """
    gate = asyncio.Semaphore(max(1, concurrency))

    async def read(device_id, target, interfaces):
        async with gate:
            try:
                return device_id, await read_neighbours(walk_client, target, interfaces)
            except SnmpError:
                return device_id, None

    tables = dict(await asyncio.gather(*(read(*d) for d in devices)))
    candidates: dict[str, tuple[str, int, Neighbour | None]] = {}
    for device_id in sorted(tables):  # the first device to name an address is its "via"
        found = tables[device_id] or NeighbourTables()
        for n in found.neighbours:
            if n.address and n.address not in skip:
                candidates.setdefault(n.address, (n.protocol, device_id, n))
        for address in sorted(found.arp - skip):
            candidates.setdefault(address, ("arp", device_id, None))
    inside = [a for a in candidates if in_ranges(a, subnets)]
    probes = await scan(probe_client, inside, credentials, limiter, concurrency, port)
    return Neighbourhood(tables, candidates, probes)


# Words in sysDescr / CDP platform / LLDP system description -> the kind they suggest,
# the first match wins (a UPS or printer often also says "network").
KIND_WORDS = (
    ("ups", ("ups", "powernet", "smart-ups", "eaton", "mge ", "xups")),
    ("printer", ("printer", "laserjet", "jetdirect", "officejet", "lexmark", "kyocera",
                 "brother", "ricoh", "xerox", "ecosys", "imagerunner")),
    ("access_point", ("access point", "unifi", "uap-", " ap ", "aironet", "wireless")),
    ("router", ("router", "routeros", "isr", "edgerouter", "junos", "srx", "fortigate")),
    ("switch", ("switch", "catalyst", "procurve", "officeconnect", "aruba", "c2960", "ws-c",
                "edgeswitch", "netgear", "d-link", "tl-sg", "cisco ios")),
    ("pc", ("windows", "linux", "darwin", "freebsd")),
)


def suggest_kind(*texts: str, found_by: str = "scan") -> str:
    """The device kind that the texts a device gives suggest (a neighbour: switch by default)."""
    words = " " + " ".join(t.lower() for t in texts if t) + " "
    for kind, needles in KIND_WORDS:
        if any(n in words for n in needles):
            return kind
    return "switch" if found_by in ("lldp", "cdp") else "pc"
