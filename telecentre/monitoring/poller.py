"""Sweep many devices at once with one SNMP client.

Concurrency is bounded by a semaphore; every device has its own deadline, so
a dead device costs its timeout and retries inside its own task and never
holds up the rest of the sweep.  Sweeps shard by a stable hash of the device
id, so several scheduler processes can split a large inventory without
talking to each other.
"""
from __future__ import annotations

import asyncio
import time
import zlib
from dataclasses import dataclass

from . import oids as O
from .checks import Discovery, discover, poll_oids
from .readings import Reading, read
from .snmp import SnmpError, Target

DEFAULT_CONCURRENCY = 64
DISCOVERY_BUDGET = 30.0  # seconds; a walk is many requests


@dataclass(frozen=True)
class DeviceSpec:
    """What the poller needs to know about one device."""

    device_id: int | str
    target: Target
    discovery: Discovery | None = None


@dataclass
class PollResult:
    """Outcome of polling one device: a reading, or the error."""

    device_id: int | str
    reading: Reading | None
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        """True when the device answered."""
        return self.reading is not None


@dataclass
class DiscoveryResult:
    """Outcome of discovering one device."""

    device_id: int | str
    discovery: Discovery | None
    error: str | None


def shard_of(device_id, shards: int) -> int:
    """Stable shard number of a device (crc32, same in every process)."""
    return zlib.crc32(str(device_id).encode()) % shards


def in_shard(device_id, shard: int, shards: int) -> bool:
    """True when ``device_id`` belongs to shard ``shard`` of ``shards``."""
    return shards <= 1 or shard_of(device_id, shards) == shard


async def poll_device(client, spec: DeviceSpec) -> PollResult:
    """One GET (split into 25-varbind requests) of all health objects."""
    started = time.monotonic()
    try:
        # Every request inside client.get is already under asyncio.wait_for.
        values = await client.get(spec.target, poll_oids(spec.discovery))
    except SnmpError as exc:
        return PollResult(spec.device_id, None, str(exc), time.monotonic() - started)
    if values.get(O.SYS_UPTIME) is None:
        # An agent that answers but has no sysUpTime is not one we can monitor.
        return PollResult(spec.device_id, None, "no sysUpTime", time.monotonic() - started)
    return PollResult(spec.device_id, read(spec.discovery, values, time.time()), None,
                      time.monotonic() - started)


async def _bounded(semaphore, coroutine_function, *args):
    async with semaphore:
        return await coroutine_function(*args)


async def sweep(client, specs, concurrency: int = DEFAULT_CONCURRENCY,
                on_result=None) -> list[PollResult]:
    """Poll every spec, at most ``concurrency`` in flight; results in input order.

    ``on_result(result)`` is called as each device finishes (progress bars).
    """
    specs = list(specs)
    await client.prepare(s.target for s in specs)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(spec):
        result = await _bounded(semaphore, poll_device, client, spec)
        if on_result is not None:
            on_result(result)
        return result

    return list(await asyncio.gather(*(one(s) for s in specs)))


async def discover_device(client, spec: DeviceSpec) -> DiscoveryResult:
    """Walk one device's tables; errors are returned, not raised."""
    try:
        found = await asyncio.wait_for(discover(client, spec.target), DISCOVERY_BUDGET)
    except TimeoutError:
        return DiscoveryResult(spec.device_id, None, "timeout")
    except SnmpError as exc:
        return DiscoveryResult(spec.device_id, None, str(exc))
    return DiscoveryResult(spec.device_id, found, None)


async def discover_all(client, specs, concurrency: int = 16) -> list[DiscoveryResult]:
    """Discover many devices at once (walks are heavier: lower concurrency)."""
    specs = list(specs)
    await client.prepare((s.target for s in specs), walks=True)
    semaphore = asyncio.Semaphore(concurrency)
    return list(await asyncio.gather(
        *(_bounded(semaphore, discover_device, client, s) for s in specs)))
