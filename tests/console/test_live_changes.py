"""The live fragment answers 304 with no body while nothing on the map changed, and only the
tiles that changed to a page that says which it holds."""
import re

import pytest

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


TILE = re.compile(r'<li class="tile[^"]*" id="seat-(\d+)"[^>]*data-v="([0-9a-f]+)"')


def held(html: str) -> str:
    """The X-Live-Tiles header a page holding ``html`` sends: seat_id:version, page order."""
    return ",".join(f"{seat}:{version}" for seat, version in TILE.findall(html))


def test_the_live_map_sends_only_the_tiles_that_changed(client, login, attendant, room,
                                                         start_usage):
    login(client, attendant)
    page = client.get(f"/console/{OWN}").get_data(as_text=True)
    tiles = held(page)
    assert tiles.count(":") == len(room["seats"])  # every tile carries its version
    same = client.get(f"/console/{OWN}/live", headers={"X-Live-Tiles": tiles})
    body = same.get_data(as_text=True)
    assert same.status_code == 200 and same.headers["X-Live-Diff"] == "1"
    assert 'data-replace="seat-' not in body  # no tile changed: only the parts around them
    assert 'data-replace="live-counts"' in body
    seat = room["seats"]["PC-04"]
    start_usage(seat, room["piotr"], minutes=45, ago=0)
    changed = client.get(f"/console/{OWN}/live", headers={"X-Live-Tiles": tiles})
    body = changed.get_data(as_text=True)
    assert changed.headers["X-Live-Diff"] == "1"
    assert re.findall(r'data-replace="seat-(\d+)"', body) == [str(seat.id)]
    assert "Piotr Nowak" in body and len(body) < len(page) // 3
    # The page's new tile carries its new version: held again, nothing changed.
    new_tiles = held(client.get(f"/console/{OWN}/live").get_data(as_text=True))
    again = client.get(f"/console/{OWN}/live", headers={"X-Live-Tiles": new_tiles})
    assert 'data-replace="seat-' not in again.get_data(as_text=True)


@pytest.mark.parametrize("header", ["abc", "1:", ":abc", "1:a,,2:b", "٣:abc", "x" * 70000])
def test_an_unreadable_tiles_header_gets_the_whole_fragment(client, login, attendant, room,
                                                            header):
    login(client, attendant)
    reply = client.get(f"/console/{OWN}/live", headers={"X-Live-Tiles": header})
    assert reply.status_code == 200 and "X-Live-Diff" not in reply.headers
    assert reply.get_data(as_text=True).count('class="tile ') == len(room["seats"])


def test_a_room_whose_seats_changed_gets_the_whole_fragment(client, login, attendant, room,
                                                            create_seat):
    login(client, attendant)
    tiles = held(client.get(f"/console/{OWN}/live").get_data(as_text=True))
    create_seat(OWN, "PC-07")
    reply = client.get(f"/console/{OWN}/live", headers={"X-Live-Tiles": tiles})
    assert "X-Live-Diff" not in reply.headers
    assert "PC-07" in reply.get_data(as_text=True)
