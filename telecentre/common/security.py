"""Security headers on every response and session time limits.

- CSP without inline scripts or styles: every script and stylesheet is a file
  under /static; templates must not use ``<script>…</script>`` bodies,
  ``on…=`` handlers or ``style=`` attributes.
- HSTS whenever cookies are secure (i.e. the site is served over HTTPS).
- Personal pages and every API reply are ``no-store``.
- A signed-in session ends after ``SESSION_IDLE_MINUTES`` without a request
  and after ``SESSION_ABSOLUTE_HOURS`` in any case.
"""
import time

from flask import current_app, request, session
from flask_login import current_user, logout_user

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")


def set_headers(response):
    """Add the security headers to ``response``."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["SECURE_COOKIES"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    personal = getattr(current_user, "is_authenticated", False) or \
        request.headers.get("Authorization") or request.path.startswith("/api/")
    if personal:
        headers["Cache-Control"] = "no-store"
        headers.setdefault("Pragma", "no-cache")
    return response


def check_session_age():
    """End a signed-in session that was idle too long or is too old."""
    if not getattr(current_user, "is_authenticated", False) or request.headers.get(
            "Authorization"):
        return None
    now = time.time()
    cfg = current_app.config
    started = session.setdefault("_started", now)
    last = session.get("_seen", now)
    if (now - last > cfg["SESSION_IDLE_MINUTES"] * 60
            or now - started > cfg["SESSION_ABSOLUTE_HOURS"] * 3600):
        logout_user()
        session.clear()
        return None
    session["_seen"] = now
    session.permanent = True
    return None


def init_app(app):
    """Install the header and session hooks."""
    app.before_request(check_session_age)
    app.after_request(set_headers)
