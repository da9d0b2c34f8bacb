"""The OpenAPI 3.1 document, built from the routes themselves.

Every view under ``/api/v1`` is decorated with ``@api_doc``; the document is
assembled from the URL map, so it cannot fall behind the code (a test fails
for an undocumented API route).
"""
import re

from flask import current_app
from pydantic import BaseModel

from telecentre.api.schemas import ErrorReply
from telecentre.common.converters import MAX_DB_INT

_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
# Path parameters as the converters take them (see telecentre.common.converters).
_CONVERTER_SCHEMAS = {"int": {"type": "integer", "minimum": 0, "maximum": MAX_DB_INT},
                      "float": {"type": "number"}}
_ERRORS = {400: "Malformed request", 401: "Not signed in", 403: "Forbidden",
           404: "Not found", 409: "Conflict", 422: "Invalid data or policy violation",
           429: "Too many requests"}


def api_doc(summary: str, *, body: type[BaseModel] | None = None,
            responses: dict | None = None, tags: list[str] | None = None,
            query: dict | None = None, required_query=(), security: str | None = "bearer",
            errors=()):
    """Describe an API view for the OpenAPI document.

    ``responses`` maps a status to a pydantic model, a JSON schema dict, or
    None (no body). ``query`` maps query parameter names to JSON schemas;
    those named in ``required_query`` must be sent. ``security`` is "bearer",
    "agent" or None (public). ``errors`` lists the refusals the view itself
    raises; those that follow from the route are added by ``common_errors``.
    """

    def decorate(view):
        view.api_doc = {"summary": summary, "body": body, "responses": responses or {200: None},
                        "tags": tags or [], "query": query or {},
                        "required_query": tuple(required_query), "security": security,
                        "errors": tuple(errors)}
        return view

    return decorate


def _schema(value, components):
    if value is None:
        return None
    if isinstance(value, type) and issubclass(value, BaseModel):
        schema = value.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            _add_component(components, name, sub)
        _add_component(components, value.__name__, schema)
        return {"$ref": f"#/components/schemas/{value.__name__}"}
    if isinstance(value, list) and len(value) == 1:
        return {"type": "array", "items": _schema(value[0], components)}
    return value


def rate_limited(app, view) -> bool:
    """True when flask-limiter applies a limit to ``view`` (decorated, or a default limit)."""
    from flask_limiter.util import get_qualified_name

    from telecentre.extensions import limiter
    manager = limiter.limit_manager
    return bool(manager.decorated_limits(get_qualified_name(view)) or manager.default_limits
                or manager.application_limits)


def common_errors(app, rule, view, method: str) -> set[int]:
    """The error statuses every request to this route can get, whatever the view does.

    From the access level (401 without a valid token, 403 for a role or site
    that may not), the path (404 for an unknown object), the body (400 not a
    JSON object, 422 invalid fields), the CSRF check of cookie-signed changes
    (400) and the rate limiter (429).
    """
    statuses = set()
    level = getattr(view, "access_level", "public")
    if level != "public":
        statuses.add(401)
        if level != "login":
            statuses.add(403)
    if getattr(view, "access_site", None) is not None:
        statuses |= {403, 404}
    if rule.arguments:
        statuses.add(404)
    if view.api_doc["body"] is not None:
        statuses |= {400, 422}
    if view.api_doc["query"]:
        statuses.add(422)
    if method in ("POST", "PUT", "PATCH", "DELETE") and getattr(view, "access_csrf", False):
        statuses.add(400)
    if rate_limited(app, view):
        statuses.add(429)
    return statuses


def _add_component(components: dict, name: str, schema: dict) -> None:
    """Add a named schema; two different models of one name would silently describe one
    reply with the other's fields, so that is refused."""
    if components.setdefault(name, schema) != schema:
        raise RuntimeError(f"two different API models are named {name}; rename one")


def build_document(app=None) -> dict:
    """Return the OpenAPI document for every ``/api/v1`` route of the app."""
    app = app or current_app
    components: dict = {}
    paths: dict = {}
    error_ref = _schema(ErrorReply, components)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1"):
            continue
        view = app.view_functions[rule.endpoint]
        doc = getattr(view, "api_doc", None)
        if doc is None:
            raise RuntimeError(f"API route {rule.rule} has no @api_doc")
        path = _PARAM.sub(r"{\2}", rule.rule)
        params = [
            {"name": name, "in": "path", "required": True,
             "schema": dict(_CONVERTER_SCHEMAS.get(conv or "", {"type": "string"}))}
            for conv, name in _PARAM.findall(rule.rule)
        ]
        params += [{"name": name, "in": "query", "required": name in doc["required_query"],
                    "schema": schema}
                   for name, schema in doc["query"].items()]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op = {"summary": doc["summary"], "operationId": f"{rule.endpoint}.{method.lower()}",
                  "tags": doc["tags"], "responses": {}}
            if params:
                op["parameters"] = params
            if doc["body"] is not None:
                op["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": _schema(doc["body"], components)}}}
            for status, model in doc["responses"].items():
                entry = {"description": "Success" if status < 300 else "Reply"}
                schema = _schema(model, components)
                if schema is not None:
                    entry["content"] = {"application/json": {"schema": schema}}
                op["responses"][str(status)] = entry
            for status in sorted(set(doc["errors"]) | common_errors(app, rule, view, method)):
                op["responses"].setdefault(str(status), {
                    "description": _ERRORS.get(status, "Error"),
                    "content": {"application/json": {"schema": error_ref}}})
            if doc["security"]:
                op["security"] = [{doc["security"]: []}]
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Telecentre API", "version": "1",
                 "description": "Bookings, seats, agents and monitoring of the public "
                                "computer rooms of Łęczna County."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "Token from POST /api/v1/auth/token"},
                "agent": {"type": "http", "scheme": "bearer",
                          "description": "<agent_id>.<secret> from enrolment"},
            },
        },
    }
