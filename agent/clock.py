"""Session time on the monotonic clock, checkpointed so that it survives restarts.

The wall clock is never used to count a session down: a resident (or NTP)
moving the clock changes nothing. The remaining time is stored with the
monotonic reading and the boot id at the checkpoint. After an agent restart in
the same boot the monotonic clock is comparable, so the time the agent was
dead is subtracted. After a reboot it is not comparable; we subtract the time
since boot (the machine ran that long without the agent counting — a lower
bound of what passed since the checkpoint).
"""

import os
import time
from datetime import datetime, timedelta, timezone

LINUX_BOOT_ID = "/proc/sys/kernel/random/boot_id"


def boot_id():
    """An identifier of the current boot, or "" when the OS gives none."""
    try:
        with open(LINUX_BOOT_ID, encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        pass
    if os.name == "nt":
        try:
            import winreg

            key = winreg.OpenKey(
                winreg.HKEY_LOCAL_MACHINE,
                r"SYSTEM\CurrentControlSet\Control\Session Manager"
                r"\Memory Management\PrefetchParameters",
            )
            value, _ = winreg.QueryValueEx(key, "BootId")
            return "win-%s" % value
        except OSError:
            pass
    return ""


class Countdown:
    """Seconds left in a session, counted on `monotonic`."""

    def __init__(self, seconds, monotonic=time.monotonic):
        self._monotonic = monotonic
        self._base_remaining = float(seconds)
        self._base_mono = monotonic()

    def remaining(self):
        """Seconds left now, never below zero."""
        return max(0.0, self._base_remaining - (self._monotonic() - self._base_mono))

    def extend(self, seconds):
        """Add `seconds` to what is left."""
        now = self._monotonic()
        self._base_remaining = self.remaining() + seconds
        self._base_mono = now

    def checkpoint(self, current_boot):
        """A JSON-able record to store; `restore()` continues from it."""
        return {"remaining": self.remaining(), "mono": self._monotonic(), "boot_id": current_boot}

    @classmethod
    def restore(cls, record, current_boot, monotonic=time.monotonic):
        """Continue from a checkpoint, subtracting the time that passed since it."""
        now = monotonic()
        same_boot = record.get("boot_id") == current_boot and now >= record["mono"]
        if not current_boot and now >= record["mono"]:
            same_boot = True  # no boot id on this OS: trust a monotonic clock that did not go back
        elapsed = now - record["mono"] if same_boot else now
        return cls(max(0.0, record["remaining"] - elapsed), monotonic)


class ServerClock:
    """The server's time, estimated from the last heartbeat plus monotonic time since.

    Used to decide whether a cached booking is current while offline, so that
    a wrong local wall clock does not open (or refuse) a booking.
    """

    def __init__(self, monotonic=time.monotonic):
        self._monotonic = monotonic
        self._reference = None

    @property
    def synced(self):
        """True once a heartbeat told us the server's time (in this boot)."""
        return self._reference is not None

    def sync(self, server_time):
        """Remember `server_time` (aware datetime) as "now"."""
        self._reference = (server_time, self._monotonic())

    def now(self):
        """The estimated server time as an aware UTC datetime."""
        if self._reference is None:
            return datetime.now(timezone.utc)
        server_time, mono = self._reference
        return server_time + timedelta(seconds=self._monotonic() - mono)

    def to_record(self, current_boot):
        """A JSON-able record valid only within this boot."""
        if self._reference is None:
            return None
        server_time, mono = self._reference
        return {"server_time": server_time.isoformat(), "mono": mono, "boot_id": current_boot}

    def load(self, record, current_boot):
        """Reuse a stored reference when it comes from this boot."""
        if record and current_boot and record.get("boot_id") == current_boot:
            if self._monotonic() >= record["mono"]:
                self._reference = (parse_time(record["server_time"]), record["mono"])


def parse_time(text):
    """Parse an ISO 8601 time with offset into an aware datetime (UTC if none given)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
