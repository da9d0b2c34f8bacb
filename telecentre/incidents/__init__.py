"""The incident register that the cybersecurity act asks a public body to keep (IT staff)."""


def init_app(app):
    """Register the incident pages and their menu entry."""
    from flask_babel import lazy_gettext as _l

    from telecentre.common.templating import register_nav
    from telecentre.incidents import views
    app.register_blueprint(views.bp)
    register_nav("incidents.index", _l("Incidents"), roles=("it", "admin"), order=64)
