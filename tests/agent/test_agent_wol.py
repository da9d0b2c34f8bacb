"""The `wake` relay command: a correct magic packet, three times, and refusals."""

import socket

import pytest

from agent import wol
from agent.commands import CommandFailed


def test_magic_packet_is_sent_three_times_to_the_broadcast_address():
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    try:
        port = receiver.getsockname()[1]
        assert wol.wake({"mac": "aa:bb:cc:dd:ee:0f", "broadcast": "127.0.0.1"}, port=port) == "sent"
        packets = [receiver.recv(200) for _ in range(3)]
    finally:
        receiver.close()
    expected = b"\xff" * 6 + bytes.fromhex("aabbccddee0f") * 16
    assert packets == [expected] * 3 and len(expected) == 102


@pytest.mark.parametrize(
    "args",
    [
        {"mac": "AA:BB:CC:DD:EE:FF", "broadcast": "10.1.2.255"},  # not lower-case
        {"mac": "aa-bb-cc-dd-ee-ff", "broadcast": "10.1.2.255"},
        {"mac": "aa:bb:cc:dd:ee", "broadcast": "10.1.2.255"},
        {"mac": "aa:bb:cc:dd:ee:ff", "broadcast": "pc-03.local"},
        {"mac": "aa:bb:cc:dd:ee:ff", "broadcast": "fe80::1"},
        {"mac": "aa:bb:cc:dd:ee:ff"},
        {},
    ],
)
def test_anything_else_is_refused(args):
    with pytest.raises(CommandFailed):
        wol.wake(args)
