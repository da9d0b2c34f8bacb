"""Statistics pages: the county (admins), a site and its seats (the site's staff), indicators."""
from datetime import date, timedelta

from flask import Blueprint, Response, render_template, request
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from telecentre.common.access import access
from telecentre.common.errors import InvalidInput, NotFound
from telecentre.common.time import local_today, utcnow
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site, list_sites
from telecentre.stats import figures
from telecentre.stats.indicators import indicators, to_csv, to_xlsx
from telecentre.stats.privacy import identity_visible, session_log
from telecentre.stats.split import next_month

bp = Blueprint("stats", __name__, url_prefix="/stats")


def parse_period(allow_empty: bool = True) -> tuple[int, int | None, date, date]:
    """Read ``year`` and optional ``month`` from the query; raise InvalidInput when bad.

    The pages' forms send an empty month for the whole year; the API
    (``allow_empty=False``) takes an argument that is there as a number only.
    """
    today = local_today()
    texts = [request.args.get("year"), request.args.get("month")]
    if allow_empty:
        texts = [text or None for text in texts]
    # Plain digits only: int() would also take " 2026", "+2026" or "2_026".
    if any(text is not None and not (text.isascii() and text.isdigit()) for text in texts):
        raise InvalidInput(_("Choose a year such as 2026 and a month from 1 to 12."))
    year = int(texts[0]) if texts[0] is not None else today.year
    month = int(texts[1]) if texts[1] is not None else None
    if not 2000 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise InvalidInput(_("Choose a year such as 2026 and a month from 1 to 12."))
    if month is not None:
        first = date(year, month, 1)
        return year, month, first, next_month(first) - timedelta(days=1)
    return year, None, date(year, 1, 1), date(year, 12, 31)


def parse_day() -> date:
    """Read ``day`` (YYYY-MM-DD, default today) from the query; raise InvalidInput when bad."""
    text = request.args.get("day")
    if not text:
        return local_today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("Write the day as YYYY-MM-DD, for example 2026-03-29.")) from None


@bp.app_template_filter("pct")
def pct_filter(value) -> str:
    """Format a ratio as a percentage in the visitor's language, or a dash."""
    return "–" if value is None else format_percent(value, "#,##0.0%")


@bp.app_template_filter("num")
def num_filter(value, digits: int = 1) -> str:
    """Format a number with ``digits`` decimals in the visitor's language, or a dash."""
    if value is None:
        return "–"
    return format_decimal(value, "#,##0" + ("." + "0" * digits if digits else ""))


def _common(site_ids, year, month, first, last, *, county=False):
    return {
        "year": year, "month": month, "first": first, "last": last,
        "summary": figures.summary(site_ids, first, last, county=county),
        "growth": figures.growth_figures(site_ids, year, month, county=county),
        "months": figures.by_month(site_ids, year, county=county),
        "days": figures.by_day(site_ids, first, last) if month else None,
        "hours": figures.by_hour(site_ids, first, last),
        "heatmap": figures.heatmap(site_ids, first, last),
        "years": list(range(local_today().year - 4, local_today().year + 1)),
    }


@bp.get("/")
@access("admin")
def county():
    """County-wide figures with one row per site."""
    year, month, first, last = parse_period()
    sites = list_sites()
    ids = [s.id for s in sites]
    per_site = [(s, figures.summary([s.id], first, last)) for s in sites]
    return render_template("stats/county.html", per_site=per_site, site=None,
                           **_common(ids, year, month, first, last, county=True))


@bp.get("/sites/<slug>")
@access("staff", site=site_from_slug)
def site(slug):
    """One site's figures with one row per seat."""
    site = get_site(slug)
    year, month, first, last = parse_period()
    return render_template("stats/site.html", site=site,
                           seats=figures.by_seat(site.id, first, last),
                           can_identify=identity_visible(current_user, site),
                           **_common([site.id], year, month, first, last))


@bp.get("/sites/<slug>/seats/<int:seat_id>")
@access("staff", site=site_from_slug)
def seat(slug, seat_id):
    """One seat's figures day by day."""
    site = get_site(slug)
    seat = db.session.scalar(select(Seat).where(Seat.id == seat_id, Seat.site_id == site.id))
    if seat is None:
        raise NotFound(_("This site has no such seat."))
    year, month, first, last = parse_period()
    return render_template(
        "stats/seat.html", site=site, seat=seat, year=year, month=month, first=first, last=last,
        summary=figures.summary([site.id], first, last, seat.id),
        days=figures.by_day([site.id], first, last, seat.id),
        hours=figures.by_hour([site.id], first, last, seat.id),
        years=list(range(local_today().year - 4, local_today().year + 1)))


@bp.get("/sites/<slug>/sessions")
@access("staff", site=site_from_slug)
def sessions(slug):
    """The sessions of one day at a site; residents named only for roles that may see them."""
    site = get_site(slug)
    day = parse_day()
    return render_template("stats/sessions.html", site=site, day=day,
                           rows=session_log(site, day, current_user),
                           can_identify=identity_visible(current_user, site),
                           previous=day - timedelta(days=1), following=day + timedelta(days=1))


@bp.get("/indicators")
@access("admin")
def indicators_page():
    """The programme's indicators report of a year, with its exports."""
    year, _m, _f, _l = parse_period()
    return render_template("stats/indicators.html", report=indicators(year), year=year,
                           years=list(range(local_today().year - 4, local_today().year + 1)))


@bp.get("/indicators/print")
@access("admin")
def indicators_print():
    """The indicators report as a page laid out for printing."""
    year, _m, _f, _l = parse_period()
    return render_template("stats/indicators_print.html", report=indicators(year), year=year,
                           now=utcnow())


@bp.get("/indicators.csv")
@access("admin")
def indicators_csv():
    """The indicators report as CSV."""
    year, _m, _f, _l = parse_period()
    return Response(to_csv(indicators(year)), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="indicators-{year}.csv"'})


@bp.get("/indicators.xlsx")
@access("admin")
def indicators_xlsx():
    """The indicators report as an XLSX workbook."""
    year, _m, _f, _l = parse_period()
    return Response(to_xlsx(indicators(year), year), headers={
        "Content-Disposition": f'attachment; filename="indicators-{year}.xlsx"'},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
