"""Two-step sign-in for IT and admins: TOTP (RFC 6238) codes and one-time recovery codes.

The shared secret is stored encrypted with the key file (``common.crypto``).
A code is accepted for the current 30-second time-step and one step either
side (clock drift); the step accepted last is stored and a code of that step
or an earlier one is refused, so an overheard code cannot be replayed. The
check-and-store is one conditional UPDATE, so two requests racing with the
same code cannot both pass. Recovery codes are hashed with Argon2id like
passwords and each works once; the first two of their twelve characters are
kept in clear as a hint, so that a typed code costs one Argon2 check, not ten
(the other ten characters, about 49 bits, are what is secret).
"""
import hmac
import re
import secrets

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from telecentre.audit.services import record
from telecentre.auth.models import RecoveryCode, User
from telecentre.auth.passwords import hash_secret, verify_secret
from telecentre.common.crypto import decrypt, encrypt, encrypted_column
from telecentre.common.errors import Conflict, InvalidInput, PolicyViolation
from telecentre.common.time import utcnow
from telecentre.extensions import db

encrypted_column(User, "totp_secret")

TOTP_ROLES = ("it", "admin")
RECOVERY_CODES = 10
CODE_LENGTH = 12
DRIFT_STEPS = 1
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_CODE_RE = re.compile(r"^\d{6}$")


def required_for(user: User) -> bool:
    """Return True when the user's role must use two-step sign-in (``REQUIRE_TOTP_FOR``)."""
    return user.role in current_app.config["REQUIRE_TOTP_FOR"]


def may_use(user: User) -> bool:
    """Return True for the roles that may turn two-step sign-in on (IT, admin)."""
    return user.role in TOTP_ROLES


def begin_enrolment(user: User, *, restart: bool = True) -> str:
    """Give ``user`` a new secret (not enabled until confirmed); return it in base32.

    With ``restart`` False an unconfirmed secret is kept, so signing in again
    shows the same QR code. Raises Conflict when two-step sign-in is already on.
    """
    if not may_use(user):
        raise PolicyViolation(_("Two-step sign-in is for IT staff and admins."))
    if user.totp_enabled:
        raise Conflict(_("Two-step sign-in is already on."))
    if user.totp_secret and not restart:
        return decrypt(user.totp_secret)
    secret = pyotp.random_base32()
    user.totp_secret, user.totp_last_step = encrypt(secret), None
    db.session.flush()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    """Return the ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.login,
                                               issuer_name=current_app.config["TOTP_ISSUER"])


def qr_data_uri(uri: str) -> str:
    """Return the QR code of ``uri`` as an SVG ``data:`` URI for an <img> (CSP img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """Return the secret in groups of four letters, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str) -> int | None:
    """Return the time-step (now ± DRIFT_STEPS) whose code is ``code``, or None."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Store ``step`` as the last accepted one unless it (or a later one) was used already."""
    result = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None),
                                                   User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _check_totp(user: User, code: str) -> bool:
    """Return True for a right, fresh code from the app (and remember its step)."""
    code = re.sub(r"\s+", "", code or "")
    if not user.totp_secret or not _CODE_RE.match(code):
        return False
    step = _matching_step(decrypt(user.totp_secret), code)
    return step is not None and _claim_step(user, step)


def _normalise_recovery(code: str) -> str:
    return re.sub(r"[\s-]+", "", (code or "").lower())


def _use_recovery_code(user: User, code: str) -> bool:
    """Return True when ``code`` is one of the user's unused recovery codes (now used)."""
    code = _normalise_recovery(code)
    if len(code) != CODE_LENGTH:
        return False
    rows = db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
        RecoveryCode.hint == code[:2])).all()
    if not rows:
        verify_secret(None, code)  # the same cost as a near miss
    for row in rows:
        if verify_secret(row.code_hash, code):
            taken = db.session.execute(
                update(RecoveryCode).where(RecoveryCode.id == row.id,
                                           RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow()).execution_options(synchronize_session=False))
            return taken.rowcount == 1
    return False


def check_second_factor(user: User, code: str, *, via: str) -> str | None:
    """Check a code from the app or a recovery code; return ``"totp"``/``"recovery"`` or None.

    Six digits are read as an app code, anything else as a recovery code. A
    failure is audited (``auth.totp_failed``); flushes, never commits.
    """
    if user.totp_enabled:
        compact = re.sub(r"\s+", "", code or "")
        if _CODE_RE.match(compact):
            if _check_totp(user, compact):
                return "totp"
        elif _use_recovery_code(user, code):
            record(user, "auth.recovery_code_used", target=user, site=user.site_id,
                   details={"via": via, "left": recovery_codes_left(user)})
            return "recovery"
    record(user, "auth.totp_failed", target=user, site=user.site_id, details={"via": via})
    return None


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new ones; return them (shown once)."""
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
             for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, hint=code[:2], code_hash=hash_secret(code)))
    db.session.flush()
    half = CODE_LENGTH // 2
    return [f"{code[:half]}-{code[half:]}" for code in codes]


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn two-step sign-in on when ``code`` matches the new secret; return recovery codes.

    Raises InvalidInput for a wrong code (audited) and Conflict when there is
    nothing to confirm. Flushes and audits ``auth.totp_enabled``.
    """
    if user.totp_enabled:
        raise Conflict(_("Two-step sign-in is already on."))
    if not user.totp_secret:
        raise Conflict(_("Start the set-up first."))
    if not _check_totp(user, code):
        record(user, "auth.totp_failed", target=user, site=user.site_id,
               details={"via": "enrolment"})
        raise InvalidInput(_("That code is not right. Check that the phone's clock is "
                             "correct and type the code the app shows now."))
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    record(user, "auth.totp_enabled", target=user, site=user.site_id)
    return codes


def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    db.session.flush()


def disable(user: User, code: str) -> None:
    """The user turns two-step sign-in off, proving it with a current code or a recovery code.

    Refused (PolicyViolation) when their role requires it; InvalidInput for a
    wrong code. Flushes and audits ``auth.totp_disabled``.
    """
    if required_for(user):
        raise PolicyViolation(_("Your role must use two-step sign-in, so it cannot be "
                                "turned off. An admin can reset it if you lost your phone."))
    if not user.totp_enabled:
        raise Conflict(_("Two-step sign-in is not on."))
    if check_second_factor(user, code, via="disable") is None:
        raise InvalidInput(_("That code is not right. Check that the phone's clock is "
                             "correct and type the code the app shows now."))
    _clear(user)
    record(user, "auth.totp_disabled", target=user, site=user.site_id)


def renew_recovery_codes(user: User, code: str) -> list[str]:
    """Replace the user's recovery codes, proven with a current code or a recovery code.

    The old codes stop working; the new ones are returned to be shown once.
    Conflict when two-step sign-in is off; InvalidInput for a wrong code
    (audited). Flushes and audits ``auth.recovery_codes_renewed``.
    """
    if not user.totp_enabled:
        raise Conflict(_("Two-step sign-in is not on."))
    if check_second_factor(user, code, via="renew_codes") is None:
        raise InvalidInput(_("That code is not right. Check that the phone's clock is "
                             "correct and type the code the app shows now."))
    codes = _new_recovery_codes(user)
    record(user, "auth.recovery_codes_renewed", target=user, site=user.site_id)
    return codes


def reset(actor: User | None, user: User) -> bool:
    """An admin (or the CLI, actor None) removes a user's two-step sign-in, e.g. a lost phone.

    Returns False when there was nothing to reset. Flushes and audits ``auth.totp_reset``.
    """
    had = user.totp_secret is not None or user.totp_enabled_at is not None
    _clear(user)
    record(actor, "auth.totp_reset", target=user, site=user.site_id,
           details={"login": user.login, "was_enabled": had})
    return had


def recovery_codes_left(user: User) -> int:
    """Return how many unused recovery codes the user has."""
    from sqlalchemy import func
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
