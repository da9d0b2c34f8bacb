"""The statistics pages: charts with their tables, scopes, and bad input."""
import pytest



@pytest.fixture
def client_for(app, login, create_user):
    def make(role, site=None):
        client = app.test_client()
        login(client, create_user(role, site=site))
        return client
    return make


def test_county_page_has_each_chart_beside_its_table(history, client_for):
    page = client_for("admin").get("/stats/?year=2026&month=6")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for chart in ("months", "days", "hours"):
        assert f'id="{chart}-canvas"' in body and f'data-canvas="{chart}-canvas"' in body
    assert "vendor/chartjs/chart.umd.min.js" in body and "cdn" not in body.lower()
    assert "Urząd Gminy Cyców" in body and "Urząd Gminy Milejów" in body
    assert 'class="heatmap"' in body


def test_attendant_sees_their_site_and_its_seats(history, client_for):
    client = client_for("attendant", "cycow")
    page = client.get("/stats/sites/cycow?year=2026&month=6")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Infomat-1" in body and "PC-01" in body
    seat = client.get(f"/stats/sites/cycow/seats/{history['pc'].id}?year=2026&month=6")
    assert seat.status_code == 200
    wrong = client.get(f"/stats/sites/cycow/seats/{history['milejow'].id + 999}")
    assert wrong.status_code == 404
    assert client.get("/stats/sites/milejow").status_code == 403
    assert client.get("/stats/").status_code == 403
    figures = client.get("/api/v1/stats/sites/cycow?year=2026&month=6").get_json()
    assert figures["summary"]["sessions"] == 6 and len(figures["seats"]) == 2


@pytest.mark.parametrize("query", ["year=20x6", "year=1900", "month=13", "year=2026&month=0"])
def test_a_bad_period_is_a_clear_error(app, client_for, query):
    reply = client_for("admin").get(f"/stats/?{query}")
    assert reply.status_code == 422
    assert "Wybierz rok" in reply.get_data(as_text=True)


@pytest.mark.parametrize("query", ["year=+2026", "year=%202026", "year=2_026", "month=", "year="])
def test_the_api_takes_a_period_as_plain_numbers_only(app, client_for, query):
    """Schemathesis: int() took " 2026", "+2026" and "2_026", and an empty value meant
    "this year", where the document asks for an integer."""
    reply = client_for("admin").get(f"/api/v1/stats/sites/cycow?{query}")
    assert reply.status_code == 422 and reply.get_json()["error"] == "invalid_input"
    assert client_for("admin").get(f"/api/v1/stats/indicators?{query}").status_code == 422


def test_the_pages_still_take_an_empty_month_for_the_whole_year(app, client_for):
    client = client_for("admin")
    assert client.get("/stats/?year=2026&month=").status_code == 200
    assert client.get("/stats/?year=+2026").status_code == 422
    assert client.get("/api/v1/stats/sites/cycow?year=2026&month=6").status_code == 200


def test_a_bad_day_is_a_clear_error(app, client_for):
    reply = client_for("admin").get("/stats/sites/cycow/sessions?day=29.03.2026")
    assert reply.status_code == 422 and "RRRR-MM-DD" in reply.get_data(as_text=True)


def test_empty_pages_render(app, client_for):
    client = client_for("admin")
    for url in ("/stats/", "/stats/sites/spiczyn", "/stats/indicators",
                "/stats/sites/cycow/sessions"):
        assert client.get(url).status_code == 200, url
