"""Bookings of seats by residents: availability, policies, codes, the walk-in queue."""


def init_app(app):
    """Register the residents' pages, the desk, the policy admin and the booking API."""
    from flask_babel import lazy_gettext as _l

    from telecentre.booking import account_views, admin, api, api_queue, cli, desk, views
    from telecentre.common.templating import register_nav
    for blueprint in (views.bp, account_views.bp, desk.bp, admin.bp, api.bp, api_queue.bp):
        app.register_blueprint(blueprint)
    app.cli.add_command(cli.bookings)
    app.config.setdefault("QUEUE_OFFER_MINUTES", 5)
    app.config.setdefault("RATELIMIT_CODE", "10 per minute;100 per hour")
    app.config.setdefault("RATELIMIT_REGISTER", "5 per minute;30 per hour")
    register_nav("booking.sites", _l("Book a computer"), order=10)
    register_nav("booking.mine", _l("My bookings"), roles=("resident",), order=20)
    register_nav("desk.today", _l("Desk"), roles=("attendant",), order=30,
                 args=lambda user: {"slug": user.site.slug})
    register_nav("booking_admin.index", _l("Booking rules"), roles=("admin",), order=82)
