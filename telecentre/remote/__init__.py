"""Remote actions on the public PCs: vetted SSH actions, wake-on-LAN, power schedules.

Framework-free parts take plain values: ``hostkeys`` and ``ssh`` (the
paramiko adapter), ``params``/``catalogue``/``scripts`` (the vetted actions
per OS), ``runner`` (many hosts in parallel, with progress) and ``wol``
(magic packets, the relay command for an agent). On top: ``models``,
``services`` (acting user explicit, flush only), ``execution`` (carrying a
run out, committing per host), ``power`` (wake and power schedules), the
IT pages, the API under /api/v1/remote, ``telecentre remote …`` and jobs.
"""


def init_app(app):
    """Register the pages, the API, the ``remote`` commands and the settings' defaults."""
    from flask_babel import lazy_gettext as _l

    from telecentre.common.templating import register_nav

    from telecentre.common.labels import register_prefix

    from . import api, cli, views
    from .labels import action_label
    register_prefix("audit", "remote.run.",
                    lambda name: _l("remote action: %(name)s", name=action_label(name)))
    # Defaults; each may come from TELECENTRE_REMOTE_… or the instance file.
    # Hosts at once: in all, and per site (a site's uplink); each host is a task.
    app.config.setdefault("REMOTE_MAX_PARALLEL", 50)
    app.config.setdefault("REMOTE_SITE_MAX_PARALLEL", 30)
    # A host task waiting for a free slot comes back after this many seconds.
    app.config.setdefault("REMOTE_SLOT_WAIT", 1.0)
    # Repeatable (read-only) actions only: new tries after a timeout or no answer.
    app.config.setdefault("REMOTE_RETRIES", 2)
    app.config.setdefault("REMOTE_RETRY_DELAY", 10.0)
    app.config.setdefault("REMOTE_CONNECT_TIMEOUT", 10.0)
    app.config.setdefault("REMOTE_TAIL_BYTES", 8192)
    # Subnets the server itself sends wake-on-LAN into; other sites go through an agent.
    app.config.setdefault("REMOTE_WOL_DIRECT_SUBNETS", [])
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(cli.remote)
    register_nav("remote.index", _l("Remote actions"), roles=("it", "admin"), order=60)
