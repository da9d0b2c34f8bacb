"""The session log's pages: look up one resident or one computer, download a signed report."""
import json
from datetime import timedelta

from flask import Blueprint, Response, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.common.time import local_today
from telecentre.extensions import db
from telecentre.records import services
from telecentre.seats.models import Seat
from telecentre.sites.models import Site

bp = Blueprint("records", __name__, url_prefix="/records")


class LookupForm(FlaskForm):
    """Whose sessions, or which computer's, over which days."""

    class Meta:
        csrf = False  # a GET search: it changes nothing but the audit log

    resident = StringField(_l("Resident (login or card number)"), validators=[Length(max=80)])
    seat = SelectField(_l("or computer"), coerce=int, choices=[], default=0, validate_choice=True)
    first = DateField(_l("From"), validators=[InputRequired()])
    last = DateField(_l("To"), validators=[InputRequired()])


def _form() -> LookupForm:
    form = LookupForm(request.args)
    seats = db.session.execute(select(Seat.id, Seat.name, Site.name).join(Site)
                               .order_by(Site.id, Seat.name)).all()
    form.seat.choices = [(0, "–")] + [(i, f"{site} — {name}") for i, name, site in seats]
    if not request.args:
        form.last.data = local_today()
        form.first.data = local_today() - timedelta(days=7)
    return form


def _lookup(form):
    """Run the look-up the form asks for; return (rows, subject) or raise DomainError."""
    resident = services.find_resident(form.resident.data)
    if form.resident.data and resident is None:
        raise _NoResident()
    seat = db.session.get(Seat, form.seat.data) if form.seat.data else None
    rows = services.lookup(current_user, resident=resident, seat=seat, first=form.first.data,
                           last=form.last.data)
    subject = (resident.login if resident else f"{seat.site.name} — {seat.name}")
    return rows, subject


class _NoResident(DomainError):
    status, code = 404, "not_found"

    def __init__(self):
        super().__init__(_("No resident has this login or card number."))


@bp.get("/sessions")
@access("records")
def sessions():
    """Look up the sessions of one resident or one computer (every look is audited)."""
    form = _form()
    rows, subject, status = None, None, 200
    if request.args:
        if form.validate():
            try:
                rows, subject = _lookup(form)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
                status = exc.status
        else:
            status = 422
    return render_template("records/sessions.html", form=form, rows=rows, subject=subject,
                           days=services.log_days(), key_id=services.key_id(
                               services.public_key_pem())), status


@bp.get("/sessions/report.json")
@access("records")
def report():
    """The same look-up as a report signed with the county's key (Ed25519)."""
    form = _form()
    if not form.validate():
        return Response(json.dumps({"error": "invalid_input", "fields": form.errors}),
                        status=422, mimetype="application/json")
    try:
        rows, subject = _lookup(form)
    except DomainError as exc:
        db.session.rollback()
        return Response(json.dumps({"error": exc.code, "message": exc.message}),
                        status=exc.status, mimetype="application/json")
    document = services.signed_report(current_user, rows, subject, form.first.data,
                                      form.last.data)
    db.session.commit()
    return Response(json.dumps(document, ensure_ascii=False, indent=2),
                    mimetype="application/json", headers={
                        "Content-Disposition": 'attachment; filename="session-report.json"',
                        "Cache-Control": "private, no-store"})


@bp.get("/public-key.pem")
@access("records")
def public_key():
    """The public key that checks the reports (hand it over with them)."""
    return Response(services.public_key_pem(), mimetype="application/x-pem-file")
