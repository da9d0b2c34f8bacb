"""Public pages: the seven sites, and switching the language."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select

from telecentre.common.access import access
from telecentre.common.time import local_today
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.services import format_minute, intervals_on, list_sites, public_holiday

bp = Blueprint("home", __name__)


@bp.get("/")
@access("public")
def index():
    """The county's sites with address, today's hours and the number of seats."""
    today = local_today()
    counts = dict(db.session.execute(
        select(Seat.site_id, func.count(Seat.id)).where(Seat.in_service)
        .group_by(Seat.site_id)).all())
    sites = [{
        "site": site,
        "hours": [f"{format_minute(o)}–{format_minute(c)}" for o, c in intervals_on(site, today)],
        "seats": counts.get(site.id, 0),
    } for site in list_sites()]
    return render_template("home/index.html", sites=sites, today=today,
                           holiday=public_holiday(today))


@bp.post("/language")
@access("public")
def set_language():
    """Remember the chosen language (for the account too) and go back where the visitor was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = request.form.get("next") or url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = url_for("home.index")  # never redirect off the site
    return redirect(target)
