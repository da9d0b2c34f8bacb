"""Console pages for guest passes: issue (one or a group), print the sheet, list, revoke."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.time import utcnow
from telecentre.console import guests, resolvers
from telecentre.console.models import GuestPass
from telecentre.extensions import db
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site

bp = Blueprint("guests", __name__, url_prefix="/console/<slug>/guest-passes")


@bp.context_processor
def _helpers():
    return {"display_code": guests.display, "now": utcnow()}


@bp.get("")
@access("staff", site=site_from_slug)
def index(slug):
    """The form to issue passes and the passes of the last week."""
    site = get_site(slug)
    return render_template("console/guest_passes.html", site=site,
                           passes=guests.recent_passes(site), form=request.args)


@bp.post("")
@access("staff", site=site_from_slug)
def issue(slug):
    """Issue one pass or a group of passes, then show the sheet to print."""
    site = get_site(slug)
    form = request.form
    try:
        passes = guests.issue_passes(current_user, site, form.get("count", "1"),
                                     form.get("minutes", ""), days=form.get("days", "1"),
                                     note=form.get("note", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return render_template("console/guest_passes.html", site=site,
                               passes=guests.recent_passes(site), form=form), exc.status
    db.session.commit()
    return redirect(url_for("guests.sheet", slug=slug, batch=passes[0].batch))


@bp.get("/sheet/<batch>")
@access("staff", site=site_from_slug)
def sheet(slug, batch):
    """A printable sheet of one batch of passes, one cut-out card per pass."""
    site = get_site(slug)
    return render_template("console/guest_sheet.html", site=site,
                           passes=guests.batch_of(site, batch))


@bp.post("/<int:pass_id>/revoke")
@access("staff", site=resolvers.guest_pass_site)
def revoke(slug, pass_id):
    """Revoke an unused pass."""
    try:
        guests.revoke_pass(current_user, db.session.get(GuestPass, pass_id))
        db.session.commit()
        flash(_("The pass is revoked."), "info")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("guests.index", slug=slug))
