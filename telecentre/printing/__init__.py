"""Printing on the site's CUPS server: jobs held, counted, released within an allowance."""


def money(grosze: int) -> str:
    """Return an amount in grosze as the reader's currency text ("1,50 zł")."""
    from flask_babel import format_currency
    return format_currency((grosze or 0) / 100, "PLN")


def init_app(app):
    """Register the desk actions, the settings page, the kiosk and agent endpoints, and the
    console panel's data (``print_panel(site)`` in templates)."""
    from telecentre.printing import agent_views, kiosk, services, views
    app.register_blueprint(views.bp)
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(agent_views.bp)
    app.add_template_global(services.desk_panel, "print_panel")
    app.add_template_global(services.printing_on, "printing_on")
    app.add_template_filter(money, "money")
