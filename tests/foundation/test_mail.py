"""Mail goes out through the configured SMTP server (a real one on loopback)."""
import socket
from email.message import EmailMessage

from telecentre.common.mail import smtp_send
from tests.monitoring.smtp_sink import SmtpSink


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mail_is_handed_to_the_smtp_server_or_skipped_when_none():
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = "Test", "telecentre@localhost", "it@example.org"
    msg.set_content("Zażółć gęślą jaźń\n")
    assert smtp_send({}, msg) is False  # no server configured
    port = _free_port()
    with SmtpSink(("127.0.0.1", port)) as sink:
        assert smtp_send({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port}, msg) is True
    assert len(sink.messages) == 1 and sink.messages[0]["To"] == "it@example.org"
    # A server that is gone is a logged failure, not an exception for the caller.
    assert smtp_send({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port}, msg) is False


def test_console_notice_mail_reaches_the_resident(app):
    from telecentre.console.notices import send_mail
    port = _free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="tc@localhost")
    with SmtpSink(("127.0.0.1", port)) as sink:
        assert send_mail("anna@example.org", "Rezerwacja", "Zmiana stanowiska")
    assert sink.messages[0]["Subject"] == "Rezerwacja"
    assert "Zmiana stanowiska" in sink.messages[0].get_payload(decode=True).decode()
