"""The main journeys of each role in real chromium against a real server process.

Each journey signs in once, goes through the pages as a person would (links, buttons,
forms) and checks what the page then shows. States the page walk of
``test_every_page_axe`` cannot reach — form errors, offers, confirmations — get an
axe-core check on the way.
"""
import csv
import io
import re
from datetime import timedelta

import pytest

from telecentre.auth.passwords import hash_secret
from telecentre.common.time import local_today, utcnow
from telecentre.extensions import db
from telecentre.stats.incremental import run_rollup
from tests.browser import check_accessibility, needs_chromium, sign_in
from tests.conftest import PASSWORD
from tests.ui.conftest import OWN

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def browse(chromium, live):
    """Return ``browse(user=None)``: a new English page, signed in as ``user`` if given."""
    contexts = []

    def open_page(user=None, **options):
        options = {"locale": "en-GB", "viewport": {"width": 1280, "height": 900}, **options}
        context = chromium.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            sign_in(page, live.url, user.login, PASSWORD)
        return page

    yield open_page
    for context in contexts:
        context.close()


def flash(page):
    """The page's messages (info and error) as one text."""
    return " ".join(page.locator(".flash").all_inner_texts())


# ---------------------------------------------------------------- resident

def test_resident_registers_books_cancels_and_queues(live, browse, county):
    county("en")
    page = browse(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page.goto(live.url + "/register")
    page.click("main button[type=submit]")  # nothing filled in: every mistake is explained
    expect(page.locator("#login-error")).to_be_visible()
    check_accessibility(page, "register with errors")
    page.fill("#login", "ewa.nowak")
    page.fill("#display_name", "Ewa Nowak")
    page.fill("#password", "a good long passphrase")
    page.fill("#password2", "a good long passphrase")
    page.check("#consent")
    page.click("main button[type=submit]")
    page.wait_for_url("**/book")
    expect(page.locator(".who")).to_have_text("Ewa Nowak")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".flash")).to_contain_text("You are signed out.")

    page.goto(live.url + "/login")
    page.fill("#login", "ewa.nowak")
    page.fill("#password", "a good long passphrase")
    page.click("main button[type=submit]")
    expect(page.locator(".who")).to_have_text("Ewa Nowak")

    page.goto(live.url + "/sites/cycow/book")
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    page.fill("#date", tomorrow)
    page.click("form.day-form button")
    page.wait_for_url(f"**date={tomorrow}**")
    page.locator('tr:has(time[datetime*="T10:00"]) td.any a').click()
    page.wait_for_url("**/book/new**")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/bookings/*")
    code = page.inner_text("strong.code")
    assert len(code.replace("-", "")) == 6
    expect(page.locator(".flash")).to_contain_text(code)
    expect(page.locator("dl.facts")).to_contain_text("10:00")
    expect(page.locator("dl.facts")).to_contain_text("booked")

    page.get_by_role("button", name="Cancel this booking").click()
    page.wait_for_url("**/bookings")
    expect(page.locator(".flash")).to_contain_text("The booking is cancelled.")
    expect(page.locator("main")).not_to_contain_text(code)  # no longer among the upcoming
    page.goto(live.url + "/sites/cycow/queue")
    page.get_by_role("button", name="Join the queue").click()
    # Cyców has free computers: one is offered at once, for a few minutes.
    offer = page.locator(".notice")
    expect(offer).to_contain_text("is free for you until")
    check_accessibility(page, "queue offer")
    page.get_by_role("button", name="Leave the queue").click()
    expect(page.get_by_role("button", name="Join the queue")).to_be_visible()


def test_resident_signs_in_with_card_and_pin(live, browse, county, fresh):
    world = county("en")
    fresh()
    resident = world["users"]["resident"]
    resident.card_number, resident.pin_hash = "7000000042", hash_secret("2468")
    db.session.commit()
    page = browse()
    page.goto(live.url + "/login/card")
    page.fill("#card", "7000000042")
    page.fill("#pin", "1111")
    page.click("main button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Wrong card number or PIN.")
    check_accessibility(page, "card sign-in refused")
    page.fill("#card", "7000000042")
    page.fill("#pin", "2468")
    page.click("main button[type=submit]")
    page.wait_for_url("**/bookings")
    expect(page.locator(".who")).to_have_text("Anna Kowalska")
    # Her booking of later today is there, with its code.
    expect(page.locator("main")).to_contain_text("UI2-345")


# ---------------------------------------------------------------- attendant

def online_agent(seat, fresh):
    """Enrol an agent on ``seat`` that has just sent a heartbeat."""
    from telecentre.agent_api.models import Agent
    fresh()
    db.session.add(Agent(id=f"00000000-0000-4000-8000-{seat.id:012d}", site_id=seat.site_id,
                         seat_id=seat.id, secret_hash="0" * 64, hostname=seat.name.lower(),
                         last_seen_at=utcnow(), online=True, state="locked"))
    db.session.commit()


def test_attendant_runs_the_room(live, browse, county, create_user, create_booking, fresh):
    world = county("en")
    seats = world["seats"]
    jan = create_user("resident", site=OWN, login="jan", display_name="Jan Wiśniewski")
    create_user("resident", site=OWN, login="zofia", display_name="Zofia Lis")
    fresh()
    create_booking(seats["PC-11"], jan, utcnow() - timedelta(minutes=5), minutes=60)
    # Zofia will walk in at the accessible seat. Its agent (the program on the computer)
    # was heard from just now, so the console can unlock it.
    online_agent(seats["PC-13"], fresh)
    page = browse(world["users"]["attendant"])
    page.goto(f"{live.url}/console/{OWN}")
    expect(page.locator("h1")).to_contain_text("Cyców")
    tile = {name: page.locator(f"#seat-{seat.id}") for name, seat in seats.items()}
    expect(tile["PC-12"]).to_have_attribute("data-state", "in_use")
    expect(tile["PC-12"]).to_contain_text("Anna Kowalska")

    # Jan has arrived for his booking.
    tile["PC-11"].get_by_role("button", name="Check in").click()
    expect(page.locator(".flash")).to_contain_text("Jan Wiśniewski is checked in at PC-11.")
    # He unlocks PC-11 with his code; the map counts him and offers no second check-in.
    expect(page.locator("dl.counts div", has_text="Checked in").locator("dd")).to_have_text("1")
    expect(tile["PC-11"]).to_contain_text("Jan Wiśniewski")
    expect(tile["PC-11"].get_by_role("button", name="Check in")).to_have_count(0)

    # Zofia walks in: the free accessible seat, found by her name.
    tile["PC-13"].get_by_role("link", name="Walk-in").click()
    page.fill("#q", "Lis")
    page.click("main form[role=search] button")
    check_accessibility(page, "walk-in search")
    page.get_by_role("button", name="Start on PC-13").click()
    expect(page.locator(".flash")).to_contain_text("PC-13 is unlocked for Zofia Lis")
    page.goto(f"{live.url}/console/{OWN}")
    expect(tile["PC-13"]).to_have_attribute("data-state", "in_use")
    expect(tile["PC-13"]).to_contain_text("Zofia Lis")
    # The computer applies what the console asks when its agent next calls in: until then
    # the map says what is waiting for it, in words.
    tile["PC-13"].get_by_role("button", name="+15 min").click()
    expect(page.locator(".flash")).to_contain_text("PC-13 gets 15 more minutes.")
    expect(tile["PC-13"]).to_contain_text("Waiting for the computer: extend the session")
    tile["PC-13"].get_by_role("button", name="End").click()
    # Ending asks first, naming who sits there; nothing has happened yet.
    expect(page.locator("h1")).to_have_text("End the session at PC-13?")
    expect(page.locator(".impact")).to_contain_text("Zofia Lis")
    page.get_by_role("button", name="Yes, end the session").click()
    expect(page.locator(".flash")).to_contain_text("The session at PC-13 is ending.")
    expect(tile["PC-13"]).to_contain_text("Waiting for the computer: end the session")

    # A broken keyboard at PC-14: its booking of later today moves to a free computer.
    tile["PC-14"].get_by_role("link", name="PC-14", exact=True).click()
    page.fill("#oos-reason", "Broken keyboard")
    page.get_by_role("button", name="Take out of service").click()
    expect(page.locator(".impact")).to_contain_text("Anna Kowalska")  # her booking moves
    page.get_by_role("button", name="Yes, take it out of service").click()
    expect(page.locator(".flash")).to_contain_text(
        "PC-14 is out of service: 1 booking(s) moved, 0 cancelled; the residents are told.")
    expect(page.locator("h1 .tag")).to_have_text("out of service")
    expect(page.locator("dl.facts")).to_contain_text("Broken keyboard")
    check_accessibility(page, "seat out of service")
    page.get_by_role("button", name="Back in service").click()
    expect(page.locator(".flash")).to_contain_text("PC-14 is back in service.")
    expect(page.locator("h1 .tag")).to_have_text("free")

    # Guest passes for a group: issue two, print them, revoke one.
    page.goto(f"{live.url}/console/{OWN}/guest-passes")
    page.fill("#count", "2")
    page.fill("#minutes", "45")
    page.fill("#note", "Senior club")
    page.get_by_role("button", name="Issue and print").click()
    cards = page.locator("li.pass")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("45 minutes")
    codes = page.locator("li.pass .code").all_inner_texts()
    page.get_by_role("link", name="Guest passes").first.click()
    rows = page.locator("tbody tr", has_text="Senior club")
    expect(rows).to_have_count(2)
    rows.filter(has_text=codes[0]).get_by_role("button", name="Revoke").click()
    expect(page.locator("tbody tr", has_text=codes[0])).to_contain_text("revoked")
    expect(page.locator("tbody tr", has_text=codes[1])).to_contain_text("valid")


# ---------------------------------------------------------------- IT

def test_it_follows_an_alert_and_sees_remote_actions(live, browse, county):
    world = county("en")
    page = browse(world["users"]["it"])
    page.goto(live.url + "/it/health")
    page.get_by_role("link", name="Cyców").first.click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Devices at .*Cyców$"))
    page.get_by_role("link", name="switch-cycow").click()
    expect(page.locator("h1")).to_contain_text("switch-cycow")

    page.goto(live.url + "/it/alerts")
    row = page.locator("tbody tr", has_text="Switch does not answer")
    row.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".flash")).to_contain_text("Alert acknowledged.")
    expect(page.locator("tbody tr", has_text="Switch does not answer")).to_contain_text(
        "acknowledged")

    page.goto(live.url + "/it/remote/")
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".flash")).to_contain_text("Choose an action.")  # none preselected
    page.get_by_label("Restart the computer").check()
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".flash")).to_contain_text("Choose a site or at least one computer.")
    check_accessibility(page, "remote actions without targets")
    page.check(f"input[name=seat_ids][value='{world['seats']['PC-11'].id}']")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("h1")).to_have_text("Run “Restart the computer”?")  # asks first
    page.get_by_role("button", name="Yes, run it").click()
    page.wait_for_url("**/it/remote/runs/*")
    # PC-11 has no known address: the run refuses it rather than guess, and says so in the
    # reader's language although it was carried out in the background.
    host = page.locator("#run-hosts tbody tr", has_text="PC-11")
    expect(host.locator(".status")).to_have_text("no address", timeout=20000)
    expect(host.locator(".output")).to_have_text("The computer's address is not known.")
    expect(page.locator("#run-status")).to_have_text("finished")


# ---------------------------------------------------------------- admin

def test_admin_edits_a_policy_and_exports_statistics(live, browse, county, fresh):
    world = county("en")
    page = browse(world["users"]["admin"])
    page.goto(live.url + "/admin/policies/")
    page.get_by_role("link", name="Cyców").first.click()
    page.fill("#max_booking_minutes", "999")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#max_booking_minutes-error")).to_be_visible()
    check_accessibility(page, "policy with an error")
    page.fill("#max_booking_minutes", "90")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text(re.compile(r"Booking rules of .*Cyców saved."))
    expect(page.locator("#max_booking_minutes")).to_have_value("90")
    page.goto(live.url + "/admin/policies/")
    expect(page.locator("main")).to_contain_text("90")

    # The scheduler's rollup (its own process in production) counts the room of today.
    fresh()
    run_rollup()
    db.session.commit()
    page.goto(live.url + "/stats/indicators")
    year = page.locator("#report-year").input_value()
    expect(page.locator("h1")).to_have_text(f"Indicators report {year}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as export:
        rows = list(csv.DictReader(io.StringIO(export.read())))
    month = local_today().strftime("%Y-%m")
    cycow = [row for row in rows if row["Site"].endswith("Cyców") and row["Period"] == month]
    assert len(cycow) == 1, rows[:3]
    # Anna at PC-12 now, and the session that ended at PC-11 (the county fixture)
    assert (cycow[0]["PCs"], cycow[0]["Sessions"]) == ("4", "2")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download XLSX").click()
    with open(download.value.path(), "rb") as xlsx:
        assert xlsx.read(2) == b"PK"  # an Office Open XML (zip) workbook
    page.get_by_role("link", name="Printable page").click()
    expect(page.locator("h1")).to_contain_text(year)
