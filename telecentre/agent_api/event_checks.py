"""Checks of one agent event before it is stored: sizes, minutes and times in range.

An event that fails is acknowledged with its reason (``refused`` in the reply)
and stored without its data, so the agent drops it from its outbox and sends
the next ones: one bad event never blocks the PC's later events. Nothing of a
refused event is applied.
"""
import json
import math
from datetime import datetime, timezone

from flask_babel import gettext as _

from telecentre.common.time import parse_aware

MAX_DATA_BYTES = 4096
MAX_BATCH = 200
# The largest legal batch: MAX_BATCH events of MAX_DATA_BYTES each, plus their envelopes.
# The agent sends up to 200 events at once, whatever their size: a smaller body limit would
# leave it resending a batch the server always refuses.
BATCH_BODY_BYTES = MAX_BATCH * (MAX_DATA_BYTES + 512)
MAX_MINUTES = 24 * 60
# Times outside these come from no clock at all (year 1, year 9999) and are refused. A
# PC whose clock was reset (1970, a dead CMOS battery) still gets its events stored:
# ``events.plausible_time`` puts the server's receive time in place of such a time.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)
MINUTES_FIELDS = {"session_started": ("minutes",), "session_extended": ("minutes",),
                  "warning": ("minutes_left",)}
TIME_FIELDS = {"session_started": ("started_at",), "session_ended": ("ended_at",)}
SECONDS_FIELDS = {"session_ended": ("used_seconds",)}


def data_size(data) -> int:
    """How many bytes ``data`` takes as JSON."""
    return len(json.dumps(data, ensure_ascii=False, default=str).encode())


def _number_in(value, low, high) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and low <= value <= high)


def _time_ok(text) -> bool:
    try:
        value = parse_aware(text)
    except (TypeError, ValueError, AttributeError, OverflowError):
        return False
    return EARLIEST <= value <= LATEST


def problem(event) -> tuple[str, str] | None:
    """Return (code, translated message) when ``event`` may not be stored, else None."""
    data = event.data
    if data_size(data) > MAX_DATA_BYTES:
        return "data_too_large", _("The event's data is larger than %(n)d bytes.",
                                   n=MAX_DATA_BYTES)
    if event.at is not None and not _time_ok(event.at):
        return "invalid_time", _("The event's time (at) is not a valid time.")
    for field in MINUTES_FIELDS.get(event.type, ()):
        if field in data and data[field] is not None and not _number_in(
                data[field], 0, MAX_MINUTES):
            return "invalid_minutes", _("%(field)s must be a number of minutes from 0 to "
                                        "%(max)d.", field=field, max=MAX_MINUTES)
    for field in SECONDS_FIELDS.get(event.type, ()):
        if field in data and data[field] is not None and not _number_in(
                data[field], 0, 7 * 24 * 3600):
            return "invalid_seconds", _("%(field)s must be a number of seconds from 0 to a "
                                        "week.", field=field)
    for field in TIME_FIELDS.get(event.type, ()):
        if data.get(field) is not None and not _time_ok(data[field]):
            return "invalid_time", _("%(field)s is not a valid time.", field=field)
    return None
