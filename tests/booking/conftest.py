"""Fixtures for booking tests: a frozen clock and local-time helpers."""
import sys
from datetime import date, datetime

import pytest

from telecentre.common import time as tc_time
from telecentre.common.time import WARSAW, UTC

MONDAY = date(2026, 12, 7)  # an ordinary working Monday (default hours 08:00–16:00)


def at(day: date, hhmm: str, fold: int = 0) -> datetime:
    """Return the UTC instant of the local wall time ``hhmm`` on ``day``."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=WARSAW,
                    fold=fold).astimezone(UTC)


@pytest.fixture
def clock(monkeypatch):
    """Freeze ``utcnow`` everywhere it was imported; ``clock.set(moment)`` moves it."""
    original = tc_time.utcnow

    class Clock:
        now = at(MONDAY, "07:00")

        def set(self, moment):
            self.now = moment

    clock = Clock()
    fake = lambda: clock.now  # noqa: E731
    for name, module in list(sys.modules.items()):
        if name.startswith("telecentre") and getattr(module, "utcnow", None) is original:
            monkeypatch.setattr(module, "utcnow", fake)
    return clock
