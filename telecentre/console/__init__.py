"""The attendant's console (live room map, actions on seats and sessions, the day) and the
site's public kiosk page ("infomat")."""


def init_app(app):
    """Register the console pages, the kiosk pages and the console API; add the menu link."""
    from flask_babel import lazy_gettext as _l

    from telecentre.common.templating import register_nav
    from telecentre.console import api, guest_views, kiosk, views
    for blueprint in (views.bp, guest_views.bp, kiosk.bp, api.bp):
        app.register_blueprint(blueprint)
    register_nav("console.index", _l("Console"), roles=("attendant", "it", "admin"), order=25)
