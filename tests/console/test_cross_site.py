"""An attendant of one site never reaches another site's seats, sessions, bookings or residents.

Every route of the whole application that takes one of those objects in its
URL is called, with every method, by an attendant of Cyców for objects of
Ludwin — under Ludwin's slug and under Cyców's own slug (object swapped in) —
and must answer 403 or 404. The same calls with Cyców's own objects must pass,
so the test would notice a route that refuses everything.
"""
import pytest

from tests.conftest import Auth
from tests.console.conftest import OTHER, OWN

OBJECT_ARGS = {"seat_id", "session_id", "booking_id", "resident_id", "pass_id", "entry_id"}


def _objects(slug, create_seat, create_user, create_booking, start_usage):
    from datetime import timedelta

    from telecentre.common.time import utcnow
    seat = create_seat(slug, f"X-{slug}")
    resident = create_user("resident", site=slug, login=f"res-{slug}")
    booking = create_booking(seat, resident, utcnow() + timedelta(hours=3), code=f"C{slug[:4]}")
    usage = start_usage(create_seat(slug, f"Y-{slug}"), resident)
    from telecentre.console.guests import issue_passes
    from telecentre.extensions import db
    from telecentre.sites.services import get_site
    guest = issue_passes(None, get_site(slug), 1, 30)[0]
    from telecentre.booking.models import QueueEntry
    entry = QueueEntry(site_id=get_site(slug).id, resident_id=resident.id)
    db.session.add(entry)
    db.session.commit()
    return {"seat_id": seat.id, "session_id": usage.id, "booking_id": booking.id,
            "resident_id": resident.id, "pass_id": guest.id, "entry_id": entry.id}


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        args = set(rule.arguments)
        if args & OBJECT_ARGS and args <= OBJECT_ARGS | {"slug"}:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


@pytest.fixture
def both_sites(app, create_seat, create_user, create_booking, start_usage):
    return {slug: _objects(slug, create_seat, create_user, create_booking, start_usage)
            for slug in (OWN, OTHER)}


def _call(app, user, url, method):
    client = app.test_client()
    auth = Auth(client)
    assert auth.login(user).status_code == 302
    token = auth.csrf_token("/")
    return client.open(url, method=method, data={"csrf_token": token},
                       headers={"X-CSRFToken": token})


def test_routes_with_objects_are_covered(app):
    endpoints = {rule.endpoint for rule, _method in _routes(app)}
    # The console's own pages and API are all in the walk below.
    assert {"console.seat", "console.session", "console.booking", "console.resident",
            "console_api.seat", "console_api.session", "console_api.booking",
            "console_api.resident"} <= endpoints


def test_other_sites_objects_are_out_of_reach(app, attendant, both_sites):
    leaks = []
    for rule, method in _routes(app):
        for slug in (OTHER, OWN):
            values = {arg: both_sites[OTHER][arg] for arg in rule.arguments if arg != "slug"}
            if "slug" in rule.arguments:
                values["slug"] = slug
            elif slug == OWN:
                continue  # no slug: one call is enough
            url = rule.build(values, append_unknown=False)[1]
            reply = _call(app, attendant, url, method)
            if reply.status_code not in (403, 404):
                leaks.append(f"{method} {url}: {reply.status_code}")
    assert leaks == []


def test_own_sites_objects_are_reachable(app, attendant, both_sites):
    refused = []
    for rule, method in _routes(app):
        if not rule.endpoint.startswith(("console.", "console_api.")) or method != "GET":
            continue
        values = {arg: both_sites[OWN][arg] for arg in rule.arguments if arg != "slug"}
        values["slug"] = OWN
        url = rule.build(values, append_unknown=False)[1]
        reply = _call(app, attendant, url, method)
        if reply.status_code != 200:
            refused.append(f"{method} {url}: {reply.status_code}")
    assert refused == []


def test_other_sites_lists_are_out_of_reach(app, attendant, both_sites):
    for url in (f"/console/{OTHER}", f"/console/{OTHER}/live", f"/console/{OTHER}/residents?q=res",
                f"/api/v1/console/sites/{OTHER}/room", f"/api/v1/console/sites/{OTHER}/bookings",
                f"/api/v1/console/sites/{OTHER}/residents?q=res"):
        assert _call(app, attendant, url, "GET").status_code == 403, url
    # Searching at the own site never finds the other site's resident either.
    found = _call(app, attendant, f"/api/v1/console/sites/{OWN}/residents?q=res-", "GET")
    assert [r["display_name"] for r in found.get_json()] == ["Res-Cycow"]


def test_api_with_a_bearer_token_is_scoped_too(app, attendant, both_sites):
    client = app.test_client()
    token = Auth(client).token(attendant)
    headers = {"Authorization": f"Bearer {token}"}
    other = both_sites[OTHER]
    for path in (f"seats/{other['seat_id']}", f"sessions/{other['session_id']}",
                 f"bookings/{other['booking_id']}", f"residents/{other['resident_id']}"):
        for slug in (OWN, OTHER):
            reply = client.get(f"/api/v1/console/sites/{slug}/{path}", headers=headers)
            assert reply.status_code in (403, 404), (slug, path)
            assert reply.get_json()["error"] in ("forbidden", "not_found")
    own = client.get(f"/api/v1/console/sites/{OWN}/seats/{both_sites[OWN]['seat_id']}",
                     headers=headers)
    assert own.status_code == 200 and own.get_json()["name"] == "X-cycow"
