"""Pages: the audit log, county-wide for admins and IT, per site for its staff."""
from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from telecentre.audit.models import AuditEntry
from telecentre.common.access import access
from telecentre.extensions import db
from telecentre.sites.resolvers import site_from_slug
from telecentre.sites.services import get_site

bp = Blueprint("audit", __name__)
PAGE = 100


def _entries(site=None):
    before = request.args.get("before", type=int)
    query = (select(AuditEntry).options(selectinload(AuditEntry.personal))
             .order_by(AuditEntry.id.desc()).limit(PAGE))
    if site is not None:
        query = query.where(AuditEntry.site_id == site.id)
    if before:
        query = query.where(AuditEntry.id < before)
    return db.session.scalars(query).all()


@bp.get("/admin/audit")
@access("it")
def county():
    """The newest audit entries of the whole county."""
    return render_template("audit/list.html", entries=_entries(), site=None)


@bp.get("/sites/<slug>/audit")
@access("staff", site=site_from_slug)
def site_log(slug):
    """The newest audit entries of one site, for its staff."""
    site = get_site(slug)
    return render_template("audit/list.html", entries=_entries(site), site=site)
