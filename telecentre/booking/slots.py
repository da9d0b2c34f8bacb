"""The slot grid of a site: opening intervals cut into slots, in real (UTC) time.

Slots are counted from the start of each opening interval in elapsed time,
not on the wall clock, so the grid stays regular across the DST changes: on
the last Sunday of March 01:45 is followed by 03:00 local time, and in
October the hour 02:00–03:00 comes twice, each slot with its own UTC instant.
"""
from datetime import date, datetime, timedelta

from telecentre.common.time import to_local
from telecentre.sites.models import Site
from telecentre.sites.services import open_ranges_on


def opening_ranges(site: Site, day: date) -> list[tuple[datetime, datetime]]:
    """Return the site's opening intervals on the local ``day`` as UTC instants."""
    return open_ranges_on(site, day)


def day_slots(site: Site, day: date, slot_minutes: int) -> list[tuple[datetime, datetime]]:
    """Return every whole slot of the local ``day`` within opening hours, as UTC pairs."""
    step = timedelta(minutes=slot_minutes)
    slots = []
    for opens, closes in opening_ranges(site, day):
        start = opens
        while start + step <= closes:
            slots.append((start, start + step))
            start += step
    return slots


def range_containing(site: Site, start: datetime, end: datetime):
    """Return the opening interval (UTC pair) that holds all of ``[start, end)``, or None."""
    day = to_local(start).date()
    for opens, closes in opening_ranges(site, day):
        if opens <= start and end <= closes:
            return opens, closes
    return None


def is_on_grid(opens: datetime, moment: datetime, slot_minutes: int) -> bool:
    """Return True when ``moment`` is a whole number of slots after ``opens``."""
    delta = (moment - opens).total_seconds()
    return delta >= 0 and delta % (slot_minutes * 60) == 0


def slot_start_at(site: Site, moment: datetime, slot_minutes: int) -> datetime | None:
    """Return the start of the slot running at ``moment`` (None when the site is closed)."""
    for opens, closes in opening_ranges(site, to_local(moment).date()):
        if opens <= moment < closes:
            elapsed = int((moment - opens).total_seconds()) // (slot_minutes * 60)
            return opens + timedelta(minutes=elapsed * slot_minutes)
    return None
