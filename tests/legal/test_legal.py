"""The accessibility statement and the privacy notice: structure, editing, fallbacks, consent."""
import re

import pytest

from telecentre.extensions import db
from telecentre.legal.models import AccessibilityStatement
from tests.conftest import Auth

# The official structure of a statement (the gov.pl template's element ids) and the
# headings the act asks for.
REQUIRED_IDS = ("a11y-podmiot", "a11y-url", "a11y-data-publikacja", "a11y-data-aktualizacja",
                "a11y-status", "a11y-niedostepne", "a11y-przygotowanie",
                "a11y-data-sporzadzenie", "a11y-kontakt", "a11y-osoba", "a11y-procedura",
                "a11y-architektura")
SITE_NAMES = ("Starostwo Powiatowe w Łęcznej", "Urząd Miejski w Łęcznej", "Urząd Gminy Cyców",
              "Urząd Gminy Milejów", "Urząd Gminy Ludwin", "Urząd Gminy Puchaczów",
              "Urząd Gminy Spiczyn")


def page(client, url, lang):
    client.set_cookie("lang", lang)  # ignored by the app; the session choice below counts
    with client.session_transaction() as session:
        session["lang"] = lang
    reply = client.get(url)
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


@pytest.mark.parametrize("lang,headings", [
    ("pl", ("Deklaracja dostępności", "Daty publikacji i aktualizacji", "Status zgodności",
            "Treści niedostępne", "Przygotowanie deklaracji", "Informacje zwrotne i dane "
            "kontaktowe", "Procedura wnioskowo-skargowa", "Dostępność architektoniczna")),
    ("en", ("Accessibility statement", "Dates of publication and update", "Compliance status",
            "Content that is not accessible", "Preparation of the statement",
            "Feedback and contact details", "Enforcement procedure",
            "Architectural accessibility")),
    ("uk", ("Декларація доступності", "Дати публікації та оновлення", "Статус відповідності",
            "Недоступний вміст", "Підготовка декларації", "Зворотний зв'язок і контактні дані",
            "Процедура подання запитів і скарг", "Архітектурна доступність")),
])
def test_statement_has_every_required_part(client, lang, headings):
    html = page(client, "/deklaracja-dostepnosci", lang)
    for element in REQUIRED_IDS:
        assert f'id="{element}"' in html, element
    for heading in headings:
        assert re.search(r"<h[123][^>]*>" + re.escape(heading), html), heading
    for name in SITE_NAMES:
        assert f"<h3>{name}</h3>" in html, name
    assert "Rzecznik" in html  # the enforcement procedure ends with the Commissioner


def test_every_page_links_the_statement_and_the_notice(client):
    for url in ("/", "/login", "/deklaracja-dostepnosci", "/ochrona-danych"):
        html = client.get(url).get_data(as_text=True)
        assert 'href="/deklaracja-dostepnosci"' in html, url
        assert 'href="/ochrona-danych"' in html, url


def _form(**changes):
    data = {"status": "full", "published_on": "2026-11-02", "updated_on": "2026-12-01",
            "prepared_on": "2026-12-01", "reviewed_on": "", "assessment": "external",
            "assessor": "Fundacja Widzialni", "contact_person": "Anna Nowak",
            "contact_email": "dostepnosc@example.org", "contact_phone": "+48 81 000 00 00",
            "inaccessible": "Filmy nie mają napisów.", "exemptions": "", "extra": "",
            "site-cycow": "Wejście od ulicy jest bez progów; winda do sali na piętrze."}
    data.update(changes)
    return data


def test_admin_edits_per_language_with_polish_fallback(client, create_user):
    admin = create_user(role="admin")
    auth = Auth(client)
    auth.login(admin)
    edit = "/admin/deklaracja-dostepnosci"
    page(client, edit, "pl")
    reply = client.post(edit, data={**_form(), "csrf_token": auth.csrf_token(edit)})
    assert reply.status_code == 302
    page(client, edit, "en")
    reply = client.post(edit, data={**_form(inaccessible="Videos have no captions.",
                                            **{"site-cycow": ""}),
                                    "csrf_token": auth.csrf_token(edit)})
    assert reply.status_code == 302
    statement = db.session.get(AccessibilityStatement, 1)
    assert statement.status == "full" and statement.assessor == "Fundacja Widzialni"
    assert statement.texts["pl"]["inaccessible"] == "Filmy nie mają napisów."
    assert statement.texts["en"]["inaccessible"] == "Videos have no captions."

    english = page(client, "/deklaracja-dostepnosci", "en")
    assert "Videos have no captions." in english and "Filmy" not in english
    # No English text for Cyców: the Polish one, marked as Polish for screen readers.
    assert '<p lang="pl">Wejście od ulicy jest bez progów' in english
    assert "fully compliant" in english and "Fundacja Widzialni" in english
    assert 'id="a11y-email" href="mailto:dostepnosc@example.org"' in english
    polish = page(client, "/deklaracja-dostepnosci", "pl")
    assert "<p>Filmy nie mają napisów.</p>" in polish
    assert "<p>Wejście od ulicy jest bez progów; winda do sali na piętrze.</p>" in polish


@pytest.mark.parametrize("changes,message", [
    ({"updated_on": "2026-10-01"}, "The last update cannot be before the publication."),
    ({"reviewed_on": "2026-11-01"}, "The last review cannot be before the statement"),
    ({"contact_email": "not-an-address"}, "Write an e-mail address."),
    ({"status": "mostly"}, "Not a valid choice"),
    ({"published_on": "yesterday"}, "Not a valid date value"),
    ({"site-cycow": "x" * 5001}, "At most 5000 characters."),
])
def test_bad_statement_changes_nothing(client, create_user, changes, message):
    admin = create_user(role="admin")
    auth = Auth(client)
    auth.login(admin)
    edit = "/admin/deklaracja-dostepnosci"
    page(client, edit, "en")
    reply = client.post(edit, data={**_form(**changes), "csrf_token": auth.csrf_token(edit)})
    assert reply.status_code == 422
    assert message in reply.get_data(as_text=True)
    assert db.session.get(AccessibilityStatement, 1) is None  # nothing saved


def test_privacy_notice_is_built_from_the_settings(make_app):
    app = make_app(PUBLIC_BODY_NAME="Powiat Testowy", PUBLIC_BODY_ADDRESS="ul. Próbna 1",
                   DPO_EMAIL="iod@example.org", RETENTION_DAYS=365,
                   PRIVACY_NOTICE_VERSION="2027-01-15")
    client = app.test_client()
    html = page(client, "/ochrona-danych", "pl")
    assert "Powiat Testowy, ul. Próbna 1" in html
    assert "iod@example.org" in html
    assert "365 dni" in html  # the retention the code applies, with the Polish plural
    assert "Prezes" in html and "Urzędu Ochrony Danych Osobowych" in html
    assert "2027-01-15" in html
    for basis in ("art. 6 ust. 1 lit. e", "art. 6 ust. 1 lit. c"):
        assert basis in html


def test_registration_keeps_the_notice_version_accepted(client, app):
    from telecentre.auth.models import User
    from telecentre.stats.privacy import delete_account, export_data
    auth = Auth(client)
    reply = client.post("/register", data={
        "login": "jan.kowalski", "display_name": "Jan", "email": "", "phone": "",
        "password": "correct horse battery", "password2": "correct horse battery",
        "consent": "y", "csrf_token": auth.csrf_token("/register")})
    assert reply.status_code == 302, reply.get_data(as_text=True)[:300]
    user = db.session.scalar(db.select(User).where(User.login == "jan.kowalski"))
    assert user.privacy_version == app.config["PRIVACY_NOTICE_VERSION"]
    assert export_data(user)["account"]["privacy_notice_version"] == user.privacy_version
    delete_account(user, user, "correct horse battery")
    assert user.privacy_version is None
