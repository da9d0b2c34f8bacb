"""Wake-on-LAN: magic packets sent to a subnet's directed broadcast address.

The server sends the packet itself when it can reach the site's subnet;
otherwise it asks an online agent at the same site to send it, with the
``wake`` command whose arguments :func:`relay_command` builds (see
docs/agent-protocol.md). Directed broadcasts are usually dropped by routers,
so a relay inside the site is the normal case for remote sites.
"""
from __future__ import annotations

import socket
from typing import Iterable

import netaddr

WOL_PORT = 9
WAKE_COMMAND = "wake"


class WakeError(ValueError):
    """A MAC address or subnet that cannot be used for wake-on-LAN."""


def normalise_mac(mac: str) -> str:
    """Return *mac* as ``aa:bb:cc:dd:ee:ff`` or raise :class:`WakeError`.

    Group (multicast/broadcast) and all-zero addresses are refused: no
    network card has them.
    """
    try:
        eui = netaddr.EUI(str(mac).strip())
    except (netaddr.AddrFormatError, TypeError, ValueError) as exc:
        raise WakeError(f"not a MAC address: {mac!r}") from exc
    if eui.version != 48 or int(eui) == 0 or eui.words[0] & 1:
        raise WakeError(f"not a unicast MAC address: {mac!r}")
    return str(eui).replace("-", ":").lower()


def magic_packet(mac: str) -> bytes:
    """Build the 102-byte magic packet: six 0xFF bytes, then the MAC 16 times."""
    raw = bytes.fromhex(normalise_mac(mac).replace(":", ""))
    return b"\xff" * 6 + raw * 16


def broadcast_address(cidr: str) -> str:
    """Return the directed broadcast address of an IPv4 subnet (``10.1.2.0/24`` → ``10.1.2.255``).

    IPv6 has no broadcast, and /31 and /32 have no broadcast address.
    """
    try:
        network = netaddr.IPNetwork(str(cidr).strip())
    except (netaddr.AddrFormatError, TypeError, ValueError) as exc:
        raise WakeError(f"not a subnet: {cidr!r}") from exc
    if network.version != 4 or network.prefixlen > 30 or network.broadcast is None:
        raise WakeError(f"{cidr} has no directed broadcast address")
    return str(network.broadcast)


def broadcast_for(address: str | None, subnets: Iterable[str]) -> str:
    """Pick the broadcast address for a PC from its site's subnets.

    With the PC's IP *address* the subnet holding it is used; without one,
    the site must have exactly one IPv4 subnet. Raises :class:`WakeError`.
    """
    try:
        subnets = [s for s in subnets if netaddr.IPNetwork(s).version == 4]
        ip = netaddr.IPAddress(address, flags=netaddr.INET_PTON) if address else None
    except (netaddr.AddrFormatError, TypeError, ValueError) as exc:
        raise WakeError(f"bad address or subnet: {exc}") from exc
    if ip is not None:
        for cidr in subnets:
            if ip in netaddr.IPNetwork(cidr):
                return broadcast_address(cidr)
        raise WakeError(f"{address} is in none of the site's subnets")
    if len(subnets) != 1:
        raise WakeError("the PC's address is unknown and the site has several subnets")
    return broadcast_address(subnets[0])


def _ipv4(address: str) -> str:
    """Return *address* as a dotted IPv4 string or raise :class:`WakeError`."""
    try:
        return str(netaddr.IPAddress(str(address).strip(), version=4, flags=netaddr.INET_PTON))
    except (netaddr.AddrFormatError, TypeError, ValueError) as exc:
        raise WakeError(f"not an IPv4 address: {address!r}") from exc


def send_magic_packet(mac: str, broadcast: str, port: int = WOL_PORT,
                      source: str | None = None, repeat: int = 3) -> bytes:
    """Send the magic packet for *mac* to *broadcast*:*port* over UDP; return it.

    Sent *repeat* times because UDP may drop one. *source* binds the sending
    socket to a local address (to pick the interface facing the subnet).
    """
    packet = magic_packet(mac)
    destination = _ipv4(broadcast)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        if source:
            sock.bind((source, 0))
        for _ in range(max(1, repeat)):
            sock.sendto(packet, (destination, port))
    return packet


def relay_command(mac: str, broadcast: str) -> dict:
    """Return the agent command asking a PC at the site to send the packet.

    ``{"kind": "wake", "args": {"mac": "aa:bb:cc:dd:ee:ff", "broadcast": "10.1.2.255"}}``;
    the agent sends it to UDP port 9.
    """
    destination = _ipv4(broadcast)
    return {"kind": WAKE_COMMAND, "args": {"mac": normalise_mac(mac), "broadcast": destination}}
