"""A resident's own data: see it, download it (JSON), delete the account."""
import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Length

from telecentre.common.access import access
from telecentre.common.errors import DomainError
from telecentre.extensions import db
from telecentre.stats.privacy import delete_account, export_data

bp = Blueprint("privacy", __name__, url_prefix="/account")


class DeleteForm(FlaskForm):
    """Confirm deleting one's own account with the password."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(_l("I understand that my account will be deleted and my open "
                              "bookings cancelled."), validators=[DataRequired()])


@bp.get("/data")
@access("resident")
def my_data():
    """What the system holds about the signed-in resident, with download and delete."""
    return render_template("stats/my_data.html", data=export_data(current_user),
                           form=DeleteForm())


@bp.get("/data.json")
@access("resident")
def my_data_json():
    """Download everything held about the signed-in resident as JSON."""
    body = json.dumps(export_data(current_user), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="telecentre-my-data.json"'})


@bp.post("/delete")
@access("resident")
def delete():
    """Delete the signed-in resident's account after the password is confirmed."""
    form = DeleteForm()
    if not form.validate_on_submit():
        flash(_("Give your password and tick the box to delete the account."), "error")
        return render_template("stats/my_data.html", data=export_data(current_user),
                               form=form), 422
    try:
        result = delete_account(current_user, current_user, form.password.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return render_template("stats/my_data.html", data=export_data(current_user),
                               form=form), exc.status
    db.session.commit()
    logout_user()
    flash(_("Your account is deleted. Open bookings cancelled: %(n)d.",
            n=result["bookings_cancelled"]), "info")
    return redirect(url_for("home.index"))
