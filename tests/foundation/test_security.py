"""Security headers on every route, cookie flags, session time limits, probes."""

import pytest

from tests.foundation.test_access_matrix import EXPECTED, URL_SAMPLES


def _get_urls(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        values = {arg: URL_SAMPLES[arg]("cycow", None) for arg in rule.arguments}
        yield rule.build(values, append_unknown=False)[1]


@pytest.mark.parametrize("signed_in", [False, True])
def test_headers_on_every_route(make_app, create_user, login, signed_in):
    app = make_app(SECURE_COOKIES=True)
    client = app.test_client()
    if signed_in:
        user = create_user("admin")
        from tests.conftest import CSRF_RE, PASSWORD
        page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
        reply = client.post("/login", base_url="https://localhost",
                            headers={"Referer": "https://localhost/login"},  # strict over TLS
                            data={"login": user.login, "password": PASSWORD,
                                  "csrf_token": CSRF_RE.search(page).group(1)})
        assert reply.status_code == 302
    assert EXPECTED  # the same routes as the access matrix
    cookies_seen = 0
    for url in _get_urls(app):
        reply = client.get(url, base_url="https://localhost")
        h = reply.headers
        for cookie in h.getlist("Set-Cookie"):
            cookies_seen += 1
            _assert_cookie_flags(cookie, url)
        csp = h["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, url
        assert "frame-ancestors 'none'" in csp
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"
        assert h["Strict-Transport-Security"].startswith("max-age=")
        if signed_in or url.startswith("/api/"):
            assert h.get("Cache-Control") == "no-store", url
    assert cookies_seen > 0  # the pages do set the session cookie: the flags were checked


def _assert_cookie_flags(cookie: str, url: str) -> None:
    name, _, rest = cookie.partition("=")
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in rest.split(";")[1:]}
    assert name.startswith("__Host-"), (url, cookie)
    assert "secure" in flags and "httponly" in flags, (url, cookie)
    assert flags.get("samesite", "").lower() == "samesite=lax", (url, cookie)
    assert flags.get("path") == "Path=/" and "domain" not in flags, (url, cookie)


def test_no_inline_scripts_or_styles_in_templates():
    from pathlib import Path
    import re
    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son\w+=", text) \
                or re.search(r"\sstyle=", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == [], "CSP forbids inline scripts, handlers and style attributes"


def _shift_clock(monkeypatch, minutes):
    """Move the clock the session limits read (``common.time.utcnow``) ahead."""
    from datetime import timedelta

    from telecentre.common import security
    from telecentre.common.time import utcnow
    moment = utcnow() + timedelta(minutes=minutes)
    monkeypatch.setattr(security, "utcnow", lambda: moment)


def test_idle_session_ends(client, create_user, login, monkeypatch):
    user = create_user()
    login(client, user)
    assert client.get("/api/v1/me").status_code == 200
    _shift_clock(monkeypatch, 29)
    assert client.get("/api/v1/me").status_code == 200
    _shift_clock(monkeypatch, 29 + 31)
    assert client.get("/api/v1/me").status_code == 401


def test_absolute_session_limit(client, create_user, login, monkeypatch):
    user = create_user()
    login(client, user)
    for step in range(1, 20):  # active every 25 minutes... until eight hours have passed
        _shift_clock(monkeypatch, step * 25)
        assert client.get("/api/v1/me").status_code == 200, step * 25
    _shift_clock(monkeypatch, 20 * 25)
    assert client.get("/api/v1/me").status_code == 401


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["database"] == "ok"


def test_readiness_fails_on_an_unmigrated_database(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/empty.sqlite")
    reply = app.test_client().get("/readyz")
    assert reply.status_code == 503


def test_metrics(client, app, create_seat):
    from telecentre import jobs
    from telecentre.common.time import utcnow
    from telecentre.extensions import db
    from telecentre.sessions.models import UsageSession
    seat = create_seat()
    db.session.add(UsageSession(site_id=seat.site_id, seat_id=seat.id, kind="kiosk",
                                started_at=utcnow()))
    db.session.commit()
    jobs.run_job(app, jobs.JobSpec("test.noop", lambda: "fine", "interval"))
    jobs.run_job(app, jobs.JobSpec("test.broken", lambda: 1 / 0, "interval"))
    client.get("/")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'telecentre_request_seconds_count{endpoint="home.index",method="GET",status="200"}' \
        in text
    assert "telecentre_sessions_running 1.0" in text
    assert 'telecentre_job_last_ok{job="test.noop"} 1.0' in text
    assert 'telecentre_job_last_ok{job="test.broken"} 0.0' in text
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert outside.status_code == 403
