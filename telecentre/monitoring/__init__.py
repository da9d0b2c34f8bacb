"""Hardware and network health over SNMP: devices, polls, alerts, history."""


def init_app(app):
    """Register the IT pages, the device API and the ``devices`` and ``snmp`` commands."""
    from flask_babel import lazy_gettext as _l

    from telecentre.common.templating import register_nav
    from telecentre.monitoring import api, cli, discovery_views, views  # noqa: F401
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.devices)
    app.cli.add_command(cli.snmp)
    register_nav("monitoring.county", _l("Network health"), roles=("it", "admin"), order=60)
    register_nav("monitoring.alerts", _l("Alerts"), roles=("it", "admin"), order=61)
