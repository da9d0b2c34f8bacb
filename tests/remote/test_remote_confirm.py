"""The remote-action page asks first: nothing preselected; an action that ends sessions, or
one on more than one computer, shows the PCs, running sessions and residents it would hit
and starts nothing until confirmed. (The JSON API keeps starting at once: its clients
confirm by calling.)"""
from datetime import timedelta

from sqlalchemy import func, select

from telecentre.common.time import utcnow
from telecentre.extensions import db
from telecentre.remote.models import RemoteRun
from telecentre.sessions.models import UsageSession
from tests.conftest import Auth
from tests.remote.test_remote_http import poll_until_finished


def runs():
    db.session.rollback()
    return db.session.scalar(select(func.count(RemoteRun.id)))


def test_nothing_is_preselected(client, it_user):
    Auth(client).login(it_user)
    page = client.get("/it/remote/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'name="action"' in page and " checked" not in page
    token = Auth(client).csrf_token("/it/remote/")
    reply = client.post("/it/remote/", data={"csrf_token": token},
                        headers={"Accept-Language": "en"})
    assert reply.status_code == 422 and "Choose an action." in reply.get_data(as_text=True)
    assert runs() == 0


def test_reboot_lists_what_it_hits_and_waits_for_the_yes(client, it_user, create_seat,
                                                        create_user):
    pc1, pc2 = create_seat("cycow", "PC-01"), create_seat("ludwin", "PC-02")
    anna = create_user("resident", login="anna", display_name="Anna Kowalska")
    db.session.add(UsageSession(site_id=pc1.site_id, seat_id=pc1.id, kind="walk_in",
                                user_id=anna.id, started_at=utcnow() - timedelta(minutes=5),
                                minutes_granted=60))
    db.session.commit()
    auth = Auth(client)
    auth.login(it_user)
    form = {"csrf_token": auth.csrf_token("/it/remote/"), "action": "reboot",
            "p-reboot-delay_minutes": "2", "seat_ids": [str(pc1.id), str(pc2.id)]}
    asked = client.post("/it/remote/", data=form, headers={"Accept-Language": "en"})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Restart the computer" in page and "PC-01" in page and "PC-02" in page
    assert "Anna Kowalska" in page and "1 session is running and will end." in page
    assert "Urząd Gminy Ludwin" in page  # which site each PC is at
    assert 'name="confirmed" value="yes"' in page and 'name="p-reboot-delay_minutes"' in page
    assert runs() == 0  # nothing has happened yet
    done = client.post("/it/remote/", data={**form, "confirmed": "yes"})
    assert done.status_code == 302 and "/it/remote/runs/" in done.location
    assert runs() == 1
    poll_until_finished(client, int(done.location.rsplit("/", 1)[1]))  # its thread is done


def test_a_harmless_action_on_one_pc_runs_at_once_on_two_asks(client, it_user, create_seat):
    pc1, pc2 = create_seat("cycow", "PC-01"), create_seat("cycow", "PC-02")
    auth = Auth(client)
    auth.login(it_user)
    token = auth.csrf_token("/it/remote/")
    two = client.post("/it/remote/", data={"csrf_token": token, "action": "disk_diagnostics",
                                           "seat_ids": [str(pc1.id), str(pc2.id)]})
    assert two.status_code == 200 and 'name="confirmed"' in two.get_data(as_text=True)
    whole_site = client.post("/it/remote/", data={"csrf_token": token,
                                                  "action": "disk_diagnostics",
                                                  "site": "cycow"})
    assert whole_site.status_code == 200 and "PC-02" in whole_site.get_data(as_text=True)
    assert runs() == 0
    one = client.post("/it/remote/", data={"csrf_token": token, "action": "disk_diagnostics",
                                           "seat_ids": [str(pc1.id)]})
    assert one.status_code == 302 and runs() == 1
    poll_until_finished(client, int(one.location.rsplit("/", 1)[1]))


def test_bad_parameters_refuse_before_the_confirmation_step(client, it_user, create_seat):
    pc1 = create_seat("cycow", "PC-01")
    auth = Auth(client)
    auth.login(it_user)
    reply = client.post("/it/remote/", data={
        "csrf_token": auth.csrf_token("/it/remote/"), "action": "reboot", "confirmed": "yes",
        "p-reboot-delay_minutes": "999", "seat_ids": [str(pc1.id)]})
    assert reply.status_code == 422 and runs() == 0
