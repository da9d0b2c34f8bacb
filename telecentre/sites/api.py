"""API: the sites and their opening hours."""
from flask import Blueprint, jsonify
from pydantic import BaseModel

from telecentre.api.openapi import api_doc
from telecentre.common.access import access
from telecentre.common.time import local_today
from telecentre.sites.services import format_minute, intervals_on, list_sites

bp = Blueprint("sites_api", __name__, url_prefix="/api/v1")


class SiteOut(BaseModel):
    slug: str
    name: str
    address: str
    open_today: list[str]


def site_json(site) -> dict:
    """Return the public description of a site."""
    today = local_today()
    return {"slug": site.slug, "name": site.name, "address": site.address,
            "open_today": [f"{format_minute(o)}-{format_minute(c)}"
                           for o, c in intervals_on(site, today)]}


@bp.get("/sites")
@access("public")
@api_doc("List the sites", responses={200: [SiteOut]}, tags=["sites"], security=None, errors=())
def sites():
    """Return every active site with today's opening hours."""
    return jsonify([site_json(s) for s in list_sites()])
