"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for mail tests.

``with MailSink() as sink: ...``; ``sink.port`` is where it listens, ``sink.wait(n)``
blocks until ``n`` messages arrived (no sleeps), ``sink.messages`` holds them parsed.
"""
import email
import socket
import threading
from email import policy

import pytest


def _free_port() -> int:
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

    def __init__(self):
        controller = pytest.importorskip("aiosmtpd.controller")
        self.messages: list = []
        self.recipients: list = []
        self.arrived = threading.Condition()
        self.port = _free_port()
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
