"""API: bearer tokens for API clients, and who the caller is."""
from datetime import datetime

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, Field

from telecentre.api.openapi import api_doc
from telecentre.api.schemas import Body, parse_body
from telecentre.auth.lockout import authenticate_limited
from telecentre.auth.services import issue_token
from telecentre.auth.two_step_views import account_key
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.extensions import db, limiter

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")


class TokenRequest(Body):
    login: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    otp: str | None = Field(
        default=None, min_length=1, max_length=40,
        description="For accounts with two-step sign-in: the six-digit code the authenticator "
                    "app shows now, or one of the recovery codes. Without it such an account "
                    "gets 401 `otp_required`; a wrong or used code gets 401 `otp_invalid`.")


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


def _otp_refused(response) -> bool:
    """Count a token request against the account's two-step limit only for a wrong code."""
    body = response.get_json(silent=True) if response.is_json else None
    return response.status_code == 401 and isinstance(body, dict) and \
        body.get("error") == "otp_invalid"


@bp.post("/auth/token")
@access("public", csrf_check=False)
@limiter.limit(lambda: current_app.config["RATELIMIT_TOKEN"])  # every attempt: exact under bursts
@limiter.shared_limit(lambda: current_app.config["RATELIMIT_TOTP"], scope="two-step-account",
                      key_func=account_key, deduct_when=_otp_refused)
@api_doc("Get a bearer token for a login and password (and code, with two-step sign-in)",
         body=TokenRequest, responses={201: TokenReply}, tags=["auth"], security=None,
         errors=(400, 401, 403, 422, 429))
def token():
    """Exchange a login and password (and, with two-step sign-in, a code) for a bearer token.

    401 when they do not match or the code is missing or wrong; 403 when the
    role must use two-step sign-in and the account has not set it up yet, or
    when the password is a temporary one from the desk (change it on the web).
    """
    from telecentre.auth import two_step
    body = parse_body(TokenRequest)
    user = authenticate_limited(body.login, body.password)
    if user is None:
        db.session.commit()
        raise DomainError(_("Wrong login or password."), code="invalid_credentials", status=401)
    if user.totp_enabled:
        if not body.otp:
            db.session.rollback()
            raise DomainError(_("This account uses two-step sign-in: send the code from the "
                                "authenticator app in the otp field."), code="otp_required",
                              status=401)
        if two_step.check_second_factor(user, body.otp, via="api") is None:
            db.session.commit()  # keep the audited failure
            raise DomainError(_("The two-step sign-in code (otp) is wrong or was already used."),
                              code="otp_invalid", status=401)
    elif two_step.required_for(user):
        db.session.rollback()
        raise DomainError(_("Your role must use two-step sign-in: set it up by signing in on "
                            "the web first."), code="otp_enrolment_required", status=403)
    if user.must_change_password:
        db.session.rollback()
        raise DomainError(_("This password is temporary: sign in on the web and choose your "
                            "own first."), code="password_change_required", status=403)
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
