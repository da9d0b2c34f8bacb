"""The running session: start, warnings, extension, kiosk idle, end — enforced locally.

Every change is made durable (state checkpoint, outbox event) before the OS
is told to act, so a crash never leaves an unlocked PC without a record.
"""

import time
import uuid
from datetime import timedelta

from agent.clock import Countdown, parse_time

CHECKPOINT_EVERY = 5.0  # seconds; only matters after a reboot (same boot uses the monotonic clock)


def fmt_minutes(minutes):
    """5 → "5", 0.5 → "0.5": minutes as residents read them."""
    minutes = float(minutes)
    return str(int(minutes)) if minutes.is_integer() else ("%.1f" % minutes)


class SessionManager:
    """Owns the countdown and the session record in the state."""

    def __init__(
        self, store, outbox, backend, emit, t, policy, server_clock, boot, monotonic=time.monotonic
    ):
        self._store = store
        self._outbox = outbox
        self._backend = backend
        self._emit = emit
        self._t = t
        self._policy = policy  # callable returning the current policy dict
        self._server_clock = server_clock
        self._boot = boot
        self._monotonic = monotonic
        self.record = None
        self.countdown = None
        self._last_checkpoint = 0.0
        self._last_activity = monotonic()

    @property
    def active(self):
        """True while a session runs."""
        return self.record is not None

    def remaining(self):
        """Seconds left, or None without a session."""
        return self.countdown.remaining() if self.active else None

    def restore(self):
        """Continue a session found in the state after a restart; True if there was one."""
        record = self._store.get("session")
        if not record:
            return False
        self.record = record
        self.countdown = Countdown.restore(record["checkpoint"], self._boot, self._monotonic)
        self.bound_by_end()
        self._last_activity = self._monotonic()
        self.checkpoint()
        return True

    def bound_by_end(self):
        """Never run past the absolute end the server granted (booking end, closing time).

        The monotonic clock cannot say how long the PC was off; the end time can,
        so a PC switched off mid-session does not give the off time back. Only
        ever shortens: a wrong clock cannot lengthen a session.
        """
        if not self.active or not self.record.get("ends_at"):
            return
        try:
            left = (parse_time(self.record["ends_at"]) - self._server_clock.now()).total_seconds()
        except (TypeError, ValueError):
            return
        if left < self.countdown.remaining() - 1.0:
            self.countdown = Countdown(max(0.0, left), self._monotonic)

    def start(
        self,
        minutes,
        method,
        session_id=None,
        booking_id=None,
        limited_by=None,
        user=None,
        local_id=None,
        started_at=None,
        message=None,
        ends_at=None,
    ):
        """Begin a session of `minutes`, counted from now on the monotonic clock.

        `ends_at` is the absolute end the server granted; without one it is
        now (server time) plus `minutes`. It is stored with the session.
        """
        minutes = float(minutes)
        local_id = local_id or str(uuid.uuid4())
        started_at = started_at or self._server_clock.now().isoformat(timespec="seconds")
        # Our own estimate of the end only on the server's time: a PC whose clock is
        # behind would otherwise cut the session short at the next heartbeat.
        own_end = (self._server_clock.now() + timedelta(minutes=minutes)
                   if self._server_clock.synced else None)
        try:
            ends_at = parse_time(ends_at) if ends_at else None
        except (TypeError, ValueError):
            ends_at = None
        ends_at = min(e for e in (ends_at, own_end) if e) if (ends_at or own_end) else None
        self.countdown = Countdown(minutes * 60, self._monotonic)
        self.record = {
            "local_id": local_id,
            "session_id": session_id,
            "method": method,
            "booking_id": booking_id,
            "limited_by": limited_by,
            "started_at": started_at,
            "granted_seconds": minutes * 60,
            "ends_at": ends_at.isoformat() if ends_at else None,
            "warned": [],
            "user": user,
        }
        self._mark_early_warnings_done()
        self.checkpoint()
        self._outbox.add(
            "session_started",
            {
                "local_id": local_id,
                "session_id": session_id,
                "method": method,
                "booking_id": booking_id,
                "minutes": _number(minutes),
                "started_at": started_at,
            },
        )
        self._last_activity = self._monotonic()
        self._backend.unlock_screen()
        self._emit(
            "session_started",
            minutes=_number(minutes),
            limited_by=limited_by,
            method=method,
            local_id=local_id,
            session_id=session_id,
            user=user,
            message=message or self._t("session_started", minutes=fmt_minutes(minutes)),
        )

    def extend(self, minutes):
        """Add `minutes`; warnings above the new remaining time fire again."""
        minutes = float(minutes)
        self.countdown.extend(minutes * 60)
        self.record["granted_seconds"] += minutes * 60
        if self.record.get("ends_at"):
            ends_at = parse_time(self.record["ends_at"]) + timedelta(minutes=minutes)
            self.record["ends_at"] = ends_at.isoformat()
        left = self.countdown.remaining()
        self.record["warned"] = [w for w in self.record["warned"] if w * 60 >= left]
        self.checkpoint()
        self._outbox.add(
            "session_extended", {"local_id": self.record["local_id"], "minutes": _number(minutes)}
        )
        self._emit(
            "session_extended",
            minutes=_number(minutes),
            remaining_seconds=int(left),
            message=self._t("session_extended", minutes=fmt_minutes(minutes)),
        )

    def end(self, reason, logoff=True, message=None):
        """End the session: record it, then log the OS user off and lock the screen."""
        record, left = self.record, self.countdown.remaining()
        used = max(0, int(round(record["granted_seconds"] - left)))
        self._outbox.add(
            "session_ended",
            {
                "local_id": record["local_id"],
                "session_id": record["session_id"],
                "ended_at": self._server_clock.now().isoformat(timespec="seconds"),
                "reason": reason,
                "used_seconds": used,
            },
        )
        self.record, self.countdown = None, None
        self._store.update(session=None)
        self._emit(
            "session_ended",
            reason=reason,
            local_id=record["local_id"],
            used_seconds=used,
            message=message or self._t("reason_" + reason),
        )
        if logoff:
            self._backend.logoff()
        self._backend.lock_screen()
        self._emit("locked", message=self._t("locked"))

    def touch(self):
        """Input was seen: a kiosk session is not idle."""
        self._last_activity = self._monotonic()

    def tick(self):
        """Enforce the limits now: time up, warnings, kiosk idle; checkpoint now and then."""
        if not self.active:
            return
        left = self.countdown.remaining()
        if left <= 0:
            self.end("time_up")
            return
        if (
            self.record["method"] == "kiosk"
            and self._idle_seconds() >= self._policy()["kiosk_idle_seconds"]
        ):
            self.end("kiosk_idle")
            return
        self._warn(left)
        if self._monotonic() - self._last_checkpoint >= CHECKPOINT_EVERY:
            self.checkpoint()

    def checkpoint(self):
        """Store the session with the remaining time and the monotonic reading."""
        if not self.active:
            return
        self.record["checkpoint"] = self.countdown.checkpoint(self._boot)
        self._store.update(session=self.record)
        self._last_checkpoint = self._monotonic()

    def snapshot(self):
        """The `session` object of a heartbeat."""
        if not self.active:
            return None
        return {
            "id": self.record["session_id"],
            "local_id": self.record["local_id"],
            "started_at": self.record["started_at"],
            "remaining_seconds": int(self.countdown.remaining()),
        }

    def _thresholds(self):
        return sorted((float(m) for m in self._policy().get("warn_minutes") or []), reverse=True)

    def _mark_early_warnings_done(self):
        # A 3-minute session gets the 1-minute warning, not an instant 5-minute one.
        granted = self.record["granted_seconds"]
        self.record["warned"] = [m for m in self._thresholds() if m * 60 >= granted]

    def _warn(self, left):
        due = [m for m in self._thresholds() if left <= m * 60 and m not in self.record["warned"]]
        if not due:
            return
        minutes = min(due)  # after a long pause only the nearest warning matters
        self.record["warned"] = sorted(set(self.record["warned"]) | set(due))
        self.checkpoint()
        self._outbox.add(
            "warning", {"local_id": self.record["local_id"], "minutes_left": _number(minutes)}
        )
        self._backend.notify(self._t("warning", minutes=fmt_minutes(minutes)))
        self._emit(
            "warning",
            minutes_left=_number(minutes),
            remaining_seconds=int(left),
            message=self._t("warning", minutes=fmt_minutes(minutes)),
        )

    def _idle_seconds(self):
        own = self._monotonic() - self._last_activity
        os_idle = self._backend.idle_seconds()
        return own if os_idle is None else min(own, os_idle)


def _number(value):
    """Whole numbers as int in JSON (45, not 45.0)."""
    value = float(value)
    return int(value) if value.is_integer() else value
