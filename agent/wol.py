"""Wake-on-LAN relay: the `wake` command sends another PC's magic packet on this site's LAN.

The server cannot reach every site's subnet; an agent there can. The packet
is 6 bytes 0xFF then the MAC 16 times (102 bytes), one UDP datagram to the
subnet's directed broadcast address, port 9, sent three times. Anything but a
plain MAC and a dotted IPv4 address is refused.
"""

import ipaddress
import re
import socket

from agent.commands import CommandFailed

WOL_PORT = 9
REPEAT = 3
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def magic_packet(mac):
    """The 102-byte magic packet for a MAC written aa:bb:cc:dd:ee:ff."""
    raw = bytes.fromhex(mac.replace(":", ""))
    return b"\xff" * 6 + raw * 16


def wake(args, port=None):
    """Handle a `wake` command: validate `mac` and `broadcast`, send; return "sent"."""
    mac, broadcast = args.get("mac"), args.get("broadcast")
    if not isinstance(mac, str) or not _MAC.match(mac):
        raise CommandFailed(f"not a MAC address: {mac!r}")
    try:
        address = ipaddress.IPv4Address(broadcast if isinstance(broadcast, str) else "")
    except ValueError:
        raise CommandFailed(f"not an IPv4 broadcast address: {broadcast!r}") from None
    packet = magic_packet(mac)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            for _ in range(REPEAT):
                sock.sendto(packet, (str(address), port or WOL_PORT))
    except OSError as exc:
        raise CommandFailed(f"{type(exc).__name__}: {exc}") from None
    return "sent"
