"""The service's side of the UI: events go to the UI process, input comes back, a watchdog.

`ServiceUI` is the `ui` the controller (`agent.core.Agent`) talks to when the
lock screen is another process. It listens on the channel, starts the UI
(`agent.launcher`), accepts only that process, forwards events to it and its
input to the controller. When the UI dies or stops answering pings, the
controller locks the screen (`ui_lost`) and the watchdog starts the UI again;
the session's time keeps running in the service all along.
"""

import collections
import json
import os
import socket
import struct
import sys
import threading
import time

from agent import channel
from agent.i18n import LANGUAGES

PING_TIMEOUT = 4.0  # the UI pings every second; silence this long means it hangs
CONNECT_TIMEOUT = 20.0  # a started UI that has not said hello by then is started again
FIRST_RESPAWN, LONGEST_RESPAWN = 0.5, 10.0
WATCH_EVERY = 0.2
SEND_TIMEOUT = 2.0  # a UI that stops reading must not block the controller
BACKLOG = 500
REQUEST_KEYS = ("method", "code", "card", "pin")


class ServiceUI:
    """Forwards the controller's events to the UI process and supervises that process."""

    def __init__(self, listener, launcher, log=None, guard=None, monotonic=time.monotonic):
        self.listener = listener
        self.launcher = launcher
        self.log = log  # a text stream for the service's own event log, or None
        self.guard = guard or threading.Lock()  # held while the account is being reset
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self.conn = None
        self.attached = False
        self.attached_once = False
        self.backlog = collections.deque(maxlen=BACKLOG)
        self.last_ping = 0.0
        self.spawned_at = None
        self.outage = False
        self.restart = False
        self.refused = []  # (pid, uid) of connections refused, for the log and tests
        self.agent = None
        self._closing = threading.Event()

    # --- what the controller calls ---------------------------------------------------
    def emit(self, event):
        """Send an event to the UI, or keep it until a UI is attached."""
        if self.log is not None:
            self._log(event)
        with self._lock:
            conn = self.conn if self.attached else None
            if conn is None:
                self.backlog.append(event)
                return
            try:
                conn.send(event)
            except channel.ChannelClosed:
                self.backlog.append(event)
                self._lost(conn, "closed")

    def run(self, agent):
        """Serve the channel and watch the UI while the controller runs; return its status."""
        self.agent = agent
        threading.Thread(target=self._accept_loop, name="ui-accept", daemon=True).start()
        watchdog = threading.Thread(target=self._watch, name="ui-watchdog", daemon=True)
        watchdog.start()
        try:
            status = agent.run()
        finally:
            self._finish(watchdog)
        return status

    # --- the channel ---------------------------------------------------------------------
    def _accept_loop(self):
        while not self._closing.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            try:
                pid, uid, _gid = channel.peer_credentials(sock)
            except OSError:
                sock.close()
                continue
            conn = channel.Connection(sock, (pid, uid))
            if not self.launcher.owns(pid, uid):
                self.refused.append((pid, uid))
                self._log({"event": "ui_refused", "pid": pid, "uid": uid})
                try:
                    conn.send({"refused": "not the lock screen this service started"})
                except channel.ChannelClosed:
                    pass
                conn.close()
                continue
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                            struct.pack("ll", int(SEND_TIMEOUT), 0))
            with self._lock:
                old, self.conn, self.attached = self.conn, conn, False
            if old is not None:
                old.close()
            threading.Thread(target=self._read, args=(conn,), name="ui-reader", daemon=True).start()

    def _read(self, conn):
        try:
            while True:
                message = conn.receive()
                op = message.get("op")
                if op == "hello":
                    self._attach(conn)
                elif op == "ping":
                    self.last_ping = self._monotonic()
                    conn.send({"pong": self.agent.ui_snapshot()})
                elif self.attached and self.conn is conn:
                    self._forward(op, message)
        except channel.ChannelClosed:
            self._lost(conn, "closed")

    def _forward(self, op, message):
        """Pass the UI's input on to the controller, keeping only what the UI may say."""
        if op == "line" and isinstance(message.get("text"), str):
            self.agent.post("line", message["text"][:200])
        elif op == "unlock_request" and isinstance(message.get("request"), dict):
            request = {k: str(v)[:64] for k, v in message["request"].items()
                       if k in REQUEST_KEYS and isinstance(v, (str, int))}
            self.agent.post("unlock_request", request)
        elif op == "activity":
            self.agent.post("activity")
        elif op == "end_by_user":
            self.agent.post("end_by_user")
        elif op == "privacy":
            lang = message.get("lang")
            self.agent.post("privacy", lang if lang in LANGUAGES else None)

    def _attach(self, conn):
        with self._lock:
            if conn is not self.conn:
                return
            first = not self.attached_once
            self.attached = self.attached_once = True
            if self.log is not None:
                pid, uid = conn.credentials
                self._log({"event": "ui_attached", "pid": pid, "uid": uid})
            self.last_ping = self._monotonic()
            try:
                while self.backlog:
                    conn.send(self.backlog[0])
                    self.backlog.popleft()
            except channel.ChannelClosed:
                self._lost(conn, "closed")
                return
            was_out, self.outage = self.outage, False
        if not first or was_out:
            self.agent.post("ui_restored")

    def _lost(self, conn, reason):
        """The UI's connection ended: lock (unless the account is being reset), restart it."""
        with self._lock:
            if conn is not self.conn:
                return
            self.conn, self.attached, self.restart = None, False, True
        conn.close()
        self._outage(reason)

    def _outage(self, reason):
        if self._closing.is_set() or self.agent.stop_event.is_set():
            return
        with self._lock:
            already, self.outage = self.outage, True
        if not already and not self.guard.locked():
            self.agent.post("ui_lost", reason)

    # --- the watchdog -----------------------------------------------------------------------
    def _watch(self):
        pause, next_start = FIRST_RESPAWN, 0.0
        while not self._closing.is_set():
            now = self._monotonic()
            with self._lock:
                conn, attached = self.conn, self.attached
            if conn is not None and attached and now - self.last_ping > PING_TIMEOUT:
                self._lost(conn, "not_answering")
            elif self.launcher.running() and conn is None and self.spawned_at is not None and (
                    now - self.spawned_at > CONNECT_TIMEOUT):
                self.restart = True
                self._outage("not_started")
            died = self.launcher.proc is not None and not self.launcher.running()
            if self.restart or died:
                if died and not self.restart:
                    self._outage("exited")
                self.launcher.stop()
                self.launcher.proc, self.restart = None, False
            if self.launcher.proc is None and now >= next_start and not self._closing.is_set():
                with self.guard:  # never while the public account is being reset
                    if not self._closing.is_set():
                        self.launcher.start()
                self.spawned_at = self._monotonic()
                next_start = self.spawned_at + pause  # a UI that keeps crashing: longer pauses
                pause = min(pause * 2, LONGEST_RESPAWN)
            if attached:
                pause = FIRST_RESPAWN
            self._closing.wait(WATCH_EVERY)

    def _finish(self, watchdog):
        """Deliver what the UI has not seen yet (a final message), then stop it."""
        deadline = self._monotonic() + 5.0
        while self.backlog and self._monotonic() < deadline:
            time.sleep(0.05)
        self._closing.set()
        watchdog.join(timeout=5.0)
        with self._lock:
            conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()
        self.launcher.stop()
        try:
            path = self.listener.getsockname()
            self.listener.close()
            os.unlink(path)
            if os.path.basename(os.path.dirname(path)).startswith("tc-agent-"):
                os.rmdir(os.path.dirname(path))  # the private directory socket_path() made
        except (OSError, TypeError):
            pass

    def _log(self, event):
        stream = self.log or sys.stderr
        try:
            stream.write(json.dumps(event, ensure_ascii=False) + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass


def socket_path(requested, as_root, state_dir=None):
    """Where the channel listens: the option; /run/telecentre-agent as root; else the
    (private) state directory, or a private temporary one when that path is too long."""
    if requested:
        return os.path.abspath(requested)
    if as_root:
        return "/run/telecentre-agent/ui.sock"
    if state_dir and len(os.path.join(state_dir, "ui.sock")) < 100:  # sun_path holds 108 bytes
        return os.path.join(state_dir, "ui.sock")
    import tempfile

    return os.path.join(tempfile.mkdtemp(prefix="tc-agent-"), "ui.sock")
