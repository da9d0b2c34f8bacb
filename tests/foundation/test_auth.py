"""Signing in, CSRF, bearer tokens, cookie flags and rate limits."""
from sqlalchemy import select

from telecentre.audit.models import AuditEntry
from telecentre.auth.models import User
from telecentre.extensions import db
from tests.conftest import CSRF_RE, PASSWORD, Auth


def test_login_and_logout(client, auth, create_user):
    user = create_user("attendant", site="cycow")
    reply = auth.login(user)
    assert reply.status_code == 302
    assert client.get("/api/v1/me").get_json()["login"] == user.login
    assert auth.logout().status_code == 302
    assert client.get("/api/v1/me").status_code == 401
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "auth.login" in actions and "auth.logout" in actions


def test_bad_login_is_a_clear_401(client, auth, create_user):
    user = create_user()
    reply = auth.login(user, "wrong password")
    assert reply.status_code == 401
    assert "Błędny login lub hasło" in reply.get_data(as_text=True)
    reply = auth.login("nobody-here", "whatever")
    assert reply.status_code == 401


def test_login_in_english(client, auth, create_user):
    user = create_user()
    client.post("/language", data={"lang": "en", "csrf_token": auth.csrf_token("/")})
    reply = auth.login(user, "wrong password")
    assert "Wrong login or password" in reply.get_data(as_text=True)


def test_missing_csrf_token_is_refused(client, create_user):
    user = create_user()
    reply = client.post("/login", data={"login": user.login, "password": PASSWORD})
    assert reply.status_code == 400
    assert "formularz" in reply.get_data(as_text=True).lower()
    assert client.get("/api/v1/me").status_code == 401


def test_cookie_api_call_needs_csrf(client, auth, create_user, login):
    user = create_user("admin")
    login(client, user)
    # A state-changing API call riding on the session cookie needs the CSRF header.
    assert client.post("/logout").status_code == 400
    assert client.get("/api/v1/me").status_code == 200


def test_token_flow(client, create_user):
    user = create_user("it")
    reply = client.post("/api/v1/auth/token", json={"login": user.login, "password": PASSWORD})
    assert reply.status_code == 201
    token = reply.get_json()["token"]
    fresh = client.application.test_client()
    me = fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["role"] == "it"
    bad = fresh.get("/api/v1/me", headers={"Authorization": "Bearer tct_forged"})
    assert bad.status_code == 401
    assert bad.get_json()["error"] == "unauthorized"


def test_token_wrong_password(client, create_user):
    user = create_user()
    reply = client.post("/api/v1/auth/token", json={"login": user.login, "password": "nope"})
    assert reply.status_code == 401
    assert reply.get_json() == {"error": "invalid_credentials",
                                "message": "Błędny login lub hasło."}


def test_malformed_api_bodies(client):
    reply = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert reply.status_code == 400 and reply.get_json()["error"] == "invalid_json"
    reply = client.post("/api/v1/auth/token", json=["a", "list"])
    assert reply.status_code == 400
    reply = client.post("/api/v1/auth/token", json={"login": "x"})
    assert reply.status_code == 422
    body = reply.get_json()
    assert body["error"] == "invalid_body" and "password" in body["message"]
    reply = client.post("/api/v1/auth/token", json={"login": "x", "password": "y", "extra": 1})
    assert reply.status_code == 422


def test_bearer_header_never_borrows_the_cookie(client, create_user, login):
    user = create_user("admin")
    login(client, user)
    reply = client.get("/api/v1/me", headers={"Authorization": "Bearer tct_forged"})
    assert reply.status_code == 401


def test_passwords_are_argon2id(app, create_user):
    from telecentre.auth.services import create_user as service_create
    user = service_create(None, "Kasia", role="resident", password="a long password")
    db.session.commit()
    assert user.login == "kasia"
    assert user.password_hash.startswith("$argon2id$")


def test_cookie_flags(make_app, create_user):
    app = make_app(SECURE_COOKIES=True)
    client = app.test_client()
    reply = client.get("/login", base_url="https://localhost")
    cookie = reply.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie


def test_login_is_rate_limited(make_app, create_user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    auth = Auth(client)
    user = create_user()
    codes = [auth.login(user, "wrong password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    page = client.post("/login", data={"login": user.login, "password": PASSWORD,
                                       "csrf_token": auth.csrf_token()})
    assert page.status_code == 429
    assert "Zbyt wiele prób" in page.get_data(as_text=True)


def test_only_refused_sign_ins_count_towards_the_limit(make_app, create_user):
    # A room behind one NAT address signs in many residents an hour: successes are free.
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    auth = Auth(client)
    user = create_user()
    for _ in range(5):
        assert auth.login(user).status_code == 302
        auth.logout()
    codes = [auth.login(user, "wrong password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    tokens = [client.post("/api/v1/auth/token", json={"login": user.login, "password": PASSWORD})
              .status_code for _ in range(2)]
    assert tokens == [201, 201]


def test_inactive_user_cannot_sign_in(client, auth, create_user):
    user = create_user(active=False)
    assert auth.login(user).status_code == 401


def test_admin_adds_an_account_and_it_is_audited(client, auth, create_user, login):
    admin = create_user("admin")
    login(client, admin)
    token = auth.csrf_token("/admin/users")
    reply = client.post("/admin/users", data={"csrf_token": token, "login": "Ewa.Nowak",
                                              "display_name": "Ewa Nowak", "role": "attendant",
                                              "site": "ludwin", "password": "a good password"})
    assert reply.status_code == 302
    ewa = db.session.scalar(select(User).where(User.login == "ewa.nowak"))
    assert ewa.site.slug == "ludwin" and ewa.role == "attendant"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
    assert entry.who == admin.login and entry.source_ip == "127.0.0.1"
    # An attendant without a site is refused with a message and nothing is stored.
    reply = client.post("/admin/users", data={"csrf_token": token, "login": "bez.site",
                                              "role": "attendant", "site": "",
                                              "password": "a good password"})
    assert reply.status_code == 422
    assert "musi należeć do placówki" in reply.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.login == "bez.site")) is None
    assert CSRF_RE.search(reply.get_data(as_text=True))


def test_audit_chain_verifies_and_finds_tampering(app, runner, create_user):
    from sqlalchemy import update

    from telecentre.audit.services import record, verify_chain
    actor = create_user("admin")
    for i in range(5):
        record(actor, f"test.action{i}", details={"n": i})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "5 entries checked, 0 problem(s)" in result.output
    ids = db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    db.session.execute(update(AuditEntry).where(AuditEntry.id == ids[2])
                       .values(details={"n": 99}))
    db.session.commit()
    count, problems = verify_chain()
    assert count == 5 and problems == [f"entry {ids[2]}: content changed after it was written"]
    db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.id == ids[2]))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "removed or inserted" in result.output
