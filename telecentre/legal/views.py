"""The accessibility statement (public, admin-edited) and the privacy notice (public)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.extensions import db
from telecentre.legal.forms import StatementForm
from telecentre.legal.privacy import notice
from telecentre.legal.retention import kinds
from telecentre.legal.services import (TEXT_FIELDS, get_statement, save_statement, sites_for,
                                       texts_for)

bp = Blueprint("legal", __name__)

SITE_FIELD = "site-"  # form field prefix of a site's architectural accessibility text
SITE_TEXT_MAX = 5000


@bp.get("/deklaracja-dostepnosci")
@access("public")
def accessibility():
    """The accessibility statement in the official structure, in the reader's language."""
    locale = str(get_locale())
    statement = get_statement()
    return render_template("legal/accessibility.html", statement=statement,
                           texts=texts_for(statement, locale), sites=sites_for(statement, locale),
                           locale=locale)


@bp.route("/admin/deklaracja-dostepnosci", methods=["GET", "POST"])
@access("admin")
def edit_accessibility():
    """Edit the statement in the current language (switch the language to edit another)."""
    locale = str(get_locale())
    statement = get_statement()
    form = StatementForm(obj=None if request.method == "POST" else statement)
    sites = sites_for(statement, locale)
    site_texts = {s["site"].slug: request.form.get(SITE_FIELD + s["site"].slug, s["own"])
                  for s in sites}
    errors = {slug: _("At most %(n)d characters.", n=SITE_TEXT_MAX)
              for slug, text in site_texts.items() if len(text or "") > SITE_TEXT_MAX}
    status = 200
    if request.method == "GET":
        own = (statement.texts or {}).get(locale) or {}
        for name in TEXT_FIELDS:
            getattr(form, name).data = own.get(name, "")
    elif form.validate_on_submit() and not errors:
        try:
            save_statement(
                current_user, locale, status=form.status.data,
                published_on=form.published_on.data, updated_on=form.updated_on.data,
                prepared_on=form.prepared_on.data, reviewed_on=form.reviewed_on.data,
                assessment=form.assessment.data, assessor=form.assessor.data.strip(),
                contact_person=form.contact_person.data.strip(),
                contact_email=form.contact_email.data.strip(),
                contact_phone=form.contact_phone.data.strip(),
                texts={name: getattr(form, name).data for name in TEXT_FIELDS},
                sites=site_texts)
            db.session.commit()
            flash(_("The accessibility statement is saved."), "info")
            return redirect(url_for("legal.edit_accessibility"))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = exc.status
    else:
        status = 422
    return render_template("legal/edit_accessibility.html", form=form, sites=sites,
                           site_texts=site_texts, site_errors=errors, locale=locale,
                           site_field=SITE_FIELD, locale_name=get_locale().display_name), status


@bp.get("/admin/retention")
@access("admin")
def retention():
    """How long each kind of record is kept, and the setting that says so."""
    return render_template("legal/retention.html", kinds=kinds())


@bp.get("/ochrona-danych")
@access("public")
def privacy():
    """The privacy notice (RODO art. 13 and 14)."""
    return render_template("legal/privacy.html", notice=notice())
