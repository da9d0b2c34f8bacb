"""API: the indicators, a site's figures, and a resident's own data and account."""
from flask import Blueprint, jsonify
from flask_login import current_user
from pydantic import BaseModel, Field

from telecentre.api.openapi import api_doc
from telecentre.api.schemas import Body, parse_body
from telecentre.common.access import access
from telecentre.extensions import db
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site
from telecentre.stats import figures
from telecentre.stats.indicators import indicators
from telecentre.stats.privacy import delete_account, export_data
from telecentre.stats.views import parse_period

bp = Blueprint("stats_api", __name__, url_prefix="/api/v1")
PERIOD_QUERY = {"year": {"type": "integer", "minimum": 2000, "maximum": 2100},
                "month": {"type": "integer", "minimum": 1, "maximum": 12}}


class DeleteRequest(Body):
    password: str = Field(min_length=1, max_length=200)


class DeleteReply(BaseModel):
    deleted: bool
    bookings_cancelled: int


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@bp.get("/stats/indicators")
@access("admin")
@api_doc("The programme's indicators of a year: per site and county, per month, quarter, year",
         query={"year": PERIOD_QUERY["year"]}, tags=["stats"], errors=(401, 403, 422))
def indicators_api():
    """Return the indicators report of ``year``."""
    year, _m, _f, _l = parse_period(allow_empty=False)
    return jsonify(_jsonable(indicators(year)))


@bp.get("/stats/sites/<slug>")
@access("staff", site=site_from_slug)
@api_doc("A site's figures for a year or a month", query=PERIOD_QUERY, tags=["stats"],
         errors=(401, 403, 404, 422))
def site_figures(slug):
    """Return the headline figures, months, hours and seats of a site."""
    site = get_site(slug)
    year, month, first, last = parse_period(allow_empty=False)
    return jsonify(_jsonable({
        "site": site.slug, "first": first, "last": last,
        "summary": figures.summary([site.id], first, last),
        "months": figures.by_month([site.id], year),
        "hours": figures.by_hour([site.id], first, last),
        "seats": figures.by_seat(site.id, first, last)}))


@bp.get("/me/data")
@access("resident")
@api_doc("Everything held about the calling resident (data portability)", tags=["privacy"],
         errors=(401, 403))
def my_data():
    """Return the caller's data as one JSON document."""
    return jsonify(export_data(current_user))


@bp.delete("/me")
@access("resident")
@api_doc("Delete the calling resident's account (open bookings cancelled, history kept "
         "without the name)", body=DeleteRequest, responses={200: DeleteReply},
         tags=["privacy"], errors=(400, 401, 403, 422))
def delete_me():
    """Delete the caller's account after checking the password."""
    body = parse_body(DeleteRequest)
    result = delete_account(current_user, current_user, body.password)
    db.session.commit()
    return jsonify(deleted=True, **result)
