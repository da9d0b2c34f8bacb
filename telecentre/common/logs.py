"""Logs: JSON lines for the server and the scheduler, a request id, one line per request.

``LOG_FORMAT`` is ``"json"`` or ``"text"``; left unset, ``telecentre serve`` and
``telecentre scheduler`` log JSON and everything else (the development server,
other commands) plain text. A JSON line holds ``time``, ``level``, ``logger``,
``message``, ``pid`` and, inside a request, ``request_id``, ``method``,
``path``, ``remote_addr`` and ``user_id`` (or ``agent_id``); the line that ends a
request adds ``status`` and ``duration_ms``.

Nothing secret is logged: request bodies, headers and query strings never are;
URL parts that carry a secret (the calendar feed token) are masked, and a last
filter masks ``password=…``, ``pin=…``, ``token=…``, ``code=…`` and bearer
credentials that a message might still contain.
"""
import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import g, has_request_context, request

REQUEST_LOG = logging.getLogger("telecentre.request")
# A client's X-Request-ID is kept when it looks like an id; anything else is replaced.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# URL variables whose values are secrets (see the routes).
_SECRET_ARGS = {"token", "secret", "code", "pin", "password"}
_SECRET_TEXT = re.compile(
    r"(?i)(\b(?:password|passwd|pin|secret|token|code|api[_-]?key)\b[\"']?\s*[=:]\s*[\"']?)"
    r"[^\s\"'&,;}]+"
    r"|(\bBearer\s+)\S+"
)
_MASK = "***"


def redact(text: str) -> str:
    """``text`` with the values of secret-looking ``name=value`` pairs and bearer tokens masked."""
    return _SECRET_TEXT.sub(lambda m: (m.group(1) or m.group(2)) + _MASK, text)


def _request_fields() -> dict:
    if not has_request_context():
        return {}
    fields = {
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": _safe_path(),
        "remote_addr": request.remote_addr,
    }
    user = g.get("_login_user")  # only when this request already loaded it: no extra query
    if user is not None and getattr(user, "is_authenticated", False):
        fields["user_id"] = user.id
    agent = g.get("agent")
    if agent is not None:
        fields["agent_id"] = agent.id
    return fields


def _safe_path() -> str:
    """The request's path with secret URL variables (``/calendar/<token>.ics``) masked."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in _SECRET_ARGS and isinstance(value, str) and value:
            path = path.replace(value, _MASK)
    return path


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the request's fields are added inside a request."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "pid": record.process,
        }
        entry.update({k: v for k, v in _request_fields().items() if v is not None})
        for key in ("status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Plain text for people at a terminal, with secrets masked like the JSON lines."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (gunicorn and pytest replace it)."""

    def __init__(self):
        super().__init__()
        self.telecentre = True

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(log_format: str, level: str = "INFO") -> None:
    """Send every log record to stderr as ``log_format`` (``json`` or ``text``); idempotent."""
    if log_format not in ("json", "text"):
        raise ValueError("LOG_FORMAT must be 'json' or 'text'")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "telecentre", False)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic announces each of its plugins at INFO whenever a worker imports it.
    logging.getLogger("alembic.runtime.plugins").setLevel(max(root.level, logging.WARNING))


def init_app(app) -> None:
    """Give every request an id (``X-Request-ID``) and log one line when it ends."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    if request.path.startswith("/static/"):
        return response
    REQUEST_LOG.info("%s %s %s", request.method, _safe_path(), response.status_code,
                     extra={"status": response.status_code, "duration_ms": duration})
    return response
