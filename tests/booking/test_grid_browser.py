"""The booking grid in real chromium, on a 390 × 844 phone and a desktop, in every language
the app offers: axe-core clean (WCAG 2.1 AA), the page itself never wider than the phone
(the table scrolls in its own box, headers kept in view), and a booking made with the
keyboard alone through the grid."""
from datetime import timedelta

import pytest

from telecentre.common.time import local_today
from telecentre.config import Defaults
from telecentre.extensions import db
from telecentre.sites.services import add_exception, get_site, set_hours
from tests.booking.conftest import at
from tests.booking.liveserver import LiveServer
from tests.browser import browser, check_accessibility, needs_chromium, screenshot, sign_in, tab_to
from tests.conftest import PASSWORD, SECRET_KEY

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]

VIEWPORTS = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                       "has_touch": True, "device_scale_factor": 2},
             "desktop": {"viewport": {"width": 1280, "height": 900}}}
# Every language the app is configured with (Ukrainian joins when its catalogues do).
LANGUAGES = list(Defaults.LANGUAGES)


@pytest.fixture(scope="module")
def live(database_url):
    server = LiveServer(database_url, workers=2, secret_key=SECRET_KEY)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chromium():
    yield from browser()


@pytest.fixture
def room(app, create_seat, create_user, create_booking):
    """Cyców open 08:00–16:00 today and tomorrow (whatever the weekday or holiday); three
    seats, one accessible; PC-02 taken by someone else tomorrow at 10:00."""
    def make(lang):
        site = get_site("cycow")
        set_hours(None, site, ["mon-sun 08:00-16:00"])
        today = local_today()
        for day in (today, today + timedelta(days=1)):
            add_exception(None, site, day, "08:00-16:00", "tests")
        db.session.commit()
        seats = [create_seat("cycow", "PC-01", accessible=True), create_seat("cycow", "PC-02"),
                 create_seat("cycow", "PC-03")]
        resident = create_user("resident", login=f"grid-{lang}", locale=lang)
        tomorrow = today + timedelta(days=1)
        create_booking(seats[1], create_user("resident"), at(tomorrow, "10:00"), minutes=60)
        return resident, seats, tomorrow
    return make


def cell(day, hhmm, column):
    """CSS for the grid cell in the row of local time ``hhmm`` on ``day``, ``column`` counted
    from 1 (time, any free computer, PC-01, PC-02, PC-03)."""
    return f'tr:has(time[datetime^="{day.isoformat()}T{hhmm}"]) td:nth-child({column}) .cell'


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_book_through_the_grid_with_the_keyboard(live, chromium, room, lang, size):
    resident, seats, tomorrow = room(lang)
    context = chromium.new_context(locale=lang, **VIEWPORTS[size])
    try:
        page = context.new_page()
        sign_in(page, live.url, resident.login, PASSWORD)
        page.goto(f"{live.url}/sites/cycow/book?date={local_today().isoformat()}")
        assert page.get_attribute("html", "lang") == lang
        check_accessibility(page, f"grid today ({lang}, {size})")
        # The day picker: "next day" by keyboard.
        tab_to(page, "a[rel=next]")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**date={tomorrow.isoformat()}**")
        check_accessibility(page, f"grid tomorrow ({lang}, {size})")
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the page scrolls sideways on {size}: {width}"
        taken = cell(tomorrow, "10:00", 4)
        assert "booked" in page.get_attribute(taken, "class")
        assert page.locator(taken).inner_text().strip() not in ("", "✕")  # a word, not a colour
        assert page.evaluate("getComputedStyle(document.querySelector('.seat-grid thead th'))"
                             ".position") == "sticky"
        screenshot(page, f"booking-grid-{lang}-{size}")
        # PC-03 at 10:00, reached with Tab and chosen with Enter.
        tab_to(page, cell(tomorrow, "10:00", 5) + ".free", limit=200)
        page.keyboard.press("Enter")
        page.wait_for_url("**/book/new**")
        check_accessibility(page, f"confirm ({lang}, {size})")
        # The longest the policy allows is chosen already; the chosen seat too.
        assert page.eval_on_selector("#minutes", "s => s.value") == "60"
        assert page.eval_on_selector("#seat", "s => s.value") == str(seats[2].id)
        screenshot(page, f"booking-confirm-{lang}-{size}")
        tab_to(page, "main form button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/bookings/*")
        check_accessibility(page, f"booked ({lang}, {size})")
        code = page.inner_text("strong.code")
        assert len(code.replace("-", "")) == 6
        # Back on the grid the cell is the resident's own, and a link to the booking.
        page.goto(f"{live.url}/sites/cycow/book?date={tomorrow.isoformat()}")
        mine = page.locator(cell(tomorrow, "10:00", 5) + ".yours")
        assert mine.count() == 1
        mine.scroll_into_view_if_needed()
        screenshot(page, f"booking-grid-yours-{lang}-{size}")
        check_accessibility(page, f"grid with yours ({lang}, {size})")
    finally:
        context.close()
