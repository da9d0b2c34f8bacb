"""Errors: domain errors raised by services and the handlers that turn them into replies."""
from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A refusal by a service: carries an HTTP status, a machine code and a translated message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details or {}


class NotFound(DomainError):
    status, code = 404, "not_found"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Conflict(DomainError):
    status, code = 409, "conflict"


class PolicyViolation(DomainError):
    status, code = 422, "policy_violation"


class InvalidInput(DomainError):
    status, code = 422, "invalid_input"


def wants_json() -> bool:
    """Return True for API requests, which get JSON errors instead of pages."""
    return request.path.startswith("/api/")


def _http_messages():
    # Built per call so that the texts are translated in the request's language.
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in first."),
        403: _("You do not have access to this."),
        404: _("Nothing was found at this address."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The request is too large."),
        415: _("Send the request body as JSON."),
        422: _("The data sent is not valid."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("The service is unavailable for a moment. Please try again in a few minutes."),
    }


def error_reply(status: int, code: str, message: str, details: dict | None = None):
    """Return an error as JSON for the API or as a page for people."""
    if wants_json():
        body = {"error": code, "message": message}
        if details:
            body["details"] = details
        return make_response(jsonify(body), status)
    page = render_template("errors/error.html", status=status, message=message)
    return make_response(page, status)


def register(app):
    """Install the error handlers on ``app``."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return error_reply(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return error_reply(400, "csrf", _("The form has expired or was not sent from this site. "
                                          "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code == 401 and not wants_json():
            from flask_login import login_url
            from flask import redirect
            return redirect(login_url("auth.login", next_url=request.full_path.rstrip("?")))
        status = exc.code or 500
        message = _http_messages().get(status, exc.description)
        code = (exc.name or "error").lower().replace(" ", "_")
        reply = error_reply(status, code, message)
        if status == 405 and getattr(exc, "valid_methods", None):
            reply.headers["Allow"] = ", ".join(exc.valid_methods)
        return reply

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unreachable(exc):
        # The database is down or the connection broke. Nothing here may touch it again:
        # the session is dropped (its connection goes back to the pool, which discards
        # it), the page is rendered for an anonymous visitor, and the pool's pre-ping
        # replaces dead connections by itself once the database is back.
        app.logger.error("database unavailable: %s", str(exc.orig or exc).splitlines()[0])
        _forget_database_state()
        reply = error_reply(503, "database_unavailable", _http_messages()[503])
        reply.headers["Retry-After"] = "30"
        return reply

    @app.errorhandler(DataError)
    def _unstorable(exc):
        # A value the database cannot store (a NUL in text, a number out of range) that
        # slipped past validation: the request is refused, nothing is kept.
        app.logger.warning("value refused by the database: %s",
                           str(exc.orig or exc).splitlines()[0])
        _forget_database_state()
        return error_reply(422, "invalid_input",
                           _("The data sent holds a character or number that is not allowed."))

    @app.errorhandler(Exception)
    def _unexpected(exc):
        app.logger.exception("unhandled error")
        from telecentre.extensions import db
        db.session.rollback()
        return error_reply(500, "internal_error", _http_messages()[500])


def _forget_database_state() -> None:
    """Drop the request's database session and user without another query."""
    from flask import g

    from telecentre.extensions import db, login_manager
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001 - the connection is gone; nothing to roll back
        pass
    g._login_user = login_manager.anonymous_user()
