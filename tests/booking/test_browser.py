"""A resident on a phone, keyboard only, in real chromium: register, book, see the code.

Every page on the way is checked with axe-core for WCAG 2.1 A and AA.
"""
import pytest

from telecentre.extensions import db
from telecentre.sites.services import get_site, set_hours
from tests.booking.liveserver import LiveServer
from tests.browser import browser_context, check_accessibility, needs_chromium, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]


@pytest.fixture
def server(app, database_url, create_seat):
    set_hours(None, get_site("cycow"), ["mon-sun 00:00-24:00"])
    db.session.commit()
    create_seat("cycow", "PC-01", accessible=True)
    live = LiveServer(database_url, workers=2)
    live.start()
    yield live
    live.stop()


@pytest.fixture
def page(server):
    for context in browser_context(viewport={"width": 360, "height": 740}, locale="pl-PL",
                                   is_mobile=True, has_touch=True):
        yield context.new_page()


def accessible(page):
    check_accessibility(page, page.url)


def test_register_and_book_on_a_phone(server, page):
    page.goto(server.url + "/register")
    accessible(page)
    tab_to(page, "#login")
    page.keyboard.type("telefon.ala")
    tab_to(page, "#display_name")
    page.keyboard.type("Ala")
    tab_to(page, "#password")
    page.keyboard.type("dobre haslo 123")
    tab_to(page, "#password2")
    page.keyboard.type("dobre haslo 123")
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/book")
    accessible(page)
    page.goto(server.url + "/sites/cycow/book")
    accessible(page)
    # Tomorrow 10:00 is free: the day picker's "next day", then the grid's "any free computer".
    tab_to(page, "a[rel=next]")
    page.keyboard.press("Enter")
    page.wait_for_url("**date=**")
    accessible(page)
    tab_to(page, 'tr:has(time[datetime*="T10:00"]) td.any a', limit=120)
    page.keyboard.press("Enter")
    page.wait_for_url("**/book/new**")
    accessible(page)
    tab_to(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/bookings/*")
    accessible(page)
    code = page.inner_text("strong.code")
    assert len(code.replace("-", "")) == 6
    page.goto(server.url + "/bookings")
    accessible(page)
    assert code in page.content()
    page.goto(server.url + "/sites/cycow/queue")
    accessible(page)
