"""The session log for lawful requests: off by default, only for named people, every look
audited, reports signed so that a change is found."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from telecentre.audit.models import AuditEntry
from telecentre.common.time import local_today, utcnow
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from tests.conftest import Auth


@pytest.fixture
def log_app(make_app, tmp_path):
    return make_app(SESSION_LOG_ENABLED=True,
                    RECORDS_SIGNING_KEY_FILE=str(tmp_path / "records.pem"))


@pytest.fixture
def used_seat(create_seat, create_user):
    seat = create_seat("cycow", "PC-01")
    resident = create_user("resident", login="anna.k", display_name="Anna K.")
    db.session.add(UsageSession(site_id=seat.site_id, seat_id=seat.id, kind="booked",
                                user_id=resident.id, minutes_granted=60,
                                started_at=utcnow() - timedelta(hours=2),
                                ended_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    return seat, resident


def query(**changes):
    # From yesterday: the session two hours ago is yesterday (local) just after midnight.
    first = (local_today() - timedelta(days=1)).isoformat()
    return {"resident": "anna.k", "seat": "0", "first": first,
            "last": local_today().isoformat(), **changes}


@pytest.mark.parametrize("role", ["resident", "attendant", "it", "admin"])
def test_only_named_people_see_the_log(log_app, create_user, used_seat, role):
    client = log_app.test_client()
    Auth(client).login(create_user(role, site="cycow" if role == "attendant" else None))
    for url in ("/records/sessions", "/records/sessions/report.json", "/records/public-key.pem"):
        assert client.get(url, query_string=query()).status_code == 403, url
    assert client.get("/account").get_data(True).count("/records/sessions") == 0
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "records.sessions_viewed")) is None


def test_the_log_is_off_by_default(app, client, create_user):
    named = create_user("admin", records_access=True)
    Auth(client).login(named)
    assert client.get("/records/sessions", query_string=query()).status_code == 404
    assert "/records/sessions" not in client.get("/account").get_data(True)


def test_a_named_person_looks_up_a_resident_and_a_computer(log_app, create_user, used_seat):
    seat, resident = used_seat
    officer = create_user("admin", login="iod", records_access=True)
    client = log_app.test_client()
    Auth(client).login(officer)
    assert "/records/sessions" in client.get("/account").get_data(True)
    page = client.get("/records/sessions", query_string=query())
    assert page.status_code == 200 and "Anna K. (anna.k)" in page.get_data(True)
    page = client.get("/records/sessions", query_string=query(resident="", seat=str(seat.id)))
    assert "Anna K. (anna.k)" in page.get_data(True)
    views = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "records.sessions_viewed").order_by(AuditEntry.id)).all()
    assert [(v.who, v.target_type) for v in views] == [("iod", "User"), ("iod", "Seat")]
    assert views[0].target_id == str(resident.id) and views[0].details["rows"] == 1


@pytest.mark.parametrize("changes,status", [
    ({"resident": "nobody"}, 404),
    ({"resident": "", "seat": "0"}, 422),
    ({"seat": "999999"}, 422),
    ({"first": -400}, 422),  # days from today, made when the test runs (not collected)
    ({"last": 1}, 422),
    ({"first": "yesterday"}, 422),
])
def test_a_bad_look_up_is_refused_and_not_logged_as_a_view(log_app, create_user, used_seat,
                                                           changes, status):
    client = log_app.test_client()
    Auth(client).login(create_user("admin", records_access=True))
    changes = {k: (local_today() + timedelta(days=v)).isoformat() if isinstance(v, int) else v
               for k, v in changes.items()}
    assert client.get("/records/sessions", query_string=query(**changes)).status_code == status
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "records.sessions_viewed")) is None


def test_the_report_is_signed_and_a_change_is_found(log_app, create_user, used_seat, tmp_path):
    client = log_app.test_client()
    Auth(client).login(create_user("admin", login="iod", records_access=True))
    reply = client.get("/records/sessions/report.json", query_string=query())
    assert reply.status_code == 200
    document = reply.get_json()
    assert document["report"]["sessions"][0]["resident"] == "anna.k"
    assert document["report"]["issued_by"] == "iod"
    report = tmp_path / "report.json"
    report.write_text(json.dumps(document))
    runner = log_app.test_cli_runner()
    with log_app.app_context():  # (the test's own app context would be used otherwise)
        result = runner.invoke(args=["records", "verify", str(report)])
    assert result.exit_code == 0 and "signature valid" in result.output, result.output
    document["report"]["sessions"][0]["seat"] = "PC-99"
    report.write_text(json.dumps(document))
    with log_app.app_context():
        result = runner.invoke(args=["records", "verify", str(report)])
    assert result.exit_code != 0 and "does not match" in result.output
    key = tmp_path / "records.pem"
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_access_is_granted_by_command_and_audited(log_app, create_user):
    staff = create_user("it", login="ola")
    runner = log_app.test_cli_runner()
    assert runner.invoke(args=["records", "access", "ola"]).exit_code == 0
    db.session.refresh(staff)
    assert staff.records_access
    assert runner.invoke(args=["records", "access", "ola", "--revoke"]).exit_code == 0
    db.session.refresh(staff)
    assert not staff.records_access
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("records.access%")).order_by(AuditEntry.id)).all()
    assert actions == ["records.access_granted", "records.access_revoked"]
    resident = create_user("resident", login="kasia")
    assert runner.invoke(args=["records", "access", resident.login]).exit_code != 0


def test_the_privacy_notice_says_when_the_log_is_kept(log_app, app):
    on = log_app.test_client().get("/ochrona-danych").get_data(True)
    off = app.test_client().get("/ochrona-danych").get_data(True)
    marker = "kto korzystał z komputera publicznego"
    assert marker in on and marker not in off


def test_a_resident_alone_is_enough_to_look_up(log_app, create_user, used_seat):
    client = log_app.test_client()
    Auth(client).login(create_user("admin", records_access=True))
    reply = client.get("/records/sessions", query_string={
        "resident": "anna.k", "first": (local_today() - timedelta(days=1)).isoformat(),
        "last": local_today().isoformat()})
    assert reply.status_code == 200 and "anna.k" in reply.get_data(True)
