"""Admin pages: the booking policy of each site."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from telecentre.booking import policies
from telecentre.booking.forms import policy_form_class
from telecentre.booking.rules import current_policy
from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.extensions import db
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site, list_sites

bp = Blueprint("booking_admin", __name__, url_prefix="/admin/policies")


@bp.get("/")
@access("admin")
def index():
    """Every site's booking rules side by side."""
    return render_template("booking/policies.html", sites=list_sites(),
                           policy_of=current_policy, fields=policies.EDITABLE)


@bp.route("/<slug>", methods=["GET", "POST"])
@access("admin", site=site_from_slug)
def edit(slug):
    """Edit a site's booking rules, or apply the municipal preset."""
    site = get_site(slug)
    policy = current_policy(site)
    form = policy_form_class()(obj=policy if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        values = {name: form[name].data for name in policies.EDITABLE}
        values["walk_in_allowed"] = form.walk_in_allowed.data
        try:
            policies.update_policy(current_user, site, values)
            if form.preset.data:
                policies.apply_preset(current_user, site, form.preset.data)
            db.session.commit()
            flash(_("Booking rules of %(site)s saved.", site=site.name), "info")
            return redirect(url_for("booking_admin.edit", slug=slug))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    elif request.method == "POST":
        status = 422
    if request.method == "GET":
        form.preset.data = ""
    return render_template("booking/policy.html", site=site, form=form, policy=policy), status
