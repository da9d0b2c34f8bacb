"""The OpenAPI document and the API's common refusals, as Schemathesis found them wanting.

Each test here is a defect the fuzzer reported (bench/api_fuzz.py), kept so
that it stays fixed.
"""
import pytest

from telecentre.api.openapi import build_document


@pytest.fixture
def document(app):
    return build_document(app)


def _operations(document):
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def test_every_operation_documents_the_refusals_its_route_can_give(app, document):
    for method, path, op in _operations(document):
        statuses = set(op["responses"])
        if op.get("security"):
            assert "401" in statuses, (method, path)  # no or a bad token
        if "{" in path:
            assert "404" in statuses, (method, path)  # an unknown object
        if "requestBody" in op:
            assert {"400", "422"} <= statuses, (method, path)  # not JSON; invalid fields
        for status, reply in op["responses"].items():
            if int(status) >= 400:
                ref = reply["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorReply"), (method, path, status)
    paths = document["paths"]
    # Routes under flask-limiter say so; others do not.
    assert "429" in paths["/api/v1/auth/token"]["post"]["responses"]
    assert "429" in paths["/api/v1/residents"]["post"]["responses"]
    assert "429" in paths["/api/v1/sites/{slug}/check-in"]["post"]["responses"]
    assert "429" not in paths["/api/v1/sites"]["get"]["responses"]
    # A staff route scoped to a site: another site's attendant gets 403.
    assert "403" in paths["/api/v1/console/sites/{slug}/room"]["get"]["responses"]
    # Error replies may carry details (the fields at fault).
    assert "details" in document["components"]["schemas"]["ErrorReply"]["properties"]


def test_two_models_of_one_name_are_refused(app):
    """The console's BookingOut once replaced the booking API's in the document, so that
    replies were checked against the other model's fields."""
    from pydantic import BaseModel

    from telecentre.api import openapi

    class ResidentOut(BaseModel):  # same name as telecentre.booking.schemas.ResidentOut
        other: int

    components = {}
    openapi._schema(ResidentOut, components)
    from telecentre.booking.schemas import ResidentOut as Booking
    with pytest.raises(RuntimeError, match="ResidentOut"):
        openapi._schema(Booking, components)


def test_console_replies_are_documented_with_their_own_models(document):
    schemas = document["components"]["schemas"]
    assert "card_number" in schemas["ConsoleResidentOut"]["properties"]
    assert "login" in schemas["ResidentOut"]["properties"]
    assert "resident" in schemas["ConsoleBookingOut"]["properties"]
    assert "code_display" in schemas["BookingOut"]["properties"]


def test_path_numbers_beyond_a_database_integer_are_not_found(client):
    """A 20-digit id in the URL reached the database: OverflowError on SQLite, 'integer out
    of range' on PostgreSQL, a 500 on both."""
    for url in ("/api/v1/bookings/99999999999999999999", "/api/v1/remote/runs/2147483648",
                "/api/v1/console/sites/cycow/sessions/16826107480362166272"):
        reply = client.get(url)
        assert reply.status_code == 404, url
        assert reply.get_json()["error"] == "not_found"
    # Werkzeug checks the method before converting: a limit only in the converter's ``max``
    # made this a 405 (GET allowed) instead of a 404.
    assert client.delete("/api/v1/bookings/2147483648").status_code == 404
    assert client.delete("/api/v1/bookings/2147483647").status_code == 401  # a real route
    document = build_document()
    param = document["paths"]["/api/v1/bookings/{booking_id}"]["get"]["parameters"][0]
    assert param["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}


def test_control_characters_in_a_path_name_are_not_found(app, client):
    """A NUL in a slug reached PostgreSQL, which refuses it in text (a 500): no route
    matches it now, on any database."""
    from werkzeug.exceptions import NotFound
    urls = app.url_map.bind("localhost")
    assert urls.match("/api/v1/sites/cycow/seats")[0] == "seats_api.site_seats"
    for path in ("/api/v1/sites/cy\x00cow/seats", "/api/v1/sites/cy\ncow/policy"):
        with pytest.raises(NotFound):
            urls.match(path)
    reply = client.get("/api/v1/sites/cy%00cow/seats")
    assert reply.status_code == 404 and reply.get_json()["error"] == "not_found"


def test_a_nul_character_in_a_body_is_refused(client):
    """PostgreSQL refuses NUL in text: a login holding one was a 500 there."""
    reply = client.post("/api/v1/auth/token", data='{"login": "a\\u0000b", "password": "x"}',
                        content_type="application/json")
    assert reply.status_code == 422 and reply.get_json()["error"] == "invalid_body"


def test_json_types_are_strict(client, auth, create_user, create_seat):
    """Lax pydantic turned "12" into 12 and false into 0, accepting what the document
    refuses."""
    seat = create_seat()
    headers = {"Authorization": f"Bearer {auth.token(create_user('resident'))}"}
    base = {"start": "2026-12-07T10:00:00+01:00", "end": "2026-12-07T10:30:00+01:00"}
    for seat_id in (str(seat.id), True, 2**40, 0):
        reply = client.post("/api/v1/bookings", json={**base, "seat_id": seat_id},
                            headers=headers)
        assert reply.status_code == 422, (seat_id, reply.get_json())
        assert reply.get_json()["details"]["fields"] == ["seat_id"]
