"""Sites: the seven offices, their subnets and their opening hours."""
import re
from datetime import date, datetime

import holidays
import netaddr
from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.audit.services import record
from telecentre.common.errors import InvalidInput, NotFound
from telecentre.common.time import local_minute_to_utc
from telecentre.extensions import db
from telecentre.sites.models import WEEKDAYS, OpeningException, OpeningHours, Site, SitePolicy

# The seven local governments of Łęczna County (slug, name, address).
SEVEN_SITES = (
    ("starostwo", "Starostwo Powiatowe w Łęcznej", "al. Jana Pawła II 95A, 21-010 Łęczna"),
    ("leczna", "Urząd Miejski w Łęcznej", "pl. Kościuszki 5, 21-010 Łęczna"),
    ("cycow", "Urząd Gminy Cyców", "ul. Chełmska 24, 21-070 Cyców"),
    ("milejow", "Urząd Gminy Milejów", "ul. Partyzancka 8, 21-020 Milejów"),
    ("ludwin", "Urząd Gminy Ludwin", "Ludwin 59, 21-075 Ludwin"),
    ("puchaczow", "Urząd Gminy Puchaczów", "ul. Szkolna 1, 21-013 Puchaczów"),
    ("spiczyn", "Urząd Gminy Spiczyn", "Spiczyn 19, 21-025 Spiczyn"),
)
DEFAULT_HOURS = ("mon-fri 08:00-16:00",)
_SPEC = re.compile(r"^(?P<days>[^\W\d]+(?:-[^\W\d]+)?(?:,[^\W\d]+(?:-[^\W\d]+)?)*)\s+"
                   r"(?P<from>\d{1,2}:\d{2})-(?P<to>\d{1,2}:\d{2})$")


def seed_sites() -> int:
    """Create the seven sites that are missing, with default hours and policy; return how many."""
    existing = set(db.session.scalars(select(Site.slug)))
    created = 0
    for slug, name, address in SEVEN_SITES:
        if slug in existing:
            continue
        site = Site(slug=slug, name=name, address=address, subnets=[])
        site.policy = SitePolicy()
        site.hours = [OpeningHours(weekday=d, open_minute=o, close_minute=c)
                      for d, o, c in parse_hours(DEFAULT_HOURS)]
        db.session.add(site)
        created += 1
    db.session.flush()
    return created


def get_site(slug: str) -> Site:
    """Return the site with ``slug``; raise NotFound otherwise."""
    site = db.session.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise NotFound(_("There is no site called %(slug)s.", slug=slug))
    return site


def list_sites() -> list[Site]:
    """Return the active sites in the county's order."""
    order = {slug: i for i, (slug, _n, _a) in enumerate(SEVEN_SITES)}
    sites = db.session.scalars(select(Site).where(Site.active)).all()
    return sorted(sites, key=lambda s: (order.get(s.slug, len(order)), s.name))


def _minute(text: str) -> int:
    hours, minutes = (int(x) for x in text.split(":"))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(text)
    return hours * 60 + minutes


# Day names as people type them: English codes, Polish and Ukrainian abbreviations.
WEEKDAY_NAMES = {
    "en": WEEKDAYS,
    "pl": ("pon", "wt", "śr", "czw", "pt", "sob", "nd"),
    "uk": ("пн", "вт", "ср", "чт", "пт", "сб", "нд"),
}
_DAY_ALIASES = {name: i for names in WEEKDAY_NAMES.values() for i, name in enumerate(names)}
_DAY_ALIASES |= {"sr": 2, "śro": 2, "czw": 3, "pią": 4, "pia": 4, "niedz": 6, "ndz": 6,
                 "nie": 6, "wto": 1, "sb": 5}


def _weekday(name: str) -> int:
    try:
        return _DAY_ALIASES[name]
    except KeyError:
        raise ValueError(name) from None


def format_hours(hours, language: str = "en") -> list[str]:
    """Return weekly hours as lines like ``pon-pt 08:00-16:00`` in ``language``'s day names.

    ``hours`` are (weekday, open, close) rows; runs of days with the same
    hours share a line, and ``parse_hours`` reads every line back.
    """
    names = WEEKDAY_NAMES.get(language, WEEKDAYS)
    by_time: dict[tuple[int, int], list[int]] = {}
    for day, start, end in sorted(hours):
        by_time.setdefault((start, end), []).append(day)
    lines = []
    for (start, end), days in sorted(by_time.items(), key=lambda kv: kv[1][0]):
        runs, first = [], days[0]
        for i, day in enumerate(days):
            if i + 1 == len(days) or days[i + 1] != day + 1:  # a run of days ends here
                runs.append(names[first] if first == day else f"{names[first]}-{names[day]}")
                first = days[i + 1] if i + 1 < len(days) else day
        lines.append(f"{','.join(runs)} {format_minute(start)}-{format_minute(end)}")
    return lines


def _days(spec: str) -> list[int]:
    days: list[int] = []
    for part in spec.split(","):
        first, _sep, last = part.partition("-")
        a, b = _weekday(first), _weekday(last or first)
        if b < a:
            raise ValueError(part)
        days.extend(range(a, b + 1))
    return days


def parse_hours(specs) -> list[tuple[int, int, int]]:
    """Parse ``['mon-fri 08:00-16:00', 'sat 09:00-13:00']`` into (weekday, open, close) minutes.

    Raise InvalidInput naming the bad piece: unknown day, bad time, an empty
    or overlapping interval.
    """
    rows: list[tuple[int, int, int]] = []
    for spec in specs:
        match = _SPEC.match(spec.strip().lower())
        try:
            if not match:
                raise ValueError(spec)
            days = _days(match["days"])
            start, end = _minute(match["from"]), _minute(match["to"])
        except ValueError:
            raise InvalidInput(_("Cannot read the opening hours “%(spec)s”. Write them as "
                                 "“mon-fri 08:00-16:00”.", spec=spec)) from None
        if start >= end:
            raise InvalidInput(_("In “%(spec)s” the opening time must come before the "
                                 "closing time.", spec=spec))
        rows.extend((d, start, end) for d in days)
    rows.sort()
    for (d1, _o1, c1), (d2, o2, _c2) in zip(rows, rows[1:], strict=False):
        if d1 == d2 and o2 < c1:
            raise InvalidInput(_("Opening hours on %(day)s overlap.",
                                 day=format_day(d1)))
    return rows


def format_day(weekday: int) -> str:
    """Return the full name of ``weekday`` (0 = Monday) in the reader's language."""
    from babel.dates import get_day_names
    return get_day_names("wide", locale=_reader_language())[weekday]


def set_hours(actor, site: Site, specs) -> None:
    """Replace the weekly opening hours of ``site``; flushes and audits."""
    rows = parse_hours(specs)
    site.hours = [OpeningHours(weekday=d, open_minute=o, close_minute=c) for d, o, c in rows]
    record(actor, "site.hours", target=site, site=site, details={"hours": list(specs)})
    db.session.flush()


def set_subnets(actor, site: Site, cidrs) -> list[str]:
    """Replace the subnets of ``site`` with validated CIDRs; return them normalised."""
    normalised = []
    for text in cidrs:
        try:
            net = netaddr.IPNetwork(text.strip(), flags=netaddr.NOHOST)
        except (netaddr.AddrFormatError, ValueError, TypeError):
            raise InvalidInput(_("“%(cidr)s” is not a network address such as 10.1.2.0/24.",
                                 cidr=text)) from None
        if "/" not in text or str(net.cidr) != text.strip():
            raise InvalidInput(_("“%(cidr)s” is not a network address; did you mean %(net)s?",
                                 cidr=text, net=str(net.cidr)))
        normalised.append(str(net.cidr))
    site.subnets = normalised
    record(actor, "site.subnets", target=site, site=site, details={"subnets": normalised})
    db.session.flush()
    return normalised


def address_in_site(site: Site, address: str) -> bool:
    """Return True when the IP ``address`` lies in one of the site's subnets."""
    try:
        ip = netaddr.IPAddress(address)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return False
    return any(ip in netaddr.IPNetwork(cidr) for cidr in site.subnets or [])


_HOLIDAYS: dict[tuple[int, str], holidays.HolidayBase] = {}


# The reader's language -> the name the ``holidays`` package gives its own translations
# (Polish, English, Ukrainian); anything else reads the Polish names.
HOLIDAY_LANGUAGES = {"pl": "pl", "en": "en_US", "uk": "uk"}


def _reader_language() -> str:
    from flask import has_request_context
    if not has_request_context():
        return "pl"
    from flask_babel import get_locale
    return str(get_locale() or "pl")


def public_holiday(day: date, language: str | None = None) -> str | None:
    """Return the name of the Polish public holiday on ``day`` in ``language``, or None.

    ``language`` defaults to the reader's (Polish outside a request); the names
    are the ``holidays`` package's own, so "Boże Narodzenie" is never a code.
    """
    lang = HOLIDAY_LANGUAGES.get(language or _reader_language(), "pl")
    key = (day.year, lang)
    if key not in _HOLIDAYS:
        _HOLIDAYS[key] = holidays.country_holidays("PL", years=day.year, language=lang)
    return _HOLIDAYS[key].get(day)


def intervals_on(site: Site, day: date) -> list[tuple[int, int]]:
    """Return the opening intervals of ``site`` on the local ``day`` in minutes.

    Dated exceptions replace the weekly hours; otherwise a public holiday is
    closed.
    """
    exceptions = [e for e in site.exceptions if e.day == day]
    if exceptions:
        return [(e.open_minute, e.close_minute) for e in exceptions if e.open_minute is not None]
    if public_holiday(day, "pl"):  # whether, not its name: any language, no locale lookup
        return []
    return [(h.open_minute, h.close_minute) for h in site.hours if h.weekday == day.weekday()]


def open_ranges_on(site: Site, day: date) -> list[tuple[datetime, datetime]]:
    """Return the opening intervals of ``site`` on ``day`` as UTC instants."""
    return [(local_minute_to_utc(day, o), local_minute_to_utc(day, c))
            for o, c in intervals_on(site, day)]


def add_exception(actor, site: Site, day: date, spec: str | None, note: str = "") -> None:
    """Add a dated exception: closed (``spec`` None) or open ``'10:00-14:00'``; audits."""
    if spec is None:
        site.exceptions.append(OpeningException(day=day, note=note))
    else:
        _d, start, end = parse_hours([f"mon {spec}"])[0]
        site.exceptions.append(OpeningException(day=day, open_minute=start, close_minute=end,
                                                note=note))
    record(actor, "site.exception", target=site, site=site,
           details={"day": day.isoformat(), "hours": spec, "note": note})
    db.session.flush()


def format_minute(minute: int) -> str:
    """Return ``'08:00'`` for minute 480 and ``'24:00'`` for 1440."""
    return f"{minute // 60:02d}:{minute % 60:02d}"
