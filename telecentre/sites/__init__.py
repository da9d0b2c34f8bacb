"""Sites: the seven offices, their hours, subnets and policies."""


def init_app(app):
    """Register the site API, admin pages and the ``sites`` commands."""
    from telecentre.sites import api, cli, views
    app.register_blueprint(api.bp)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.sites)
    from flask_babel import lazy_gettext as _l
    from telecentre.common.templating import register_nav
    register_nav("sites.index", _l("Site settings"), roles=("admin",), order=80)
