"""`telecentre-agent ui`: the lock screen as its own process, in the public user's session.

It holds nothing worth stealing: no secret, no state, no clock of its own. It
shows what the service sends and passes on what the resident types. It pings
the service every second (the Tk UI from its own event loop, so a frozen
window stops answering); killing it only makes the service lock the screen
and start it again.
"""

import argparse
import sys
import threading
import time

from agent import channel, ui as ui_module
from agent.i18n import LANGUAGES, Translator, detect_language

PING_EVERY = 1.0
CONNECT_FOR = 10.0


class _Remaining:
    """The session's remaining seconds as last told by the service, counting down locally."""

    def __init__(self, monotonic=time.monotonic):
        self._monotonic = monotonic
        self._value = None

    def update(self, message):
        if message.get("state") == "locked":
            self._value = None
        elif message.get("remaining_seconds") is not None:
            self._value = (float(message["remaining_seconds"]), self._monotonic())
        elif message.get("event") == "session_started" and message.get("minutes") is not None:
            self._value = (float(message["minutes"]) * 60, self._monotonic())

    def remaining(self):
        """Seconds left, or None when locked."""
        if self._value is None:
            return None
        value, at = self._value
        return max(0.0, value - (self._monotonic() - at))


class ServiceProxy:
    """Stands in for the controller in the UI process: the UIs call it as they would the agent."""

    def __init__(self, conn, ui, ping_thread=True):
        self.conn = conn
        self.ui = ui
        self.sessions = _Remaining()
        self.refused = None
        self._ping_thread = ping_thread

    def post(self, kind, *payload):
        """Send the resident's input to the service."""
        message = {"op": kind}
        if kind == "line":
            message["text"] = payload[0]
        elif kind == "unlock_request":
            message["request"] = payload[0]
        elif kind == "privacy" and payload:
            message["lang"] = payload[0]
        self._send(message)

    def ping(self):
        """Tell the service this UI is alive."""
        self._send({"op": "ping"})

    def _send(self, message):
        try:
            self.conn.send(message)
        except channel.ChannelClosed:
            pass

    def run(self):
        """Say hello, then show the service's events until the channel closes."""
        self._send({"op": "hello"})
        self.ping()
        if self._ping_thread:
            threading.Thread(target=self._pinger, name="ping", daemon=True).start()
        while True:
            try:
                message = self.conn.receive()
            except channel.ChannelClosed:
                break
            if "pong" in message:
                self.sessions.update(message["pong"])
            elif "refused" in message:
                self.refused = message["refused"]
            elif "event" in message:
                self.sessions.update(message)
                self.ui.emit(message)
        return 2 if self.refused else 0

    def _pinger(self):
        while not self.conn.closed:
            self.ping()
            time.sleep(PING_EVERY)

    def stop(self):
        """Close the channel (the service will start a new UI)."""
        self.conn.close()


def main(argv):
    """Run the UI process; return its exit status."""
    parser = argparse.ArgumentParser(prog="telecentre-agent ui")
    parser.add_argument("--socket", required=True, help="the service's channel")
    parser.add_argument("--ui", choices=("tk", "console"), default="tk")
    parser.add_argument("--kind", choices=("pc", "kiosk"), default="pc")
    parser.add_argument("--lang", choices=LANGUAGES)
    args = parser.parse_args(argv)
    deadline = time.monotonic() + CONNECT_FOR
    while True:
        try:
            conn = channel.connect(args.socket, timeout=5.0)
            break
        except OSError as exc:
            if time.monotonic() > deadline:
                print(f"telecentre-agent ui: cannot reach the service at {args.socket}: {exc}",
                      file=sys.stderr)
                return 1
            time.sleep(0.2)
    ui = ui_module.select(args.ui, Translator(detect_language(args.lang)), args.kind)
    proxy = ServiceProxy(conn, ui, ping_thread=args.ui != "tk")
    status = ui.run(proxy)
    if proxy.refused:
        print(f"telecentre-agent ui: refused: {proxy.refused}", file=sys.stderr)
        return 2
    return status
