"""Guest passes: a group issued at once and printed, bad input refused, revoking, lookup."""
from datetime import timedelta

from sqlalchemy import func, select

from telecentre.common.time import utcnow
from telecentre.console import guests
from telecentre.console.models import GuestPass
from telecentre.extensions import db
from tests.conftest import Auth
from tests.console.conftest import OTHER, OWN


def _post(client, url, **data):
    token = Auth(client).csrf_token("/")
    return client.post(url, data={"csrf_token": token, **data})


def test_a_group_of_passes_is_issued_and_printed(client, login, attendant):
    login(client, attendant)
    reply = _post(client, f"/console/{OWN}/guest-passes", count="5", minutes="45",
                  note="Klasa 3b")
    assert reply.status_code == 302 and "/guest-passes/sheet/" in reply.location
    sheet = client.get(reply.location).get_data(as_text=True)
    passes = db.session.scalars(select(GuestPass)).all()
    assert len(passes) == 5 and len({p.code for p in passes}) == 5
    assert len({p.batch for p in passes}) == 1
    for guest in passes:
        assert guests.display(guest.code) in sheet
        assert guest.minutes == 45 and guest.note == "Klasa 3b"
        assert guest.expires_at > utcnow()
    assert sheet.count('class="pass"') == 5
    from telecentre.audit.models import AuditEntry
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "guest_pass.issue"))
    assert entry.details["count"] == 5 and entry.who == attendant.login


def test_bad_input_is_refused_and_changes_nothing(client, login, attendant):
    login(client, attendant)
    for data in ({"count": "0", "minutes": "30"}, {"count": "41", "minutes": "30"},
                 {"count": "2", "minutes": "abc"}, {"count": "2", "minutes": "1000"},
                 {"count": "2", "minutes": "30", "days": "9"}):
        reply = _post(client, f"/console/{OWN}/guest-passes", **data)
        assert reply.status_code == 422, data
        assert 'class="flash flash-error"' in reply.get_data(as_text=True)
    assert db.session.scalar(select(func.count(GuestPass.id))) == 0


def test_revoke_and_lookup(app, attendant):
    site = attendant.site
    first, second = guests.issue_passes(attendant, site, 2, 30)
    db.session.commit()
    now = utcnow()
    assert guests.find_valid(site.id, guests.display(first.code).lower(), now).id == first.id
    assert guests.find_valid(site.id, "nonsense", now) is None
    guests.revoke_pass(attendant, first)
    db.session.commit()
    assert guests.find_valid(site.id, first.code, now) is None
    assert guests.find_valid(site.id, second.code, now + timedelta(days=2)) is None  # expired
    from telecentre.sites.services import get_site
    assert guests.find_valid(get_site(OTHER).id, second.code, now) is None  # other site


def test_other_sites_passes_are_out_of_reach(client, login, attendant):
    from telecentre.sites.services import get_site
    theirs = guests.issue_passes(None, get_site(OTHER), 1, 30)[0]
    db.session.commit()
    login(client, attendant)
    assert client.get(f"/console/{OTHER}/guest-passes").status_code == 403
    assert client.get(f"/console/{OTHER}/guest-passes/sheet/{theirs.batch}").status_code == 403
    assert client.get(f"/console/{OWN}/guest-passes/sheet/{theirs.batch}").status_code == 404
    for slug in (OWN, OTHER):
        reply = _post(client, f"/console/{slug}/guest-passes/{theirs.id}/revoke")
        assert reply.status_code in (403, 404)
    assert db.session.get(GuestPass, theirs.id).revoked_at is None
