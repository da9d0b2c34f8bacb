"""Getting back into an account: a one-time reset link by e-mail, a temporary password or
PIN from the desk, and changing one's own password or PIN.

Reset links carry a random token; only its SHA-256 is stored, with an expiry
(``PASSWORD_RESET_MINUTES``), and it works once. Asking for a link answers the
same whether or not the address belongs to an account. Services flush and
audit; the views commit.
"""
import hashlib
import re
import secrets
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import func, select, update

from telecentre.audit.services import record
from telecentre.auth.models import PasswordResetToken, User
from telecentre.auth.passwords import hash_secret, verify_secret
from telecentre.auth.services import revoke_tokens, validate_password
from telecentre.common.errors import Forbidden, InvalidInput
from telecentre.common.outgoing import mail_after_commit
from telecentre.common.time import utcnow
from telecentre.common.urls import public_url
from telecentre.extensions import db

PIN_DIGITS = 6
# Letters and digits that are not confused when read aloud or from paper (no 0/O, 1/l/I).
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(email: str, now=None) -> bool:
    """Mail a reset link to the active resident with ``email``; return True when one was sent.

    The caller shows the same answer either way. An account gets at most
    ``PASSWORD_RESET_PER_HOUR`` links an hour (the client address is limited
    in the view). Flushes.
    """
    now = now or utcnow()
    email = (email or "").strip()
    if not email or len(email) > 200:
        return False
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower(),
                                                User.role == "resident",
                                                User.active.is_(True)).limit(1))
    if user is None:
        return False
    config = current_app.config
    recent = db.session.scalar(select(func.count(PasswordResetToken.id)).where(
        PasswordResetToken.user_id == user.id,
        PasswordResetToken.created_at > now - timedelta(hours=1)))
    if recent >= config["PASSWORD_RESET_PER_HOUR"]:
        return False
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordResetToken(
        user_id=user.id, token_hash=_digest(token), created_at=now,
        expires_at=now + timedelta(minutes=config["PASSWORD_RESET_MINUTES"])))
    db.session.flush()
    record(None, "auth.reset_requested", target=user, site=user.site_id)
    return _send_link(user, public_url("recovery.reset", token=token))


def _send_link(user: User, link: str) -> bool:
    config = current_app.config
    with force_locale(user.locale or config["BABEL_DEFAULT_LOCALE"]):
        msg = EmailMessage()
        msg["Subject"] = _("Telecentre: set a new password")
        msg["From"], msg["To"] = config["MAIL_FROM"], user.email
        msg.set_content(_(
            "Someone (hopefully you) asked to set a new password for the Telecentre account "
            "%(login)s.\n\nOpen this link to choose a new password. It works once, for "
            "%(minutes)d minutes:\n\n%(link)s\n\nIf you did not ask, ignore this message: your "
            "password stays as it is.", login=user.login,
            minutes=config["PASSWORD_RESET_MINUTES"], link=link) + "\n")
    return mail_after_commit(msg)  # sent by a worker: the answer takes as long either way


def token_row(token: str, now=None) -> PasswordResetToken | None:
    """Return the unused, unexpired reset token row for ``token``, or None."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(PasswordResetToken).where(
        PasswordResetToken.token_hash == _digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now or not row.user.active:
        return None
    return row


def reset_with_token(token: str, password: str, now=None) -> User:
    """Set a new password with a reset link; the link (and every other of the account) is
    spent. Raises InvalidInput for a link that is unknown, used or expired, or a weak password.
    Flushes and audits."""
    now = now or utcnow()
    validate_password(password)
    # Spend the token first with one conditional UPDATE, so two tabs cannot both use it.
    spent = db.session.execute(update(PasswordResetToken).where(
        PasswordResetToken.token_hash == _digest(token or ""),
        PasswordResetToken.used_at.is_(None),
        PasswordResetToken.expires_at > now).values(used_at=now)
        .returning(PasswordResetToken.user_id)).scalar()
    user = db.session.get(User, spent) if spent is not None else None
    if user is None or not user.active:
        raise InvalidInput(_("This link is no longer valid. Ask for a new one."),
                           code="reset_link_invalid")
    db.session.execute(update(PasswordResetToken).where(
        PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now))
    _set_password(user, password)
    record(user, "auth.password_reset", target=user, site=user.site_id)
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_secret(password)
    user.must_change_password = False
    revoke_tokens(user)
    revoke_other_sessions(user)
    db.session.flush()


def revoke_other_sessions(user: User) -> None:
    """Sign ``user`` out on every device (web sessions and API tokens) where the server can
    do so: ``auth.services.revoke_sessions`` (session generations) when it is installed;
    API tokens in any case. The view keeps the person's own current session afterwards."""
    from telecentre.auth import services
    revoke = getattr(services, "revoke_sessions", None)
    if revoke is not None:
        revoke(user)
    else:
        revoke_tokens(user)


def change_own(user: User, current: str, new: str, new_again: str) -> str:
    """Change the signed-in person's password (or, for a card-only account, PIN) after the
    current one; return ``"password"`` or ``"pin"``. Raises InvalidInput. Flushes, audits."""
    if new != new_again:
        raise InvalidInput(_("The two new values differ."))
    if user.password_hash:
        if not verify_secret(user.password_hash, current or ""):
            raise InvalidInput(_("The current password is wrong."), code="wrong_password")
        if new == current:
            raise InvalidInput(_("Choose a password other than the current one."))
        _set_password(user, new)
        record(user, "auth.password_change", target=user, site=user.site_id)
        return "password"
    if not user.pin_hash or not verify_secret(user.pin_hash, current or ""):
        raise InvalidInput(_("The current PIN is wrong."), code="wrong_password")
    _check_pin(new)
    if new == current:
        raise InvalidInput(_("Choose a PIN other than the current one."))
    user.pin_hash = hash_secret(new)
    user.must_change_password = False
    revoke_other_sessions(user)
    db.session.flush()
    record(user, "auth.pin_change", target=user, site=user.site_id)
    return "pin"


def _check_pin(pin: str) -> None:
    if not re.fullmatch(rf"[0-9]{{{PIN_DIGITS}}}", pin or ""):
        raise InvalidInput(_("A PIN has %(n)d digits.", n=PIN_DIGITS))


def uses_pin(user: User) -> bool:
    """Return True when the account signs in with card and PIN only (no password)."""
    return not user.password_hash and bool(user.pin_hash)


def set_temporary(actor, resident: User, site, kind: str) -> str:
    """At the desk: give ``resident`` a new temporary password or PIN (``kind``), to be
    changed at the next sign-in; return it (shown once). Staff accounts are refused.
    Flushes and audits (the secret itself is never logged)."""
    if resident.role != "resident":
        raise Forbidden(_("Only residents' passwords are reset at the desk."))
    if kind == "pin":
        if not resident.card_number:
            raise InvalidInput(_("This resident has no card; give a temporary password."))
        secret = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
        resident.pin_hash = hash_secret(secret)
    elif kind == "password":
        secret = "-".join("".join(secrets.choice(_TEMP_ALPHABET) for _ in range(4))
                          for _ in range(3))
        resident.password_hash = hash_secret(secret)
        revoke_tokens(resident)
    else:
        raise InvalidInput(_("Choose a password or a PIN."))
    resident.must_change_password = True
    revoke_other_sessions(resident)
    db.session.flush()
    record(actor, f"resident.temporary_{kind}", target=resident,
           site=getattr(site, "id", None), details={"login": resident.login})
    return secret
