"""The attendant's console: the live room map, seats, sessions, bookings and residents.

Pages only read here; the actions are in ``actions``. Every page is scoped to
one site: attendants reach their own, IT and admins switch between sites.
"""
from types import SimpleNamespace

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from telecentre.auth.models import User
from telecentre.booking.models import Booking
from telecentre.booking import queue
from telecentre.booking.services import status_label
from telecentre.common.access import access
from telecentre.common.errors import InvalidInput
from telecentre.common.templating import url_pattern
from telecentre.common.time import utcnow
from telecentre.console import resolvers, room as rooms, today
from telecentre.console.actions import pending_commands
from telecentre.console.residents import search_residents
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.seats.services import seat_states
from telecentre.sessions.models import UsageSession
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site, list_sites

bp = Blueprint("console", __name__, url_prefix="/console")


@bp.context_processor
def _helpers():
    return {"status_label": status_label, "command_label": rooms.command_label,
            "session_kind_label": rooms.session_kind_label}


def page_context(site) -> dict:
    """Return what every console page needs: the site, the switcher, the state names and
    the links of the map's tiles and the bookings' rows (``urls.seat(id)``, ...)."""
    return {"site": site, "sites": list_sites() if current_user.all_sites else [],
            "labels": rooms.state_labels(), "urls": site_urls(site)}


def site_urls(site) -> SimpleNamespace:
    """Return the per-row links of the site's console pages, each a function of one id."""
    slug = site.slug
    return SimpleNamespace(
        seat=url_pattern("console.seat", slug=slug, seat_id=None),
        booking=url_pattern("console.booking", slug=slug, booking_id=None),
        walk_in=url_pattern("console.residents", slug=slug, seat=None),
        extend=url_pattern("console_actions.extend", slug=slug, session_id=None),
        end=url_pattern("console_actions.end", slug=slug, session_id=None),
        check_in=url_pattern("console_actions.check_in", slug=slug, booking_id=None))


def live_context(site) -> dict:
    """Return the live part of the console: the room and the day's counts."""
    return {"room": rooms.room_view(site, pending=pending_commands),
            "counts": today.day_counts(site)}


@bp.get("/")
@access("staff")
def index():
    """Send attendants to their site; let IT and admins pick one (``?site=slug``)."""
    wanted = request.args.get("site", "").strip()
    if not current_user.all_sites:
        if wanted and wanted != current_user.site.slug:
            abort(403)  # attendants never switch sites
        return redirect(url_for("console.room", slug=current_user.site.slug))
    if wanted:
        site = site_from_slug(wanted)
        if site is None:
            abort(404)
        return redirect(url_for("console.room", slug=site.slug))
    return render_template("console/sites.html", sites=list_sites())


@bp.get("/<slug>")
@access("staff", site=site_from_slug)
def room(slug):
    """The live room map of the site, today's bookings, the counts and recent actions."""
    site = get_site(slug)
    bookings = today.todays_bookings(site)
    live = live_context(site)
    return render_template("console/room.html", **page_context(site), **live,
                           versions=rooms.tile_versions(live["room"]),
                           bookings=bookings, no_shows=today.no_shows(bookings),
                           actions=today.recent_actions(site), entries=queue.waiting(site),
                           now=utcnow())


@bp.get("/<slug>/live")
@access("staff", site=site_from_slug)
def live(slug):
    """The room map and counts alone, for the page's polling script.

    The reply carries an ETag made from what the map shows; a poll that sends it
    back (``If-None-Match``) while nothing changed gets 304 and no body, and the
    fragment is not even rendered. A poll that says which tiles it holds
    (``X-Live-Tiles: seat_id:version,...``, the ``data-v`` of each tile) gets only
    the tiles that changed and the small parts around them (``X-Live-Diff: 1``);
    any other poll, or a room whose seats changed, gets the whole fragment.
    """
    site = get_site(slug)
    context = live_context(site)
    versions = rooms.tile_versions(context["room"])
    etag = rooms.live_version(context["room"], context["counts"], versions)
    held = held_tiles(request.headers.get("X-Live-Tiles", ""))
    diff = held is not None and list(held) == list(versions)
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    elif diff:
        changed = [v for v in context["room"].seats if held[v.seat.id] != versions[v.seat.id]]
        response = make_response(render_template(
            "console/_live_changes.html", **page_context(site), **context, changed=changed,
            versions=versions))
        response.headers["X-Live-Diff"] = "1"
    else:
        response = make_response(render_template("console/_live.html", **page_context(site),
                                                 **context, versions=versions))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("X-Live-Tiles")
    return response


def held_tiles(header: str) -> dict[int, str] | None:
    """Return the tiles a poll says it holds, {seat id: version} in page order, or None
    when it says none or nothing readable (then the whole fragment is sent)."""
    if not header or len(header) > 64 * 1024:
        return None
    held = {}
    for pair in header.split(","):
        seat_id, _, version = pair.strip().partition(":")
        if not seat_id.isascii() or not seat_id.isdigit() or not version:
            return None
        held[int(seat_id)] = version
    return held


@bp.get("/<slug>/seats/<int:seat_id>")
@access("staff", site=resolvers.seat_site)
def seat(slug, seat_id):
    """One seat: its state, session, today's bookings and the actions on it."""
    site = get_site(slug)
    seat_obj = db.session.get(Seat, seat_id)
    view = rooms.seat_view(site, seat_obj, pending=pending_commands)
    bookings = [b for b in today.todays_bookings(site) if b.seat_id == seat_id]
    return render_template("console/seat.html", **page_context(site), view=view,
                           bookings=bookings)


@bp.get("/<slug>/sessions/<int:session_id>")
@access("staff", site=resolvers.session_site)
def session(slug, session_id):
    """One usage session of the site, running or ended."""
    site = get_site(slug)
    usage = db.session.get(UsageSession, session_id)
    return render_template("console/session.html", **page_context(site), usage=usage,
                           minutes_left=rooms.minutes_left(usage, utcnow())
                           if usage.ended_at is None else None)


@bp.get("/<slug>/bookings/<int:booking_id>")
@access("staff", site=resolvers.booking_site)
def booking(slug, booking_id):
    """One booking of the site."""
    site = get_site(slug)
    return render_template("console/booking.html", **page_context(site),
                           booking=db.session.get(Booking, booking_id))


@bp.get("/<slug>/residents")
@access("staff", site=site_from_slug)
def residents(slug):
    """Find a resident of the site by name or card number (``?q=``)."""
    site = get_site(slug)
    query, found, error = request.args.get("q", ""), [], None
    for_seat = request.args.get("seat", type=int)
    seat_obj = db.session.get(Seat, for_seat) if for_seat else None
    if seat_obj is not None and seat_obj.site_id != site.id:
        seat_obj = None  # a walk-in is only started on a seat of this site
    no_agent = seat_obj is not None and seat_states([seat_obj])[seat_obj.id] == "no_agent"
    if no_agent:
        seat_obj = None  # never offered for a walk-in
    if query:
        try:
            found = search_residents(site, query)
        except InvalidInput as exc:
            error = exc.message
    return render_template("console/residents.html", **page_context(site), query=query,
                           found=found, error=error, for_seat=seat_obj,
                           no_agent=no_agent), 422 if error else 200


@bp.get("/<slug>/residents/<int:resident_id>")
@access("staff", site=resolvers.resident_site)
def resident(slug, resident_id):
    """A resident known at the site: contact, card, bookings and sessions here."""
    site = get_site(slug)
    user = db.session.get(User, resident_id)
    bookings = db.session.scalars(db.select(Booking).where(
        Booking.resident_id == user.id, Booking.site_id == site.id)
        .order_by(Booking.start.desc()).limit(20)).all()
    sessions = db.session.scalars(db.select(UsageSession).where(
        UsageSession.user_id == user.id, UsageSession.site_id == site.id)
        .order_by(UsageSession.started_at.desc()).limit(20)).all()
    from telecentre.console.resident_views import resident_context
    return render_template("console/resident.html", **page_context(site), resident=user,
                           bookings=bookings, sessions=sessions, **resident_context(user))
