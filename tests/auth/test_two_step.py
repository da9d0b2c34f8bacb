"""Two-step sign-in (TOTP) for IT and admins: set-up, second step, replay, recovery, API."""
import re

import pyotp
import pytest
from sqlalchemy import select

from telecentre.audit.models import AuditEntry
from telecentre.auth import two_step
from telecentre.auth.models import RecoveryCode, User
from telecentre.common.crypto import decrypt
from telecentre.extensions import db
from tests.conftest import CSRF_RE, PASSWORD, Auth


def _code(secret, clock, steps=0):
    return pyotp.TOTP(secret).at(clock.now, counter_offset=steps)


def _actions():
    return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def _me(client):
    return client.get("/api/v1/me")


def _enrol(user, clock):
    """Turn two-step sign-in on for ``user``; return (secret, recovery codes)."""
    secret = two_step.begin_enrolment(user)
    codes = two_step.confirm_enrolment(user, _code(secret, clock))
    db.session.commit()
    return secret, codes


@pytest.fixture
def enrolled(create_user, clock):
    """Return ``make(role="it")`` → (user, secret, recovery codes), two-step sign-in on."""

    def make(role="it", **fields):
        user = create_user(role, **fields)
        secret, codes = _enrol(user, clock)
        clock.advance(seconds=30)  # the code used to confirm is spent
        return user, secret, codes

    return make


def _post(client, path, **data):
    token = CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token, **data})


def test_set_up_confirm_and_turn_off_on_the_account_page(client, login, create_user, clock):
    user = create_user("it")
    login(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert "Logowanie dwuetapowe" in page and "/account/two-step" in page
    assert "Skonfiguruj logowanie dwuetapowe" in client.get("/account/two-step").get_data(
        as_text=True)
    token = CSRF_RE.search(client.get("/account/two-step").get_data(as_text=True)).group(1)
    assert client.post("/account/two-step/setup", data={"csrf_token": token}).status_code == 302
    page = client.get("/account/two-step").get_data(as_text=True)
    db.session.refresh(user)
    secret = decrypt(user.totp_secret)
    assert not user.totp_enabled
    assert 'src="data:image/svg+xml' in page and two_step.grouped(secret) in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    # A wrong code is refused and changes nothing.
    reply = client.post("/account/two-step/confirm", data={"csrf_token": token, "code": "000000"},
                        follow_redirects=True)
    assert "Ten kod jest niepoprawny" in reply.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.totp_enabled
    reply = client.post("/account/two-step/confirm",
                        data={"csrf_token": token, "code": _code(secret, clock)})
    assert reply.status_code == 200
    shown = re.findall(r"<li>([a-z2-9]{6}-[a-z2-9]{6})</li>", reply.get_data(as_text=True))
    assert len(set(shown)) == 10
    db.session.refresh(user)
    assert user.totp_enabled and two_step.recovery_codes_left(user) == 10
    hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(code.replace("-", "") in "".join(hashes) for code in shown)
    # Turning it off needs a fresh code.
    clock.advance(seconds=30)
    reply = client.post("/account/two-step/disable",
                        data={"csrf_token": token, "code": _code(secret, clock)})
    assert reply.status_code == 302
    db.session.refresh(user)
    assert not user.totp_enabled and user.totp_secret is None
    assert db.session.scalar(select(RecoveryCode.id)) is None
    assert {"auth.totp_enabled", "auth.totp_disabled", "auth.totp_failed"} <= set(_actions())


def test_secret_is_encrypted_at_rest(enrolled):
    from telecentre.common.crypto import ENCRYPTED_COLUMNS
    user, secret, _codes = enrolled()
    stored = db.session.scalar(select(User.totp_secret).where(User.id == user.id))
    assert secret not in stored and decrypt(stored) == secret
    assert (User, "totp_secret") in ENCRYPTED_COLUMNS


def test_password_alone_does_not_sign_in(client, auth, enrolled, clock):
    user, secret, _codes = enrolled()
    reply = auth.login(user)
    assert reply.status_code == 302 and reply.location.endswith("/login/two-step")
    assert _me(client).status_code == 401
    page = client.get("/login/two-step").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert '<label for="code">' in page
    wrong = _post(client, "/login/two-step", code="123456")
    assert wrong.status_code == 401 and "Ten kod jest niepoprawny" in wrong.get_data(as_text=True)
    assert _me(client).status_code == 401
    right = _post(client, "/login/two-step", code=_code(secret, clock))
    assert right.status_code == 302
    assert _me(client).get_json()["login"] == user.login
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action.in_(["auth.totp_failed", "auth.login"])).order_by(AuditEntry.id)).all()
    assert [(e.action, e.details.get("via") or e.details.get("second_step"))
            for e in entries] == [("auth.totp_failed", "web"), ("auth.login", "totp")]


def test_a_used_code_is_refused_again(app, enrolled, clock):
    user, secret, _codes = enrolled()
    first, second = app.test_client(), app.test_client()
    code = _code(secret, clock)
    Auth(first).login(user)
    Auth(second).login(user)
    assert _post(first, "/login/two-step", code=code).status_code == 302
    assert _post(second, "/login/two-step", code=code).status_code == 401
    assert _me(second).status_code == 401
    # A code from the step before the one used is refused too.
    assert two_step.check_second_factor(user, _code(secret, clock, -1), via="test") is None


@pytest.mark.parametrize("steps,accepted", [(-2, False), (-1, True), (1, True), (2, False)])
def test_one_step_of_drift_is_accepted(enrolled, clock, steps, accepted):
    user, secret, _codes = enrolled()
    clock.advance(minutes=5)  # well past the step used at set-up
    method = two_step.check_second_factor(user, _code(secret, clock, steps), via="test")
    assert (method == "totp") is accepted


def test_recovery_code_works_once(app, enrolled):
    user, _secret, codes = enrolled()
    client = app.test_client()
    Auth(client).login(user)
    reply = _post(client, "/login/two-step", recovery_code=codes[3].upper())
    assert reply.status_code == 302 and _me(client).status_code == 200
    assert "Pozostało kodów zapasowych: 9" in client.get("/").get_data(as_text=True)
    again = app.test_client()
    Auth(again).login(user)
    reply = _post(again, "/login/two-step", recovery_code=codes[3])
    assert reply.status_code == 401
    assert "Ten kod zapasowy jest niepoprawny" in reply.get_data(as_text=True)
    assert _me(again).status_code == 401
    assert two_step.recovery_codes_left(user) == 9
    assert "auth.recovery_code_used" in _actions()


def test_pending_second_step_expires(client, auth, enrolled, clock):
    user, secret, _codes = enrolled()
    auth.login(user)
    token = CSRF_RE.search(client.get("/login/two-step").get_data(as_text=True)).group(1)
    clock.advance(minutes=5, seconds=1)
    reply = client.post("/login/two-step", data={"csrf_token": token,
                                                 "code": _code(secret, clock)})
    assert reply.status_code == 302 and reply.location.endswith("/login")
    assert _me(client).status_code == 401
    page = client.get("/login").get_data(as_text=True)
    assert "Drugi krok trwał zbyt długo" in page
    # Nothing is waiting any more: the page says what to do.
    assert "Najpierw zaloguj się" in client.get("/login/two-step").get_data(as_text=True)


def test_token_endpoint_needs_the_code(client, enrolled, clock):
    user, secret, _codes = enrolled()
    body = {"login": user.login, "password": PASSWORD}
    reply = client.post("/api/v1/auth/token", json=body)
    assert reply.status_code == 401
    assert reply.get_json()["error"] == "otp_required" and "otp" in reply.get_json()["message"]
    reply = client.post("/api/v1/auth/token", json={**body, "otp": "999999"})
    assert reply.status_code == 401 and reply.get_json()["error"] == "otp_invalid"
    reply = client.post("/api/v1/auth/token", json={**body, "otp": _code(secret, clock)})
    assert reply.status_code == 201 and reply.get_json()["token"].startswith("tct_")
    assert "auth.totp_failed" in _actions()
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "otp" in schema["TokenRequest"]["properties"]


def test_only_refused_codes_count_against_the_limit(make_app, create_user, clock):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_TOTP="2 per minute",
                   RATELIMIT_TOKEN="100 per minute")
    with app.app_context():
        user = create_user("it")
        secret, _codes = _enrol(user, clock)
        client = app.test_client()
        body = {"login": user.login, "password": PASSWORD}
        statuses = []
        for _ in range(3):  # three right codes (one per step) and wrong passwords: not counted
            clock.advance(seconds=30)
            statuses.append(client.post("/api/v1/auth/token",
                                        json={**body, "otp": _code(secret, clock)}).status_code)
            statuses.append(client.post("/api/v1/auth/token",
                                        json={**body, "password": "wrong"}).status_code)
        assert statuses == [201, 401] * 3
        wrong = [client.post("/api/v1/auth/token", json={**body, "otp": "000000"}).status_code
                 for _ in range(3)]
        assert wrong == [401, 401, 429]


def test_second_step_failures_are_rate_limited(make_app, create_user, clock):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_TOTP="3 per minute",
                   RATELIMIT_LOGIN="100 per minute")
    with app.app_context():
        user = create_user("admin")
        secret, _codes = _enrol(user, clock)
        first = app.test_client()
        first.environ_base["REMOTE_ADDR"] = "10.0.0.1"
        Auth(first).login(user)
        codes = [_post(first, "/login/two-step", code="000000").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        # Another address does not get a fresh budget for the same account.
        second = app.test_client()
        second.environ_base["REMOTE_ADDR"] = "10.0.0.2"
        Auth(second).login(user)
        reply = _post(second, "/login/two-step", code="000000")
        assert reply.status_code == 429
        assert "Zbyt wiele prób" in reply.get_data(as_text=True)
        assert _actions().count("auth.totp_failed") == 3
        # The token API shares the account's budget.
        third = app.test_client()
        third.environ_base["REMOTE_ADDR"] = "10.0.0.3"
        reply = third.post("/api/v1/auth/token", json={"login": user.login, "password": PASSWORD,
                                                       "otp": _code(secret, clock, 1)})
        assert reply.status_code == 429


def test_required_role_must_set_up_at_sign_in(make_app, create_user, clock):
    app = make_app(REQUIRE_TOTP_FOR=["admin"])
    with app.app_context():
        admin = create_user("admin")
        client = app.test_client()
        reply = Auth(client).login(admin)
        assert reply.location.endswith("/login/two-step/setup")
        assert _me(client).status_code == 401
        page = client.get("/login/two-step/setup").get_data(as_text=True)
        assert "Twoja rola wymaga logowania dwuetapowego" in page
        db.session.refresh(admin)
        secret = decrypt(admin.totp_secret)
        assert two_step.grouped(secret) in page
        reply = _post(client, "/login/two-step/setup", code=_code(secret, clock))
        assert reply.status_code == 200 and len(re.findall(r"<li>[a-z2-9]{6}-", reply.get_data(
            as_text=True))) == 10
        assert _me(client).status_code == 200
        # It cannot be turned off while the role requires it.
        clock.advance(seconds=30)
        token = CSRF_RE.search(client.get("/account/two-step").get_data(as_text=True)).group(1)
        reply = client.post("/account/two-step/disable",
                            data={"csrf_token": token, "code": _code(secret, clock)},
                            follow_redirects=True)
        assert "nie można go wyłączyć" in reply.get_data(as_text=True)
        db.session.refresh(admin)
        assert admin.totp_enabled
        # An IT account is not forced, and a required one without set-up gets no API token.
        it = create_user("it")
        assert Auth(app.test_client()).login(it).status_code == 302
        other = create_user("admin")
        reply = app.test_client().post("/api/v1/auth/token",
                                       json={"login": other.login, "password": PASSWORD})
        assert reply.status_code == 403 and reply.get_json()["error"] == "otp_enrolment_required"


def test_residents_and_attendants_cannot_set_it_up(client, login, create_user):
    login(client, create_user("attendant"))
    assert client.get("/account").status_code == 200
    assert client.get("/account/two-step").status_code == 403


def test_admin_resets_on_the_users_page(client, login, create_user, enrolled):
    user, _secret, _codes = enrolled()
    admin = create_user("admin")
    login(client, admin)
    page = client.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{user.id}/reset-2fa" in page
    token = CSRF_RE.search(page).group(1)
    reply = client.post(f"/admin/users/{user.id}/reset-2fa", data={"csrf_token": token},
                        follow_redirects=True)
    assert "zostało zresetowane" in reply.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.totp_enabled and user.totp_secret is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.totp_reset"))
    assert entry.who == admin.login and entry.target_id == str(user.id)
    assert client.post("/admin/users/999999/reset-2fa",
                       data={"csrf_token": token}).status_code == 404


def test_cli_resets(runner, enrolled):
    user, _secret, _codes = enrolled()
    result = runner.invoke(args=["users", "reset-2fa", user.login.upper()])
    assert result.exit_code == 0 and f"two-step sign-in of {user.login} reset" in result.output
    db.session.refresh(user)
    assert not user.totp_enabled
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.totp_reset"))
    assert entry.who == "system"
    result = runner.invoke(args=["users", "reset-2fa", "nobody"])
    assert result.exit_code != 0 and "no account" in result.output


def test_a_recovery_code_costs_one_argon2_check(enrolled, monkeypatch):
    user, _secret, codes = enrolled()
    calls = []
    real = two_step.verify_secret
    monkeypatch.setattr(two_step, "verify_secret",
                        lambda stored, code: calls.append(code) or real(stored, code))
    # Two of the ten codes share their first two characters about once in twenty sets:
    # take one whose hint is its own.
    alone = next(c for c in codes if sum(other[:2] == c[:2] for other in codes) == 1)
    assert two_step.check_second_factor(user, alone, via="test") == "recovery"
    assert len(calls) == 1
    calls.clear()
    hints = {code[:2] for code in codes}
    unused = next(a + b for a in "abcdefgh" for b in "abcdefgh" if a + b not in hints)
    assert two_step.check_second_factor(user, unused + codes[0][2:], via="test") is None
    assert len(calls) == 1  # a miss costs the same single check


def test_new_recovery_codes_replace_the_old_ones(app, enrolled, clock):
    user, secret, codes = enrolled()
    client = app.test_client()
    Auth(client).login(user)
    assert _post(client, "/login/two-step", code=_code(secret, clock)).status_code == 302
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "Nowe kody zapasowe" in page and 'id="renew-code"' in page
    assert page.count('id="code"') == 1  # the turn-off form keeps its own field
    # A wrong code is refused, audited and changes nothing.
    reply = client.post("/account/two-step/recovery-codes",
                        data={"renew-csrf_token": CSRF_RE.search(page).group(1),
                              "renew-code": "000000"}, follow_redirects=True)
    assert "Ten kod jest niepoprawny" in reply.get_data(as_text=True)
    assert two_step.recovery_codes_left(user) == 10
    # A recovery code proves it too: spent, then every old code is replaced.
    reply = client.post("/account/two-step/recovery-codes",
                        data={"renew-csrf_token": CSRF_RE.search(page).group(1),
                              "renew-code": codes[0]})
    text = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Dotychczasowe kody zapasowe już nie działają" in text
    fresh = re.findall(r"<li>([a-z2-9]{6}-[a-z2-9]{6})</li>", text)
    assert len(set(fresh)) == 10 and not set(fresh) & set(codes)
    assert two_step.recovery_codes_left(user) == 10
    assert "no-store" in reply.headers["Cache-Control"]
    assert two_step.check_second_factor(user, codes[1], via="test") is None
    assert two_step.check_second_factor(user, fresh[1], via="test") == "recovery"
    assert _actions().count("auth.recovery_codes_renewed") == 1
