"""Residents dismiss the notices about their bookings."""
from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from telecentre.common.access import access
from telecentre.console import notices
from telecentre.extensions import db

bp = Blueprint("notices", __name__)


@bp.post("/notices/<int:notice_id>/seen")
@access("resident")
def seen(notice_id):
    """Hide one of the resident's own notices and go back to the page they were on."""
    notices.dismiss(current_user, notice_id)
    db.session.commit()
    target = request.form.get("next") or url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = url_for("home.index")  # never redirect off the site
    return redirect(target)
