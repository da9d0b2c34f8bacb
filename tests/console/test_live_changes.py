"""The live fragment answers 304 with no body while nothing on the map changed."""
from tests.console.conftest import OWN


def test_live_fragment_is_sent_only_when_it_changed(client, login, attendant, room, start_usage):
    login(client, attendant)
    first = client.get(f"/console/{OWN}/live")
    assert first.status_code == 200 and first.headers["ETag"]
    etag = first.headers["ETag"]
    same = client.get(f"/console/{OWN}/live", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""
    start_usage(room["seats"]["PC-04"], room["piotr"], minutes=45, ago=0)
    changed = client.get(f"/console/{OWN}/live", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Piotr Nowak" in changed.get_data(as_text=True)
