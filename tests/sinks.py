"""Real peers on loopback for outgoing messages: an SMTP sink (aiosmtpd) and a fake HTTP
SMS gateway that records what it is sent (tests only; reusable for alert texts)."""
import email
import json
import socket
import threading
import urllib.parse
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """``with SmtpSink() as sink: ... sink.messages`` — aiosmtpd on 127.0.0.1, messages
    parsed as ``email.message.EmailMessage``."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        self.messages = []
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        """Keep the message (aiosmtpd handler hook)."""
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 stored"

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()


class _GatewayHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(raw)
        else:
            body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
        self.server.received.append({"path": self.path, "headers": dict(self.headers),
                                     "body": body})
        status = self.server.statuses.pop(0) if self.server.statuses else self.server.status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}' if status < 300 else b'{"error": "no"}')

    def log_message(self, *args):
        pass


class FakeSmsGateway(ThreadingHTTPServer):
    """``with FakeSmsGateway() as gw: ... gw.url, gw.received``; ``gw.status`` sets the
    answer (500 to play a broken gateway), ``gw.statuses`` the next few answers first
    (``[500]``: one failure, then ``status``). Records any JSON POST, so it also plays a
    webhook receiver (Slack, Teams…)."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.received, self.status, self.statuses = [], 200, []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/sms/send"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
