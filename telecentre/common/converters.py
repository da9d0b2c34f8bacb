"""URL converters that refuse, with a 404, values no row can have.

Werkzeug's ``int`` takes any number of digits and its default string
converter takes any character; a number beyond the database's integer range
or a NUL character would then reach the database and fail there (a 500 on
PostgreSQL). These keep such URLs from matching a route at all.
"""
from werkzeug.routing import IntegerConverter, UnicodeConverter

MAX_DB_INT = 2**31 - 1  # the largest key of an INTEGER column


def _up_to(limit: str) -> str:
    """A regular expression for the decimal numbers from 0 to ``limit`` (no sign, no
    leading zeros beyond one digit's worth): shorter numbers, then each prefix of the limit
    followed by a smaller digit."""
    parts = [f"[0-9]{{1,{len(limit) - 1}}}"]
    for i, digit in enumerate(limit):
        if digit != "0":
            rest = len(limit) - i - 1
            parts.append(limit[:i] + f"[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    parts.append(limit)
    return "(?:" + "|".join(parts) + ")"


class DatabaseIntConverter(IntegerConverter):
    """``<int:id>`` limited to what an INTEGER column holds.

    The limit is in the regular expression, not only in ``max``: Werkzeug
    checks the method before converting, so a URL whose number failed only the
    ``max`` check got a 405 for DELETE instead of a 404.
    """

    regex = _up_to(str(MAX_DB_INT))

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DB_INT, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """``<name>`` without control characters, which no slug or token holds."""

    part_isolating = True  # matches within one path segment, as the default does

    def __init__(self, map, minlength=1, maxlength=None, length=None):  # noqa: A002
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        # The parent sets "[^/]" plus a length; keep the length, refuse control characters.
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]", 1)


def install(app) -> None:
    """Make these the app's ``int`` and default converters (before any route is added)."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
