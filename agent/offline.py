"""Upcoming bookings of this seat, hashed, so a booked resident can start offline.

The heartbeat reply lists the seat's open bookings of the next hours with a
PBKDF2 hash of each code; the agent keeps the latest list (replacing the
previous one). Walk-ins and guest codes are never cached: they need the server.
"""

import hashlib
import hmac
from datetime import timedelta

from agent.clock import parse_time

EARLY_START = timedelta(minutes=10)  # a resident may sit down a little before the slot


class OfflineRefusal(Exception):
    """A cached booking cannot start; `code` is an i18n key, `fields` its values."""

    def __init__(self, code, **fields):
        super().__init__(code)
        self.code = code
        self.fields = fields


def normalize_code(code):
    """Upper-case the code and drop spaces and dashes, as the server does."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def code_hash(code, salt_hex, iterations):
    """PBKDF2-HMAC-SHA256 of the normalised code, hex, as in the protocol."""
    digest = hashlib.pbkdf2_hmac(
        "sha256", normalize_code(code).encode("utf-8"), bytes.fromhex(salt_hex), int(iterations)
    )
    return digest.hex()


class BookingCache:
    """The cached bookings in the state, and the ones already used offline."""

    def __init__(self, store):
        self._store = store

    def replace(self, bookings):
        """Replace the cache with the list from a heartbeat reply."""
        self._store.update(upcoming_bookings=list(bookings or []))

    def bookings(self):
        """The cached bookings."""
        return self._store.get("upcoming_bookings", [])

    def match(self, code, now):
        """Return (booking, minutes) for a code typed at `now`, or raise OfflineRefusal."""
        found = None
        for booking in self.bookings():
            try:
                expected = booking["code_hash"]
                actual = code_hash(code, booking["salt"], booking["iterations"])
            except (KeyError, ValueError, TypeError):
                continue  # a malformed entry must not block the others
            if hmac.compare_digest(actual, expected):
                found = booking
                break
        if found is None:
            raise OfflineRefusal("wrong_code")
        start, end = parse_time(found["start"]), parse_time(found["end"])
        if found["booking_id"] in self._store.get("offline_used_bookings", []):
            raise OfflineRefusal("already_used")
        if now >= end:
            raise OfflineRefusal("wrong_code")
        if now < start - EARLY_START:
            raise OfflineRefusal("too_early", start=start)
        minutes_to_end = (end - now).total_seconds() / 60
        minutes = min(float(found.get("minutes") or minutes_to_end), minutes_to_end)
        return found, minutes

    def mark_used(self, booking_id):
        """Remember that a booking started offline, so its code cannot start it twice."""
        used = self._store.get("offline_used_bookings", [])
        self._store.update(offline_used_bookings=(used + [booking_id])[-200:])
