"""The lock screen's "Privacy": the notice's own words as plain text, for enrolled PCs only."""
import re
from html import unescape

import pytest

from telecentre.legal.plaintext import html_to_text


def test_html_to_text_keeps_headings_rows_and_items_and_drops_hidden_captions():
    text, headings = html_to_text(
        "<article><h1>Notice</h1><p>Who we\n   are.</p><h2>Retention</h2>"
        "<table><caption class='visually-hidden'>Said already</caption>"
        "<thead><tr><th>Record</th><th>Kept</th></tr></thead>"
        "<tbody><tr><th scope='row'>Bookings</th><td>365 days</td></tr></tbody></table>"
        "<ul><li>to see &amp; copy</li><li>to erase</li></ul><script>x()</script></article>")
    assert headings == ["Notice", "Retention"]
    assert text == ("Notice\n\nWho we are.\n\nRetention\n\nRecord – Kept\n\nBookings – 365 days\n\n"
                    "• to see & copy\n• to erase\n")


def _page_headings(client, lang):
    with client.session_transaction() as session:
        session["lang"] = lang
    html = client.get("/ochrona-danych").get_data(as_text=True)
    article = html[html.index("<article"):html.index("</article>")]
    return [unescape(re.sub(r"<[^>]+>", "", h)).strip()
            for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", article, re.S)]


@pytest.mark.parametrize("lang,title", [("pl", "Informacja o ochronie danych"),
                                        ("en", "Privacy notice"),
                                        ("uk", "Інформація про захист даних")])
def test_an_enrolled_pc_gets_the_notice_of_the_page_in_the_language_asked(
        app, client, enroll, lang, title):
    _, headers = enroll()
    reply = client.post("/api/v1/agent/privacy", json={"lang": lang}, headers=headers)
    assert reply.status_code == 200, reply.get_json()
    body = reply.get_json()
    assert (body["lang"], body["title"], body["version"]) == (
        lang, title, app.config["PRIVACY_NOTICE_VERSION"])
    assert body["headings"] == _page_headings(app.test_client(), lang)
    assert len(body["headings"]) >= 8  # controller, DPO, purposes, sources, recipients, ...
    for heading in body["headings"]:
        assert heading in body["text"].splitlines()
    assert "<" not in body["text"] and "&amp;" not in body["text"]
    assert app.config["PUBLIC_BODY_NAME"] in body["text"]
    assert body["url"] == app.config["PUBLIC_BASE_URL"].rstrip("/") + "/ochrona-danych"


def test_an_unknown_language_falls_back_to_the_agents_accept_language(client, enroll):
    _, headers = enroll()
    reply = client.post("/api/v1/agent/privacy", json={"lang": "xx"},
                        headers={**headers, "Accept-Language": "uk, pl;q=0.5"})
    assert reply.status_code == 200
    assert reply.get_json()["lang"] == "uk"


def test_the_notice_over_the_agent_api_needs_an_enrolled_agent(client):
    reply = client.post("/api/v1/agent/privacy", json={})
    assert reply.status_code == 401
    reply = client.post("/api/v1/agent/privacy", json={},
                        headers={"Authorization": "Bearer 1.not-the-secret"})
    assert reply.status_code == 401
