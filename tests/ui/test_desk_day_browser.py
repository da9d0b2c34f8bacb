"""A normal day at the desk in real chromium, in Polish and English, each journey as the role
that does it: the resident's queue page updating by itself (the offer also mailed to an
aiosmtpd sink and texted to a fake SMS gateway, both on loopback), the attendant's
confirmation steps, IT's remote action confirmation — axe-core on every new page."""
import os
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from telecentre.booking.models import Booking, QueueEntry
from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.remote.models import RemoteRun
from telecentre.sessions.models import UsageSession
from tests.booking.liveserver import LiveServer
from tests.browser import check_accessibility, needs_chromium, sign_in
from tests.conftest import PASSWORD, SECRET_KEY
from tests.sinks import FakeSmsGateway, MailSink
from tests.ui.conftest import OWN

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]
expect = pytest.importorskip("playwright.sync_api").expect
PORTS = range(5460, 5490)


@contextmanager
def environment(**values):
    """Set TELECENTRE_* variables for a server started inside the block."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def outbox():
    """The SMTP sink and the SMS gateway the live server sends to."""
    with MailSink() as sink, FakeSmsGateway() as gateway:
        yield sink, gateway


@pytest.fixture(scope="module")
def live(database_url, outbox):
    """``telecentre serve`` with mail and SMS pointed at the loopback peers and a queue page
    that asks every second."""
    sink, gateway = outbox
    with environment(TELECENTRE_SMTP_HOST="127.0.0.1", TELECENTRE_SMTP_PORT=str(sink.port),
                     TELECENTRE_SMS_GATEWAY_URL=gateway.url,
                     TELECENTRE_SMS_GATEWAY_TOKEN="s3cret",
                     TELECENTRE_QUEUE_POLL_SECONDS="1"):
        server = LiveServer(database_url, workers=2, ports=PORTS, secret_key=SECRET_KEY)
        server.start()
    yield server
    server.stop()


@pytest.fixture
def browse(chromium, live):
    """Return ``browse(user)``: a new page signed in as ``user`` (who speaks their locale)."""
    contexts = []

    def open_page(user):
        context = chromium.new_context(locale="pl-PL" if user.locale == "pl" else "en-GB",
                                       viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live.url, user.login, PASSWORD)
        return page

    yield open_page
    for context in contexts:
        context.close()


def sit(seat, user, fresh, minutes=60):
    """Start a session on ``seat`` (what the agent would report)."""
    fresh()
    usage = UsageSession(site_id=seat.site_id, seat_id=seat.id, kind="walk_in",
                         user_id=user.id if user else None,
                         started_at=utcnow() - timedelta(minutes=5), minutes_granted=minutes)
    db.session.add(usage)
    db.session.commit()
    return usage


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_resident_waits_and_the_offer_comes_by_itself(live, browse, county, create_user, fresh,
                                                      outbox, lang):
    sink, gateway = outbox
    del sink.messages[:], gateway.received[:]
    world = county(lang)
    seats = world["seats"]
    ewa = create_user("resident", login=f"ewa-{lang}", display_name="Ewa Nowak",
                      email=f"ewa-{lang}@example.org", phone="601 234 567", locale=lang)
    other = create_user("resident", login=f"jan-{lang}", display_name="Jan Lis")
    # Every PC with an agent is in use; PC-13 is free but has no agent: never offered.
    busy = sit(seats["PC-11"], other, fresh)
    sit(seats["PC-14"], None, fresh)
    page = browse(ewa)
    page.goto(f"{live.url}/sites/{OWN}/queue")
    page.locator("button[value=join]").click()
    panel = page.locator("#queue-panel")
    expect(panel).to_contain_text("1")
    expect(panel.locator("button[value=leave]")).to_be_visible()
    check_accessibility(page, f"queue, waiting ({lang})")
    page.evaluate("window.notReloaded = true")

    # Jan leaves PC-11: the page shows the offer by itself, without a reload.
    from telecentre.sessions import services as sessions
    fresh()
    sessions.end_session(db.session.get(UsageSession, busy.id), utcnow(), "user_logout")
    db.session.commit()
    expect(panel.locator("button[value=accept]")).to_be_visible(timeout=30000)
    expect(panel).to_contain_text("PC-11")
    assert page.evaluate("window.notReloaded === true")
    check_accessibility(page, f"queue, offered ({lang})")

    # The offer went out by mail and by text, in her language, before the page showed it.
    [mail] = sink.messages
    assert mail["To"] == f"ewa-{lang}@example.org" and "PC-11" in mail["Subject"]
    assert f"/sites/{OWN}/queue" in mail.get_content()
    [sms] = gateway.received
    assert sms["body"]["to"] == "+48601234567" and "PC-11" in sms["body"]["text"]
    assert ("wolny" if lang == "pl" else "free") in sms["body"]["text"]
    assert sms["headers"]["Authorization"] == "Bearer s3cret"

    panel.locator("button[value=accept]").click()
    page.wait_for_url("**/bookings/*")
    db.session.rollback()
    entry = db.session.scalar(select(QueueEntry).where(QueueEntry.resident_id == ewa.id))
    booking = db.session.get(Booking, entry.booking_id)
    assert entry.status == "accepted" and booking.seat_id == seats["PC-11"].id


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_attendant_confirms_before_ending_or_taking_out_of_service(live, browse, county, fresh,
                                                                   lang):
    world = county(lang)
    seats, usage = world["seats"], world["usage"]
    page = browse(world["users"]["attendant"])
    page.goto(f"{live.url}/console/{OWN}")
    # PC-13 has no agent: its own state, never offered for a walk-in.
    bare = page.locator(f"#seat-{seats['PC-13'].id}")
    expect(bare).to_have_attribute("data-state", "no_agent")
    expect(bare.locator(".tile-state")).to_have_text("brak agenta" if lang == "pl" else "no agent")
    expect(bare.locator("a[href*='seat=']")).to_have_count(0)

    # Ending Anna's session asks first and names her; cancelling changes nothing.
    page.locator(f"#seat-{seats['PC-12'].id} form[action$='/end'] button").click()
    expect(page.locator(".impact")).to_contain_text("Anna Kowalska")
    expect(page.locator(".impact")).to_contain_text("PC-12")
    check_accessibility(page, f"confirm end of session ({lang})")
    page.locator("form.form a").click()  # Cancel
    db.session.rollback()
    assert db.session.get(UsageSession, usage.id).ended_at is None
    page.locator(f"#seat-{seats['PC-12'].id} form[action$='/end'] button").click()
    page.locator("form.form button.danger").click()
    expect(page.locator(".flash")).to_contain_text("PC-12")
    db.session.rollback()
    assert db.session.get(UsageSession, usage.id).ended_at is not None  # no agent: closed now

    # Out of service lists the booking that will move and whose it is.
    page.goto(f"{live.url}/console/{OWN}/seats/{seats['PC-14'].id}")
    page.fill("#oos-reason", "Broken keyboard")
    page.locator("form[action$='/out-of-service'] button").click()
    expect(page.locator(".impact")).to_contain_text("Anna Kowalska")
    check_accessibility(page, f"confirm out of service ({lang})")
    db.session.rollback()
    assert db.session.get(type(seats["PC-14"]), seats["PC-14"].id).in_service
    page.locator("form.form button.danger").click()
    expect(page.locator("h1 .tag")).to_have_text("wyłączony z użytku" if lang == "pl"
                                                 else "out of service")


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_it_confirms_a_restart_of_two_pcs(live, browse, county, fresh, lang):
    world = county(lang)
    seats = world["seats"]
    page = browse(world["users"]["it"])
    page.goto(f"{live.url}/it/remote/")
    expect(page.locator("input[name=action]:checked")).to_have_count(0)  # nothing preselected
    page.check("input[name=action][value=reboot]")
    for name in ("PC-11", "PC-12"):
        page.check(f"input[name=seat_ids][value='{seats[name].id}']")
    page.locator("#remote-launch button[type=submit]").click()
    impact = page.locator(".impact")
    expect(impact).to_contain_text("PC-11")
    expect(impact).to_contain_text("PC-12")
    expect(impact).to_contain_text("Anna Kowalska")  # her session on PC-12 would end
    check_accessibility(page, f"confirm remote restart ({lang})")
    db.session.rollback()
    assert db.session.scalar(select(RemoteRun.id)) is None  # nothing has happened yet
    page.locator("button[name=confirmed]").click()
    page.wait_for_url("**/it/remote/runs/*")
    db.session.rollback()
    run = db.session.scalar(select(RemoteRun))
    assert run.action == "reboot" and len(run.hosts) == 2
