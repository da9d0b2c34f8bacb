"""A normal day at the desk in Debian's headless chromium, as the role that does each step,
in Polish and English, every new page checked with axe-core (WCAG 2.1 A/AA):

- a resident who forgot the password gets the link by real SMTP (aiosmtpd on loopback),
  follows it, sets a new password, and finds the link spent afterwards;
- the attendant gives a temporary password, the resident must change it at sign-in;
- the attendant edits, blocks and notes a resident; registers one with a duplicate warning
  and prints the card (a refresh creates nothing); books for a resident and prints the slip.
"""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from telecentre.auth.models import User
from telecentre.common.time import local_today
from telecentre.extensions import db
from tests.browser import browser_context, check_accessibility, screenshot, served, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NEW = "a much better passphrase"
LANGS = {"pl": "pl-PL", "en": "en-GB"}
TEXT = {
    "pl": {"forgot": "Nie pamiętasz hasła?", "send": "Wyślij mi link",
           "save_new": "Zapisz nowe hasło", "temporary": "Nowe hasło tymczasowe",
           "block": "Zablokuj", "note": "Dodaj notatkę", "save": "Zapisz",
           "edit": "Edytuj dane", "register": "Zarejestruj i wydrukuj kartę",
           "anyway": "Zarejestruj mimo to", "book": "Zarezerwuj", "search": "Szukaj"},
    "en": {"forgot": "Forgot your password?", "send": "Send me the link",
           "save_new": "Save the new password", "temporary": "New temporary password",
           "block": "Block", "note": "Add the note", "save": "Save",
           "edit": "Edit the details", "register": "Register and print the card",
           "anyway": "Register anyway", "book": "Book", "search": "Search"},
}


@pytest.fixture
def live_url(app):
    """The test app served in a thread (it shares the tests' settings, so the mail goes to
    the test's SMTP sink)."""
    with served(app) as url:
        app.config["PUBLIC_BASE_URL"] = url  # the links in mails
        yield url


@pytest.fixture(params=sorted(LANGS))
def lang(request):
    return request.param


@pytest.fixture
def context(lang):
    yield from browser_context(locale=LANGS[lang], viewport={"width": 1280, "height": 900})


def _open_cycow(open_hours=True):
    from telecentre.sites.services import add_exception, get_site, set_hours
    site = get_site("cycow")
    if open_hours:
        set_hours(None, site, ["mon-sun 00:00-24:00"])
        for day in (local_today(), local_today() + timedelta(days=1)):
            add_exception(None, site, day, "00:00-24:00", "tests")
    db.session.commit()
    return site


def test_resident_resets_a_forgotten_password_by_mail(live_url, context, lang, create_user,
                                                       mail_sink):
    create_user("resident", login="ola", email="ola@example.test", locale=lang)
    page = context.new_page()
    page.goto(f"{live_url}/login")
    page.click(f"text={TEXT[lang]['forgot']}")
    check_accessibility(page, f"forgot ({lang})")
    page.fill("#email", "ola@example.test")
    page.click(f"text={TEXT[lang]['send']}")
    page.wait_for_url(f"{live_url}/login")
    mail_sink.wait(1)
    link = re.search(r"http://\S+/password/reset/\S+", mail_sink.body()).group(0)
    assert link.startswith(live_url)
    page.goto(link)
    check_accessibility(page, f"reset ({lang})")
    page.fill("#password", NEW)
    page.fill("#password2", NEW)
    page.click(f"text={TEXT[lang]['save_new']}")
    page.wait_for_url(f"{live_url}/login")
    sign_in(page, live_url, "ola", NEW)
    page.goto(f"{live_url}/account/password")
    check_accessibility(page, f"change password ({lang})")
    # The link is spent: the page says so, and nothing can be set with it.
    page.goto(link)
    assert page.locator("h1").count() == 1 and page.locator("#password").count() == 0
    check_accessibility(page, f"reset link spent ({lang})")
    screenshot(page, f"reset-spent-{lang}")


def test_attendant_gives_a_temporary_password_and_the_resident_changes_it(
        live_url, context, lang, create_user):
    resident = create_user("resident", site="cycow", login="ola", locale=lang)
    attendant = create_user("attendant", site="cycow", login="desk", locale=lang)
    page = context.new_page()
    sign_in(page, live_url, attendant.login, PASSWORD)
    page.goto(f"{live_url}/console/cycow/residents/{resident.id}")
    check_accessibility(page, f"resident page ({lang})")
    page.click(f"text={TEXT[lang]['temporary']}")
    check_accessibility(page, f"temporary password ({lang})")
    screenshot(page, f"temporary-password-{lang}")
    temporary = page.locator("#temporary-secret").inner_text().strip()
    page.reload()
    assert page.locator("#temporary-secret").count() == 0  # shown once
    other = context.browser.new_context(locale=LANGS[lang])
    try:
        person = other.new_page()
        sign_in(person, live_url, "ola", temporary)
        person.goto(f"{live_url}/bookings")
        assert person.url == f"{live_url}/account/password"  # forced to change first
        check_accessibility(person, f"forced change ({lang})")
        person.fill("#current", temporary)
        person.fill("#new", NEW)
        person.fill("#new2", NEW)
        person.click("main button[type=submit]")
        person.wait_for_url(f"{live_url}/account")
        person.goto(f"{live_url}/bookings")
        assert person.url == f"{live_url}/bookings"
    finally:
        other.close()


def test_attendant_edits_blocks_and_notes_a_resident(live_url, context, lang, create_user):
    resident = create_user("resident", site="cycow", login="piotr", locale=lang)
    attendant = create_user("attendant", site="cycow", login="desk", locale=lang)
    page = context.new_page()
    sign_in(page, live_url, attendant.login, PASSWORD)
    page.goto(f"{live_url}/console/cycow/residents?q=piotr")
    page.click("ul.results a >> nth=0")
    page.click(f"text={TEXT[lang]['edit']}")
    check_accessibility(page, f"edit resident ({lang})")
    page.fill("#display_name", "Piotr Nowak")
    page.fill("#phone", "+48 600 700 800")
    page.fill("#birth_year", "1961")
    page.click(f"main button:has-text('{TEXT[lang]['save']}')")
    page.wait_for_url(f"{live_url}/console/cycow/residents/{resident.id}")
    page.fill("#reason", "Damaged headphones")
    page.click(f"main form button:text-is('{TEXT[lang]['block']}')")
    assert "Damaged headphones" in page.locator("#resident-blocked").inner_text()
    page.fill("#text", "Prefers the accessible seat")
    page.click(f"text={TEXT[lang]['note']}")
    assert "Prefers the accessible seat" in page.locator("ul.notes").inner_text()
    check_accessibility(page, f"resident blocked with a note ({lang})")
    screenshot(page, f"resident-blocked-{lang}")


def test_desk_registration_warns_of_a_duplicate_and_the_card_refreshes_safely(
        live_url, context, lang, create_user):
    existing = create_user("resident", site="cycow", login="jan", phone="600100200")
    existing.display_name = "Jan Kowalski"
    db.session.commit()
    attendant = create_user("attendant", site="cycow", login="desk", locale=lang)
    page = context.new_page()
    sign_in(page, live_url, attendant.login, PASSWORD)
    page.goto(f"{live_url}/desk/cycow/residents/new")
    check_accessibility(page, f"register ({lang})")
    page.fill("#display_name", "Jan Kowalski")
    page.fill("#phone", "+48 600 100 200")
    page.check("#rules_accepted")
    page.click(f"text={TEXT[lang]['register']}")
    assert page.locator("#duplicate-warning").is_visible()
    check_accessibility(page, f"register, duplicate warning ({lang})")
    page.click(f"text={TEXT[lang]['anyway']}")
    page.wait_for_url(re.compile(r".*/residents/\d+/card$"))
    assert re.fullmatch(r"\d{6}", page.locator("#card-pin").inner_text())
    check_accessibility(page, f"card ({lang})")
    page.reload()
    assert page.locator("#card-pin").count() == 0
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id)).where(
        User.display_name == "Jan Kowalski")) == 2


def test_attendant_books_for_a_resident_and_prints_the_slip(live_url, context, lang,
                                                            create_user, create_seat):
    _open_cycow()
    create_seat("cycow", "PC-31")
    resident = create_user("resident", site="cycow", login="zofia")
    resident.display_name = "Zofia Wójcik"
    db.session.commit()
    attendant = create_user("attendant", site="cycow", login="desk", locale=lang)
    page = context.new_page()
    sign_in(page, live_url, attendant.login, PASSWORD)
    page.goto(f"{live_url}/console/cycow/book")
    check_accessibility(page, f"book for a resident: find ({lang})")
    page.fill("#q", "Zofia")
    page.click(f"main button:has-text('{TEXT[lang]['search']}')")
    page.click("text=Zofia Wójcik")
    check_accessibility(page, f"book for a resident: form ({lang})")
    page.fill("#day", (local_today() + timedelta(days=1)).isoformat())
    page.fill("#time", "10:00")
    page.click(f"main form button:text-is('{TEXT[lang]['book']}')")
    page.wait_for_url(re.compile(r".*/bookings/\d+/slip$"))
    assert page.locator("#booking-code").inner_text().strip()
    check_accessibility(page, f"booking slip ({lang})")
    screenshot(page, f"booking-slip-{lang}")
