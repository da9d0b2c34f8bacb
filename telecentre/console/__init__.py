"""The attendant's console (live room map, actions on seats and sessions, the day) and the
site's public kiosk page ("infomat")."""


def init_app(app):
    """Register the console pages, the kiosk pages and the console API; add the menu link."""
    from flask_babel import lazy_gettext as _l

    from telecentre.common.templating import register_nav
    from telecentre.console import (action_views, api, api_actions, guest_views, kiosk,
                                    notice_views, notices, resident_views, staff_booking,
                                    views)
    for blueprint in (views.bp, action_views.bp, guest_views.bp, kiosk.bp, api.bp,
                      api_actions.bp, notice_views.bp, resident_views.bp,
                      staff_booking.bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals["resident_notices"] = notices.for_template
    register_nav("console.index", _l("Console"), roles=("attendant", "it", "admin"), order=25)
