"""A queue offer goes out by e-mail (aiosmtpd sink on loopback) and by SMS (a fake HTTP
gateway on loopback); a broken or absent gateway never breaks the offer."""
import pytest

from telecentre.booking.models import QueueEntry
from telecentre.common.sms import normalise_phone, sms_send
from telecentre.extensions import db
from tests.conftest import Auth
from tests.sinks import FakeSmsGateway, MailSink


@pytest.fixture
def outbox(app):
    """SMTP and the SMS gateway pointed at real servers on loopback."""
    with MailSink() as sink, FakeSmsGateway() as gateway:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port,
                          MAIL_FROM="telecentre@cycow.example", SMS_GATEWAY_URL=gateway.url,
                          SMS_GATEWAY_TOKEN="s3cret", SMS_SENDER="Telecentre")
        yield sink, gateway


@pytest.fixture
def free_pc(open_site, create_seat, create_agent):
    open_site("cycow")
    seat = create_seat("cycow", "PC-07")
    create_agent(seat)
    return seat


@pytest.fixture
def open_site(app):
    from datetime import timedelta

    from telecentre.common.time import local_today
    from telecentre.sites.services import add_exception, get_site, set_hours

    def make(slug):
        site = get_site(slug)
        set_hours(None, site, ["mon-sun 00:00-24:00"])
        for day in (local_today(), local_today() + timedelta(days=1)):
            add_exception(None, site, day, "00:00-24:00", "tests")
        db.session.commit()
        return site

    return make


def join(client, user, lang="pl"):
    auth = Auth(client)
    assert auth.login(user).status_code == 302
    token = auth.csrf_token("/sites/cycow/queue")
    return client.post("/sites/cycow/queue", data={"action": "join", "csrf_token": token},
                       headers={"Accept-Language": lang})


def test_the_offer_is_mailed_and_texted(client, outbox, free_pc, create_user):
    sink, gateway = outbox
    anna = create_user("resident", login="anna", display_name="Anna Kowalska",
                       email="anna@example.org", phone="601 234 567", locale="pl")
    assert join(client, anna).status_code == 302
    entry = db.session.scalar(db.select(QueueEntry))
    assert entry.status == "offered" and entry.offered_seat_id == free_pc.id
    [mail] = sink.messages
    assert mail["To"] == "anna@example.org" and mail["From"] == "telecentre@cycow.example"
    assert "PC-07" in mail["Subject"]
    body = mail.get_content()
    assert "Anna Kowalska" in body and "Urząd Gminy Cyców" in body
    assert "http://localhost/sites/cycow/queue" in body
    [sms] = gateway.received
    assert sms["headers"]["Authorization"] == "Bearer s3cret"
    assert sms["body"]["to"] == "+48601234567" and sms["body"]["from"] == "Telecentre"
    assert "PC-07" in sms["body"]["text"] and "wolny" in sms["body"]["text"]  # her language


def test_a_broken_gateway_or_no_address_never_breaks_the_offer(client, outbox, free_pc,
                                                               create_user):
    sink, gateway = outbox
    gateway.status = 500
    piotr = create_user("resident", login="piotr", phone="+48 601 000 111")  # no e-mail
    assert join(client, piotr, "en").status_code == 302
    entry = db.session.scalar(db.select(QueueEntry))
    assert entry.status == "offered"  # the offer stands; the page shows it
    assert sink.messages == [] and len(gateway.received) == 1


def test_no_gateway_configured_sends_nothing(app, free_pc):
    app.config["SMS_GATEWAY_URL"] = None
    assert sms_send(app.config, "601234567", "x") is False
    app.config["SMS_GATEWAY_URL"] = "file:///etc/passwd"
    assert sms_send(app.config, "601234567", "x") is False


def test_a_form_gateway_with_its_own_field_names(app):
    with FakeSmsGateway() as gateway:
        app.config.update(SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_FORMAT="form",
                          SMS_GATEWAY_FIELDS={"to": "msisdn", "text": "message"},
                          SMS_GATEWAY_TOKEN=None)
        assert sms_send(app.config, "0048 601 234 567", "Hello") is True
    [sms] = gateway.received
    assert sms["body"] == {"msisdn": "+48601234567", "from": "Telecentre", "message": "Hello"}
    assert "Authorization" not in sms["headers"]


@pytest.mark.parametrize("raw, expected", [("601234567", "+48601234567"),
                                           ("+48 601-234-567", "+48601234567"),
                                           ("0044 20 7946 0958", "+442079460958"),
                                           ("12", None), ("", None), (None, None),
                                           ("call me", None)])
def test_phone_numbers(raw, expected):
    assert normalise_phone(raw) == expected


def test_an_offer_made_by_a_job_is_mailed_too(app, outbox, free_pc, create_user):
    """No request (the scheduler's no-show release): the link still comes from
    PUBLIC_BASE_URL, and the mail goes out after the job's commit."""
    from telecentre.booking import queue
    from telecentre.sites.services import get_site
    sink, _gateway = outbox
    app.config["PUBLIC_BASE_URL"] = "https://telecentrum.powiat.example"
    anna = create_user("resident", login="anna", email="anna@example.org")
    entry = QueueEntry(site_id=free_pc.site_id, resident_id=anna.id, status="waiting")
    db.session.add(entry)
    db.session.commit()
    assert queue.offer_free_seats(get_site("cycow")) == 1
    assert sink.messages == []  # not before the commit
    db.session.commit()
    [mail] = sink.messages
    assert "https://telecentrum.powiat.example/sites/cycow/queue" in mail.get_content()
