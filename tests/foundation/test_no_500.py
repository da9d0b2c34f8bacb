"""Bad input and a missing database are refused cleanly: never a 500, nothing changed."""
import io
import json
import logging
import socket
import threading
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from telecentre.extensions import db
from tests.conftest import PASSWORD, Auth


def _audit_count():
    from telecentre.audit.models import AuditEntry
    return db.session.scalar(select(func.count(AuditEntry.id)))


@pytest.mark.parametrize("login", ["an%00na", "anna%ED%B3%BF", "%00"])
def test_nul_or_broken_utf8_in_a_web_login(client, create_user, login):
    create_user("resident", login="anna")
    before = _audit_count()
    token = Auth(client).csrf_token()
    reply = client.post("/login", content_type="application/x-www-form-urlencoded",
                        data=f"login={login}&password=x{quote(PASSWORD)}&csrf_token={quote(token)}")
    assert reply.status_code in (400, 401, 422)
    if "%00" in login:
        assert reply.status_code == 422
        assert "not allowed" in reply.get_data(as_text=True) or \
            "niedozwolony" in reply.get_data(as_text=True)
    assert _audit_count() == before


@pytest.mark.parametrize("login", ["anna\\udcff", "an\\u0000na", "\\ud800"])
def test_lone_surrogate_or_nul_in_an_api_login(client, create_user, login):
    create_user("resident", login="anna")
    reply = client.post("/api/v1/auth/token", content_type="application/json",
                        data='{"login": "%s", "password": "%s"}' % (login, PASSWORD))
    assert reply.status_code in (400, 422)
    assert reply.get_json()["error"] in ("invalid_body", "invalid_json", "bad_request")


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/agent/events",
                                  "/api/v1/bookings"])
def test_json_nested_900_deep(client, path):
    deep = '{"login": ' + "[" * 900 + "]" * 900 + ', "events": []}'
    reply = client.post(path, data=deep, content_type="application/json",
                        headers={"Authorization": "Bearer tct_nothing"})
    assert reply.status_code in (400, 401)
    reply = client.post(path, data="[" * 900 + "]" * 900, content_type="application/json")
    assert reply.status_code in (400, 401)
    assert reply.is_json


def test_bodies_over_the_limit_get_a_translated_413(client):
    reply = client.post("/api/v1/auth/token", data=b"{" + b" " * 70_000 + b"}",
                        content_type="application/json")
    assert reply.status_code == 413
    assert reply.get_json()["error"] == "request_entity_too_large"
    page = client.post("/login", data=b"x" * 300_000,
                       content_type="application/x-www-form-urlencoded",
                       headers={"Accept-Language": "pl"})
    assert page.status_code == 413 and "za duże" in page.get_data(as_text=True)


def test_sign_out_ends_every_copy_of_the_cookie(app, create_user, login):
    from telecentre.auth.services import revoke_sessions
    user = create_user("resident")
    first = login(app.test_client(), user)
    name = app.config["SESSION_COOKIE_NAME"]
    copied = app.test_client()
    copied.set_cookie(name, first.get_cookie(name).value)
    assert copied.get("/account").status_code == 200
    assert Auth(first).logout().status_code == 302
    assert copied.get("/account").status_code == 302          # back to the sign-in page
    # The same for a password change or blocking: the service the desk calls.
    again = login(app.test_client(), user)
    assert again.get("/account").status_code == 200
    revoke_sessions(user)
    db.session.commit()
    assert again.get("/account").status_code == 302
    assert login(app.test_client(), user).get("/account").status_code == 200


# ------------------------------------------------------------------ PostgreSQL only

def _postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (SQLite serialises every write with its lock)")


class Forwarder:
    """A TCP relay on loopback to PostgreSQL that can be cut and restored (the database away)."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _addr = self.listener.accept()
            except OSError:
                return
            if not self.open:
                conn.close()
                continue
            upstream = socket.create_connection(self.target)
            self.sockets += [conn, upstream]
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        self.open = False
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.sockets = []

    def restore(self):
        self.open = True

    def close(self):
        self.cut()
        self.listener.close()


def test_database_unreachable_gives_503_and_the_app_recovers(app, make_app, create_user):
    _postgres(app)
    user = create_user("resident")
    url = make_url(str(db.engine.url.render_as_string(hide_password=False)))
    relay = Forwarder((url.host or "127.0.0.1", url.port or 5432))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    from telecentre.common.logs import JsonFormatter
    handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        via = make_app(DATABASE_URL=url.set(host="127.0.0.1", port=relay.port)
                       .render_as_string(hide_password=False))
        client = via.test_client()
        Auth(client).login(user)
        assert client.get("/account").status_code == 200
        relay.cut()
        page = client.get("/account", headers={"Accept-Language": "en"})
        assert page.status_code == 503
        assert "unavailable" in page.get_data(as_text=True)
        api = client.get("/api/v1/sites")
        assert api.status_code == 503 and api.get_json()["error"] == "database_unavailable"
        relay.restore()
        assert client.get("/account").status_code == 200   # recovered, still signed in
    finally:
        logging.getLogger().removeHandler(handler)
        relay.close()
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    assert any("database unavailable" in json.loads(line)["message"] for line in lines)
