"""Parsing JSON bodies and query arguments into values or clear, translated 4xx errors."""
import math
import re
from datetime import date
from typing import Annotated, Any, TypeVar

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from telecentre.common.errors import DomainError, InvalidInput

M = TypeVar("M", bound=BaseModel)
MAX_ID = 2**31 - 1  # the largest INTEGER a column holds; a larger number cannot name a row
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Count = Annotated[int, Field(ge=0, le=MAX_ID)]


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorReply(BaseModel):
    """Every API error: a machine code, a translated message, and for some the fields at fault."""

    error: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


def parse_body(model: type[M]) -> M:
    """Return the request's JSON body validated as ``model``; raise 400/422 with a clear message."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError(_("The request body must be a JSON object."), code="invalid_json",
                          status=400)
    if _unstorable(data):  # no database stores these, and no one types them
        raise DomainError(_("The data sent holds a character or number that is not allowed."),
                          code="invalid_body", status=422)
    try:
        # Strict: "12" is not a number and false is not 0, as the document says; the JSON
        # text itself is validated, so that dates may still come as ISO strings.
        return model.model_validate_json(request.get_data(), strict=True)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) or "body" for err in exc.errors()})
        raise DomainError(
            _("Some fields are missing or not valid: %(fields)s.", fields=", ".join(fields)),
            code="invalid_body", status=422,
            details={"fields": fields},
        ) from None


def _unstorable(value) -> bool:
    """True when a JSON value holds a NUL character in a string or key, or a NaN or infinite
    number (Python's parser takes them; PostgreSQL's text and jsonb refuse them)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


# ---------------------------------------------------------------- query arguments
# Each reader refuses what its documented schema refuses (422 naming the
# argument), so that a typo never silently falls back to a default.

FLAG_VALUES = {"1": True, "true": True, "0": False, "false": False}
FLAG_QUERY = {"type": "string", "enum": list(FLAG_VALUES), "description": "1 or true to switch on"}
ID_QUERY = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE_QUERY = {"type": "string", "format": "date"}
_INTEGER = re.compile(r"-?[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _bad_query(name: str, message: str):
    return InvalidInput(message, code="invalid_query", details={"fields": [name]})


def query_text(name: str, *, min_length: int = 0, max_length: int = 200) -> str | None:
    """Return a query argument as text (None when absent); 422 when too short, long or holding
    a NUL character."""
    value = request.args.get(name)
    if value is None:
        return None
    if "\x00" in value or not min_length <= len(value) <= max_length:
        raise _bad_query(name, _("The value of %(name)s is not valid.", name=name))
    return value


def query_flag(name: str) -> bool:
    """Return a yes/no query argument: 1 or true, 0 or false (absent: false)."""
    value = request.args.get(name)
    if value is None:
        return False
    if value not in FLAG_VALUES:
        raise _bad_query(name, _("Write %(name)s as 1 or 0.", name=name))
    return FLAG_VALUES[value]


def query_int(name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """Return a whole-number query argument (None when absent); 422 when not a whole number
    from ``minimum`` to ``maximum``."""
    value = request.args.get(name)
    if value is None:
        return None
    if not _INTEGER.fullmatch(value) or not minimum <= int(value) <= maximum:
        raise _bad_query(name, _("%(name)s must be a whole number from %(low)s to %(high)s.",
                                 name=name, low=minimum, high=maximum))
    return int(value)


def query_date(name: str, message: str | None = None) -> date | None:
    """Return a YYYY-MM-DD query argument (None when absent); 422 when not a real date."""
    value = request.args.get(name)
    if value is None:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise _bad_query(name, message or _("Write the date as YYYY-MM-DD.")) from None
