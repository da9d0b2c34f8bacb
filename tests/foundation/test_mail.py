"""Mail and texts go out through the configured SMTP server and SMS gateway (real ones on
loopback), by a task after the change commits, retried when the server fails."""
from email.message import EmailMessage

from telecentre.common.mail import smtp_send
from telecentre.extensions import db
from tests.sinks import FakeSmsGateway, MailSink


def test_mail_is_handed_to_the_smtp_server_or_skipped_when_none():
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = "Test", "telecentre@localhost", "it@example.org"
    msg.set_content("Zażółć gęślą jaźń\n")
    assert smtp_send({}, msg) is False  # no server configured
    with MailSink() as sink:
        assert smtp_send({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": sink.port}, msg) is True
    assert len(sink.messages) == 1 and sink.messages[0]["To"] == "it@example.org"
    # A server that is gone is a logged failure, not an exception for the caller.
    assert smtp_send({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": sink.port}, msg) is False


def test_console_notice_mail_goes_out_when_the_change_commits(app, mail_sink):
    from telecentre.console.notices import send_mail
    assert send_mail("anna@example.org", "Rezerwacja", "Zmiana stanowiska")
    assert mail_sink.messages == []  # nothing before the commit
    db.session.commit()
    (mail,) = mail_sink.wait(1)
    assert mail["Subject"] == "Rezerwacja" and mail["To"] == "anna@example.org"
    assert "Zmiana stanowiska" in mail_sink.body()


def test_a_rolled_back_change_sends_nothing(app, mail_sink, create_user):
    from telecentre.console.models import ResidentNotice
    from telecentre.console.notices import tell
    anna = create_user(email="anna@example.org")
    db.session.commit()
    tell(anna, "Stanowisko 3 zamiast 2")  # the notice row and its mail, in one change
    db.session.rollback()
    db.session.commit()  # a later transaction does not carry the forgotten mail
    assert db.session.query(ResidentNotice).count() == 0
    assert mail_sink.messages == []
    tell(anna, "Stanowisko 4")
    db.session.commit()
    assert "Stanowisko 4" in mail_sink.wait(1)[0].get_content()


def test_a_failed_delivery_is_retried_by_the_worker_until_the_server_takes_it(
        app, monkeypatch, live_worker):
    from telecentre.common import outgoing
    from telecentre.console.notices import send_mail
    sink = MailSink()  # not listening yet: the first attempt is refused
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, MAIL_FROM="tc@localhost",
                      OUTGOING_RETRY_SECONDS=0.2)
    attempts = []
    real_send = outgoing.smtp_send

    def send_and_count(config, msg):
        attempts.append(msg["To"])
        delivered = real_send(config, msg)
        if not delivered and len(attempts) == 2:
            sink.__enter__()  # the server comes back after the second refusal
        return delivered

    monkeypatch.setattr(outgoing, "smtp_send", send_and_count)
    try:
        assert send_mail("anna@example.org", "Rezerwacja", "Zmiana")
        db.session.commit()  # the request is done here; the worker does the rest
        assert sink.wait(1, timeout=30)[0]["To"] == "anna@example.org"
        assert len(attempts) == 3
    finally:
        sink.__exit__()


def test_text_messages_go_out_after_commit_and_a_bad_number_is_not_queued(app):
    from telecentre.common.outgoing import sms_after_commit
    with FakeSmsGateway() as gateway:
        app.config.update(SMS_GATEWAY_URL=gateway.url)
        assert sms_after_commit("600 100 200", "Komputer 3 jest wolny")
        assert not sms_after_commit("12", "nigdy")
        assert gateway.received == []
        db.session.commit()
        assert [r["body"]["to"] for r in gateway.received] == ["+48600100200"]
