"""Printing in the statistics: pages per site and month, colour and mono, free and charged.

Read from the released jobs of the year (one narrow SELECT, summed here by the
local month of release); a county prints a few thousand jobs a month.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from telecentre.common.time import local_day_bounds, to_local
from telecentre.extensions import db
from telecentre.printing.models import PrintJob

KEYS = ("print_pages", "print_mono", "print_colour", "print_free", "print_charged")


def empty() -> dict:
    """Return a row of zero printing figures."""
    return dict.fromkeys(KEYS, 0)


def pages_by_site_month(year: int, site_ids: list[int] | None = None) -> dict:
    """Return {(site id, first day of the local month): figures} for the jobs released in
    ``year`` (pages, mono, colour, free, charged beyond the allowance)."""
    start = local_day_bounds(date(year, 1, 1))[0]
    end = local_day_bounds(date(year + 1, 1, 1))[0]
    query = select(PrintJob.site_id, PrintJob.released_at, PrintJob.pages, PrintJob.colour,
                   PrintJob.free_pages).where(
        PrintJob.state.in_(("released", "printed")), PrintJob.released_at >= start,
        PrintJob.released_at < end)
    if site_ids is not None:
        query = query.where(PrintJob.site_id.in_(site_ids))
    found: dict = defaultdict(empty)
    for site_id, released_at, pages, colour, free in db.session.execute(query):
        local = to_local(released_at)
        row = found[(site_id, date(local.year, local.month, 1))]
        row["print_pages"] += pages
        row["print_colour" if colour else "print_mono"] += pages
        row["print_free"] += free
        row["print_charged"] += pages - free
    return dict(found)


def add(total: dict, part: dict | None) -> dict:
    """Add the figures of *part* into *total*; return *total*."""
    for key in KEYS:
        total[key] += (part or {}).get(key, 0)
    return total
