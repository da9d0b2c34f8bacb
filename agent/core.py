"""The controller: one thread that owns the session and reacts to input, replies and time.

Input lines, unlock replies, heartbeat replies and connectivity changes all
arrive on one queue; between them the controller ticks the session several
times a second, so limits hold whatever the network does.
"""

import queue
import threading
import time
import uuid
from collections import deque

from agent import __version__, wol
from agent.clock import ServerClock, boot_id, parse_time
from agent.commands import CommandFailed, CommandRunner
from agent.health import Health
from agent.offline import BookingCache, OfflineRefusal
from agent.session import SessionManager, fmt_minutes
from agent.sync import Link
from agent.transport import ApiError, Revoked, TransportError, Unauthorized, Unreachable

TICK_SECONDS = 0.2
UNLOCK_TIMEOUT = 8.0
PRIVACY_TIMEOUT = 8.0
PRIVACY_FIELDS = ("version", "lang", "title", "text", "headings", "url")
DEFAULT_POLICY = {
    "warn_minutes": [5, 1],
    "kiosk_idle_seconds": 120,
    "kiosk_session_minutes": 30,
    "offline_window_hours": 4,
}
STAFF_UNLOCK_MINUTES = 45  # the Polish preset, when the server names no length
MAX_LOCAL_FAILURES, FAILURE_WINDOW = 5, 60.0


class Agent:
    """Wires the parts together; `run()` returns the process exit status."""

    def __init__(
        self,
        config,
        store,
        outbox,
        transport,
        credentials,
        backend,
        ui,
        t,
        monotonic=time.monotonic,
    ):
        self.config, self.store, self.outbox = config, store, outbox
        self.transport, self.credentials, self.backend, self.ui, self.t = (
            transport,
            credentials,
            backend,
            ui,
            t,
        )
        self._monotonic = monotonic
        self.queue = queue.Queue()
        self.stop_event = threading.Event()
        self.exit_code = 0
        self.boot = boot_id()
        self.server_clock = ServerClock(monotonic)
        self.server_clock.load(store.get("server_clock"), self.boot)
        self.policy = dict(DEFAULT_POLICY, **(store.get("policy") or {}))
        self.sessions = SessionManager(
            store,
            outbox,
            backend,
            self.emit,
            t,
            lambda: self.policy,
            self.server_clock,
            self.boot,
            monotonic,
        )
        self.cache = BookingCache(store)
        self.commands = CommandRunner(
            store,
            outbox,
            {
                "lock": self._cmd_lock,
                "unlock": self._cmd_unlock,
                "message": self._cmd_message,
                "extend": self._cmd_extend,
                "end_session": self._cmd_end_session,
                "logoff": self._cmd_logoff,
                "reboot": self._cmd_reboot,
                "shutdown": self._cmd_shutdown,
                "wake": wol.wake,
            },
        )
        self.health = Health()
        self.link = Link(self, monotonic)
        outbox.on_add = self.link.wake.set
        self._unlock_pending = False
        self._failures = deque()
        self._snapshot = {"state": "locked", "session": None}

    @property
    def state(self):
        """ "in_session" or "locked"."""
        return "in_session" if self.sessions.active else "locked"

    def emit(self, event, **fields):
        """Tell the UI about a change; every event carries the current state."""
        self.ui.emit(dict({"event": event, "state": self.state}, **fields))

    def post(self, kind, *payload):
        """Hand something to the controller thread (safe from any thread)."""
        self.queue.put((kind, payload))

    def report_os_action(self, action, **details):
        """The OS backend's report hook: each action shows as an `os_action` event."""
        self.emit("os_action", action=action, **details)

    # --- the loop -------------------------------------------------------------

    def run(self):
        """Start, loop until stopped or revoked, and return the exit status."""
        self.outbox.add("agent_started", {"version": __version__, "boot_id": self.boot})
        self.commands.recover()
        resumed = self.sessions.restore()
        prompt = "kiosk_prompt" if self.config.kind == "kiosk" else "started"
        self.emit(
            "started",
            version=__version__,
            kind=self.config.kind,
            remaining_seconds=int(self.sessions.remaining()) if resumed else None,
            local_id=self.sessions.record["local_id"] if resumed else None,
            message=self.t("resumed") if resumed else self.t(prompt),
        )
        if resumed:
            self.backend.unlock_screen()
        else:
            self.backend.lock_screen()
        self.link.start()
        while not self.stop_event.is_set():
            try:
                kind, payload = self.queue.get(timeout=TICK_SECONDS)
                getattr(self, "_on_" + kind)(*payload)
            except queue.Empty:
                pass
            if not self.stop_event.is_set():
                self.sessions.tick()
            self._snapshot = {"state": self.state, "session": self.sessions.snapshot()}
        self.sessions.checkpoint()
        self.link.wake.set()
        if self.link.is_alive():
            self.link.join(timeout=3.0)
        return self.exit_code

    def stop(self):
        """Ask the loop to end (signal handlers call this; it only sets a flag)."""
        self.stop_event.set()

    def heartbeat_body(self):
        """The heartbeat request, built from the last published snapshot (any thread)."""
        snapshot = self._snapshot
        body = {
            "state": snapshot["state"],
            "session": snapshot["session"],
            "health": self.health.collect(self.backend.os_user()),
            "version": __version__,
            "outbox_pending": self.outbox.count(),
            "rotate_secret": self.credentials.rotation_due(self.config.rotate_days),
        }
        sync = self.store.get("sync")
        if sync:  # only a server that sent one knows the field
            # The server leaves policy and bookings out of its reply while this is current.
            body["sync"] = sync
        return body

    # --- events from the UI ---------------------------------------------------

    def _on_line(self, text):
        text = text.strip()
        if text == "/privacy":
            return self._on_privacy()
        if self.sessions.active:
            self.sessions.touch()
            if text == "/end":
                self.sessions.end("user_ended")
            return
        if not text:
            if self.config.kind == "kiosk":
                self._unlock({"method": "kiosk"})
            return
        tokens = text.split()
        if len(tokens) == 2 and all(token.isdigit() for token in tokens):
            self._unlock({"method": "card", "card": tokens[0], "pin": tokens[1]})
        elif len(tokens) <= 3:
            # A code typed with spaces ("K7M Q2P") is still one code.
            self._unlock({"method": "code", "code": "".join(tokens)})
        else:
            self._refuse("bad_input")

    def _on_unlock_request(self, request):
        """A structured request from a graphical UI: {"method": "code"|"card"|"kiosk", …}."""
        if self.sessions.active:
            return
        if request.get("method") == "code" and not request.get("code", "").strip():
            return self._refuse("bad_input")
        if request.get("method") == "card" and not (request.get("card") and request.get("pin")):
            return self._refuse("bad_input")
        self._unlock(dict(request))

    def _on_activity(self):
        self.sessions.touch()

    # --- the UI process (split mode) --------------------------------------------

    def ui_snapshot(self):
        """What a pinging UI is told: state and remaining seconds (any thread)."""
        snapshot = self._snapshot
        session = snapshot["session"] or {}
        return {"state": snapshot["state"], "remaining_seconds": session.get("remaining_seconds")}

    def _on_ui_lost(self, reason):
        """The lock screen died or hangs: lock the OS session now; the service restarts the UI."""
        self.emit("ui_lost", reason=reason, message=self.t("ui_lost"))
        self.backend.lock_screen()

    def _on_ui_restored(self):
        """A new lock screen is up: it is told the truth, and a running session goes on."""
        if self.sessions.active:
            self.backend.unlock_screen()
        online = self.link.online
        self.emit(
            "ui_restored",
            online=online,
            kind=self.config.kind,
            remaining_seconds=int(self.sessions.remaining()) if self.sessions.active else None,
            status=self.t("online" if online else "offline") if online is not None else None,
            message=self.t("resumed") if self.sessions.active else self.t(
                "kiosk_prompt" if self.config.kind == "kiosk" else "started"),
        )

    # --- the privacy notice (the lock screen's "Privacy") ---------------------------

    def _on_privacy(self, lang=None):
        """Fetch the notice without holding up the loop; the UI gets a `privacy` event."""
        threading.Thread(target=self._privacy_worker, args=(lang or self.t.lang,),
                         name="privacy", daemon=True).start()

    def _privacy_worker(self, lang):
        try:
            reply = self.transport.post("/privacy", {"lang": lang}, timeout=PRIVACY_TIMEOUT)
        except TransportError:
            reply = None
        self.post("privacy_result", lang, reply)

    def _on_privacy_result(self, lang, reply):
        """Show the notice just fetched, else the last one kept (offline), else say where it is."""
        notices = dict(self.store.get("privacy") or {})
        if isinstance(reply, dict) and isinstance(reply.get("text"), str):
            notices[lang] = {key: reply.get(key) for key in PRIVACY_FIELDS}
            self.store.update(privacy=notices)
        notice = notices.get(lang)
        if notice is None:
            return self.emit("privacy", message=self.t("privacy_unavailable"))
        self.emit("privacy", **notice)

    def _on_end_by_user(self):
        if self.sessions.active:
            self.sessions.end("user_ended")

    def _refuse(self, error, message=None, **fields):
        self.emit("unlock_refused", error=error, message=message or self.t(error, **fields))

    # --- unlocking ------------------------------------------------------------

    def _unlock(self, request):
        if self._unlock_pending:
            return self._refuse("busy")
        if not self.credentials.enrolled:
            return self._refuse("not_enrolled")
        now = self._monotonic()
        while self._failures and now - self._failures[0] > FAILURE_WINDOW:
            self._failures.popleft()
        if len(self._failures) >= MAX_LOCAL_FAILURES:
            return self._refuse("rate_limited")
        request["local_id"] = str(uuid.uuid4())
        self._unlock_pending = True
        threading.Thread(target=self._unlock_worker, args=(request,), daemon=True).start()

    def _unlock_worker(self, request):
        try:
            outcome = ("ok", self.transport.post("/unlock", request, timeout=UNLOCK_TIMEOUT))
        except Revoked as exc:
            outcome = ("revoked", exc.message)
        except ApiError as exc:
            outcome = ("refused", exc)
        except (Unreachable, Unauthorized):
            outcome = ("unreachable", None)
        self.post("unlock_result", request, outcome)

    def _on_unlock_result(self, request, outcome):
        self._unlock_pending = False
        status, value = outcome
        if self.sessions.active:
            return  # a staff unlock won the race; the server reconciles the unused local_id
        if status == "revoked":
            return self._on_revoked(value)
        if status == "refused":
            return self._refuse(value.code, message=value.message)
        if status == "ok":
            session = value.get("session") or {}
            return self.sessions.start(
                session.get("minutes") or 0,
                session.get("method") or request["method"],
                session_id=session.get("id"),
                booking_id=session.get("booking_id"),
                limited_by=session.get("limited_by"),
                user=session.get("user"),
                local_id=request["local_id"],
                started_at=session.get("started_at"),
                message=value.get("message"),
                ends_at=session.get("ends_at"),
            )
        self._unlock_offline(request)

    def _unlock_offline(self, request):
        """The server is unreachable: cached bookings and kiosks may start; walk-ins wait."""
        method = request["method"]
        if method == "kiosk":
            return self.sessions.start(
                self.policy["kiosk_session_minutes"],
                "kiosk",
                limited_by="kiosk_limit",
                local_id=request["local_id"],
            )
        if method == "code":
            try:
                booking, minutes = self.cache.match(request["code"], self.server_clock.now())
            except OfflineRefusal as refusal:
                self._failures.append(self._monotonic())
                self.outbox.add("unlock_failed", {"method": method, "error": refusal.code})
                fields = {}
                if "start" in refusal.fields:
                    fields["time"] = refusal.fields["start"].astimezone().strftime("%H:%M")
                if refusal.code == "wrong_code":
                    # Not a cached booking: a guest code or a typo; only the server can tell.
                    return self._refuse("walk_in_offline")
                return self._refuse(refusal.code, **fields)
            self.cache.mark_used(booking["booking_id"])
            return self.sessions.start(
                minutes,
                "offline_booking",
                booking_id=booking["booking_id"],
                limited_by="booking_end",
                local_id=request["local_id"],
                ends_at=booking.get("end"),
            )
        self.outbox.add("unlock_failed", {"method": method, "error": "server_unreachable"})
        self._refuse("walk_in_offline")

    # --- events from the network thread -----------------------------------------

    def _on_heartbeat(self, reply):
        changes = {}
        if reply.get("server_time"):
            try:
                self.server_clock.sync(parse_time(reply["server_time"]))
                changes["server_clock"] = self.server_clock.to_record(self.boot)
                self.sessions.bound_by_end()
            except ValueError:
                pass
        if isinstance(reply.get("policy"), dict):
            self.policy = dict(DEFAULT_POLICY, **reply["policy"])
            changes["policy"] = self.policy
        if isinstance(reply.get("upcoming_bookings"), list):
            changes["upcoming_bookings"] = reply["upcoming_bookings"]
        if isinstance(reply.get("sync"), str):
            changes["sync"] = reply["sync"]
        if changes:
            self.store.update(**changes)
        self.commands.run(reply.get("commands"))

    def _on_online(self):
        self.emit("online", message=self.t("online"))

    def _on_offline(self):
        self.emit("offline", message=self.t("offline"))

    def _on_enrolled(self, info):
        seat, site = info.get("seat") or {}, info.get("site") or {}
        self.emit(
            "enrolled",
            seat=seat,
            site=site,
            message=self.t("enrolled", seat=seat.get("name", "?"), site=site.get("name", "?")),
        )

    def _on_fatal(self, key, fields):
        self.emit("enroll_failed", message=self.t(key, **fields))
        self.exit_code = 2
        self.stop()

    def _on_revoked(self, message):
        """403 revoked: print why, lock, remember it, exit with status 3."""
        message = message or self.t("revoked")
        if self.sessions.active:
            self.sessions.end("ended_by_staff", message=self.t("reason_revoked"))
        self.store.update(revoked=True, revoked_message=message)
        self.backend.lock_screen()
        self.emit("revoked", message=message)
        self.exit_code = 3
        self.stop()

    # --- commands (run by CommandRunner, once per id) -----------------------------

    def _cmd_lock(self, args):
        if self.sessions.active:
            self.sessions.end("ended_by_staff")
        else:
            self.backend.lock_screen()
        return "locked"

    def _cmd_unlock(self, args):
        if self.sessions.active:
            return "already in a session"
        minutes = float(args.get("minutes") or STAFF_UNLOCK_MINUTES)
        # A session the server already recorded (walk-in from the attendant's console) keeps
        # the server's local id, so that this agent's events about it match that record.
        local_id = args.get("local_id") if isinstance(args.get("local_id"), str) else None
        user = args.get("user") if isinstance(args.get("user"), str) else None
        self.sessions.start(minutes, "staff", session_id=args.get("session_id"), limited_by="staff",
                            local_id=local_id[:36] if local_id else None,
                            user={"display_name": user} if user else None)
        return f"unlocked for {fmt_minutes(minutes)} min"

    def _cmd_message(self, args):
        text = str(args.get("text") or "").strip()
        if not text:
            raise CommandFailed("empty message")
        self.backend.notify(text)
        self.emit("message", message=text)
        return "shown"

    def _cmd_extend(self, args):
        if not self.sessions.active:
            raise CommandFailed("no session to extend")
        try:
            minutes = float(args["minutes"])
        except (KeyError, TypeError, ValueError):
            raise CommandFailed("minutes missing") from None
        if minutes <= 0:
            raise CommandFailed("minutes must be positive")
        self.sessions.extend(minutes)
        return f"extended by {fmt_minutes(minutes)} min, {int(self.sessions.remaining())} s left"

    def _cmd_end_session(self, args):
        if not self.sessions.active:
            return "no session"
        reason_text = str(args.get("reason") or "").strip()
        self.sessions.end("ended_by_staff", message=reason_text or None)
        return "ended"

    def _cmd_logoff(self, args):
        if self.sessions.active:
            self.sessions.end("logoff")
        else:
            self.backend.logoff()
        return "logged off"

    def _cmd_reboot(self, args):
        if self.sessions.active:
            self.sessions.end("shutdown", logoff=False)
        self.backend.reboot()
        return "rebooting"

    def _cmd_shutdown(self, args):
        if self.sessions.active:
            self.sessions.end("shutdown", logoff=False)
        self.backend.shutdown()
        return "shutting down"
