"""Local time helpers across the DST change days."""
from datetime import date, datetime, timezone

from telecentre.common.time import local_day_bounds, local_minute_to_utc, parse_aware

UTC = timezone.utc


def test_plain_day():
    assert local_minute_to_utc(date(2026, 12, 1), 9 * 60) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_march_change_day_is_23_hours():
    start, end = local_day_bounds(date(2026, 3, 29))
    assert (end - start).total_seconds() == 23 * 3600
    # 03:00 summer time is 01:00 UTC; 01:59 winter time is 00:59 UTC.
    assert local_minute_to_utc(date(2026, 3, 29), 3 * 60) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert local_minute_to_utc(date(2026, 3, 29), 119) == datetime(2026, 3, 29, 0, 59, tzinfo=UTC)


def test_october_change_day_is_25_hours():
    start, end = local_day_bounds(date(2026, 10, 25))
    assert (end - start).total_seconds() == 25 * 3600
    assert local_minute_to_utc(date(2026, 10, 25), 16 * 60) == datetime(2026, 10, 25, 15, 0,
                                                                       tzinfo=UTC)


def test_parse_aware_refuses_naive():
    import pytest
    with pytest.raises(ValueError):
        parse_aware("2026-12-01T10:00:00")
    assert parse_aware("2026-12-01T10:00:00+01:00") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
