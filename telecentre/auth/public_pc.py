"""Is a sign-in coming from a public PC or kiosk?

An address counts as public when it lies in ``PUBLIC_PC_NETWORKS`` or when it
is the address an enrolled (not revoked) agent's heartbeats come from: agents
run on every public PC and kiosk and on nothing else, and they report every
``HEARTBEAT_SECONDS``, so their address follows DHCP within seconds. The
sites' ``subnets`` are not used: they are the monitoring ranges and hold
routers, printers and often the office's own PCs, so they would shorten the
staff's sessions at their desks. Loopback addresses are never matched to an
agent: behind a reverse proxy on the same host (and in the demo) every request
and every heartbeat comes from 127.0.0.1, which says nothing about the machine.

When several agents share one address (a site behind NAT) every sign-in from
that address is public: the safe side. When exactly one agent has it, its
seat's running usage session is remembered, so the web session can end with it.
"""
from dataclasses import dataclass

import netaddr
from flask import current_app
from sqlalchemy import select

from telecentre.extensions import db


@dataclass(frozen=True)
class Place:
    """Where a request comes from: public or not, and the usage session on that seat."""

    public: bool
    usage_id: int | None = None


NOT_PUBLIC = Place(False)


def classify(address: str | None) -> Place:
    """Return whether ``address`` is a public PC or kiosk, and its running usage session."""
    from telecentre.agent_api.models import Agent
    from telecentre.sessions.models import UsageSession
    try:
        ip = netaddr.IPAddress(address or "")
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return NOT_PUBLIC
    listed = any(ip in netaddr.IPNetwork(cidr)
                 for cidr in current_app.config["PUBLIC_PC_NETWORKS"])
    if ip.is_loopback():
        return Place(True) if listed else NOT_PUBLIC
    seats = db.session.execute(
        select(Agent.seat_id).where(Agent.address.in_({address, str(ip)}),
                                   Agent.revoked_at.is_(None))
        .limit(2)).scalars().all()
    if not seats and not listed:
        return NOT_PUBLIC
    usage_id = None
    if len(seats) == 1 and seats[0] is not None:
        usage_id = db.session.scalar(select(UsageSession.id).where(
            UsageSession.seat_id == seats[0], UsageSession.ended_at.is_(None)))
    return Place(True, usage_id)


def usage_has_ended(usage_id: int) -> bool:
    """Return True when the usage session ``usage_id`` is over (or gone)."""
    from telecentre.sessions.models import UsageSession
    ended = db.session.execute(select(UsageSession.ended_at).where(
        UsageSession.id == usage_id)).first()
    return ended is None or ended[0] is not None
