"""Helpers for the statistics tests: local times, sessions and a hand-made history."""
from datetime import datetime, timezone

import pytest

from telecentre.common.time import WARSAW
from telecentre.extensions import db

UTC = timezone.utc
LONG_AGO = datetime(2024, 1, 1, tzinfo=UTC)  # seats exist from then on


def local(y, m, d, hh=0, mm=0, fold=0):
    """Return the UTC instant of a Warsaw wall-clock time (fold=1: the second 02:xx in October)."""
    return datetime(y, m, d, hh, mm, tzinfo=WARSAW, fold=fold).astimezone(UTC)


@pytest.fixture
def add_session(app):
    """Return ``add_session(seat, user, kind, start, end)`` that stores a usage session."""
    from telecentre.sessions.models import UsageSession

    def make(seat, user, kind, start, end=None, **fields):
        row = UsageSession(site_id=seat.site_id, seat_id=seat.id,
                           user_id=user.id if user else None, kind=kind, started_at=start,
                           ended_at=end, **fields)
        db.session.add(row)
        db.session.commit()
        return row

    return make


@pytest.fixture
def old_seat(create_seat):
    """Return a factory of seats that have existed since 2024."""

    def make(site="cycow", name=None, kind="pc"):
        return create_seat(site=site, name=name, kind=kind, created_at=LONG_AGO)

    return make
