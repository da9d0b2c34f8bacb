"""Security headers on every response and session time limits.

- CSP without inline scripts or styles: every script and stylesheet is a file
  under /static; templates must not use ``<script>…</script>`` bodies,
  ``on…=`` handlers or ``style=`` attributes.
- HSTS whenever cookies are secure (i.e. the site is served over HTTPS).
- Personal pages and every API reply are ``no-store``.
- A signed-in session ends after ``SESSION_IDLE_MINUTES`` without a request
  and after ``SESSION_ABSOLUTE_HOURS`` in any case; from a public PC or kiosk
  after ``SESSION_IDLE_PUBLIC_MINUTES`` / ``SESSION_ABSOLUTE_PUBLIC_MINUTES``
  or when the usage session on that seat ends, with a cookie that is never
  persisted. Times come from ``telecentre.common.time.utcnow``.
"""
from flask import current_app, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user

from telecentre.common.time import utcnow

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")


_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
            ("Cross-Origin-Opener-Policy", "same-origin"))


def set_headers(response):
    """Add the security headers to ``response``."""
    headers = response.headers
    # The names present looked at once (not once per header): this runs on every request.
    present = {name.lower() for name in headers.keys()}
    headers.extend([(name, value) for name, value in _HEADERS if name.lower() not in present])
    if current_app.config["SECURE_COOKIES"] and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # The cheap tests first: an API or token request never needs the user loaded here
    # (and after a rollback that would be one more query).
    personal = request.path.startswith("/api/") or request.headers.get("Authorization") or \
        getattr(current_user, "is_authenticated", False)
    if personal:
        headers["Cache-Control"] = "no-store"
        headers.setdefault("Pragma", "no-cache")
    return response


def _limits(public: bool) -> tuple[float, float]:
    """Return (idle, absolute) limits in seconds for a public-PC or an ordinary session."""
    cfg = current_app.config
    if public:
        return cfg["SESSION_IDLE_PUBLIC_MINUTES"] * 60, cfg["SESSION_ABSOLUTE_PUBLIC_MINUTES"] * 60
    return cfg["SESSION_IDLE_MINUTES"] * 60, cfg["SESSION_ABSOLUTE_HOURS"] * 3600


def _stamp(place, now: float) -> None:
    """Remember where and when this signed-in session started."""
    session["_started"] = session["_seen"] = now
    session["_addr"] = request.remote_addr
    session["_public"] = place.public
    if place.usage_id is not None:
        session["_usage"] = place.usage_id
    else:
        session.pop("_usage", None)
    # On a public PC the cookie lives only as long as the browser: never persisted, and no
    # Flask-Login "remember me" cookie whatever the sign-in page asked for.
    session.permanent = not place.public
    if place.public:
        session.pop("_remember", None)


def on_login(_app, user=None, **_extra):
    """Flask-Login signal: stamp a fresh sign-in, whatever page signed the user in."""
    if not has_request_context():
        return
    from telecentre.auth.public_pc import classify
    _stamp(classify(request.remote_addr), utcnow().timestamp())
    if user is not None:
        session["_gen"] = user.session_generation


def check_session_age():
    """End a signed-in session that was idle too long, is too old, or whose seat's usage ended.

    A sign-in from a public PC or kiosk (``telecentre.auth.public_pc``) gets the
    short ``*_PUBLIC_MINUTES`` limits and ends with the usage session that was
    running on that seat; a session that moves to a public address becomes one.
    """
    if request.headers.get("Authorization") or not getattr(current_user, "is_authenticated",
                                                           False):
        return None  # a token request has no session to age; the header is the cheaper test
    now = utcnow().timestamp()
    if "_started" not in session:  # signed in before these stamps existed
        from telecentre.auth.public_pc import classify
        _stamp(classify(request.remote_addr), now)
    elif session.get("_addr") != request.remote_addr:
        from telecentre.auth.public_pc import classify
        place = classify(request.remote_addr)
        session["_addr"] = request.remote_addr
        if place.public and not session.get("_public"):
            session["_public"] = True
            session.permanent = False
    public = bool(session.get("_public"))
    idle, absolute = _limits(public)
    expired = now - session.get("_seen", now) > idle or now - session["_started"] > absolute
    if not expired and public and session.get("_usage") is not None:
        from telecentre.auth.public_pc import usage_has_ended
        expired = usage_has_ended(session["_usage"])
    if expired:
        logout_user()
        session.clear()
        return None
    session["_seen"] = now
    session.permanent = not public
    return None


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request without the cookie (the agents, API
    clients with tokens) gets an empty session without building a signer for nothing."""

    def open_session(self, app, request):
        if self.get_cookie_name(app) not in request.cookies and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app):
    """Install the header and session hooks."""
    app.session_interface = CookieSessions()
    from flask_login import user_logged_in
    user_logged_in.connect(on_login, app)
    app.before_request(check_session_age)
    app.after_request(set_headers)
