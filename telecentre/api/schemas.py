"""Parsing JSON bodies with pydantic models into clear, translated 4xx errors."""
from typing import TypeVar

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, ValidationError

from telecentre.common.errors import DomainError

M = TypeVar("M", bound=BaseModel)


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorReply(BaseModel):
    """Every API error."""

    error: str
    message: str


def parse_body(model: type[M]) -> M:
    """Return the request's JSON body validated as ``model``; raise 400/422 with a clear message."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(_("The request body must be a JSON object."), code="invalid_json",
                          status=400)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) or "body" for err in exc.errors()})
        raise DomainError(
            _("Some fields are missing or not valid: %(fields)s.", fields=", ".join(fields)),
            code="invalid_body", status=422,
            details={"fields": fields},
        ) from None
