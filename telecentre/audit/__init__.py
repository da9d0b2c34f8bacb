"""The audit log."""


def init_app(app):
    """Register the audit pages."""
    from flask_babel import lazy_gettext as _l
    from telecentre.audit.cli import audit
    from telecentre.audit.views import bp
    from telecentre.common.templating import register_nav
    app.register_blueprint(bp)
    app.cli.add_command(audit)
    register_nav("audit.county", _l("Audit log"), roles=("it", "admin"), order=90)
    register_nav("audit.site_log", _l("Recent actions"), roles=("attendant",), order=90,
                 args=lambda user: {"slug": user.site.slug})
