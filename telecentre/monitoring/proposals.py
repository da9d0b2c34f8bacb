"""Discovery's decisions: store neighbour links, propose new devices, accept or ignore them.

Runs as the sweeps do (``telecentre.monitoring.sweeps``): read what is needed,
end the transaction, do the SNMP work on the process's SNMP loop, then write in
one write transaction; the task or request commits.  Services take the acting
user, raise ``InvalidInput`` with a translated message and only flush.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import netaddr
from flask_babel import gettext as _
from sqlalchemy import delete, select

from telecentre.audit.services import record
from telecentre.common.crypto import decrypt, encrypt, encrypted_column
from telecentre.common.db import begin_write
from telecentre.common.errors import InvalidInput
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.monitoring import discovery
from telecentre.monitoring.discovery_models import NeighbourLink, ProposedDevice
from telecentre.monitoring.models import DEVICE_KINDS, Device, DeviceState
from telecentre.monitoring.services import (credentials_for, save_device, spec_for,
                                            stored_fields)
from telecentre.monitoring.snmp import Credentials, SnmpClient
from telecentre.sites.models import Site

encrypted_column(ProposedDevice, "community_secret")


@dataclass
class DiscoveryReport:
    """What one run found at a site."""

    walked: int = 0           # devices whose tables were read
    failed: int = 0           # devices that did not answer the walks
    links: int = 0
    proposed: list[str] = field(default_factory=list)   # addresses newly proposed
    probes: int = 0
    sent: list[str] = field(default_factory=list)        # every address probed, once a try


def settings(config) -> dict:
    """The discovery settings (``DISCOVERY_*`` in ``config.Defaults``)."""
    return {"rate": float(config["DISCOVERY_SCAN_RATE"]),
            "concurrency": int(config["DISCOVERY_SCAN_CONCURRENCY"]),
            "max_hosts": int(config["DISCOVERY_SCAN_MAX_HOSTS"]),
            "communities": list(config["DISCOVERY_COMMUNITIES"] or []),
            "port": int(config["DISCOVERY_SNMP_PORT"]),
            "timeout": float(config.get("SNMP_TIMEOUT", 1.0))}


def site_credentials(site, config) -> list[Credentials]:
    """Credentials to try: the site's devices', then the other sites', then the configured
    communities (``DISCOVERY_COMMUNITIES``); each once."""
    devices = db.session.scalars(select(Device).order_by(Device.site_id != site.id, Device.id))
    found = {credentials_for(d): None for d in devices}
    for community in settings(config)["communities"]:
        found.setdefault(Credentials(community=community), None)
    return list(found)


def scan_ranges(site, cidrs, config) -> list[str]:
    """Validate the ranges to scan at ``site``: each inside the site's subnets, none larger
    than ``DISCOVERY_SCAN_MAX_HOSTS`` addresses; blank means all its subnets.  Raises
    InvalidInput (nothing is scanned then)."""
    cidrs = [c.strip() for c in (cidrs or []) if c and c.strip()] or list(site.subnets or [])
    if not cidrs:
        raise InvalidInput(_("%(site)s has no subnets yet; set them before scanning.",
                             site=site.name))
    limit = settings(config)["max_hosts"]
    subnets = [netaddr.IPNetwork(s) for s in site.subnets or []]
    ranges = []
    for cidr in cidrs:
        try:
            network = netaddr.IPNetwork(cidr)
        except (netaddr.AddrFormatError, ValueError, TypeError):
            raise InvalidInput(_("“%(range)s” is not a range such as 10.20.1.0/24.",
                                 range=cidr)) from None
        if network.version != 4 or network.size > limit:
            raise InvalidInput(_("%(range)s is too large to scan: at most %(count)d "
                                 "addresses (a /%(prefix)d) at a time.", range=cidr,
                                 count=limit, prefix=32 - (limit.bit_length() - 1)))
        if not any(network in subnet for subnet in subnets):
            raise InvalidInput(_("%(range)s is not inside the subnets of %(site)s "
                                 "(%(subnets)s).", range=cidr, site=site.name,
                                 subnets=", ".join(site.subnets or []) or "–"))
        ranges.append(str(network.cidr))
    return ranges


def _skip_addresses(site) -> set[str]:
    """Addresses not to probe or propose: known devices and decided proposals."""
    known = set(db.session.scalars(select(Device.address)))
    known |= set(db.session.scalars(select(ProposedDevice.address).where(
        ProposedDevice.site_id == site.id, ProposedDevice.status != "proposed")))
    return known


def _limiter(config):
    s = settings(config)
    return discovery.RateLimiter(s["rate"]), s["concurrency"], s["port"]


async def _scan_client(timeout: float) -> SnmpClient:
    # Its own client without retries: one probe is one packet, so the rate is what is sent.
    return SnmpClient(timeout=timeout, retries=0)


def _with_scan_client(runner, config, work):
    """Run ``work(client)`` on the SNMP loop with a retry-less client, closed after."""
    client = runner.call(_scan_client, settings(config)["timeout"])

    async def run():
        try:
            return await work(client)
        finally:
            client.close()
    return runner.call(run)


def scan_site(runner, site, cidrs, config) -> DiscoveryReport:
    """Scan ``cidrs`` (validated by :func:`scan_ranges`) and propose what answers."""
    ranges = scan_ranges(site, cidrs, config)
    skip = _skip_addresses(site)
    addresses = [a for a in discovery.hosts(ranges) if a not in skip]
    credentials = site_credentials(site, config)
    site_id = site.id
    db.session.rollback()  # no transaction open while scanning
    limiter, concurrency, port = _limiter(config)
    result = _with_scan_client(runner, config, lambda client: discovery.scan(
        client, addresses, credentials, limiter, concurrency, port))
    begin_write(db.session)
    report = DiscoveryReport(probes=len(result.sent), sent=result.sent)
    site = db.session.get(Site, site_id)
    for found in result.found:
        if _propose(site, found.address, "scan", None, probe=found):
            report.proposed.append(found.address)
    db.session.flush()
    return report


def _propose(site, address, found_by, via_id, *, probe=None, neighbour=None) -> bool:
    """Add or refresh the proposal of ``address``; return True when it is new."""
    now = utcnow()
    row = db.session.scalar(select(ProposedDevice).where(
        ProposedDevice.site_id == site.id, ProposedDevice.address == address))
    if row is not None and row.status != "proposed":
        return False
    new = row is None
    if new:
        row = ProposedDevice(site_id=site.id, address=address, found_by=found_by,
                             via_device_id=via_id, status="proposed", found_at=now)
        db.session.add(row)
    row.seen_at = now
    texts = []
    if neighbour is not None:
        row.sys_name = row.sys_name or neighbour.name[:200]
        row.sys_descr = row.sys_descr or neighbour.platform
        texts.append(neighbour.platform)
    if probe is not None:
        row.port = probe.port
        row.sys_name = probe.sys_name[:200] or row.sys_name
        row.sys_descr = probe.sys_descr or row.sys_descr
        row.sys_object_id = probe.sys_object_id[:200]
        credentials = probe.credentials
        row.snmp_version = credentials.version
        row.community_secret = encrypt(credentials.community) \
            if credentials.version == "2c" else None
        row.v3_user = credentials.user if credentials.version == "3" else None
        texts.append(probe.sys_descr)
    row.suggested_kind = discovery.suggest_kind(*texts, row.sys_descr, found_by=row.found_by)
    return new


def discover_site(runner, site, config) -> DiscoveryReport:
    """Read the neighbour tables of the site's devices, refresh its links, propose the
    neighbours and ARP entries inside its subnets that answer (LLDP/CDP neighbours are
    proposed even when they do not)."""
    devices = [(d.id, spec_for(d).target, (d.discovery or {}).get("interfaces", {}))
               for d in db.session.scalars(select(Device).where(
                   Device.site_id == site.id, Device.enabled).order_by(Device.id))]
    skip = _skip_addresses(site)
    credentials = site_credentials(site, config)
    site_id, subnets = site.id, list(site.subnets or [])
    db.session.rollback()  # no transaction open during the walks
    limiter, concurrency, port = _limiter(config)
    found = _with_scan_client(runner, config, lambda client: discovery.explore(
        runner.client, client, devices, skip, subnets, credentials, limiter, concurrency,
        port))
    begin_write(db.session)
    site = db.session.get(Site, site_id)
    report = DiscoveryReport(probes=len(found.probes.sent), sent=found.probes.sent)
    for device_id, tables in found.tables.items():
        if tables is None:
            report.failed += 1
            continue  # keep what it said last time: it may be back tomorrow
        report.walked += 1
        report.links += _store_links(site, device_id, tables.neighbours)
    answered = {p.address: p for p in found.probes.found}
    for address, (found_by, device_id, neighbour) in found.candidates.items():
        probe = answered.get(address)
        if not discovery.in_ranges(address, site.subnets or []) or (
                neighbour is None and probe is None):
            continue  # outside, or an ARP entry that does not speak SNMP (a PC, a phone)
        if _propose(site, address, found_by, device_id, probe=probe, neighbour=neighbour):
            report.proposed.append(address)
    db.session.flush()
    return report


def _store_links(site, device_id: int, neighbours) -> int:
    """Replace the device's links with ``neighbours`` (links not seen again are stale)."""
    db.session.execute(delete(NeighbourLink).where(NeighbourLink.device_id == device_id))
    by_address = dict(db.session.execute(select(Device.address, Device.id)).all())
    by_name = dict(db.session.execute(select(Device.name, Device.id).where(
        Device.site_id == site.id)).all())
    by_name.update(db.session.execute(select(DeviceState.sys_name, DeviceState.device_id)
                                      .where(DeviceState.sys_name.is_not(None))).all())
    now = utcnow()
    for n in neighbours:
        db.session.add(NeighbourLink(
            site_id=site.id, device_id=device_id, protocol=n.protocol,
            local_port=n.local_port[:100], neighbour_name=n.name[:200],
            neighbour_address=n.address, neighbour_port=n.port[:100],
            neighbour_platform=n.platform[:200], seen_at=now,
            neighbour_device_id=by_address.get(n.address) or by_name.get(n.name)))
    return len(neighbours)


def get_proposal(proposal_id) -> ProposedDevice:
    """Return a proposal still waiting for a decision; raise InvalidInput (a form sent
    again after the decision, or a made-up number, is stale input, not a missing page)."""
    row = db.session.get(ProposedDevice, proposal_id) if proposal_id else None
    if row is None or row.status != "proposed":
        raise InvalidInput(_("This proposal has already been decided or does not exist."))
    return row


def pending_proposals() -> list[ProposedDevice]:
    """Proposals waiting for IT, by site and address."""
    return list(db.session.scalars(select(ProposedDevice).where(
        ProposedDevice.status == "proposed").order_by(ProposedDevice.site_id,
                                                      ProposedDevice.address)))


def accept_proposal(actor, proposal: ProposedDevice, name: str, kind: str,
                    community: str = "") -> Device:
    """Make the device (site, kind, the credentials that answered, or ``community``)."""
    if kind not in DEVICE_KINDS:
        raise InvalidInput(_("Unknown device kind “%(kind)s”; use one of: %(kinds)s.",
                             kind=kind, kinds=", ".join(DEVICE_KINDS)))
    fields = {"name": (name or "").strip() or proposal.sys_name or proposal.address,
              "kind": kind,
              "address": proposal.address, "port": proposal.port}
    if (community or "").strip():
        fields.update(snmp_version="2c", community=community.strip())
    elif proposal.snmp_version == "2c":
        fields.update(snmp_version="2c", community=decrypt(proposal.community_secret))
    elif proposal.snmp_version == "3":
        same_user = db.session.scalar(select(Device).where(Device.v3_user == proposal.v3_user))
        if same_user is None:
            raise InvalidInput(_("The SNMPv3 user %(user)s no longer exists; give a "
                                 "community.", user=proposal.v3_user))
        stored = stored_fields(same_user)
        fields.update({k: stored[k] for k in ("snmp_version", "v3_user", "v3_auth_protocol",
                                              "v3_auth_key", "v3_priv_protocol",
                                              "v3_priv_key")})
    else:
        raise InvalidInput(_("No SNMP credentials answered at %(address)s; give its "
                             "community to add it.", address=proposal.address))
    device, _created = save_device(actor, proposal.site, fields, update=False)
    proposal.status, proposal.device_id, proposal.decided_at = "accepted", device.id, utcnow()
    record(actor, "discovery.accept", target=device, site=proposal.site,
           details={"address": proposal.address, "found_by": proposal.found_by})
    db.session.flush()
    return device


def ignore_proposal(actor, proposal: ProposedDevice) -> None:
    """Never propose this address at this site again."""
    proposal.status, proposal.decided_at = "ignored", utcnow()
    record(actor, "discovery.ignore", target=proposal, site=proposal.site,
           details={"address": proposal.address, "found_by": proposal.found_by})
    db.session.flush()


def site_links(site) -> list[NeighbourLink]:
    """The site's neighbour links, by device and local port."""
    return list(db.session.scalars(select(NeighbourLink).join(
        Device, Device.id == NeighbourLink.device_id).where(
        NeighbourLink.site_id == site.id).order_by(Device.name, NeighbourLink.local_port)))
