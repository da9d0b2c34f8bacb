"""Release at the attendant's desk and on the kiosk, in chromium against a real cupsd; axe-core
clean; Polish, English and Ukrainian."""
import pytest

from telecentre.auth.passwords import hash_secret
from telecentre.extensions import db
from telecentre.printing import services
from telecentre.printing.models import PrintJob
from tests.browser import browser_context, check_accessibility, sign_in
from tests.conftest import PASSWORD
from tests.console.browser import serve_in_thread
from tests.printing.cups_server import wait_for

pytestmark = pytest.mark.browser
CARD, PIN = "1000000009", "246802"
TEXTS = {
    "pl": {"queue": "Kolejka wydruków", "print": "Drukuj swoje dokumenty", "button": "Drukuj",
           "released": "Twój wydruk jest zwolniony"},
    "en": {"queue": "Print queue", "print": "Print your documents", "button": "Print",
           "released": "Your print job is released"},
    "uk": {"queue": "Черга друку", "print": "Надрукуйте свої документи", "button": "Друкувати",
           "released": "Ваше завдання друку звільнено"},
}


@pytest.fixture
def live_url(app):
    url, stop = serve_in_thread(app)
    yield url
    stop()


@pytest.fixture(params=sorted(TEXTS))
def lang(request):
    return request.param


@pytest.fixture
def context(lang):
    yield from browser_context(locale={"pl": "pl-PL", "en": "en-GB", "uk": "uk-UA"}[lang],
                               viewport={"width": 1280, "height": 900})


def _held_job(print_site, cups_server, document, marker) -> PrintJob:
    cups_server.submit(print_site.queues[0], document(2, marker))

    def recorded():
        services.sync_site(print_site)
        db.session.commit()
        return db.session.query(PrintJob).filter_by(state="held").first()
    return wait_for(recorded, what="the job recorded")


def test_the_attendant_releases_a_job_at_the_desk(live_url, context, lang, print_site,
                                                  cups_server, running_session, create_user,
                                                  document):
    resident = create_user("resident", site="cycow", display_name="Anna Kowalska")
    running_session(resident, address="127.0.0.1")
    attendant = create_user("attendant", site="cycow")
    job = _held_job(print_site, cups_server, document, f"desk-{lang}")

    page = context.new_page()
    sign_in(page, live_url, attendant.login, PASSWORD)
    page.goto(f"{live_url}/console/cycow")
    panel = page.locator("section.print-queue")
    assert TEXTS[lang]["queue"] in panel.locator("h2").inner_text()
    row = page.locator(f"#print-job-{job.id}")
    assert "Anna Kowalska" in row.inner_text()
    check_accessibility(page, f"console with the print queue ({lang})")

    row.locator("form").first.locator("button").click()
    page.wait_for_load_state()
    printed = wait_for(print_site.printer.received, what="the printer to receive it")
    assert f"desk-{lang} page 2".encode() in printed[0]
    db.session.rollback()  # a new snapshot: the live server committed since
    assert db.session.get(PrintJob, job.id).released_via == "desk"
    assert page.locator(f"#print-job-{job.id}").count() == 0
    check_accessibility(page, f"console after the release ({lang})")


def test_the_resident_releases_a_job_on_the_kiosk(live_url, context, lang, print_site,
                                                  cups_server, running_session, create_user,
                                                  document):
    resident = create_user("resident", site="cycow", card_number=CARD, pin_hash=hash_secret(PIN))
    running_session(resident, address="127.0.0.1")
    job = _held_job(print_site, cups_server, document, f"kiosk-{lang}")

    page = context.new_page()
    page.goto(f"{live_url}/kiosk/cycow")
    page.get_by_role("link", name=TEXTS[lang]["print"]).click()
    check_accessibility(page, f"kiosk print sign-in ({lang})")
    page.fill("#card", CARD)
    page.fill("#pin", PIN)
    page.locator("main form button[type=submit]").click()
    row = page.locator(f"#print-job-{job.id}")
    row.wait_for()
    check_accessibility(page, f"kiosk print jobs ({lang})")

    row.get_by_role("button", name=TEXTS[lang]["button"]).click()
    page.wait_for_load_state()
    assert TEXTS[lang]["released"] in page.locator("main").inner_text()
    printed = wait_for(print_site.printer.received, what="the printer to receive it")
    assert f"kiosk-{lang} page 1".encode() in printed[0]
    db.session.rollback()  # a new snapshot: the live server committed since
    released = db.session.get(PrintJob, job.id)
    assert (released.state, released.released_via, released.free_pages) == ("released", "kiosk", 2)
