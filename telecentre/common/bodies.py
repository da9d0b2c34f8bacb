"""Limits on request bodies: small for the API and the agents, larger only for uploads.

``MAX_CONTENT_LENGTH`` holds pages and forms; every route under ``/api/`` gets
``MAX_API_BODY_BYTES`` (agents send a few kilobytes of JSON); a view marked
with ``@upload`` gets ``MAX_UPLOAD_BYTES``, one marked ``@sized(n)`` gets ``n``
(the agents' event batches: 200 events of up to 4 KB each). A body announced larger than the
limit is refused with 413 before the view runs, and one that grows past it
while being read (chunked) is cut off by Werkzeug with the same 413; the error
handlers answer with the translated message, as a page or as JSON by route.

JSON nested deeper than ``MAX_JSON_DEPTH`` is refused with 400 before it is
parsed (Python's parser would recurse until it raised ``RecursionError``).
"""
from flask import abort, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from telecentre.common.errors import DomainError

MAX_JSON_DEPTH = 32


def upload(view):
    """Mark ``view`` as taking an upload: its body may be up to ``MAX_UPLOAD_BYTES``."""
    view.telecentre_upload = True
    return view


def sized(limit: int):
    """Give a view a body limit of its own, in bytes (a protocol's largest legal message)."""
    def mark(view):
        view.telecentre_body_limit = limit
        return view
    return mark


def body_limit() -> int | None:
    """The body limit of the current request's route, in bytes."""
    cfg = current_app.config
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "telecentre_upload", False):
        return cfg["MAX_UPLOAD_BYTES"]
    if view is not None and getattr(view, "telecentre_body_limit", None):
        return view.telecentre_body_limit
    if request.path.startswith("/api/"):
        return cfg["MAX_API_BODY_BYTES"]
    return cfg["MAX_CONTENT_LENGTH"]


def check_body() -> None:
    """``before_request``: set this route's limit; refuse an announced body over it (413)."""
    limit = body_limit()
    request.max_content_length = limit
    if limit is not None and (request.content_length or 0) > limit:
        abort(413)
    if (request.query_string and _has_nul(request.args)) or (
            request.method in ("POST", "PUT", "PATCH", "DELETE")
            and request.mimetype in _FORM_TYPES and _has_nul(request.form)):
        # No text the database stores may hold NUL (PostgreSQL refuses it), and no one
        # types it: refuse the request before any query sees it.
        raise DomainError(_("The data sent holds a character or number that is not allowed."),
                          code="invalid_input", status=422)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def _depth_ok(text: str, limit: int) -> bool:
    """True when brackets outside strings nest at most ``limit`` deep (a linear scan)."""
    if text.count("{") + text.count("[") <= limit:
        return True  # cannot nest deeper than it has brackets (the usual body: no scan)
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


class BoundedJSONProvider:
    """Mixin for Flask's JSON provider: ``loads`` refuses deep nesting with 400."""

    def loads(self, s, **kwargs):
        text = s.decode("utf-8", "replace") if isinstance(s, (bytes, bytearray)) else s
        if not _depth_ok(text, MAX_JSON_DEPTH):
            raise BadRequest("JSON nested too deeply")
        try:
            return super().loads(s, **kwargs)
        except RecursionError:  # pragma: no cover - the scan above stops it first
            raise BadRequest("JSON nested too deeply") from None


def install(app) -> None:
    """Install the body checks and the bounded JSON parser on ``app``."""
    from flask.json.provider import DefaultJSONProvider

    class Provider(BoundedJSONProvider, DefaultJSONProvider):
        pass

    app.json_provider_class = Provider
    app.json = Provider(app)
    app.before_request(check_body)
