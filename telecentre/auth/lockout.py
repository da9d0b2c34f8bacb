"""Failed sign-ins counted per account, beside the per-address limits.

A password guesser who moves from address to address (a botnet, or a room of
PCs) still gets only ``RATELIMIT_LOGIN_ACCOUNT`` wrong passwords per account.
The attempt is counted *before* the password is checked, with the storage's
atomic increment, and given back when the password was right: however many
attempts arrive at once, at most the limit of wrong passwords are ever tried
(Flask-Limiter's ``deduct_when`` checks first and counts after the view, so a
burst would slip through). The web form and the token API share the counter.
"""
from flask import current_app
from flask_babel import gettext as _
from limits import parse_many

from telecentre.auth.services import authenticate, normalise_login
from telecentre.common.errors import DomainError
from telecentre.extensions import limiter

SCOPE = "login-account"


class AccountLocked(DomainError):
    """Too many wrong passwords for this account lately (429)."""

    status, code = 429, "account_locked"


def _items():
    return parse_many(current_app.config["RATELIMIT_LOGIN_ACCOUNT"])


def _count(login: str, cost: int) -> bool:
    """Add ``cost`` to the account's counters; return False when one is over its limit."""
    ok = True
    for item in _items():
        ok = limiter.limiter.hit(item, SCOPE, login, cost=cost) and ok
    return ok


def authenticate_limited(login: str, password: str):
    """Like ``authenticate``; raise AccountLocked once the account has had too many failures."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return authenticate(login, password)
    key = normalise_login(login)[:200]
    if not _count(key, 1):
        raise AccountLocked(_("Too many wrong passwords for this account. Please wait a few "
                              "minutes and try again."))
    user = authenticate(login, password)
    if user is not None:
        _count(key, -1)  # a right password costs nothing
    return user
