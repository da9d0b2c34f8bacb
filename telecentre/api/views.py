"""The OpenAPI document."""
from flask import Blueprint, jsonify

from telecentre.api.openapi import api_doc, build_document
from telecentre.common.access import access

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@access("public")
@api_doc("This document", responses={200: {"type": "object"}}, tags=["meta"], security=None,
         errors=())
def openapi():
    """Return the OpenAPI document of the API."""
    return jsonify(build_document())
