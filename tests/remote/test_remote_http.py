"""The IT pages, the JSON API and the command line, against the real sshd."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from telecentre.extensions import db
from telecentre.remote.models import RemoteRun
from tests.conftest import Auth


def poll_until_finished(client, run_id, limit=60.0):
    """Poll the run as the page's script does; bounded so a bug cannot hang the suite."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        reply = client.get(f"/api/v1/remote/runs/{run_id}")
        assert reply.status_code == 200
        if reply.json["status"] == "finished":
            return reply.json
        time.sleep(0.2)
    raise AssertionError("the run did not finish")


def signed_in(client, user):
    auth = Auth(client)
    auth.login(user)
    return auth


def test_api_run_with_live_progress(client, reachable_seat, it_user):
    seat = reachable_seat()
    auth = signed_in(client, it_user)
    reply = client.post("/api/v1/remote/runs", json={"action": "disk_diagnostics",
                                                      "seat_ids": [seat.id]},
                        headers={"X-CSRFToken": auth.csrf_token("/it/remote/")})
    assert reply.status_code == 202, reply.json
    assert reply.json["hosts"][0]["status"] == "queued"
    run = poll_until_finished(client, reply.json["id"])
    [host] = run["hosts"]
    assert host["status"] == "done" and host["exit_code"] == 0
    assert "Filesystem" in host["output_tail"]
    page = client.get(f"/it/remote/runs/{run['id']}").get_data(as_text=True)
    assert "Filesystem" in page and seat.name in page
    # The progress reads as words in the reader's language, with the plural form of the count.
    assert "Zakończono na 1 z 1 komputera." in page


def test_run_page_names_its_parameters_without_json(client, reachable_seat, it_user):
    seat = reachable_seat()
    auth = signed_in(client, it_user)
    reply = client.post("/api/v1/remote/runs", json={"action": "collect_logs",
                                                      "params": {"lines": "40"},
                                                      "seat_ids": [seat.id]},
                        headers={"X-CSRFToken": auth.csrf_token("/it/remote/")})
    assert reply.status_code == 202, reply.json
    run = poll_until_finished(client, reply.json["id"])
    page = client.get(f"/it/remote/runs/{run['id']}").get_data(as_text=True)
    assert "<dt>Liczba wierszy dziennika</dt><dd><code>40</code></dd>" in page
    assert '{&#34;lines&#34;' not in page and '{"lines"' not in page.split("<main")[1]


@pytest.mark.parametrize("role", ["it", "attendant"])
def test_non_admin_cannot_run_adhoc_over_http(client, reachable_seat, create_user, role):
    seat = reachable_seat()
    user = create_user(role=role)
    auth = signed_in(client, user)
    token = auth.csrf_token("/login")
    reply = client.post("/api/v1/remote/runs",
                        json={"action": "adhoc", "params": {"command": "id"},
                              "seat_ids": [seat.id], "confirm": True},
                        headers={"X-CSRFToken": token})
    assert reply.status_code == 403
    if role == "it":
        assert reply.json["error"] == "admin_only"
        assert reply.json["message"] == "Tylko administratorzy mogą uruchamiać dowolne polecenia."
    page = client.post("/it/remote/adhoc", data={"command": "id", "seat_ids": [str(seat.id)],
                                                  "confirmed": "yes", "csrf_token": token})
    assert page.status_code == 403
    assert db.session.scalar(select(RemoteRun)) is None


def test_admin_adhoc_page_confirms_first(client, reachable_seat, admin, adhoc_on):
    seat = reachable_seat()
    auth = signed_in(client, admin)
    adhoc_on(admin)
    token = auth.csrf_token("/it/remote/adhoc")
    form = {"command": "echo from-the-page", "seat_ids": [str(seat.id)], "csrf_token": token}
    check = client.post("/it/remote/adhoc", data=form)
    assert check.status_code == 200
    assert "echo from-the-page" in check.get_data(as_text=True)
    assert db.session.scalar(select(RemoteRun)) is None  # nothing runs before confirming
    done = client.post("/it/remote/adhoc", data={**form, "confirmed": "yes"})
    assert done.status_code == 302
    run_id = int(done.location.rstrip("/").rsplit("/", 1)[1])
    [host] = poll_until_finished(client, run_id)["hosts"]
    assert host["output_tail"] == "from-the-page\n"


def test_bad_parameters_over_http_change_nothing(client, reachable_seat, it_user):
    seat = reachable_seat()
    auth = signed_in(client, it_user)
    headers = {"X-CSRFToken": auth.csrf_token("/it/remote/"), "Accept-Language": "en"}
    reply = client.post("/api/v1/remote/runs", headers=headers, json={
        "action": "reboot", "params": {"delay_minutes": "90", "message": "$(id)"},
        "seat_ids": [seat.id]})
    assert reply.status_code == 422
    assert set(reply.json["details"]["fields"]) == {"delay_minutes", "message"}
    page = client.post("/it/remote/", data={"action": "update_agent",
                                            "p-update_agent-version": "latest; reboot",
                                            "seat_ids": [str(seat.id)],
                                            "csrf_token": headers["X-CSRFToken"]})
    assert page.status_code == 422
    assert db.session.scalar(select(RemoteRun)) is None


def test_cli_runs_an_action_with_progress(runner, reachable_seat):
    seat = reachable_seat(name="PC-CLI")
    result = runner.invoke(args=["remote", "run", "disk_diagnostics", "--seat",
                                 f"{seat.site.slug}/PC-CLI"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("run ")
    assert any(line.split() == ["PC-CLI", "running"] for line in lines)
    assert any(line.split()[:4] == ["PC-CLI", "done", "exit", "0"] for line in lines)
    assert "Filesystem" in result.output
    assert lines[-1] == "1/1 done"


def test_cli_refuses_bad_parameters(runner, reachable_seat):
    reachable_seat(name="PC-CLI")
    result = runner.invoke(args=["remote", "run", "reboot", "--seat", "PC-CLI",
                                 "--param", "delay_minutes=soon"])
    assert result.exit_code == 1
    assert "Opóźnienie w minutach" in result.output
    assert db.session.scalar(select(RemoteRun)) is None


def test_it_fetches_and_approves_a_host_key_on_the_page(client, sshd, create_seat, it_user):
    """A PC without an agent: IT fetches the key it presents, compares, approves once."""
    from telecentre.remote.hostkeys import HostKeyPin
    from telecentre.remote.models import HostKey
    seat = create_seat(name="NO-AGENT")
    auth = signed_in(client, it_user)
    token = auth.csrf_token("/it/remote/")
    url = f"/it/remote/hosts/{seat.id}"
    saved = client.post(url, data={"step": "target", "address": "127.0.0.1",
                                   "port": str(sshd.port), "os": "linux",
                                   "mac": "52-54-00-12-34-56", "csrf_token": token})
    assert saved.status_code == 302
    fetched = client.post(url, data={"step": "fetch", "csrf_token": token})
    page = fetched.get_data(as_text=True)
    fingerprint = HostKeyPin.parse(sshd.host_keys["ssh-ed25519"]).fingerprint
    assert fetched.status_code == 200 and fingerprint in page
    assert db.session.scalar(select(HostKey)) is None  # fetching pins nothing
    approved = client.post(url, data={"step": "approve", "csrf_token": token,
                                      "public_key": sshd.host_keys["ssh-ed25519"]})
    assert approved.status_code == 302
    row = db.session.scalar(select(HostKey))
    assert (row.fingerprint, row.source, row.approved_by_id) == (fingerprint, "it", it_user.id)
    listing = client.get("/it/remote/hosts").get_data(as_text=True)
    assert fingerprint in listing and "52:54:00:12:34:56" in listing


def test_settings_page_generates_a_key_and_saves_a_schedule(client, it_user):
    from telecentre.remote.models import PowerSchedule, SshCredential
    auth = signed_in(client, it_user)
    token = auth.csrf_token("/it/remote/settings")
    reply = client.post("/it/remote/settings", data={"step": "credential", "site": "",
                                                     "username": "telecentre",
                                                     "csrf_token": token})
    credential = db.session.scalar(select(SshCredential))
    assert reply.status_code == 200 and credential.site_id is None
    assert credential.public_key in reply.get_data(as_text=True)
    bad = client.post("/it/remote/settings", data={"step": "credential", "username": "root; x",
                                                   "csrf_token": token})
    assert bad.status_code == 422
    saved = client.post("/it/remote/settings", data={
        "step": "power", "site": "ludwin", "enabled": "yes", "wake": "20", "shutdown": "5",
        "warn": "3", "csrf_token": token})
    assert saved.status_code == 200
    schedule = db.session.scalar(select(PowerSchedule))
    assert (schedule.enabled, schedule.wake_minutes_before, schedule.shutdown_minutes_after,
            schedule.warn_minutes) == (True, 20, 5, 3)
    refused = client.post("/it/remote/settings", data={
        "step": "power", "site": "ludwin", "wake": "999", "shutdown": "5", "warn": "3",
        "csrf_token": token})
    assert refused.status_code == 422


def test_index_page_lists_actions_without_adhoc_for_it(client, it_user, admin):
    signed_in(client, it_user)
    page = client.get("/it/remote/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Disk diagnostics" in page or "Diagnostyka dysków" in page
    assert 'value="adhoc"' not in page and "/it/remote/adhoc" not in page


def test_seat_ids_beyond_a_database_integer_are_refused(client, reachable_seat, it_user):
    """Schemathesis: a 20-digit seat id in a run or in the wake URL reached the database and
    was a 500."""
    seat = reachable_seat()
    auth = signed_in(client, it_user)
    headers = {"X-CSRFToken": auth.csrf_token("/it/remote/"), "Accept-Language": "en"}
    reply = client.post("/api/v1/remote/runs", headers=headers, json={
        "action": "disk_diagnostics", "seat_ids": [seat.id, 36893488147419103232]})
    assert reply.status_code == 422 and reply.json["details"]["fields"] == ["seat_ids.1"]
    reply = client.post("/api/v1/remote/seats/9087598566239183019835442532974592/wake",
                        headers=headers)
    assert reply.status_code == 404 and reply.json["error"] == "not_found"
    assert db.session.scalar(select(RemoteRun)) is None


def test_adhoc_is_off_by_default_and_needs_two_step_when_on(app, client, reachable_seat, admin):
    seat = reachable_seat()
    auth = signed_in(client, admin)
    token = auth.csrf_token("/login")
    form = {"command": "id", "seat_ids": [str(seat.id)], "confirmed": "yes", "csrf_token": token}
    page = client.get("/it/remote/adhoc", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "REMOTE_ADHOC_ENABLED" in page.get_data(as_text=True)
    assert 'name="command"' not in page.get_data(as_text=True)
    assert client.post("/it/remote/adhoc", data=form).status_code == 403
    api = client.post("/api/v1/remote/runs", headers={"X-CSRFToken": token},
                      json={"action": "adhoc", "params": {"command": "id"},
                            "seat_ids": [seat.id], "confirm": True})
    assert api.status_code == 403 and api.json["error"] == "adhoc_not_allowed"
    names = [a["name"] for a in client.get("/api/v1/remote/actions").json]
    assert "adhoc" not in names and "disk_diagnostics" in names
    app.config["REMOTE_ADHOC_ENABLED"] = True
    try:
        # On, but this admin signs in with a password alone: still refused.
        assert client.post("/it/remote/adhoc", data=form).status_code == 403
        api = client.post("/api/v1/remote/runs", headers={"X-CSRFToken": token},
                          json={"action": "adhoc", "params": {"command": "id"},
                                "seat_ids": [seat.id], "confirm": True})
        assert api.status_code == 403
    finally:
        app.config["REMOTE_ADHOC_ENABLED"] = False
    assert db.session.scalar(select(RemoteRun)) is None
