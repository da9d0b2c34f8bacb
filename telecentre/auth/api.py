"""API: bearer tokens for API clients, and who the caller is."""
from datetime import datetime

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, Field

from telecentre.api.openapi import api_doc
from telecentre.api.schemas import Body, parse_body
from telecentre.auth.services import authenticate, issue_token
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.extensions import db, limiter

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")


class TokenRequest(Body):
    login: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class TokenReply(BaseModel):
    token: str
    token_type: str
    expires_at: datetime


class Me(BaseModel):
    id: int
    login: str
    display_name: str
    role: str
    site: str | None


@bp.post("/auth/token")
@access("public", csrf_check=False)
@limiter.limit(lambda: current_app.config["RATELIMIT_TOKEN"])
@api_doc("Get a bearer token for a login and password", body=TokenRequest,
         responses={201: TokenReply}, tags=["auth"], security=None, errors=(400, 401, 422, 429))
def token():
    """Exchange a login and password for a bearer token (401 when they do not match)."""
    body = parse_body(TokenRequest)
    user = authenticate(body.login, body.password)
    if user is None:
        db.session.commit()
        raise DomainError(_("Wrong login or password."), code="invalid_credentials", status=401)
    value, row = issue_token(user, current_app.config["API_TOKEN_HOURS"])
    db.session.commit()
    return jsonify(token=value, token_type="Bearer", expires_at=row.expires_at.isoformat()), 201


@bp.get("/me")
@access("login")
@api_doc("The signed-in account", responses={200: Me}, tags=["auth"], errors=(401,))
def me():
    """Return the caller's account."""
    return jsonify(id=current_user.id, login=current_user.login,
                   display_name=current_user.display_name, role=current_user.role,
                   site=current_user.site.slug if current_user.site else None)
