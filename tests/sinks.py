"""Real peers on loopback for outgoing messages: an SMTP server (aiosmtpd) that keeps what
it receives, and a fake HTTP SMS gateway that records what it is sent (tests only).

``with MailSink() as sink: ...``; ``sink.port`` is where it listens, ``sink.wait(n)``
blocks until ``n`` messages arrived (no sleeps), ``sink.messages`` holds them parsed; the
``mail_sink`` fixture points the app's SMTP settings at one.
"""
import email
import json
import socket
import threading
import urllib.parse
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Keeper:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=policy.default)
        with self.sink.arrived:
            self.sink.messages.append(message)
            self.sink.recipients.append(list(envelope.rcpt_tos))
            self.sink.arrived.notify_all()
        return "250 Message accepted"


class MailSink:
    """aiosmtpd's Controller on 127.0.0.1 and a free port."""

    def __init__(self, port: int | None = None):
        from aiosmtpd import controller
        self.messages: list = []
        self.recipients: list = []
        self.arrived = threading.Condition()
        self.port = port or free_port()
        self._controller = controller.Controller(_Keeper(self), hostname="127.0.0.1",
                                                 port=self.port)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()

    def wait(self, count: int, timeout: float = 10) -> list:
        """Return the messages once ``count`` have arrived; fail after ``timeout`` seconds."""
        with self.arrived:
            ok = self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        assert ok, f"expected {count} mail(s), got {len(self.messages)}"
        return self.messages

    def body(self, index: int = -1) -> str:
        """Return the plain-text body of a received message."""
        return self.messages[index].get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def mail_sink(app):
    """A loopback SMTP server the app sends to (SMTP_HOST/SMTP_PORT point at it)."""
    with MailSink() as sink:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port,
                          MAIL_FROM="telecentre@example.test")
        yield sink


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
