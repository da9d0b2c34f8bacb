"""Alerts raised by monitoring, remote actions and agents, and who is told about them."""


def init_app(app):
    """Register the pages of alert routes and messages, and their menu entry."""
    from flask_babel import lazy_gettext as _l

    from telecentre.alerts import views
    from telecentre.common.templating import register_nav
    app.register_blueprint(views.bp)
    register_nav("alerts.routes", _l("Alert routes"), roles=("it", "admin"), order=63)
