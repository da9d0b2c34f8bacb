"""The home page, the sites API and editing a site's hours and subnets."""
from datetime import date

from sqlalchemy import func, select

from telecentre.audit.models import AuditEntry
from telecentre.extensions import db
from telecentre.sites.services import SEVEN_SITES, intervals_on, seed_sites


def test_home_lists_the_seven_sites(client, create_seat):
    create_seat("cycow")
    create_seat("cycow")
    page = client.get("/").get_data(as_text=True)
    for _slug, name, address in SEVEN_SITES:
        assert name in page and address in page
    assert '<html lang="pl">' in page
    assert 'href="#main"' in page and '<main id="main"' in page


def test_home_in_english(client):
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Public computers and internet kiosks" in page


def test_sites_api(client):
    sites = client.get("/api/v1/sites").get_json()
    assert [s["slug"] for s in sites] == [slug for slug, _n, _a in SEVEN_SITES]
    assert sites[0]["name"] == "Starostwo Powiatowe w Łęcznej"


def test_seed_is_idempotent(app):
    assert seed_sites() == 0
    from telecentre.sites.models import Site
    assert db.session.scalar(select(func.count(Site.id))) == 7


def test_holiday_and_exception(app, site):
    from telecentre.sites.services import add_exception
    cycow = site("cycow")
    assert intervals_on(cycow, date(2026, 12, 1)) == [(480, 960)]  # a Tuesday
    assert intervals_on(cycow, date(2026, 12, 25)) == []  # Christmas
    assert intervals_on(cycow, date(2026, 12, 5)) == []  # Saturday
    add_exception(None, cycow, date(2026, 12, 5), "10:00-14:00", "Mikołajki")
    add_exception(None, cycow, date(2026, 12, 2), None, "Szkolenie")
    assert intervals_on(cycow, date(2026, 12, 5)) == [(600, 840)]
    assert intervals_on(cycow, date(2026, 12, 2)) == []


def test_admin_edits_hours(client, auth, create_user, login, site):
    login(client, create_user("admin"))
    token = auth.csrf_token("/admin/sites/spiczyn")
    reply = client.post("/admin/sites/spiczyn", data={
        "csrf_token": token, "h-csrf_token": token,
        "h-hours": "mon-fri 07:30-15:30\nsat 09:00-12:00"})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    assert intervals_on(site("spiczyn"), date(2026, 12, 5)) == [(540, 720)]
    reply = client.post("/admin/sites/spiczyn", data={"h-csrf_token": token,
                                                      "h-hours": "mon-fri 16:00-08:00"})
    assert reply.status_code == 422
    assert intervals_on(site("spiczyn"), date(2026, 12, 5)) == [(540, 720)]
    reply = client.post("/admin/sites/spiczyn", data={"s-csrf_token": token,
                                                      "s-subnets": "10.7.0.0/16\nnot-a-net"})
    assert reply.status_code == 422
    assert "not-a-net" in reply.get_data(as_text=True)
    assert site("spiczyn").subnets == []
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("site.hours") == 1


def test_cli_hours_and_subnets(runner, site):
    result = runner.invoke(args=["sites", "hours", "milejow", "mon-fri 08:00-16:00",
                                 "sat 09:00-13:00"])
    assert result.exit_code == 0, result.output
    assert intervals_on(site("milejow"), date(2026, 12, 5)) == [(540, 780)]
    result = runner.invoke(args=["sites", "hours", "milejow", "mon-sun 00:00-24:00"])
    assert result.exit_code == 0
    assert intervals_on(site("milejow"), date(2026, 12, 6)) == [(0, 1440)]
    result = runner.invoke(args=["sites", "hours", "milejow", "mon-fri 9-17"])
    assert result.exit_code == 1 and "pon-pt 08:00-16:00" in result.output  # Polish day names
    assert intervals_on(site("milejow"), date(2026, 12, 6)) == [(0, 1440)]
    # Polish (and Ukrainian) day names are read too; Sunday 6 December stays closed.
    result = runner.invoke(args=["sites", "hours", "milejow", "pon-pt 08:00-16:00",
                                 "sob 09:00-13:00"])
    assert result.exit_code == 0, result.output
    assert intervals_on(site("milejow"), date(2026, 12, 5)) == [(540, 780)]
    assert intervals_on(site("milejow"), date(2026, 12, 6)) == []
    result = runner.invoke(args=["sites", "hours", "milejow", "пн-нд 00:00-24:00"])
    assert result.exit_code == 0 and intervals_on(site("milejow"), date(2026, 12, 6)) == [
        (0, 1440)]
    result = runner.invoke(args=["sites", "subnets", "milejow", "10.30.1.0/24", "10.30.2.0/24"])
    assert result.exit_code == 0
    assert site("milejow").subnets == ["10.30.1.0/24", "10.30.2.0/24"]
    result = runner.invoke(args=["sites", "subnets", "milejow", "10.30.1.7/24"])
    assert result.exit_code == 1 and "10.30.1.0/24" in result.output
    result = runner.invoke(args=["sites", "subnets", "nowhere", "10.0.0.0/8"])
    assert result.exit_code == 1 and "nowhere" in result.output


def test_cli_users_and_seats(runner, site):
    result = runner.invoke(args=["users", "add", "jan", "--role", "attendant", "--site", "ludwin",
                                 "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "add", "jan", "--role", "resident",
                                 "--password-stdin"], input="a long password\n")
    assert result.exit_code == 1 and "jan" in result.output
    result = runner.invoke(args=["users", "add", "solo", "--role", "attendant",
                                 "--password-stdin"], input="a long password\n")
    assert result.exit_code == 1
    result = runner.invoke(args=["seats", "add", "ludwin", "PC-01"])
    assert result.exit_code == 0
    result = runner.invoke(args=["seats", "add", "ludwin", "Infomat", "--kind", "kiosk"])
    assert result.exit_code == 0
    result = runner.invoke(args=["seats", "add", "ludwin", "PC-01"])
    assert result.exit_code == 1
    result = runner.invoke(args=["seats", "list", "ludwin"])
    # No agent is enrolled on them yet: nothing would unlock them, so they are not free.
    assert "PC-01\tpc\tno_agent" in result.output
    assert "Infomat\tkiosk\tno_agent" in result.output


def test_seats_api_states(client, create_seat, create_user, create_booking, create_agent):
    from datetime import timedelta

    from telecentre.common.time import utcnow
    from telecentre.sessions.models import UsageSession
    free = create_seat("puchaczow", "PC-1")
    booked = create_seat("puchaczow", "PC-2")
    busy = create_seat("puchaczow", "PC-3")
    broken = create_seat("puchaczow", "PC-4", in_service=False)
    create_seat("puchaczow", "PC-5")  # no agent enrolled: "offline" in the public contract
    for seat in (free, booked):
        create_agent(seat)
    resident = create_user()
    now = utcnow()
    create_booking(booked, resident, now - timedelta(minutes=5))
    db.session.add(UsageSession(site_id=busy.site_id, seat_id=busy.id, kind="walk_in",
                                started_at=now - timedelta(minutes=3)))
    db.session.commit()
    states = {s["name"]: s["state"] for s in client.get("/api/v1/sites/puchaczow/seats").get_json()}
    assert states == {"PC-1": "free", "PC-2": "booked", "PC-3": "in_use", "PC-4": "out_of_service",
                      "PC-5": "offline"}
    assert free and broken
    reply = client.get("/api/v1/sites/atlantis/seats")
    assert reply.status_code == 404 and reply.get_json()["error"] == "not_found"
