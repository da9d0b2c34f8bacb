"""The agent API: enrolment, heartbeats, unlocking, usage events and commands."""


def init_app(app):
    """Register the ``agent`` access level, the agent blueprint, the ``agents`` commands and
    the seat-state provider that marks seats of silent agents offline."""
    from telecentre.agent_api import auth
    from telecentre.common.access import register_level

    app.config.setdefault("AGENT_WARN_MINUTES", [5, 1])
    app.config.setdefault("AGENT_OFFLINE_WINDOW_HOURS", 4)
    app.config.setdefault("AGENT_CODE_HASH_ITERATIONS", 50_000)
    register_level("agent", auth.require_agent)  # before the views declare it

    from flask_babel import lazy_gettext as _l

    from telecentre.agent_api import cli, pages, views
    from telecentre.common.templating import register_nav
    from telecentre.agent_api.services import offline_seat_states
    from telecentre.seats.services import STATE_PROVIDERS

    from telecentre.agent_api.bridge import AgentBridge
    from telecentre.remote.agents import register_agent_bridge

    register_agent_bridge(AgentBridge())  # remote actions: host keys, hints, relays, commands
    if offline_seat_states not in STATE_PROVIDERS:
        STATE_PROVIDERS.append(offline_seat_states)
    from telecentre.agent_api.metrics import agent_metrics
    from telecentre.ops.metrics import register_collector

    register_collector("agents", agent_metrics)
    app.register_blueprint(views.bp)
    app.register_blueprint(pages.bp)
    register_nav("agents.index", _l("PC agents"), roles=("it", "admin"), order=62)
    app.cli.add_command(cli.agents)
