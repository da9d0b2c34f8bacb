"""RODO: retention keeps the figures; residents export and delete; names only for some roles."""
import json
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from telecentre.auth.models import ApiToken, User
from telecentre.booking.models import Booking
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from telecentre.stats import figures
from telecentre.stats.incremental import rebuild_all
from telecentre.stats.privacy import apply_retention, export_data
from tests.conftest import CSRF_RE, PASSWORD
from tests.stats.conftest import local

NOW = datetime(2026, 7, 15, 12, tzinfo=timezone.utc)


def test_retention_pseudonymises_old_usage_and_keeps_the_figures(app, old_seat, create_user,
                                                                 create_booking, add_session):
    pc = old_seat("cycow")
    r1, r2 = create_user(), create_user()
    old = add_session(pc, r1, "booked", local(2026, 6, 1, 9), local(2026, 6, 1, 10),
                      local_id="a0000000-0000-0000-0000-000000000001")
    add_session(pc, r2, "walk_in", local(2026, 6, 2, 9), local(2026, 6, 2, 9, 30))
    recent = add_session(pc, r1, "walk_in", local(2026, 7, 1, 9), local(2026, 7, 1, 10))
    booking = create_booking(pc, r1, local(2026, 6, 1, 9), 60, status="completed")
    old.booking_id = booking.id
    db.session.commit()
    rebuild_all(date(2026, 6, 1), date(2026, 7, 14), now=NOW)
    db.session.commit()
    before = figures.summary([pc.site_id], date(2026, 6, 1), date(2026, 6, 30))
    app.config["RETENTION_DAYS"] = 30  # horizon: 15 June 2026
    result = apply_retention(NOW)
    db.session.commit()
    assert (result["sessions_pseudonymised"], result["bookings_deleted"]) == (2, 1)
    db.session.refresh(old)
    assert (old.user_id, old.booking_id, old.local_id) == (None, None, None)
    assert db.session.get(UsageSession, recent.id).user_id == r1.id
    assert db.session.scalar(select(Booking.id)) is None
    after = figures.summary([pc.site_id], date(2026, 6, 1), date(2026, 6, 30))
    assert after == before and after["unique_users"] == 2 and after["no_shows"] == 0
    assert after["bookings_due"] == 1
    # Running it again finds nothing more to do.
    assert not any(apply_retention(NOW).values())


def _csrf(client, path):
    return CSRF_RE.search(client.get(path).get_data(as_text=True)).group(1)


def test_resident_downloads_and_deletes_their_account(app, client, login, old_seat, create_user,
                                                      create_booking, add_session):
    pc = old_seat("cycow")
    resident = create_user(email="jan@example.org", card_number="1234")
    add_session(pc, resident, "walk_in", local(2026, 6, 1, 9), local(2026, 6, 1, 10))
    future = create_booking(pc, resident, datetime.now(timezone.utc) + timedelta(days=2))
    past = create_booking(pc, resident, local(2026, 6, 1, 9), status="completed")
    rebuild_all(date(2026, 6, 1), date(2026, 6, 30), now=NOW)
    db.session.commit()
    users_before = figures.summary([pc.site_id], date(2026, 6, 1), date(2026, 6, 30))
    login(client, resident)
    page = client.get("/account/data")
    assert page.status_code == 200 and "jan@example.org" in page.get_data(as_text=True)
    download = client.get("/account/data.json")
    data = json.loads(download.data)
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert data["account"]["email"] == "jan@example.org"
    assert len(data["bookings"]) == 2 and data["sessions"][0]["site"] == "cycow"
    token = _csrf(client, "/account/data")
    wrong = client.post("/account/delete", data={"csrf_token": token, "password": "nope",
                                                 "confirm": "y"})
    assert wrong.status_code == 422
    assert db.session.get(User, resident.id).login == resident.login  # nothing changed
    done = client.post("/account/delete", data={"csrf_token": token, "password": PASSWORD,
                                                "confirm": "y"})
    assert done.status_code == 302
    gone = db.session.get(User, resident.id)
    assert gone.login.startswith("deleted-") and not gone.active
    assert (gone.email, gone.card_number, gone.password_hash, gone.display_name) == \
        (None, None, None, "")
    assert db.session.get(Booking, future.id).status == "cancelled"
    assert db.session.get(Booking, past.id).status == "completed"
    assert client.get("/account/data").status_code in (302, 401)  # signed out
    rebuild_all(date(2026, 6, 1), date(2026, 6, 30), now=NOW)
    db.session.commit()
    assert figures.summary([pc.site_id], date(2026, 6, 1), date(2026, 6, 30)) == users_before


def test_resident_deletes_through_the_api(app, client, auth, create_user):
    resident = create_user()
    token = auth.token(resident)
    headers = {"Authorization": f"Bearer {token}"}
    mine = client.get("/api/v1/me/data", headers=headers)
    assert mine.status_code == 200 and mine.get_json()["account"]["login"] == resident.login
    bad = client.delete("/api/v1/me", json={"password": "wrong"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"] == "invalid_input"
    ok = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=headers)
    assert ok.status_code == 200 and ok.get_json() == {"deleted": True, "bookings_cancelled": 0}
    assert db.session.scalar(select(ApiToken.id)) is None
    assert client.get("/api/v1/me/data", headers=headers).status_code == 401


def test_only_the_right_roles_see_who_used_a_seat(app, login, old_seat, create_user,
                                                  add_session):
    pc = old_seat("cycow")
    resident = create_user()
    resident.display_name = "Anna Nowak"  # the factory sets display_name itself
    db.session.commit()
    add_session(pc, resident, "walk_in", local(2026, 6, 1, 9), local(2026, 6, 1, 10))
    url = "/stats/sites/cycow/sessions?day=2026-06-01"
    seen = {}
    for role, site in (("attendant", "cycow"), ("admin", None), ("it", None)):
        client = app.test_client()
        login(client, create_user(role, site=site))
        page = client.get(url)
        assert page.status_code == 200
        seen[role] = "Anna Nowak" in page.get_data(as_text=True)
    assert seen == {"attendant": True, "admin": True, "it": False}
    other = app.test_client()
    login(other, create_user("attendant", site="ludwin"))
    assert other.get(url).status_code == 403


def test_export_of_a_user_without_history(app, create_user):
    data = export_data(create_user())
    assert data["bookings"] == [] and data["sessions"] == []


def test_export_holds_the_residents_print_jobs_and_never_a_document_name(app, create_user):
    from telecentre.common.time import utcnow
    from telecentre.printing.models import PrintJob
    from telecentre.sites.services import get_site
    anna, other = create_user(), create_user()
    for user, pages in ((anna, 3), (anna, 1), (other, 9)):
        db.session.add(PrintJob(site_id=get_site("cycow").id, cups_job_id=pages,
                                queue="public", pages=pages, colour=pages == 1,
                                user_id=user.id, cost=200 if pages == 1 else 0,
                                created_at=utcnow()))
    db.session.commit()
    jobs = export_data(anna)["print_jobs"]
    assert [(j["site"], j["pages"], j["colour"], j["cost_grosze"]) for j in jobs] == [
        ("cycow", 3, False, 0), ("cycow", 1, True, 200)]
    assert not any("name" in key or "title" in key for key in jobs[0])
