"""Who may read the session log: named people, only while the log is switched on."""
from flask import abort, current_app
from flask_login import current_user


def require_records_access() -> None:
    """The ``records`` level: 404 while the log is off, 401/403 unless named for it."""
    if not current_app.config["SESSION_LOG_ENABLED"]:
        abort(404)
    if not current_user.is_authenticated:
        abort(401)
    if not getattr(current_user, "records_access", False):
        abort(403)
