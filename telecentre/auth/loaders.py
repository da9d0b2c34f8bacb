"""How Flask-Login finds the current user: session cookie or bearer token."""
from telecentre.extensions import db, login_manager


def init_app(app):
    """Install the user loaders."""

    @login_manager.user_loader
    def load_user(user_id: str):
        from flask import has_request_context, request
        from telecentre.auth.models import User
        if has_request_context() and request.headers.get("Authorization"):
            # A request that brings its own credentials is judged by them alone, so that
            # a cookie can never lend it an identity (and skip the CSRF check).
            return None
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active:
            return None
        from flask import session
        if session.get("_gen", 0) != user.session_generation:
            return None  # signed out, password changed or blocked since this cookie was made
        return user

    @login_manager.request_loader
    def load_from_header(request):
        from telecentre.auth.services import user_for_token
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return user_for_token(token.strip())

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import abort
        abort(401)
