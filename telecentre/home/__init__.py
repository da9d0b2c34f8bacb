"""The public home page and the language switch."""


def init_app(app):
    """Register the home blueprint."""
    from flask_babel import lazy_gettext as _l
    from telecentre.common.templating import register_nav
    from telecentre.home.views import bp
    app.register_blueprint(bp)
    register_nav("home.index", _l("Sites"), order=10)
