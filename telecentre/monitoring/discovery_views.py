"""IT pages of discovery: proposed devices (accept or ignore), scan now, a site's topology."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.extensions import db
from telecentre.monitoring import profiles, tasks, topology
from telecentre.monitoring.forms import NeighboursForm, ProposalForm, ScanForm
from telecentre.monitoring.models import Device
from telecentre.monitoring.proposals import (accept_proposal, get_proposal, ignore_proposal,
                                             pending_proposals, scan_ranges, site_links)
from telecentre.monitoring.views import bp
from telecentre.sites.models import Site
from telecentre.sites.services import get_site
from telecentre.tasks import send


def _proposal_forms(proposals):
    forms = {}
    for p in proposals:
        form = ProposalForm(prefix=f"p{p.id}", formdata=None)
        form.name.data, form.kind.data = p.sys_name or p.address, p.suggested_kind
        forms[p.id] = form
    return forms


def _page(status=200, scan_forms=None):
    proposals = pending_proposals()
    sites = list(db.session.scalars(select(Site).order_by(Site.name)))
    scan_forms = scan_forms or {}
    for site in sites:
        scan_forms.setdefault(site.id, ScanForm(prefix=f"s{site.id}", formdata=None))
    families = {p.id: profiles.choose(p.sys_object_id, p.sys_descr, {}) for p in proposals}
    return render_template("monitoring/discovery.html", proposals=proposals,
                           forms=_proposal_forms(proposals), sites=sites, families=families,
                           scan_forms=scan_forms, neighbours_form=NeighboursForm()), status


@bp.get("/discovery")
@access("it")
def discovery():
    """Devices discovery proposes, with accept and ignore; scan or read neighbours now."""
    return _page()


@bp.post("/discovery/decide")
@access("it")
def decide_proposal():
    """Accept (make the device) or ignore (never propose again) one proposal."""
    try:
        proposal = get_proposal(request.form.get("proposal", type=int))
        form = ProposalForm(prefix=f"p{proposal.id}")
        if not form.validate_on_submit():
            flash(_("The form has expired; please try again."), "error")
            return _page(422)
        if request.form.get("decision") == "ignore":
            ignore_proposal(current_user, proposal)
            message = _("%(address)s will not be proposed again.", address=proposal.address)
        else:
            device = accept_proposal(current_user, proposal, form.name.data, form.kind.data,
                                     form.community.data or "")
            message = _("Device %(name)s added; it will be discovered on the next sweep.",
                        name=device.name)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _page(exc.status)
    flash(message, "info")
    return redirect(url_for("monitoring.discovery"))


@bp.post("/discovery/<slug>/scan")
@access("it")
def scan_site(slug):
    """Queue a scan of the site's subnets (or the ranges given inside them)."""
    site = get_site(slug)
    form = ScanForm(prefix=f"s{site.id}")
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "error")
        return _page(422)
    try:
        ranges = scan_ranges(site, (form.ranges.data or "").replace(",", " ").split(),
                             current_app.config)
    except DomainError as exc:
        form.ranges.errors = [exc.message]
        flash(exc.message, "error")
        return _page(exc.status, {site.id: form})
    db.session.rollback()  # nothing to write here; the task writes its own
    send(tasks.scan_site, site.id, ranges, expires=3600)
    flash(_("Scan of %(ranges)s at %(site)s started; proposals appear here when it ends.",
            ranges=", ".join(ranges), site=site.name), "info")
    return redirect(url_for("monitoring.discovery"))


@bp.post("/discovery/<slug>/neighbours")
@access("it")
def read_neighbours(slug):
    """Queue a reading of the neighbour tables of the site's devices."""
    site = get_site(slug)
    if not NeighboursForm().validate_on_submit():
        flash(_("The form has expired; please try again."), "error")
        return _page(422)
    db.session.rollback()
    send(tasks.discover_site, site.id, expires=3600)
    flash(_("Reading the neighbour tables of %(site)s; proposals and links appear when it "
            "ends.", site=site.name), "info")
    return redirect(url_for("monitoring.discovery"))


@bp.get("/health/<slug>/topology")
@access("it")
def site_topology(slug):
    """A site's devices and their LLDP/CDP neighbours: a picture and the same links as a table."""
    site = get_site(slug)
    devices = list(db.session.scalars(select(Device).where(Device.site_id == site.id)
                                      .order_by(Device.name)))
    links = site_links(site)
    picture = topology.svg(devices, links, _("Links between the devices of %(site)s",
                                             site=site.name),
                           _("known device"), _("neighbour not monitored")) if links else None
    return render_template("monitoring/topology.html", site=site, links=links, picture=picture)
