"""Fixtures for sign-in tests: a clock the tests move, public-PC addresses."""
import sys
from datetime import datetime

import pytest

from telecentre.common import time as tc_time
from telecentre.common.time import UTC


@pytest.fixture
def clock(monkeypatch):
    """Freeze ``utcnow`` everywhere it was imported; ``clock.advance(minutes=…)`` moves it."""
    from datetime import timedelta
    original = tc_time.utcnow

    class Clock:
        now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

        def advance(self, **delta):
            self.now = self.now + timedelta(**delta)

    clock = Clock()
    fake = lambda: clock.now  # noqa: E731
    for name, module in list(sys.modules.items()):
        if name.startswith("telecentre") and getattr(module, "utcnow", None) is original:
            monkeypatch.setattr(module, "utcnow", fake)
    return clock
