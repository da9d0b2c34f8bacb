"""Template helpers: the role-aware navigation and time formatting."""
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from flask_babel import format_datetime
from flask_login import current_user


@dataclass
class NavItem:
    """A link in the main navigation, shown to the given roles (None: everyone)."""

    endpoint: str
    label: object  # a lazy translated string
    roles: tuple | None = None
    order: int = 50
    args: object = None  # callable(user) -> dict of URL arguments


NAV: list[NavItem] = []


def register_nav(endpoint: str, label, roles=None, order: int = 50, args=None) -> None:
    """Add a link to the main navigation (again for the same endpoint replaces it)."""
    NAV[:] = [item for item in NAV if item.endpoint != endpoint]
    NAV.append(NavItem(endpoint, label, tuple(roles) if roles else None, order, args))


def nav_items() -> list[dict]:
    """Return the links the current visitor may follow, marked when current."""
    role = current_user.role if current_user.is_authenticated else None
    items = []
    for item in sorted(NAV, key=lambda i: i.order):
        if item.roles is not None and role not in item.roles:
            continue
        kwargs = item.args(current_user) if item.args else {}
        items.append({"url": url_for(item.endpoint, **kwargs), "label": item.label,
                      "active": request.endpoint == item.endpoint})
    return items


# Patterns whose output is the same in every locale: formatted without Babel's locale
# machinery, which cost most of a page with hundreds of times on it (the console room).
_PLAIN_PATTERNS = {"HH:mm": "%H:%M", "HH:mm:ss": "%H:%M:%S", "yyyy-MM-dd": "%Y-%m-%d"}


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def localtime(value, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """Format a UTC time in Europe/Warsaw (BABEL_DEFAULT_TIMEZONE) for people."""
    if not value:
        return ""
    plain = _PLAIN_PATTERNS.get(fmt)
    if plain is not None and value.tzinfo is not None:
        return value.astimezone(_zone(current_app.config["BABEL_DEFAULT_TIMEZONE"])
                                ).strftime(plain)
    return format_datetime(value, fmt)


# Stands for the one argument an URL pattern leaves open; no real id comes near it.
_HOLE = 1_999_999_937


def url_pattern(endpoint: str, **values):
    """Return a function of one id that builds ``url_for(endpoint, **values)``.

    Exactly one value is None: the id the returned function fills in (an
    integer). ``url_for`` is built once here, not once per row: a page with
    hundreds of rows (the console room) spent a tenth of its time in it.
    """
    (hole,) = [name for name, value in values.items() if value is None]
    url = url_for(endpoint, **dict(values, **{hole: _HOLE}))
    before, after = url.split(str(_HOLE))
    return lambda value: f"{before}{int(value)}{after}"


def init_app(app) -> None:
    """Make the helpers available in templates."""
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["url_pattern"] = url_pattern
    app.jinja_env.filters["localtime"] = localtime
