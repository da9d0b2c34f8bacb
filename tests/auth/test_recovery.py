"""Getting back into an account: reset links by real SMTP, temporary secrets from the desk,
changing one's own password; every refusal changes nothing."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from telecentre.audit.models import AuditEntry
from telecentre.auth.models import PasswordResetToken, User
from telecentre.auth.passwords import verify_secret
from telecentre.extensions import db
from tests.conftest import PASSWORD, Auth

NEW = "a much better passphrase"
LINK_RE = re.compile(r"http://[^\s]+/password/reset/([A-Za-z0-9_-]+)")


def _resident(create_user, email="ola@example.test", **fields):
    return create_user("resident", login="ola", email=email, locale="en", **fields)


def _ask(client, email):
    token = Auth(client).csrf_token("/password/forgot")
    return client.post("/password/forgot", data={"email": email, "csrf_token": token})


def _reset(client, link, password=NEW, again=None):
    token = Auth(client).csrf_token(link)
    return client.post(link, data={"password": password, "password2": again or password,
                                   "csrf_token": token})


def _hash(login="ola"):
    db.session.expire_all()
    return db.session.scalar(select(User.password_hash).where(User.login == login))


def test_reset_link_by_mail_is_followed_once(client, create_user, mail_sink):
    _resident(create_user)
    reply = _ask(client, "Ola@Example.test")
    assert reply.status_code == 302 and reply.location.endswith("/login")
    [message] = mail_sink.wait(1)
    assert message["To"] == "ola@example.test"
    assert "set a new password" in message["Subject"]
    link = LINK_RE.search(mail_sink.body()).group(0)
    token = LINK_RE.search(link).group(1)
    stored = db.session.scalar(select(PasswordResetToken.token_hash))
    assert token not in stored and len(stored) == 64  # only the SHA-256 is kept
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    assert _reset(client, "/" + path).status_code == 302
    assert verify_secret(_hash(), NEW)
    assert Auth(client).login("ola", NEW).status_code == 302
    # The same link again: refused, the password stays.
    before = _hash()
    again = client.get("/" + path)
    assert again.status_code == 410 and "no longer valid" in again.get_data(True)
    assert _reset(client, "/" + path, password="yet another passphrase").status_code == 410
    assert _hash() == before
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "auth.password_reset")) == 1


def test_expired_link_changes_nothing(app, client, create_user, mail_sink, clock):
    _resident(create_user)
    _ask(client, "ola@example.test")
    link = "/password/reset/" + LINK_RE.search(mail_sink.body(0)).group(1)
    before = _hash()
    clock.advance(minutes=app.config["PASSWORD_RESET_MINUTES"] + 1)
    assert client.get(link).status_code == 410
    assert _reset(client, link).status_code == 410
    assert _hash() == before
    assert db.session.scalar(select(PasswordResetToken.used_at)) is None


def test_unknown_address_gets_the_same_answer_and_no_mail(client, create_user, mail_sink):
    _resident(create_user)
    known = _ask(client, "ola@example.test")
    unknown = _ask(client, "nobody@example.test")
    staff = create_user("it", login="it-person", email="it@example.test")
    not_resident = _ask(client, staff.email)
    assert known.status_code == unknown.status_code == not_resident.status_code == 302
    assert known.location == unknown.location == not_resident.location
    shown = [client.get(r.location).get_data(True) for r in (known, unknown)]
    assert "If an account has this address" in shown[0] or "Jeśli" in shown[0]
    mail_sink.wait(1)
    assert len(mail_sink.messages) == 1  # only the resident's; none for the others
    assert db.session.scalar(select(func.count(PasswordResetToken.id))) == 1


def test_one_account_gets_a_few_links_an_hour(app, client, create_user, mail_sink):
    _resident(create_user)
    for _ in range(app.config["PASSWORD_RESET_PER_HOUR"] + 2):
        assert _ask(client, "ola@example.test").status_code == 302
    mail_sink.wait(app.config["PASSWORD_RESET_PER_HOUR"])
    assert db.session.scalar(select(func.count(PasswordResetToken.id))) == \
        app.config["PASSWORD_RESET_PER_HOUR"]


def test_reset_requests_are_rate_limited_per_address(make_app, create_user):
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_PASSWORD_RESET="2 per minute")
    client = limited.test_client()
    with limited.app_context():
        codes = [_ask(client, f"x{i}@example.test").status_code for i in range(3)]
    assert codes == [302, 302, 429]


def test_weak_or_mismatched_new_password_keeps_the_link(client, create_user, mail_sink):
    _resident(create_user)
    _ask(client, "ola@example.test")
    link = "/password/reset/" + LINK_RE.search(mail_sink.body(0)).group(1)
    before = _hash()
    assert _reset(client, link, password="short").status_code == 422
    assert _reset(client, link, password=NEW, again=NEW + "x").status_code == 422
    assert _hash() == before
    assert _reset(client, link).status_code == 302  # still usable after the refusals


def test_change_own_password_needs_the_current_one(client, create_user, login):
    user = create_user("attendant", login="desk-person")
    login(client, user)
    token = Auth(client).csrf_token("/account/password")
    wrong = client.post("/account/password", data={"current": "not it", "new": NEW,
                                                   "new2": NEW, "csrf_token": token})
    assert wrong.status_code == 422 and verify_secret(_hash("desk-person"), PASSWORD)
    ok = client.post("/account/password", data={"current": PASSWORD, "new": NEW, "new2": NEW,
                                                "csrf_token": token})
    assert ok.status_code == 302 and verify_secret(_hash("desk-person"), NEW)


def _temporary(client, resident, kind):
    token = Auth(client).csrf_token(f"/console/cycow/residents/{resident.id}")
    reply = client.post(f"/console/cycow/residents/{resident.id}/temporary",
                        data={"kind": kind, "csrf_token": token})
    assert reply.status_code == 302 and reply.location.endswith("/temporary")
    page = client.get(reply.location).get_data(True)
    secret = re.search(r'id="temporary-secret">([^<]+)<', page).group(1)
    # Shown once: a refresh shows no secret.
    assert secret not in client.get(reply.location).get_data(True)
    return secret


def test_desk_temporary_password_must_be_changed_at_next_sign_in(app, client, create_user,
                                                                 login):
    resident = _resident(create_user, site="cycow")
    login(client, create_user("attendant", site="cycow"))
    temporary = _temporary(client, resident, "password")
    db.session.expire_all()
    assert db.session.get(User, resident.id).must_change_password
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "resident.temporary_password"))
    assert temporary not in str(entry.details)
    person = app.test_client()
    assert Auth(person).login("ola", temporary).status_code == 302
    forced = person.get("/bookings")
    assert forced.status_code == 302 and forced.location.endswith("/account/password")
    token = Auth(person).csrf_token("/account/password")
    person.post("/account/password", data={"current": temporary, "new": NEW, "new2": NEW,
                                           "csrf_token": token})
    db.session.expire_all()
    assert not db.session.get(User, resident.id).must_change_password
    assert person.get("/bookings").status_code == 200


def test_desk_new_pin_for_a_card_account(app, client, create_user, login):
    resident = create_user("resident", site="cycow", login="karta-1000000009",
                           card_number="1000000009")
    resident.password_hash = None  # a card account signs in with card and PIN only
    db.session.commit()
    login(client, create_user("attendant", site="cycow"))
    pin = _temporary(client, resident, "pin")
    assert re.fullmatch(r"\d{6}", pin)
    person = app.test_client()
    token = Auth(person).csrf_token("/login/card")
    assert person.post("/login/card", data={"card": "1000000009", "pin": pin,
                                            "csrf_token": token}).status_code == 302
    assert person.get("/bookings").location.endswith("/account/password")
    page = person.get("/account/password").get_data(True)
    assert "PIN" in page
    token = Auth(person).csrf_token("/account/password")
    bad = person.post("/account/password", data={"current": pin, "new": "12ab",
                                                 "new2": "12ab", "csrf_token": token})
    assert bad.status_code == 422
    person.post("/account/password", data={"current": pin, "new": "482913", "new2": "482913",
                                           "csrf_token": token})
    db.session.expire_all()
    user = db.session.get(User, resident.id)
    assert verify_secret(user.pin_hash, "482913") and not user.must_change_password


def test_an_attendant_of_another_site_cannot_reset(client, create_user, login):
    resident = _resident(create_user, site="ludwin")
    login(client, create_user("attendant", site="cycow"))
    before = _hash()
    token = Auth(client).csrf_token("/account")
    reply = client.post(f"/console/ludwin/residents/{resident.id}/temporary",
                        data={"kind": "password", "csrf_token": token})
    assert reply.status_code == 403
    reply = client.post(f"/console/cycow/residents/{resident.id}/temporary",
                        data={"kind": "password", "csrf_token": token})
    assert reply.status_code == 404
    assert _hash() == before


def test_reset_link_expiry_is_set(app, client, create_user, mail_sink):
    _resident(create_user)
    _ask(client, "ola@example.test")
    row = db.session.scalar(select(PasswordResetToken))
    assert row.expires_at - row.created_at == timedelta(minutes=app.config[
        "PASSWORD_RESET_MINUTES"])


def test_a_temporary_password_gets_no_api_token(client, create_user):
    create_user("resident", login="ola", must_change_password=True)
    reply = client.post("/api/v1/auth/token", json={"login": "ola", "password": PASSWORD})
    assert reply.status_code == 403 and reply.get_json()["error"] == "password_change_required"
