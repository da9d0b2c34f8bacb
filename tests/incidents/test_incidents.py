"""The incident register: recorded from an alert, validated, reported to CSIRT, exported."""
import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from telecentre.audit.models import AuditEntry
from telecentre.common.time import to_local, utcnow
from telecentre.extensions import db
from telecentre.incidents.models import Incident
from tests.conftest import Auth


def local(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def it_client(client, create_user):
    auth = Auth(client)
    auth.login(create_user("it"))
    return client, auth


def test_an_alert_becomes_an_incident_reported_to_csirt(it_client, create_alert):
    client, auth = it_client
    alert = create_alert("ludwin", severity="critical", title="Router w Ludwinie nie odpowiada")
    alerts_page = client.get("/it/alerts").get_data(True)
    assert f"/it/incidents/new?alert={alert.id}" in alerts_page
    form_page = client.get(f"/it/incidents/new?alert={alert.id}").get_data(True)
    assert "Router w Ludwinie nie odpowiada" in form_page
    checked = re.findall(r'<input checked[^>]*value="([a-z]+)"', form_page)
    assert checked == ["ludwin", "significant", "open"], checked
    found = utcnow() - timedelta(hours=3)
    url = f"/it/incidents/new?alert={alert.id}"
    reply = client.post(url, data={
        "title": "Router w Ludwinie nie odpowiada", "description": "Brak łączności w sali.",
        "found_at": local(found), "sites": ["ludwin"], "significance": "significant",
        "actions": "Restart routera, wymiana zasilacza.", "reported_to_csirt": "y",
        "csirt_reported_at": local(found + timedelta(hours=1)), "csirt_reference": "NASK-123",
        "status": "open", "csrf_token": auth.csrf_token(url)})
    assert reply.status_code == 302
    incident = db.session.scalar(select(Incident))
    assert incident.alert_id == alert.id and incident.sites == ["ludwin"]
    assert incident.reported_to_csirt and incident.csirt_reference == "NASK-123"
    assert abs((incident.found_at - found).total_seconds()) < 60
    edit = f"/it/incidents/{incident.id}"
    reply = client.post(edit, data={
        "title": incident.title, "description": "", "found_at": local(found),
        "sites": ["ludwin", "cycow"], "significance": "serious", "actions": "Zamknięte.",
        "status": "closed", "csrf_token": auth.csrf_token(edit)})
    assert reply.status_code == 302
    db.session.refresh(incident)
    assert incident.status == "closed" and incident.closed_at is not None
    assert not incident.reported_to_csirt and incident.csirt_reported_at is None
    assert incident.sites == ["cycow", "ludwin"]
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.target_type == "Incident")).all()
    assert actions == ["incident.create", "incident.update"]
    # The open list leaves it out once closed; ?all=1 shows it.
    assert incident.title not in client.get("/it/incidents/").get_data(True)
    assert incident.title in client.get("/it/incidents/?all=1").get_data(True)


@pytest.mark.parametrize("changes,message", [
    ({"title": " "}, "This field is required."),
    ({"found_at": "tomorrow"}, "Not a valid datetime value"),
    ({"found_at": "FUTURE"}, "cannot be found in the future"),
    ({"sites": ["atlantis"]}, "is not a valid choice"),
    ({"significance": "apocalyptic"}, "Not a valid choice"),
    ({"reported_to_csirt": "y"}, "Give the time the incident was reported to CSIRT."),
    ({"reported_to_csirt": "y", "csirt_reported_at": "BEFORE"},
     "must be after the incident was found"),
])
def test_a_bad_incident_is_refused_and_changes_nothing(it_client, changes, message):
    client, auth = it_client
    english = auth.csrf_token("/")
    client.post("/language", data={"lang": "en", "csrf_token": english})
    found = utcnow() - timedelta(hours=2)
    data = {"title": "Phishing mail", "description": "", "found_at": local(found),
            "sites": ["cycow"], "significance": "minor", "actions": "", "status": "open"}
    data.update(changes)
    if data["found_at"] == "FUTURE":
        data["found_at"] = local(utcnow() + timedelta(days=1))
    if data.get("csirt_reported_at") == "BEFORE":
        data["csirt_reported_at"] = local(found - timedelta(hours=1))
    reply = client.post("/it/incidents/new", data={
        **data, "csrf_token": auth.csrf_token("/it/incidents/new")})
    assert reply.status_code == 422
    assert message in reply.get_data(True)
    assert db.session.scalar(select(func.count(Incident.id))) == 0


def test_the_register_exports_for_a_polish_spreadsheet(it_client):
    client, _auth = it_client
    found = utcnow() - timedelta(days=1)
    db.session.add_all([
        Incident(title="Phishing; mail do urzędu", found_at=found, sites=["cycow"],
                 significance="minor"),
        Incident(title="Ransomware", found_at=found, sites=["spiczyn"], significance="serious",
                 reported_to_csirt=True, csirt_reported_at=found + timedelta(hours=2),
                 csirt_reference="NASK-9")])
    db.session.commit()
    reply = client.get("/it/incidents/incidents.csv")
    assert reply.mimetype == "text/csv"
    body = reply.get_data(True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][0] == "Numer" and len(rows) == 3
    by_title = {r[2]: r for r in rows[1:]}
    assert by_title["Phishing; mail do urzędu"][4] == "zwykły"
    assert by_title["Ransomware"][4] == "poważny" and by_title["Ransomware"][7] == "NASK-9"
