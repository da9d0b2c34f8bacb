"""The quick heartbeat (its statement run straight through psycopg) when the database goes away:
a 503 like every other request, never a 500, and heartbeats work again once it is back."""
from sqlalchemy.engine import make_url

from telecentre.extensions import db
from tests.foundation.test_no_500 import Forwarder, _postgres

HEARTBEAT = {"state": "locked", "version": "1.0.1", "outbox_pending": 0, "health": {}}


def test_a_heartbeat_while_the_database_is_away_is_a_503_then_it_recovers(app, make_app,
                                                                         enroll):
    _postgres(app)
    _body, headers = enroll(seat_name="PC-LOST")
    url = make_url(str(db.engine.url.render_as_string(hide_password=False)))
    relay = Forwarder((url.host or "127.0.0.1", url.port or 5432))
    try:
        via = make_app(DATABASE_URL=url.set(host="127.0.0.1", port=relay.port)
                       .render_as_string(hide_password=False))
        client = via.test_client()
        beat = lambda: client.post("/api/v1/agent/heartbeat", json=HEARTBEAT,  # noqa: E731
                                   headers=headers)
        assert beat().status_code == 200
        assert beat().status_code == 200  # the pooled connection, used again at once (no ping)
        relay.cut()
        away = beat()
        assert away.status_code == 503 and away.get_json()["error"] == "database_unavailable"
        relay.restore()
        assert beat().status_code == 200  # the dead connection was not given back to the pool
    finally:
        relay.close()
