"""``telecentre devices import FILE.csv``: many devices at once, all or nothing.

Columns: ``site,name,kind,address,port,snmp_version,community`` and, for
SNMPv3, ``v3_user,v3_auth_protocol,v3_auth_key,v3_priv_protocol,v3_priv_key``.
Every row is checked first; if any row is wrong, nothing is imported and each
problem is reported with its line number.
"""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.common.errors import InvalidInput
from telecentre.extensions import db
from telecentre.monitoring.services import device_errors, save_device
from telecentre.sites.models import Site

REQUIRED = ("site", "name", "kind", "address")


def parse(text: str, sites: dict[str, Site]) -> tuple[list[tuple[Site, dict]], list[str]]:
    """Check every row; return ([(site, fields)], ["line N: problem", ...])."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        return [], [_("line 1: missing column(s): %(columns)s", columns=", ".join(missing))]
    rows, errors, seen = [], [], {}
    for line, raw in enumerate(reader, start=2):
        fields = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(fields.values()):
            continue
        site = sites.get(fields.get("site", ""))
        if site is None:
            errors.append(_("line %(line)d: unknown site “%(site)s”", line=line,
                            site=fields.get("site", "")))
            continue
        _clean, problems = device_errors(site, fields)
        errors += [_("line %(line)d: %(problem)s", line=line, problem=p) for p in problems]
        key = (site.slug, fields.get("name"))
        if key in seen:
            errors.append(_("line %(line)d: %(name)s at %(site)s is already on line %(first)d",
                            line=line, name=key[1], site=site.slug, first=seen[key]))
        seen.setdefault(key, line)
        rows.append((site, fields))
    return rows, errors


def import_devices(actor, text: str) -> tuple[int, int]:
    """Add or update every device in the CSV ``text``; return (added, updated).

    Raises InvalidInput listing every bad line; then nothing has been changed.
    """
    sites = {s.slug: s for s in db.session.scalars(select(Site))}
    rows, errors = parse(text, sites)
    if errors:
        raise InvalidInput("\n".join(errors), details={"errors": errors})
    if not rows:
        raise InvalidInput(_("The file has no devices."))
    added = updated = 0
    for site, fields in rows:
        _device, created = save_device(actor, site, fields)
        added += created
        updated += not created
    return added, updated
