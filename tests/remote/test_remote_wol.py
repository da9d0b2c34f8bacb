"""Wake-on-LAN: the magic packet reaches the subnet's broadcast address.

The network-namespace test builds two namespaces joined by a veth pair on
10.231.7.0/24: the server's code sends from one, a UDP socket in the other
captures what arrives on port 9 together with the packet's destination
address (IP_PKTINFO). Nothing leaves the namespaces.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from telecentre.remote import wol

WORKTREE = Path(__file__).resolve().parents[2]
MAC = "52:54:00:12:34:56"
SUBNET = "10.231.7.0/24"

RECEIVER = r"""
import json, socket, struct, sys
IP_PKTINFO = 8  # Linux; not exported by Python's socket module
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_IP, IP_PKTINFO, 1)
sock.bind(("0.0.0.0", 9))
sock.settimeout(10)
print("ready", flush=True)
data, ancillary, _flags, sender = sock.recvmsg(2048, 256)
destination = None
for level, kind, payload in ancillary:
    if level == socket.SOL_IP and kind == IP_PKTINFO:
        destination = socket.inet_ntoa(payload[8:12])  # in_pktinfo.ipi_addr
print(json.dumps({"data": data.hex(), "destination": destination, "sender": sender[0]}))
"""


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)


@pytest.fixture
def namespaces():
    """Two namespaces (sender, receiver) joined by a veth pair on SUBNET."""
    tag = f"tcr{os.getpid() % 100000}"
    sender, receiver = f"{tag}s", f"{tag}r"
    try:
        ip("netns", "add", sender)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"cannot create a network namespace here: {getattr(exc, 'stderr', exc)}")
    try:
        ip("netns", "add", receiver)
        ip("link", "add", f"{tag}a", "netns", sender, "type", "veth",
           "peer", "name", f"{tag}b", "netns", receiver)
        for ns, link, address in ((sender, f"{tag}a", "10.231.7.1/24"),
                                  (receiver, f"{tag}b", "10.231.7.2/24")):
            ip("-n", ns, "address", "add", address, "broadcast", "+", "dev", link)
            ip("-n", ns, "link", "set", link, "up")
            ip("-n", ns, "link", "set", "lo", "up")
        yield sender, receiver
    finally:
        for ns in (sender, receiver):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


def in_namespace(ns: str, code: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(WORKTREE))
    return ["ip", "netns", "exec", ns, sys.executable, "-c", code], env


def test_magic_packet_reaches_the_subnets_broadcast_address(namespaces):
    sender, receiver = namespaces
    broadcast = wol.broadcast_address(SUBNET)
    command, env = in_namespace(receiver, RECEIVER)
    listener = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    try:
        assert listener.stdout.readline().strip() == "ready", listener.stderr.read()
        command, env = in_namespace(
            sender, "from telecentre.remote import wol; "
                    f"wol.send_magic_packet({MAC!r}, wol.broadcast_address({SUBNET!r}))")
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=30)
        out, err = listener.communicate(timeout=30)
    finally:
        listener.kill()
        listener.wait()
    assert listener.returncode == 0, err
    captured = json.loads(out)
    assert broadcast == "10.231.7.255"
    assert captured["destination"] == broadcast
    assert captured["sender"] == "10.231.7.1"
    assert bytes.fromhex(captured["data"]) == b"\xff" * 6 + bytes.fromhex("525400123456") * 16


def test_magic_packet_on_loopback():
    """The same over 127.0.0.0/8: a socket bound to the "broadcast" address gets it."""
    broadcast = wol.broadcast_address("127.22.0.0/24")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        receiver.bind((broadcast, wol.WOL_PORT))
        receiver.settimeout(10)
        sent = wol.send_magic_packet("52-54-00-AB-CD-EF", broadcast, source="127.0.0.1")
        data, sender = receiver.recvfrom(2048)
    assert broadcast == "127.22.0.255"
    assert data == sent == b"\xff" * 6 + bytes.fromhex("525400abcdef") * 16
    assert sender[0] == "127.0.0.1"


@pytest.mark.parametrize("text", ["52:54:00:12:34:56", "52-54-00-12-34-56", "5254.0012.3456",
                                  "525400123456", " 52:54:00:12:34:56 "])
def test_mac_spellings_are_normalised(text):
    assert wol.normalise_mac(text) == MAC


@pytest.mark.parametrize("text", ["", "zz:zz:zz:zz:zz:zz", "01:00:5e:00:00:01",
                                  "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "52:54:00:12:34"])
def test_bad_macs_are_refused(text):
    with pytest.raises(wol.WakeError):
        wol.magic_packet(text)


@pytest.mark.parametrize("cidr,broadcast", [("192.168.10.0/24", "192.168.10.255"),
                                            ("10.1.2.128/25", "10.1.2.255"),
                                            ("10.1.2.7/29", "10.1.2.7"),
                                            ("172.16.0.0/30", "172.16.0.3")])
def test_broadcast_address_of_a_subnet(cidr, broadcast):
    assert wol.broadcast_address(cidr) == broadcast


@pytest.mark.parametrize("cidr", ["10.0.0.0/31", "10.0.0.1/32", "2001:db8::/64", "nonsense"])
def test_subnets_without_broadcast_are_refused(cidr):
    with pytest.raises(wol.WakeError):
        wol.broadcast_address(cidr)


def test_broadcast_is_chosen_from_the_pcs_subnet():
    subnets = ["10.5.0.0/25", "10.5.0.128/25", "2001:db8::/64"]
    assert wol.broadcast_for("10.5.0.200", subnets) == "10.5.0.255"
    assert wol.broadcast_for("10.5.0.20", subnets) == "10.5.0.127"
    assert wol.broadcast_for(None, ["10.9.0.0/24"]) == "10.9.0.255"
    for address, nets in (("10.6.0.1", subnets), (None, subnets), ("bad", subnets)):
        with pytest.raises(wol.WakeError):
            wol.broadcast_for(address, nets)


def test_relay_command_for_an_agent():
    assert wol.relay_command("52-54-00-12-34-56", "10.231.7.255") == {
        "kind": "wake", "args": {"mac": MAC, "broadcast": "10.231.7.255"}}
    for broadcast in ("10.231.7.255; reboot", "2001:db8::ff"):
        with pytest.raises(wol.WakeError):
            wol.relay_command(MAC, broadcast)
