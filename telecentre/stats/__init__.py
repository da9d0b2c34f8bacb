"""Usage statistics, the programme's indicators, exports and privacy (issue 8)."""


def init_app(app):
    """Register the statistics and privacy pages, the API, commands and settings."""
    from flask_babel import lazy_gettext as _l

    from telecentre.common.templating import register_nav
    from telecentre.config import _instance_secret
    from telecentre.stats import api, cli, privacy_views, views
    # Raw usage older than this many days is pseudonymised (the rollups stay).
    app.config.setdefault("RETENTION_DAYS", 730)
    # Roles that may see which resident used a seat (attendants: their own site only).
    app.config.setdefault("STATS_IDENTITY_ROLES", ["admin", "attendant"])
    if not app.config.get("PSEUDONYM_KEY"):
        app.config["PSEUDONYM_KEY"] = _instance_secret(app, "pseudonym_key")
    app.register_blueprint(views.bp)
    app.register_blueprint(privacy_views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.stats)
    register_nav("stats.county", _l("Statistics"), roles=("admin",), order=60)
    register_nav("stats.site", _l("Statistics"), roles=("attendant",), order=60,
                 args=lambda user: {"slug": user.site.slug})
    register_nav("privacy.my_data", _l("My data"), roles=("resident",), order=70)
