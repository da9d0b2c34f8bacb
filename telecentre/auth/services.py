"""Accounts: creating users, signing in, API tokens."""
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from telecentre.audit.services import record
from telecentre.auth.models import ROLES, ApiToken, ReservedLogin, User
from telecentre.auth.passwords import hash_secret, needs_rehash, verify_secret
from telecentre.common.db import READ_FIRST
from telecentre.common.errors import Conflict, InvalidInput
from telecentre.common.time import utcnow
from telecentre.extensions import db

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")
MIN_PASSWORD = 10


def normalise_login(login: str) -> str:
    """Return the login as stored: trimmed and lower-case."""
    return (login or "").strip().lower()


def reserved_login_hash(login: str) -> str:
    """Return the keyed hash under which a deleted account's login stays reserved."""
    key = current_app.config["PSEUDONYM_KEY"].encode()
    return hmac.new(key, b"login:" + normalise_login(login).encode(), hashlib.sha256).hexdigest()


def reserve_login(login: str) -> None:
    """Keep ``login`` from being registered again (after its account is deleted). Flushes."""
    digest = reserved_login_hash(login)
    if db.session.get(ReservedLogin, digest) is None:
        db.session.add(ReservedLogin(login_hash=digest))
        db.session.flush()


def validate_password(password: str) -> None:
    """Raise InvalidInput when ``password`` is too short."""
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD))


def create_user(actor, login: str, *, role: str, password: str | None = None, site=None,
                display_name: str = "", email: str | None = None, phone: str | None = None,
                consent: bool = False) -> User:
    """Create an account; raise InvalidInput for bad values and Conflict for a taken login.

    Attendants need a site; other roles may have one (a resident's home site).
    Flushes and audits (the actor is None for self-registration and the CLI).
    """
    login = normalise_login(login)
    if not LOGIN_RE.match(login):
        raise InvalidInput(_("A login has 2–80 characters: small letters, digits, "
                             "dot, dash, underscore or @."))
    if role not in ROLES:
        raise InvalidInput(_("Unknown role %(role)s.", role=role))
    if role == "attendant" and site is None:
        raise InvalidInput(_("An attendant must belong to a site."))
    if password is not None:
        validate_password(password)
    if (db.session.scalar(select(User.id).where(User.login == login)) is not None
            or db.session.get(ReservedLogin, reserved_login_hash(login)) is not None):
        raise Conflict(_("The login %(login)s is taken; choose another.", login=login))
    user = User(login=login, role=role, site=site, display_name=display_name or login,
                email=email or None, phone=phone or None,
                password_hash=hash_secret(password) if password else None,
                consent_at=utcnow() if consent else None,
                privacy_version=current_app.config["PRIVACY_NOTICE_VERSION"] if consent else None)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", target=user, site=site,
           details={"login": login, "role": role})
    return user


def authenticate(login: str, password: str) -> User | None:
    """Return the active user whose login and password match, or None.

    Takes the same time whether the login exists or not.
    """
    user = db.session.scalar(select(User).where(User.login == normalise_login(login)))
    ok = verify_secret(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_secret(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, hours: int) -> tuple[str, ApiToken]:
    """Create an API bearer token for ``user``; return the token (shown once) and its row."""
    token = "tct_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_hash(token),
                   expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    return token, row


# One query for the token and its holder, built once: every API call with a token runs it.
# A view that reads first (common.db.read_first) may run it before its transaction.
_TOKEN_HOLDER = select(User).join(ApiToken, ApiToken.user_id == User.id).where(
    ApiToken.token_hash == bindparam("token_hash"),
    ApiToken.expires_at > bindparam("now", type_=ApiToken.expires_at.type)
).execution_options(**{READ_FIRST: True})


def user_for_token(token: str) -> User | None:
    """Return the active user holding the unexpired API ``token``, or None."""
    if not token.startswith("tct_"):
        return None
    user = db.session.scalar(_TOKEN_HOLDER, {"token_hash": _token_hash(token), "now": utcnow()})
    if user is None or not user.active:
        return None
    return user


def revoke_tokens(user: User) -> int:
    """Delete every API token of ``user``; return how many there were."""
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    return len(rows)


def revoke_sessions(user: User) -> None:
    """End every web session and API token of ``user``, on every device; flush.

    Call it at sign-out, after a password change or reset, and when an account
    is blocked: a copied session cookie (or one left open on another PC) is
    refused from its next request on, since its generation no longer matches.
    """
    from sqlalchemy import update
    db.session.execute(update(User).where(User.id == user.id).values(
        session_generation=User.session_generation + 1))
    db.session.refresh(user, ["session_generation"])
    revoke_tokens(user)


def count_users(role: str | None = None) -> int:
    """Return how many accounts there are (of ``role``)."""
    query = select(func.count(User.id))
    if role:
        query = query.where(User.role == role)
    return db.session.scalar(query)
