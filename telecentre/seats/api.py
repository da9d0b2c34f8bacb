"""API: the seats of a site and their live state."""
from flask import Blueprint, jsonify
from pydantic import BaseModel

from telecentre.api.openapi import api_doc
from telecentre.common.access import access
from telecentre.seats.services import list_seats, public_state, seat_states
from telecentre.sites.services import get_site

bp = Blueprint("seats_api", __name__, url_prefix="/api/v1")


class SeatOut(BaseModel):
    id: int
    name: str
    kind: str
    state: str
    bookable: bool
    accessible: bool


@bp.get("/sites/<slug>/seats")
@access("public")
@api_doc("List a site's seats with their live state (free, booked, in_use, offline, "
         "out_of_service; a seat with no enrolled agent reads offline)",
         responses={200: [SeatOut]}, tags=["seats"], security=None, errors=(404,))
def site_seats(slug):
    """Return the seats of the site and the state of each now."""
    site = get_site(slug)
    seats = list_seats(site)
    states = seat_states(seats)
    return jsonify([{"id": s.id, "name": s.name, "kind": s.kind,
                     "state": public_state(states[s.id]), "bookable": s.bookable,
                     "accessible": s.accessible} for s in seats])
