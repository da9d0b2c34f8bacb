"""Thin adapter over pysnmp 7's asyncio API (v3arch), with a fast lane for v2c GETs.

One :class:`SnmpClient` owns one ``SnmpEngine`` for its whole life: a new
engine costs ~380 ms of CPU, a reused one under a millisecond per request, and
an engine only works in the event loop that first used it.  Sync callers (the
CLI, scheduler jobs, Flask views) use :class:`SnmpRunner`, a thread with its
own long-lived loop fed through ``run_coroutine_threadsafe``; the poller awaits
the client directly.

SNMPv2c GETs -- nearly all of a sweep -- go through
:class:`~telecentre.monitoring.snmp_wire.V2cGetter`, which encodes and decodes
them without pyasn1 (about a twentieth of pysnmp's CPU per device); SNMPv3,
walks and any device whose answers that codec refuses use the engine.

Everything that crosses this module's boundary is plain Python: OIDs are
dotted strings, values are ``int``/``bytes``/``str`` or ``None`` when the agent
has no such object.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from dataclasses import dataclass

with warnings.catch_warnings():
    # pysnmp 7.1 calls pysmi names that pysmi 2 deprecated (import-time noise).
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyasn1.type import univ
    from pysnmp.hlapi.v3arch.asyncio import (
        CommunityData,
        ContextData,
        ObjectIdentity,
        ObjectType,
        SnmpEngine,
        UdpTransportTarget,
        UsmUserData,
        bulk_cmd,
        get_cmd,
        usmAesCfb128Protocol,
        usmAesCfb256Protocol,
        usmHMAC192SHA256AuthProtocol,
        usmHMACSHAAuthProtocol,
    )
    from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD
    from pysnmp.proto import rfc1902, rfc1905

from . import snmp_wire

log = logging.getLogger(__name__)
MAX_GET_VARBINDS = 25
AUTH_PROTOCOLS = {"SHA": usmHMACSHAAuthProtocol, "SHA256": usmHMAC192SHA256AuthProtocol}
PRIV_PROTOCOLS = {"AES": usmAesCfb128Protocol, "AES256": usmAesCfb256Protocol}
_TOO_BIG = 1  # error-status tooBig(1), RFC 3416


class SnmpError(Exception):
    """The agent could not be queried (timeout, auth failure, protocol error)."""


class SnmpTimeout(SnmpError):
    """No answer within the timeout and retries: the device is unreachable."""


@dataclass(frozen=True)
class Credentials:
    """SNMP credentials: v2c community or v3 authPriv user (SHA/AES)."""

    version: str = "2c"
    community: str = "public"
    user: str = ""
    auth_protocol: str = "SHA"
    auth_key: str = ""
    priv_protocol: str = "AES"
    priv_key: str = ""
    context: str = ""

    def __post_init__(self):
        if self.version not in ("2c", "3"):
            raise ValueError(f"unsupported SNMP version {self.version!r}")
        if self.version == "3":
            if not self.user or len(self.auth_key) < 8 or len(self.priv_key) < 8:
                raise ValueError("SNMPv3 authPriv needs a user and keys of 8+ characters")
            if self.auth_protocol not in AUTH_PROTOCOLS or self.priv_protocol not in PRIV_PROTOCOLS:
                raise ValueError("unsupported SNMPv3 auth/priv protocol")

    def auth_data(self):
        """Return the pysnmp authentication object for these credentials."""
        if self.version == "2c":
            return CommunityData(self.community, mpModel=1)
        return UsmUserData(
            self.user, self.auth_key, self.priv_key,
            authProtocol=AUTH_PROTOCOLS[self.auth_protocol],
            privProtocol=PRIV_PROTOCOLS[self.priv_protocol],
        )


@dataclass(frozen=True)
class Target:
    """Where and how to reach one agent."""

    address: str
    port: int = 161
    credentials: Credentials = Credentials()


def plain(value):
    """Convert a pysnmp value to plain Python; ``None`` for noSuch*/endOfMibView."""
    if isinstance(value, (rfc1905.NoSuchObject, rfc1905.NoSuchInstance,
                          rfc1905.EndOfMibView, univ.Null)):
        return None
    if isinstance(value, rfc1902.IpAddress):
        return value.prettyPrint()
    if isinstance(value, rfc1902.ObjectIdentifier):
        return str(value)
    if isinstance(value, univ.OctetString):  # OctetString, Opaque
        return value.asOctets()
    if isinstance(value, univ.Integer):  # Integer32, Counter32/64, Gauge32, TimeTicks
        return int(value)
    return None if value is None else str(value)


class SnmpClient:
    """Async SNMP client around one engine; use it from one event loop only.

    ``timeout`` and ``retries`` are fixed per client on purpose: pysnmp keys
    its per-target state (about 30 KB, never freed) by address + timeout +
    retries, so varying them would grow memory on every sweep.

    ``fast_v2c`` (the default) sends SNMPv2c GETs through
    :class:`~telecentre.monitoring.snmp_wire.V2cGetter`; ``False`` keeps every
    request on pysnmp's engine (the benchmark compares the two).
    """

    def __init__(self, timeout: float = 1.0, retries: int = 1, fast_v2c: bool = True):
        self.timeout = timeout
        self.retries = retries
        self.wire = snmp_wire.V2cGetter(timeout, retries) if fast_v2c else None
        self._engine_only: set[tuple[str, int]] = set()  # answers the wire codec refused
        self.engine = SnmpEngine()
        self._quiet_mib_compiler()
        self._targets: dict[tuple[str, int], UdpTransportTarget] = {}
        self._prepared: set[Target] = set()
        self._auth: dict[Credentials, object] = {}
        self._objects: dict[str, ObjectType] = {}
        self._context = ContextData()

    def _quiet_mib_compiler(self) -> None:
        # pysnmp attaches pysmi's MIB compiler on the first request and pysmi
        # emits DeprecationWarnings doing so (fatal under filterwarnings=error).
        # We never resolve MIB names, so attach it once here, warnings muted.
        from pysnmp.hlapi.varbinds import CommandGeneratorVarBinds
        from pysnmp.smi.compiler import add_mib_compiler
        view = CommandGeneratorVarBinds.get_mib_view_controller(self.engine.cache)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            add_mib_compiler(view.mibBuilder, ifAvailable=True, ifNotAdded=True)

    @property
    def budget(self) -> float:
        """Seconds one request may take in the worst case (all retries)."""
        return self.timeout * (self.retries + 1) + 0.5

    async def _target(self, target: Target) -> UdpTransportTarget:
        key = (target.address, target.port)
        if key not in self._targets:
            self._targets[key] = await UdpTransportTarget.create(
                key, timeout=self.timeout, retries=self.retries)
        return self._targets[key]

    async def prepare(self, targets, walks: bool = False) -> int:
        """Register ``targets`` with the engine before any request is sent; return how many
        were new.  Targets whose GETs take the fast v2c lane are skipped unless
        ``walks`` (GETBULK always uses the engine).

        pysnmp registers a target on its first request, and every registration
        makes the next response rebuild the engine's transport map over all
        targets: a first sweep of n new devices does O(n²) work while their
        timeouts run (a cold first sweep of 1,500 devices here took 49 s with
        600 false timeouts).  Registering them all first costs one rebuild,
        and no request is in flight while it happens.
        """
        fresh = 0
        for target in targets:
            if target in self._prepared or (not walks and self._wire_peer(target)):
                continue
            context = self._context_for(target.credentials)
            LCD.configure(self.engine, self._auth_data(target.credentials),
                          await self._target(target), context.contextName)
            self._prepared.add(target)
            fresh += 1
            if fresh % 100 == 0:
                await asyncio.sleep(0)  # let other callbacks of this loop run
        return fresh

    def _object(self, oid: str) -> ObjectType:
        # Numeric ObjectTypes built once and reused: MIB resolution is the
        # other half of pysnmp's per-request cost.
        obj = self._objects.get(oid)
        if obj is None:
            obj = self._objects[oid] = ObjectType(ObjectIdentity(oid))
        return obj

    def _auth_data(self, credentials: Credentials):
        data = self._auth.get(credentials)
        if data is None:
            data = self._auth[credentials] = credentials.auth_data()
        return data

    def _context_for(self, credentials: Credentials):
        if credentials.context:
            return ContextData(contextName=credentials.context)
        return self._context

    async def _request(self, call, target: Target, *args):
        transport = await self._target(target)
        try:
            # asyncio.timeout, not wait_for: no extra task per request.
            async with asyncio.timeout(self.budget):
                error, status, index, varbinds = await call(
                    self.engine, self._auth_data(target.credentials), transport,
                    self._context_for(target.credentials), *args, lookupMib=False)
        except TimeoutError:
            raise SnmpTimeout(f"{target.address}:{target.port} did not answer") from None
        if error:
            text = str(error)
            if "timeout" in text.lower():
                raise SnmpTimeout(f"{target.address}:{target.port}: {text}")
            raise SnmpError(f"{target.address}:{target.port}: {text}")
        return int(status), int(index), varbinds

    def _wire_peer(self, target: Target) -> tuple[str, int] | None:
        """Where to send ``target``'s GETs on the fast lane; None: use the engine."""
        if self.wire is None or target.credentials.version != "2c":
            return None
        peer = self.wire.peer_of(target.address, target.port)
        return None if peer in self._engine_only else peer

    async def _get_request(self, target: Target, oids: list[str]):
        """One GET: (error-status, error-index, [(oid, plain value)])."""
        peer = self._wire_peer(target)
        if peer is not None:
            try:
                answer = await self.wire.get(peer, target.credentials.community, oids)
            except snmp_wire.WireTimeout:
                raise SnmpTimeout(f"{target.address}:{target.port}: no SNMP response "
                                  "before timeout") from None
            except snmp_wire.MalformedMessage as exc:
                # An agent whose BER the narrow codec does not take: pysnmp's
                # decoder gets this and every later request to it.
                log.info("snmp: %s:%s answers outside the fast v2c codec (%s); "
                         "using pysnmp's engine for it", target.address, target.port, exc)
                self._engine_only.add(peer)
                await self.prepare([target])
            except ValueError:
                pass  # an OID text the codec does not encode: the engine decides
            else:
                return answer.error_status, answer.error_index, answer.varbinds
        status, index, varbinds = await self._request(
            get_cmd, target, *(self._object(o) for o in oids))
        return status, index, [(str(name), plain(value)) for name, value in varbinds]

    async def get(self, target: Target, oids: list[str]) -> dict[str, object]:
        """GET ``oids`` (batched by 25, halved again on tooBig); map OID → value."""
        if len(oids) <= MAX_GET_VARBINDS:
            return await self._get_chunk(target, oids)  # the common case: no extra tasks
        chunks = [oids[i:i + MAX_GET_VARBINDS] for i in range(0, len(oids), MAX_GET_VARBINDS)]
        result: dict[str, object] = {}
        for part in await asyncio.gather(*(self._get_chunk(target, c) for c in chunks)):
            result.update(part)
        return result

    async def _get_chunk(self, target: Target, oids: list[str]) -> dict[str, object]:
        status, index, varbinds = await self._get_request(target, oids)
        if status == _TOO_BIG and len(oids) > 1:
            half = len(oids) // 2
            first = await self._get_chunk(target, oids[:half])
            first.update(await self._get_chunk(target, oids[half:]))
            return first
        if status:
            raise SnmpError(f"{target.address}: error-status {status} at {index}")
        return dict(varbinds)

    async def walk(self, target: Target, columns: list[str],
                   max_repetitions: int = 20, max_rows: int = 2000) -> dict[str, dict[str, object]]:
        """Walk table ``columns`` together with GETBULK.

        Returns ``{column: {index_suffix: value}}``; a column the agent lacks
        comes back empty.  ``max_rows`` bounds a misbehaving agent.
        """
        tables: dict[str, dict[str, object]] = {c: {} for c in columns}
        cursor = {c: c for c in columns}  # column -> last OID seen
        while cursor:
            active = list(cursor)
            status, index, varbinds = await self._request(
                bulk_cmd, target, 0, max_repetitions, *(self._object(cursor[c]) for c in active))
            if status:
                raise SnmpError(f"{target.address}: error-status {status} at {index}")
            done = set()
            for i, (name, value) in enumerate(varbinds):
                column = active[i % len(active)]
                if column in done:
                    continue
                oid = str(name)
                if value is None or isinstance(value, rfc1905.EndOfMibView) \
                        or not oid.startswith(column + ".") or oid == cursor[column]:
                    done.add(column)
                    continue
                tables[column][oid[len(column) + 1:]] = plain(value)
                cursor[column] = oid
            for column in active:
                if column in done or not varbinds or len(tables[column]) >= max_rows:
                    cursor.pop(column, None)
        return tables

    def close(self) -> None:
        """Close the engine's and the fast lane's sockets."""
        if self.wire is not None:
            self.wire.close()
        self.engine.close_dispatcher()


class SnmpRunner:
    """A thread with its own event loop that owns one :class:`SnmpClient`.

    Sync code calls :meth:`run` with a coroutine function taking the client;
    the engine never leaves its loop, so it can be reused for the life of the
    process.
    """

    def __init__(self, timeout: float = 1.0, retries: int = 1, fast_v2c: bool = True):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever,
                                        name="snmp-loop", daemon=True)
        self._thread.start()
        self.client = self.call(self._make_client, timeout, retries, fast_v2c)

    @staticmethod
    async def _make_client(timeout, retries, fast_v2c):
        return SnmpClient(timeout=timeout, retries=retries, fast_v2c=fast_v2c)

    def call(self, coroutine_function, *args, timeout: float | None = None):
        """Run ``coroutine_function(*args)`` on the SNMP loop and wait for it."""
        future = asyncio.run_coroutine_threadsafe(coroutine_function(*args), self.loop)
        return future.result(timeout)

    def run(self, coroutine_function, *args, timeout: float | None = None):
        """Run ``coroutine_function(client, *args)`` on the SNMP loop."""
        return self.call(coroutine_function, self.client, *args, timeout=timeout)

    def get(self, target: Target, oids: list[str]) -> dict[str, object]:
        """Blocking :meth:`SnmpClient.get`."""
        return self.call(self.client.get, target, oids)

    def walk(self, target: Target, columns: list[str]) -> dict[str, dict[str, object]]:
        """Blocking :meth:`SnmpClient.walk`."""
        return self.call(self.client.walk, target, columns)

    def close(self) -> None:
        """Close the client and stop the loop thread."""
        async def _close():
            self.client.close()
            await asyncio.sleep(0)  # let the closed transports drop their sockets
        try:
            self.call(_close, timeout=5)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
            self.loop.close()
