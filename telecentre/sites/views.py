"""Admin pages: the sites, their hours and subnets."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_login import current_user

from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.extensions import db
from telecentre.sites.forms import HoursForm, SubnetsForm
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import format_hours, get_site, list_sites, set_hours, set_subnets

bp = Blueprint("sites", __name__, url_prefix="/admin/sites")


def _hours_lines(site) -> str:
    """The site's weekly hours with day names in the reader's language (``pon-pt 08:00-16:00``)."""
    return "\n".join(format_hours([(h.weekday, h.open_minute, h.close_minute)
                                   for h in site.hours], str(get_locale())))


@bp.get("/")
@access("admin")
def index():
    """All sites with their hours and subnets."""
    return render_template("sites/index.html", sites=list_sites(), hours_lines=_hours_lines)


@bp.route("/<slug>", methods=["GET", "POST"])
@access("admin", site=site_from_slug)
def edit(slug):
    """Edit a site's weekly hours and subnets (two forms on one page)."""
    site = get_site(slug)
    hours_form = HoursForm(prefix="h")
    subnets_form = SubnetsForm(prefix="s")
    status = 200
    which = "hours" if "h-hours" in request.form else "subnets" if "s-subnets" in request.form \
        else None
    form = {"hours": hours_form, "subnets": subnets_form}.get(which)
    if form is not None and form.validate_on_submit():
        try:
            if which == "hours":
                set_hours(current_user, site, _lines(hours_form.hours.data))
                flash(_("Opening hours saved."), "info")
            else:
                set_subnets(current_user, site, _lines(subnets_form.subnets.data))
                flash(_("Subnets saved."), "info")
            db.session.commit()
            return redirect(url_for("sites.edit", slug=slug))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    elif request.method == "POST":
        status = 422
    if which != "hours":
        hours_form.hours.data = _hours_lines(site)
    if which != "subnets":
        subnets_form.subnets.data = "\n".join(site.subnets or [])
    return render_template("sites/edit.html", site=site, hours_form=hours_form,
                           subnets_form=subnets_form), status


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
