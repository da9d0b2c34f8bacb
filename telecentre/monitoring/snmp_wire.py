"""SNMPv2c GET straight on the wire: the poll's hot path, without pyasn1.

A sweep is thousands of identical-shaped GETs.  Through pysnmp 7 each one
costs about 1.2 ms of CPU here, and 60 % of that is pyasn1 building and
walking its objects to encode the request and decode the response (profiled:
44-48 % decoding, 17 % encoding).  The subset of BER one SNMPv2c GET needs
is small and fixed (RFC 3416 PDUs, RFC 2578 application types, definite
lengths only, RFC 3417 section 8), so this module encodes the request and
decodes the response itself, over one asyncio UDP socket per address family.

It is deliberately narrow: GET over SNMPv2c only.  SNMPv3 (USM keys,
authentication, privacy), GETBULK walks and discovery stay on pysnmp's
engine (:mod:`telecentre.monitoring.snmp`), and so does any device whose
answer this decoder does not accept: :class:`MalformedMessage` makes the
client repeat the request through pysnmp and keep that device there.

The codec is tested byte for byte against pysnmp's own encoder and decoder
(``tests/monitoring/test_snmp_wire.py``) and, through the poller's
integration tests, against net-snmp's snmpd and snmpsim.
"""
from __future__ import annotations

import asyncio
import ipaddress
import secrets
import socket
from dataclasses import dataclass, field

GET_REQUEST = 0xA0
RESPONSE = 0xA2
_SEQUENCE = 0x30
_INTEGER = 0x02
_OCTET_STRING = 0x04
_NULL = 0x05
_OID = 0x06
_IP_ADDRESS = 0x40
_UNSIGNED = frozenset((0x41, 0x42, 0x43, 0x46))  # Counter32, Gauge32, TimeTicks, Counter64
_OPAQUE = 0x44
_EXCEPTIONS = frozenset((0x80, 0x81, 0x82))  # noSuchObject, noSuchInstance, endOfMibView
_VERSION_2C = b"\x02\x01\x01"
_NO_ERROR = b"\x02\x01\x00\x02\x01\x00"  # error-status 0, error-index 0
_MAX_REQUEST_ID = 0x7FFFFFFF
_RECEIVE_BUFFER = 1 << 20  # a sweep has up to ~100 answers in flight at once


class MalformedMessage(ValueError):
    """A datagram this codec does not accept as an SNMPv2c message."""


class WireTimeout(Exception):
    """No answer within the timeout and retries."""


# --- encoding ---------------------------------------------------------------

def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _length(len(body)) + body


def _integer(value: int) -> bytes:
    """A non-negative INTEGER (request ids); two's complement, shortest form."""
    return _tlv(_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _base128(arc: int) -> bytes:
    out = [arc & 0x7F]
    arc >>= 7
    while arc:
        out.append(0x80 | (arc & 0x7F))
        arc >>= 7
    return bytes(reversed(out))


def encode_oid(dotted: str) -> bytes:
    """The BER contents (no tag, no length) of an OBJECT IDENTIFIER."""
    try:
        arcs = [int(arc) for arc in dotted.split(".")]
    except ValueError:
        raise ValueError(f"not a numeric OID: {dotted!r}") from None
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40) \
            or any(arc < 0 for arc in arcs):
        raise ValueError(f"not a valid OID: {dotted!r}")
    return b"".join(_base128(arc) for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]])


def encode_varbinds(oids) -> bytes:
    """The GET's variable-bindings SEQUENCE: every OID with a NULL value."""
    return _tlv(_SEQUENCE, b"".join(
        _tlv(_SEQUENCE, _tlv(_OID, encode_oid(oid)) + b"\x05\x00") for oid in oids))


def encode_get(community: bytes, request_id: int, varbinds: bytes) -> bytes:
    """A whole SNMPv2c GetRequest message; ``varbinds`` from :func:`encode_varbinds`."""
    pdu = _tlv(GET_REQUEST, _integer(request_id) + _NO_ERROR + varbinds)
    return _tlv(_SEQUENCE, _VERSION_2C + _tlv(_OCTET_STRING, community) + pdu)


# --- decoding ---------------------------------------------------------------

def _header(buf: bytes, pos: int, end: int, lenient: bool = False) -> tuple[int, int, int]:
    """Read one TLV header at ``pos``: (tag, start of contents, end of contents).

    ``lenient`` lets a constructed value use the indefinite form (its contents
    then run to ``end``): enough to find the request id in an answer
    :func:`decode_response` will refuse, so that request can go to pysnmp.
    """
    if pos + 2 > end:
        raise MalformedMessage("truncated")
    tag, length = buf[pos], buf[pos + 1]
    if tag & 0x1F == 0x1F:
        raise MalformedMessage("multi-byte tag")
    pos += 2
    if lenient and length == 0x80 and tag & 0x20:
        return tag, pos, end
    if length & 0x80:
        size = length & 0x7F
        if size == 0 or size > 4:
            raise MalformedMessage("indefinite or oversized length")
        if pos + size > end:
            raise MalformedMessage("truncated length")
        length = int.from_bytes(buf[pos:pos + size], "big")
        pos += size
    if pos + length > end:
        raise MalformedMessage("contents past the end")
    return tag, pos, pos + length


def _expect(buf: bytes, pos: int, end: int, tag: int,
            lenient: bool = False) -> tuple[int, int]:
    got, start, stop = _header(buf, pos, end, lenient)
    if got != tag:
        raise MalformedMessage(f"expected tag 0x{tag:02x}, found 0x{got:02x}")
    return start, stop


def _signed(buf: bytes, start: int, stop: int) -> int:
    if start == stop:
        raise MalformedMessage("empty INTEGER")
    return int.from_bytes(buf[start:stop], "big", signed=True)


def decode_oid(contents: bytes) -> str:
    """Dotted text of an OBJECT IDENTIFIER's BER contents."""
    if not contents or contents[-1] & 0x80:
        raise MalformedMessage("bad OBJECT IDENTIFIER")
    arcs, arc = [], 0
    for byte in contents:
        arc = (arc << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(arc)
            arc = 0
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return ".".join(map(str, (*head, *arcs[1:])))


def _value(tag: int, buf: bytes, start: int, stop: int):
    """A varbind value as plain Python, as :func:`telecentre.monitoring.snmp.plain` gives it."""
    if tag in _UNSIGNED:
        if start == stop:
            raise MalformedMessage("empty unsigned value")
        return int.from_bytes(buf[start:stop], "big")
    if tag == _OCTET_STRING or tag == _OPAQUE:
        return bytes(buf[start:stop])
    if tag == _INTEGER:
        return _signed(buf, start, stop)
    if tag in _EXCEPTIONS or tag == _NULL:
        return None
    if tag == _OID:
        return decode_oid(bytes(buf[start:stop]))
    if tag == _IP_ADDRESS:
        if stop - start != 4:
            raise MalformedMessage("IpAddress is not 4 octets")
        return ".".join(str(b) for b in buf[start:stop])
    raise MalformedMessage(f"unknown value tag 0x{tag:02x}")


@dataclass
class Response:
    """A decoded SNMPv2c Response-PDU."""

    request_id: int
    community: bytes
    error_status: int
    error_index: int
    varbinds: list[tuple[str, object]]


def request_id_of(buf: bytes) -> int:
    """The request id of an SNMPv2c message, read without decoding the rest."""
    start, end = _expect(buf, 0, len(buf), _SEQUENCE, lenient=True)
    pos = _expect(buf, start, end, _INTEGER)[1]
    pos = _expect(buf, pos, end, _OCTET_STRING)[1]
    pos, pdu_end = _header(buf, pos, end, lenient=True)[1:]
    return _signed(buf, *_expect(buf, pos, pdu_end, _INTEGER))


def decode_response(buf: bytes, names: dict[bytes, str] | None = None) -> Response:
    """Decode an SNMPv2c Response message.

    ``names`` maps OID contents to their dotted text (the request's own OIDs,
    which a GET's answer repeats), saving the arc arithmetic for them.
    """
    names = names or {}
    start, end = _expect(buf, 0, len(buf), _SEQUENCE)
    if end != len(buf):
        raise MalformedMessage("bytes after the message")
    start, pos = _expect(buf, start, end, _INTEGER)
    if _signed(buf, start, pos) != 1:
        raise MalformedMessage("not an SNMPv2c message")
    start, pos = _expect(buf, pos, end, _OCTET_STRING)
    community = bytes(buf[start:pos])
    pos, pdu_end = _expect(buf, pos, end, RESPONSE)
    fields = []
    for _ in range(3):  # request-id, error-status, error-index
        start, pos = _expect(buf, pos, pdu_end, _INTEGER)
        fields.append(_signed(buf, start, pos))
    pos, list_end = _expect(buf, pos, pdu_end, _SEQUENCE)
    varbinds = []
    while pos < list_end:
        pos, bind_end = _expect(buf, pos, list_end, _SEQUENCE)
        start, pos = _expect(buf, pos, bind_end, _OID)
        raw = bytes(buf[start:pos])
        name = names.get(raw) or decode_oid(raw)
        tag, start, pos = _header(buf, pos, bind_end)
        if pos != bind_end:
            raise MalformedMessage("extra bytes in a variable binding")
        varbinds.append((name, _value(tag, buf, start, pos)))
    return Response(fields[0], community, fields[1], fields[2], varbinds)


# --- transport --------------------------------------------------------------

@dataclass
class _Request:
    future: asyncio.Future
    peer: tuple[str, int]
    community: bytes
    names: dict[bytes, str]
    message: bytes
    tries_left: int
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, owner: V2cGetter):
        self.owner = owner

    def datagram_received(self, data, addr):
        self.owner._received(data, addr)

    def error_received(self, exc):  # ICMP errors: the request's timeout handles them
        pass


class V2cGetter:
    """SNMPv2c GETs from one event loop: many in flight on one socket per family.

    Answers are matched by request id *and* the address they came from, and
    must repeat the request's community; anything else is dropped, as
    pysnmp does.  A request is resent after ``timeout`` seconds, ``retries``
    times, with the same id, so a late answer to an earlier try still counts.
    """

    def __init__(self, timeout: float = 1.0, retries: int = 1):
        self.timeout = timeout
        self.retries = retries
        self.dropped = 0  # datagrams that matched no request (late, stray or forged)
        self._pending: dict[int, _Request] = {}
        self._transports: dict[int, asyncio.Future] = {}  # family -> its opened transport
        self._varbinds: dict[tuple[str, ...], tuple[bytes, dict[bytes, str]]] = {}

    @staticmethod
    def peer_of(address: str, port: int) -> tuple[str, int] | None:
        """The (address, port) answers will come from, or None for a non-IP address."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        # An IPv4-mapped IPv6 address is that IPv4 host: ask it over IPv4, whose answers
        # come back from the plain IPv4 address.
        return str(getattr(ip, "ipv4_mapped", None) or ip), port

    async def _transport(self, family: int) -> asyncio.DatagramTransport:
        # The first requests of a sweep arrive together: they share one
        # opening, so no socket is made twice (and leaked).
        opening = self._transports.get(family)
        if opening is None or (opening.done() and (
                opening.cancelled() or opening.exception() is not None
                or opening.result().is_closing())):
            opening = self._transports[family] = asyncio.ensure_future(self._open(family))
        return await asyncio.shield(opening)

    async def _open(self, family: int) -> asyncio.DatagramTransport:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)
            sock.bind(("", 0))  # any local address, an ephemeral port: a client socket
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _Receiver(self), sock=sock)
        except BaseException:
            sock.close()
            raise
        return transport

    def _encoded(self, oids: list[str]) -> tuple[bytes, dict[bytes, str]]:
        key = tuple(oids)
        found = self._varbinds.get(key)
        if found is None:
            if len(self._varbinds) > 4096:  # one entry per distinct poll shape
                self._varbinds.clear()
            found = self._varbinds[key] = (
                encode_varbinds(oids), {encode_oid(oid): oid for oid in oids})
        return found

    def _new_id(self) -> int:
        while True:
            request_id = 1 + secrets.randbelow(_MAX_REQUEST_ID)
            if request_id not in self._pending:
                return request_id

    async def get(self, peer: tuple[str, int], community: str,
                  oids: list[str]) -> Response:
        """GET ``oids`` from ``peer`` (from :meth:`peer_of`); the decoded response.

        Raises :class:`WireTimeout` or :class:`MalformedMessage`.
        """
        family = socket.AF_INET6 if ":" in peer[0] else socket.AF_INET
        transport = await self._transport(family)
        varbinds, names = self._encoded(oids)
        request_id = self._new_id()
        loop = asyncio.get_running_loop()
        request = _Request(loop.create_future(), peer, community.encode(), names,
                           encode_get(community.encode(), request_id, varbinds), self.retries)
        self._pending[request_id] = request
        try:
            transport.sendto(request.message, peer)
            request.timer = loop.call_later(self.timeout, self._expired, request_id, transport)
            return await request.future
        finally:
            if request.timer is not None:
                request.timer.cancel()
            self._pending.pop(request_id, None)

    def _expired(self, request_id: int, transport) -> None:
        request = self._pending.get(request_id)
        if request is None or request.future.done():
            return
        if request.tries_left <= 0:
            request.future.set_exception(WireTimeout(f"{request.peer[0]}:{request.peer[1]}"))
            return
        request.tries_left -= 1
        if not transport.is_closing():
            transport.sendto(request.message, request.peer)
        request.timer = asyncio.get_running_loop().call_later(
            self.timeout, self._expired, request_id, transport)

    def _received(self, data: bytes, addr) -> None:
        try:
            request = self._pending.get(request_id_of(data))
        except MalformedMessage:
            request = None
        if request is None or request.future.done() or tuple(addr[:2]) != request.peer:
            self.dropped += 1
            return
        try:
            response = decode_response(data, request.names)
        except MalformedMessage as exc:
            request.future.set_exception(exc)
            return
        if response.community != request.community:
            self.dropped += 1
            return
        request.future.set_result(response)

    def close(self) -> None:
        """Close the sockets; requests still waiting fail with :class:`WireTimeout`."""
        for request in list(self._pending.values()):
            if not request.future.done():
                request.future.set_exception(WireTimeout("client closed"))
        for opening in self._transports.values():
            if opening.done() and not opening.cancelled() and opening.exception() is None:
                opening.result().close()
            else:
                opening.cancel()
        self._transports.clear()
