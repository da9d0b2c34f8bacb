"""The cached bookings: the protocol's hash, the time window, one use offline."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from agent.offline import BookingCache, OfflineRefusal, code_hash, normalize_code
from agent.state import StateStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def _entry(booking_id, code, start, end, minutes, salt="a1b2c3d4", iterations=1000):
    expected = hashlib.pbkdf2_hmac(
        "sha256", code.upper().replace("-", "").encode(), bytes.fromhex(salt), iterations
    ).hex()
    return {
        "booking_id": booking_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "minutes": minutes,
        "salt": salt,
        "iterations": iterations,
        "code_hash": expected,
    }


@pytest.fixture
def cache(tmp_path):
    """A cache holding one running and one later booking."""
    cache = BookingCache(StateStore(str(tmp_path)))
    cache.replace(
        [
            _entry(9, "K7M-Q2P", NOW - timedelta(minutes=5), NOW + timedelta(minutes=40), 45),
            _entry(
                10, "ZZ9-AA1", NOW + timedelta(hours=2), NOW + timedelta(hours=2, minutes=45), 45
            ),
        ]
    )
    return cache


def test_hash_is_the_protocol_formula():
    salt = "00ff10"
    expected = hashlib.pbkdf2_hmac("sha256", b"K7MQ2P", bytes.fromhex(salt), 50000).hex()
    assert code_hash("k7m q2p", salt, 50000) == expected
    assert normalize_code(" k7m-q2p ") == "K7MQ2P"


def test_current_booking_starts_until_its_end(cache):
    booking, minutes = cache.match("k7m-q2p", NOW)
    assert booking["booking_id"] == 9
    assert minutes == pytest.approx(40)


def test_minutes_never_exceed_what_the_booking_grants(cache):
    booking, minutes = cache.match("K7MQ2P", NOW - timedelta(minutes=8))  # sat down early
    assert minutes == 45


def test_wrong_code_too_early_and_expired_are_refused(cache):
    with pytest.raises(OfflineRefusal) as wrong:
        cache.match("AAA-BBB", NOW)
    assert wrong.value.code == "wrong_code"
    with pytest.raises(OfflineRefusal) as early:
        cache.match("ZZ9-AA1", NOW)
    assert early.value.code == "too_early" and early.value.fields["start"] == NOW + timedelta(
        hours=2
    )
    with pytest.raises(OfflineRefusal) as late:
        cache.match("K7M-Q2P", NOW + timedelta(minutes=41))
    assert late.value.code == "wrong_code"


def test_a_booking_starts_only_once_offline(cache):
    cache.mark_used(9)
    with pytest.raises(OfflineRefusal) as used:
        cache.match("K7M-Q2P", NOW)
    assert used.value.code == "already_used"


def test_a_new_list_replaces_the_old_and_bad_entries_are_skipped(cache):
    good = _entry(11, "NEW-111", NOW, NOW + timedelta(minutes=30), 30)
    cache.replace([{"booking_id": 99, "salt": "not-hex"}, good])
    assert cache.match("NEW-111", NOW)[0]["booking_id"] == 11
    with pytest.raises(OfflineRefusal):
        cache.match("K7M-Q2P", NOW)
