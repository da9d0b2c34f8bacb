"""Device inventory: validate, add, edit or delete devices; build their SNMP targets.

Services take the acting user and plain values, flush and never commit.
Every refusal is an ``InvalidInput`` with a translated message; the CSV
import collects them per row instead (``device_errors``).
"""
from __future__ import annotations

import netaddr
from flask_babel import gettext as _
from sqlalchemy import delete, select

from telecentre.alerts.models import Alert
from telecentre.alerts.services import resolve_alert
from telecentre.audit.services import record
from telecentre.common.crypto import decrypt, encrypt, encrypted_column
from telecentre.common.errors import InvalidInput, NotFound
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.monitoring.checks import Discovery
from telecentre.monitoring.models import DEVICE_KINDS, Device, HourlySample, Sample
from telecentre.monitoring.poller import DeviceSpec
from telecentre.monitoring.snmp import AUTH_PROTOCOLS, PRIV_PROTOCOLS, Credentials, Target
from telecentre.stats.availability import mark_down

for _column in ("community_secret", "v3_auth_secret", "v3_priv_secret"):
    encrypted_column(Device, _column)

FIELDS = ("name", "kind", "address", "port", "snmp_version", "community", "v3_user",
          "v3_auth_protocol", "v3_auth_key", "v3_priv_protocol", "v3_priv_key")
# Write-only: never shown back (pages, API, audit); left blank on an edit, kept as stored.
SECRET_FIELDS = ("community", "v3_auth_key", "v3_priv_key")


def device_errors(site, fields: dict) -> tuple[dict, list[str]]:
    """Check raw device fields for ``site``; return (clean values, translated errors)."""
    f = {k: (str(fields.get(k) or "")).strip() for k in FIELDS}
    errors, clean = [], {"name": f["name"], "kind": f["kind"], "address": f["address"]}
    if not f["name"] or len(f["name"]) > 100:
        errors.append(_("A device needs a name of at most 100 characters."))
    if f["kind"] not in DEVICE_KINDS:
        errors.append(_("Unknown device kind “%(kind)s”; use one of: %(kinds)s.",
                        kind=f["kind"], kinds=", ".join(DEVICE_KINDS)))
    errors += _address_errors(site, f["address"])
    try:
        clean["port"] = int(f["port"] or 161)
        if not 0 < clean["port"] < 65536:
            raise ValueError
    except ValueError:
        errors.append(_("The port must be a number from 1 to 65535."))
    version = (f["snmp_version"] or "2c").lower().removeprefix("v")
    clean["snmp_version"] = version
    if version == "2c":
        if not f["community"] or len(f["community"]) > 64:
            errors.append(_("SNMPv2c needs a community of 1 to 64 characters."))
        clean["community"] = f["community"]
    elif version == "3":
        auth, priv = f["v3_auth_protocol"].upper() or "SHA", f["v3_priv_protocol"].upper() or "AES"
        if not f["v3_user"]:
            errors.append(_("SNMPv3 needs a user name."))
        if auth not in AUTH_PROTOCOLS or priv not in PRIV_PROTOCOLS:
            errors.append(_("SNMPv3 authentication must be SHA or SHA256 and privacy AES or "
                            "AES256."))
        if len(f["v3_auth_key"]) < 8 or len(f["v3_priv_key"]) < 8:
            errors.append(_("SNMPv3 keys must be at least 8 characters long."))
        clean.update(v3_user=f["v3_user"], v3_auth_protocol=auth, v3_auth_key=f["v3_auth_key"],
                     v3_priv_protocol=priv, v3_priv_key=f["v3_priv_key"])
    else:
        errors.append(_("The SNMP version must be 2c or 3."))
    return clean, errors


def _address_errors(site, address: str) -> list[str]:
    try:
        ip = netaddr.IPAddress(address)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return [_("“%(address)s” is not an IP address.", address=address)]
    if not site.subnets:
        return [_("%(site)s has no subnets yet; set them before adding devices.",
                  site=site.name)]
    if not any(ip in netaddr.IPNetwork(cidr) for cidr in site.subnets):
        return [_("%(address)s is not in the subnets of %(site)s (%(subnets)s).",
                  address=address, site=site.name, subnets=", ".join(site.subnets))]
    return []


def _apply(device: Device, clean: dict) -> None:
    device.name, device.kind, device.address = clean["name"], clean["kind"], clean["address"]
    device.port, device.snmp_version = clean["port"], clean["snmp_version"]
    if clean["snmp_version"] == "2c":
        device.community_secret = encrypt(clean["community"])
        device.v3_user = device.v3_auth_protocol = device.v3_priv_protocol = None
        device.v3_auth_secret = device.v3_priv_secret = None
    else:
        device.community_secret = None
        device.v3_user = clean["v3_user"]
        device.v3_auth_protocol, device.v3_priv_protocol = (clean["v3_auth_protocol"],
                                                            clean["v3_priv_protocol"])
        device.v3_auth_secret = encrypt(clean["v3_auth_key"])
        device.v3_priv_secret = encrypt(clean["v3_priv_key"])


def find_device(site, name: str) -> Device | None:
    """Return the device called ``name`` at ``site``, if any."""
    return db.session.scalar(select(Device).where(Device.site_id == site.id, Device.name == name))


def save_device(actor, site, fields: dict, *, update: bool = True) -> tuple[Device, bool]:
    """Add the device ``fields["name"]`` at ``site``, or update it; return (device, created).

    With ``update=False`` an existing name is refused.  Raises InvalidInput.
    """
    clean, errors = device_errors(site, fields)
    if errors:
        raise InvalidInput(" ".join(errors), details={"errors": errors})
    device = find_device(site, clean["name"])
    created = device is None
    if not created and not update:
        raise InvalidInput(_("%(site)s already has a device called %(name)s.",
                             site=site.name, name=clean["name"]))
    if clean["snmp_version"] == "3":
        _check_v3_user(clean, device)
    if created:
        device = Device(site=site, thresholds={})
        db.session.add(device)
    elif (device.address, device.port) != (clean["address"], clean["port"]):
        device.discovered_at = None  # another box: discover it again
    _apply(device, clean)
    db.session.flush()
    record(actor, "device.add" if created else "device.update", target=device, site=site,
           details={"name": device.name, "address": device.address, "kind": device.kind})
    return device, created


def stored_fields(device: Device) -> dict:
    """The device's current values as form fields, secrets decrypted (never to be shown)."""
    return {"name": device.name, "kind": device.kind, "address": device.address,
            "port": device.port, "snmp_version": device.snmp_version,
            "community": decrypt(device.community_secret) if device.community_secret else "",
            "v3_user": device.v3_user or "", "v3_auth_protocol": device.v3_auth_protocol or "",
            "v3_auth_key": decrypt(device.v3_auth_secret) if device.v3_auth_secret else "",
            "v3_priv_protocol": device.v3_priv_protocol or "",
            "v3_priv_key": decrypt(device.v3_priv_secret) if device.v3_priv_secret else ""}


def update_device(actor, device: Device, fields: dict, enabled: bool | None = None) -> Device:
    """Change the fields given of ``device`` (a rename included); return it.

    A field absent or None keeps its value; a secret (community, v3 keys) left
    blank keeps the stored one, so editing never needs the secrets again.  The
    whole device is validated again (address inside its site's subnets).
    Raises InvalidInput and then changes nothing.
    """
    before = stored_fields(device)
    merged = dict(before)
    for key in FIELDS:
        value = fields.get(key)
        if value is None or (key in SECRET_FIELDS and not str(value).strip()):
            continue
        merged[key] = value
    site = device.site
    clean, errors = device_errors(site, merged)
    if errors:
        raise InvalidInput(" ".join(errors), details={"errors": errors})
    other = find_device(site, clean["name"])
    if other is not None and other is not device:
        raise InvalidInput(_("%(site)s already has a device called %(name)s.",
                             site=site.name, name=clean["name"]))
    if clean["snmp_version"] == "3":
        _check_v3_user(clean, device)
    changed = sorted(k for k in FIELDS if k not in SECRET_FIELDS and k in clean
                     and str(clean[k]) != str(before[k]))
    if any(clean.get(k, "") != before[k] for k in SECRET_FIELDS):
        changed.append("credentials")  # which secret, never its value
    if (device.address, device.port) != (clean["address"], clean["port"]):
        device.discovered_at = None  # another box: discover it again
    _apply(device, clean)
    if enabled is not None and enabled != device.enabled:
        device.enabled = enabled
        changed.append("enabled")
    db.session.flush()
    record(actor, "device.update", target=device, site=site,
           details={"name": device.name, "address": device.address, "kind": device.kind,
                    "changed": changed})
    return device


def delete_device(actor, device: Device) -> None:
    """Remove ``device``, its state and history; resolve its alerts; audit it.

    Its availability intervals stay (they are the site's history) but the
    open one is closed now.
    """
    site = device.site
    record(actor, "device.delete", target=device, site=site,
           details={"name": device.name, "address": device.address, "kind": device.kind})
    keys = db.session.scalars(select(Alert.key).where(
        Alert.source == "snmp", Alert.status != "resolved",
        Alert.key.like(f"snmp:{device.id}:%"))).all()
    for key in keys:
        resolve_alert(key)
    mark_down("device", device.id, utcnow())
    db.session.execute(delete(Sample).where(Sample.device_id == device.id))
    db.session.execute(delete(HourlySample).where(HourlySample.device_id == device.id))
    db.session.delete(device)  # its DeviceState goes with it
    db.session.flush()


def _check_v3_user(clean: dict, device: Device | None) -> None:
    """Refuse a v3 user name that another device uses with other keys.

    pysnmp keeps one set of keys per user name in its engine, so two devices
    with the same user and different keys would take turns failing.
    """
    others = db.session.scalars(select(Device).where(Device.v3_user == clean["v3_user"]))
    for other in others:
        if other is device:
            continue
        if (decrypt(other.v3_auth_secret), decrypt(other.v3_priv_secret),
                other.v3_auth_protocol, other.v3_priv_protocol) != (
                clean["v3_auth_key"], clean["v3_priv_key"], clean["v3_auth_protocol"],
                clean["v3_priv_protocol"]):
            raise InvalidInput(_("The SNMPv3 user %(user)s is already used by %(device)s with "
                                 "other keys; use the same keys or another user name.",
                                 user=clean["v3_user"], device=other.name))


def get_device(device_id: int) -> Device:
    """Return the device; raise NotFound."""
    device = db.session.get(Device, device_id)
    if device is None:
        raise NotFound(_("There is no device with this number."))
    return device


def credentials_for(device: Device) -> Credentials:
    """Decrypt the device's credentials."""
    if device.snmp_version == "2c":
        return Credentials(community=decrypt(device.community_secret))
    return Credentials(version="3", user=device.v3_user,
                       auth_protocol=device.v3_auth_protocol,
                       auth_key=decrypt(device.v3_auth_secret),
                       priv_protocol=device.v3_priv_protocol,
                       priv_key=decrypt(device.v3_priv_secret))


def spec_for(device: Device) -> DeviceSpec:
    """The poller's view of a device (plain values, no database objects)."""
    discovery = Discovery.from_dict(device.discovery) if device.discovery else None
    return DeviceSpec(device.id, Target(device.address, device.port, credentials_for(device)),
                      discovery)
