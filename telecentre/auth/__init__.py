"""Accounts: sign-in for people, bearer tokens for API clients, the users command."""


def init_app(app):
    """Register the sign-in pages, the token API, the user loaders and the CLI."""
    from telecentre.auth import (account_views, api, cli, loaders, recovery_views, two_step_views,
                                 views)
    from telecentre.auth import two_step  # noqa: F401  (declares its encrypted column)
    loaders.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(two_step_views.bp)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(recovery_views.bp)
    app.before_request(recovery_views.force_change)
    app.cli.add_command(cli.users)
    from flask_babel import lazy_gettext as _l
    from telecentre.common.templating import register_nav
    register_nav("auth.users", _l("Accounts"), roles=("admin",), order=85)
