"""Access control, declared on every view and enforced in one place.

Each view carries ``@access(level, site=resolver)``. ``enforce`` runs before
every request: it checks the level against the current user's role and, for
site-scoped staff views, that an attendant works at the site the resolver
finds for the URL. A view without a declared level makes ``create_app`` fail,
so no route can be added unprotected.

Levels: ``public``; ``login`` (any signed-in user); ``resident``; ``staff``
(attendant of the site, IT, admin); ``it`` (IT, admin); ``admin``. Features
may register further levels (the agent API adds ``agent``) with
``register_level``.
"""
from typing import Callable

from flask import abort, current_app, request
from flask_login import current_user

from telecentre.extensions import csrf

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

ROLE_LEVELS = {
    "login": {"resident", "attendant", "it", "admin"},
    "resident": {"resident"},
    "staff": {"attendant", "it", "admin"},
    "it": {"it", "admin"},
    "admin": {"admin"},
}
# Extra levels: name -> callable() that returns None to allow or aborts.
CUSTOM_LEVELS: dict[str, Callable[[], None]] = {}


def access(level: str, site: Callable | None = None, csrf_check: bool = True):
    """Declare who may call a view.

    ``site`` maps the URL's view arguments to the Site the request is about
    (None → 404); an attendant of another site then gets 403. ``csrf_check``
    False is for endpoints that never use the session cookie (agent API,
    token issue).
    """
    if level not in ROLE_LEVELS and level != "public" and level not in CUSTOM_LEVELS:
        raise ValueError(f"unknown access level {level!r}")

    def decorate(view):
        view.access_level = level
        view.access_site = site
        view.access_csrf = csrf_check
        return view

    return decorate


def register_level(name: str, check: Callable[[], None]) -> None:
    """Add an access level whose ``check()`` aborts when the request may not pass."""
    CUSTOM_LEVELS[name] = check


def uses_bearer_token() -> bool:
    """Return True when the request authenticates with an Authorization header, not a cookie."""
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def enforce():
    """Before every request: apply the view's declared access level and CSRF rule."""
    if request.endpoint is None:
        return None  # unknown URL: the 404 handler answers
    view = current_app.view_functions[request.endpoint]
    level = getattr(view, "access_level", None)
    if level is None:
        if request.endpoint == "static" or request.endpoint.endswith(".static"):
            return None
        abort(403)  # unreachable: create_app refuses undeclared views
    _check_level(view, level)
    # Cookie-authenticated changes need the CSRF token; bearer-token calls carry no cookie.
    if request.method in UNSAFE_METHODS and view.access_csrf and not uses_bearer_token():
        csrf.protect()
    return None


def _check_level(view, level: str) -> None:
    """Abort unless the current user passes the view's level (and site scope)."""
    if level == "public":
        return
    if level in CUSTOM_LEVELS:
        CUSTOM_LEVELS[level]()
        return
    if not current_user.is_authenticated:
        abort(401)
    if current_user.role not in ROLE_LEVELS[level]:
        abort(403)
    if view.access_site is not None:
        site = view.access_site(**(request.view_args or {}))
        if site is None:
            abort(404)
        if not current_user.can_staff(site):
            abort(403)


def check_declared(app) -> None:
    """Raise if a view of ``app`` has no declared access level."""
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static"
        and not endpoint.endswith(".static")
        and getattr(view, "access_level", None) is None
    ]
    if missing:
        raise RuntimeError(f"views without @access: {', '.join(sorted(missing))}")
