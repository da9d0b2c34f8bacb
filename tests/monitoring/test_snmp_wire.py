"""The fast SNMPv2c GET lane: its codec against pysnmp's, its transport on loopback.

pysnmp (pyasn1) is the reference: every request the fast lane encodes must be
the bytes pysnmp would send, and every response pysnmp can encode must
decode to the values the engine path gives.  The transport is exercised
against a scripted UDP peer on loopback for what real agents never do on
demand (answer late, twice, from the wrong port, with the wrong community,
in BER's indefinite form); real agents (snmpd, snmpsim) cover the rest here
and in every poller test.
"""
import asyncio
import socket
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import rfc1902, rfc1905
from pysnmp.proto.api import v2c

from telecentre.monitoring import oids as O
from telecentre.monitoring import snmp_wire as W
from telecentre.monitoring.snmp import Credentials, SnmpClient, SnmpTimeout, Target, plain

from .conftest import KINDS

# --- the codec, against pysnmp -------------------------------------------------------

arcs = st.integers(min_value=0, max_value=2**40)
oid_texts = st.builds(
    lambda first, second, rest: ".".join(map(str, (first, second, *rest))),
    st.integers(0, 2), st.integers(0, 39), st.lists(arcs, max_size=20))
communities = st.binary(max_size=300)
request_ids = st.integers(min_value=1, max_value=2**31 - 1)

values = st.one_of(
    st.integers(-2**31, 2**31 - 1).map(rfc1902.Integer32),
    st.binary(max_size=300).map(rfc1902.OctetString),
    oid_texts.map(rfc1902.ObjectIdentifier),
    st.binary(min_size=4, max_size=4).map(rfc1902.IpAddress),
    st.integers(0, 2**32 - 1).map(rfc1902.Counter32),
    st.integers(0, 2**32 - 1).map(rfc1902.Gauge32),
    st.integers(0, 2**32 - 1).map(rfc1902.TimeTicks),
    st.integers(0, 2**64 - 1).map(rfc1902.Counter64),
    st.binary(max_size=40).map(rfc1902.Opaque),
    st.sampled_from([rfc1905.noSuchObject, rfc1905.noSuchInstance, rfc1905.endOfMibView]),
)


def pysnmp_get(community: bytes, request_id: int, names) -> bytes:
    pdu = v2c.GetRequestPDU()
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiPDU.set_request_id(pdu, request_id)
    v2c.apiPDU.set_varbinds(pdu, [(name, v2c.Null()) for name in names])
    msg = v2c.Message()
    v2c.apiMessage.set_defaults(msg)
    v2c.apiMessage.set_community(msg, community)
    v2c.apiMessage.set_pdu(msg, pdu)
    return encoder.encode(msg)


def pysnmp_response(community: bytes, request_id: int, varbinds, status=0, index=0,
                    definite=True) -> bytes:
    pdu = v2c.ResponsePDU()
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiPDU.set_request_id(pdu, request_id)
    v2c.apiPDU.set_error_status(pdu, status)
    v2c.apiPDU.set_error_index(pdu, index)
    v2c.apiPDU.set_varbinds(pdu, varbinds)
    msg = v2c.Message()
    v2c.apiMessage.set_defaults(msg)
    v2c.apiMessage.set_community(msg, community)
    v2c.apiMessage.set_pdu(msg, pdu)
    return encoder.encode(msg, defMode=definite)


@settings(max_examples=300, deadline=None)
@given(communities, request_ids, st.lists(oid_texts, min_size=1, max_size=40))
def test_get_requests_are_the_bytes_pysnmp_sends(community, request_id, names):
    ours = W.encode_get(community, request_id, W.encode_varbinds(names))
    assert ours == pysnmp_get(community, request_id, names)
    assert W.request_id_of(ours) == request_id


@settings(max_examples=300, deadline=None)
@given(communities, request_ids, st.lists(st.tuples(oid_texts, values), max_size=30),
       st.integers(0, 18), st.integers(0, 30))
def test_responses_decode_to_what_the_engine_path_gives(community, request_id, binds,
                                                        status, index):
    data = pysnmp_response(community, request_id, binds, status, index)
    reference, rest = decoder.decode(data, asn1Spec=v2c.Message())
    assert not rest
    expected = [(str(name), plain(value))
                for name, value in v2c.apiPDU.get_varbinds(v2c.apiMessage.get_pdu(reference))]

    decoded = W.decode_response(data)
    assert (decoded.request_id, decoded.community) == (request_id, community)
    assert (decoded.error_status, decoded.error_index) == (status, index)
    assert decoded.varbinds == expected
    assert W.request_id_of(data) == request_id
    # The request's own names, handed in, give the same answer.
    names = {W.encode_oid(name): name for name, _ in binds}
    assert W.decode_response(data, names).varbinds == expected


def test_every_value_type_reads_as_plain_python():
    data = pysnmp_response(b"public", 7, [
        ("1.3.6.1.2.1.1.3.0", rfc1902.TimeTicks(4294967295)),
        ("1.3.6.1.2.1.1.5.0", rfc1902.OctetString(b"router-\x00\xff")),
        ("1.3.6.1.2.1.1.2.0", rfc1902.ObjectIdentifier("1.3.6.1.4.1.8072.3.2.10")),
        ("1.3.6.1.2.1.4.20.1.1.10.0.0.1", rfc1902.IpAddress("10.0.0.1")),
        ("1.3.6.1.2.1.2.2.1.14.1", rfc1902.Counter32(2**32 - 1)),
        ("1.3.6.1.2.1.31.1.1.1.6.1", rfc1902.Counter64(2**64 - 1)),
        ("1.3.6.1.2.1.33.1.2.3.0", rfc1902.Gauge32(0)),
        ("1.3.6.1.4.1.2021.10.1.5.1", rfc1902.Integer32(-5)),
        ("1.3.6.1.2.1.99.1.0", rfc1905.noSuchObject),
        ("1.3.6.1.2.1.99.2.0", rfc1905.noSuchInstance),
        ("1.3.6.1.4.1.2021.10.1.6.1", rfc1902.Opaque(b"\x9f\x78\x04\x3f\x80\x00\x00")),
    ])
    assert W.decode_response(data).varbinds == [
        ("1.3.6.1.2.1.1.3.0", 4294967295),
        ("1.3.6.1.2.1.1.5.0", b"router-\x00\xff"),
        ("1.3.6.1.2.1.1.2.0", "1.3.6.1.4.1.8072.3.2.10"),
        ("1.3.6.1.2.1.4.20.1.1.10.0.0.1", "10.0.0.1"),
        ("1.3.6.1.2.1.2.2.1.14.1", 2**32 - 1),
        ("1.3.6.1.2.1.31.1.1.1.6.1", 2**64 - 1),
        ("1.3.6.1.2.1.33.1.2.3.0", 0),
        ("1.3.6.1.4.1.2021.10.1.5.1", -5),
        ("1.3.6.1.2.1.99.1.0", None),
        ("1.3.6.1.2.1.99.2.0", None),
        ("1.3.6.1.4.1.2021.10.1.6.1", b"\x9f\x78\x04\x3f\x80\x00\x00"),
    ]


SAMPLE = pysnmp_response(b"public", 4242, [(O.SYS_UPTIME, rfc1902.TimeTicks(5)),
                                           (O.SYS_NAME, rfc1902.OctetString(b"sw"))])


@pytest.mark.parametrize("size", range(len(SAMPLE)))
def test_every_truncation_is_refused_cleanly(size):
    with pytest.raises(W.MalformedMessage):
        W.decode_response(SAMPLE[:size])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)),
                min_size=1, max_size=4))
def test_corrupted_datagrams_decode_or_are_refused_never_crash(changes):
    data = bytearray(SAMPLE)
    for position, byte in changes:
        data[position] = byte
    for read in (W.decode_response, W.request_id_of):
        try:
            read(bytes(data))
        except W.MalformedMessage:
            pass


def test_what_the_codec_refuses():
    indefinite = pysnmp_response(b"public", 9, [(O.SYS_UPTIME, rfc1902.TimeTicks(5))],
                                 definite=False)
    with pytest.raises(W.MalformedMessage, match="indefinite"):
        W.decode_response(indefinite)
    assert W.request_id_of(indefinite) == 9  # enough to hand that request to pysnmp
    with pytest.raises(W.MalformedMessage, match="bytes after"):
        W.decode_response(SAMPLE + b"\x00")
    with pytest.raises(W.MalformedMessage, match="expected tag 0xa2"):
        W.decode_response(pysnmp_get(b"public", 3, [O.SYS_UPTIME]))  # a request, not an answer
    unknown_tag = SAMPLE.replace(b"\x43\x01\x05", b"\x47\x01\x05")  # TimeTicks -> 0x47
    with pytest.raises(W.MalformedMessage, match="unknown value tag"):
        W.decode_response(unknown_tag)
    for text in ("", "1", "3.1", "1.40.1", "1.3.x", "1.3.-1"):
        with pytest.raises(ValueError):
            W.encode_oid(text)


# --- the transport, against a scripted peer on loopback ------------------------------

class ScriptedAgent:
    """A UDP peer on 127.0.0.1 answering SNMPv2c GETs as ``answer`` says.

    ``answer(agent, request_bytes, nth)`` returns a list of (socket, bytes) to
    send back to the asker; pysnmp decodes the requests and encodes answers.
    """

    def __init__(self, answer):
        self.answer = answer
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a second port
        self.other.bind(("127.0.0.1", 0))
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def target(self) -> Target:
        return Target(*self.sock.getsockname(), Credentials(community="scripted"))

    def reply(self, request: bytes, community: bytes | None = None, request_id=None,
              definite=True) -> bytes:
        msg, _ = decoder.decode(request, asn1Spec=v2c.Message())
        pdu = v2c.apiMessage.get_pdu(msg)
        names = [name for name, _ in v2c.apiPDU.get_varbinds(pdu)]
        return pysnmp_response(
            community if community is not None else bytes(v2c.apiMessage.get_community(msg)),
            request_id if request_id is not None else int(v2c.apiPDU.get_request_id(pdu)),
            [(name, rfc1902.Integer32(n + 1)) for n, name in enumerate(names)],
            definite=definite)

    def _serve(self):
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            self.requests.append(data)
            for sock, payload in self.answer(self, data, len(self.requests)):
                sock.sendto(payload, addr)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
        self.other.close()


def run(coroutine_function, *args, timeout=0.2, retries=1):
    async def main():
        client = SnmpClient(timeout=timeout, retries=retries)
        try:
            return await coroutine_function(client, *args), client
        finally:
            client.close()
            await asyncio.sleep(0)
    return asyncio.run(main())


async def get(client, target, names=(O.SYS_UPTIME, O.SYS_NAME)):
    return await client.get(target, list(names))


def test_an_answer_to_the_retry_is_taken_and_the_retry_repeats_the_request():
    def answer(agent, request, nth):
        return [] if nth == 1 else [(agent.sock, agent.reply(request))]

    with ScriptedAgent(answer) as agent:
        values, _ = run(get, agent.target)
    assert values == {O.SYS_UPTIME: 1, O.SYS_NAME: 2}
    assert len(agent.requests) == 2 and agent.requests[0] == agent.requests[1]


def test_no_answer_times_out_after_every_retry():
    with ScriptedAgent(lambda agent, request, nth: []) as agent:
        with pytest.raises(SnmpTimeout, match="timeout"):
            run(get, agent.target, timeout=0.1, retries=2)
    assert len(agent.requests) == 3


@pytest.mark.parametrize("forgery", ["other port", "other community", "other request id"])
def test_answers_that_do_not_match_the_request_are_dropped(forgery):
    def answer(agent, request, nth):
        if forgery == "other port":
            return [(agent.other, agent.reply(request))]
        if forgery == "other community":
            return [(agent.sock, agent.reply(request, community=b"forged"))]
        return [(agent.sock, agent.reply(request, request_id=1))]

    async def attempt(client, target):
        try:
            await get(client, target)
        except SnmpTimeout:
            return client.wire.dropped
        raise AssertionError("a forged answer was taken")

    with ScriptedAgent(answer) as agent:
        dropped, _ = run(attempt, agent.target, timeout=0.1, retries=1)
    assert dropped == 2  # one per try


def test_a_duplicate_answer_is_dropped_and_changes_nothing():
    def answer(agent, request, nth):
        return [(agent.sock, agent.reply(request))] * 2

    async def twice(client, target):
        first = await get(client, target)
        await asyncio.sleep(0.05)
        second = await get(client, target)
        await asyncio.sleep(0.05)
        return first, second, client.wire.dropped

    with ScriptedAgent(answer) as agent:
        (first, second, dropped), _ = run(twice, agent.target)
    assert first == second == {O.SYS_UPTIME: 1, O.SYS_NAME: 2}
    assert dropped == 2


def test_an_agent_the_codec_refuses_is_read_by_pysnmp_from_then_on():
    def answer(agent, request, nth):
        return [(agent.sock, agent.reply(request, definite=False))]

    async def twice(client, target):
        first = await get(client, target)
        peer = client._wire_peer(target)
        sent_before = len(agent.requests)
        second = await get(client, target)
        return first, second, peer, len(agent.requests) - sent_before

    with ScriptedAgent(answer) as agent:
        (first, second, peer, sent), client = run(twice, agent.target)
    assert first == second == {O.SYS_UPTIME: 1, O.SYS_NAME: 2}
    assert peer is None  # the device now goes through the engine
    assert sent == 1 and len(agent.requests) == 3  # fast try, engine retry, engine


def test_only_v2c_takes_the_fast_lane():
    async def lanes(client):
        v2 = Target("127.0.0.1", 161, Credentials(community="x"))
        v3 = Target("127.0.0.1", 161, Credentials(version="3", user="u", auth_key="k" * 8,
                                                  priv_key="p" * 8))
        named = Target("localhost", 161, Credentials(community="x"))
        return client._wire_peer(v2), client._wire_peer(v3), client._wire_peer(named)

    assert run(lanes)[0] == (("127.0.0.1", 161), None, None)


def test_answers_are_expected_from_the_address_in_its_plain_form():
    assert W.V2cGetter.peer_of("::ffff:127.0.0.1", 161) == ("127.0.0.1", 161)
    assert W.V2cGetter.peer_of("2001:DB8:0::1", 1161) == ("2001:db8::1", 1161)
    assert W.V2cGetter.peer_of("router.example", 161) is None


# --- both lanes, against the real agents ----------------------------------------------

def test_both_lanes_read_the_same_from_every_simulated_device(sim_target, snmpd_v2c):
    names = [O.SYS_UPTIME, O.SYS_NAME, O.SYS_DESCR, "1.3.6.1.2.1.1.2.0",
             f"{O.IF_HC_IN_OCTETS}.1", f"{O.IF_OPER_STATUS}.1", "1.3.6.1.2.1.99.1.0"]

    async def read(client, targets):
        return [await client.get(t, names) for t in targets]

    async def both(_client, targets):
        fast, slow = SnmpClient(timeout=0.5), SnmpClient(timeout=0.5, fast_v2c=False)
        try:
            return await read(fast, targets), await read(slow, targets)
        finally:
            fast.close()
            slow.close()
            await asyncio.sleep(0)

    targets = [sim_target(kind) for kind in KINDS] + [snmpd_v2c]
    (fast, slow), _ = run(both, targets)
    for target, a, b in zip(targets, fast, slow, strict=True):
        for moving in (O.SYS_UPTIME, f"{O.IF_HC_IN_OCTETS}.1"):  # they move between reads
            assert type(a.pop(moving)) is type(b.pop(moving)), target
        assert a == b, target
    assert any(v is not None for v in fast[0].values())


@pytest.mark.parametrize("setting, fast", [({}, True), ({"SNMP_FAST_V2C": False}, False)])
def test_the_setting_chooses_the_lane(setting, fast):
    from telecentre.monitoring import runtime
    runtime.shutdown()
    try:
        assert (runtime.runner(setting).client.wire is not None) is fast
    finally:
        runtime.shutdown()
