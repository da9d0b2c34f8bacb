"""Telecentre: the central server. ``create_app`` builds the Flask application."""
from flask import Flask

# Feature packages, each with ``init_app(app)``: blueprints, commands, hooks.
FEATURES = (
    "telecentre.home",
    "telecentre.auth",
    "telecentre.sites",
    "telecentre.seats",
    "telecentre.audit",
    "telecentre.alerts",
    "telecentre.booking",
    "telecentre.api",
    "telecentre.ops",
    "telecentre.tasks",
    "telecentre.remote",
    "telecentre.monitoring",
    "telecentre.agent_api",
    "telecentre.stats",
    "telecentre.console",
    "telecentre.legal",
    "telecentre.incidents",
    "telecentre.records",
    "telecentre.printing",
)

def template_folder() -> str:
    """The templates: ``templates/`` at the top of a checkout, or inside the installed package.

    A wheel carries them as ``telecentre/_data/templates`` (see setup.py); a
    checkout (and an editable install) reads the repository's own folder.
    """
    from pathlib import Path
    package = Path(__file__).resolve().parent
    bundled = package / "_data" / "templates"
    return str(bundled if bundled.is_dir() else package.parent / "templates")


def migrations_folder() -> str:
    """The Alembic scripts: ``migrations/`` of a checkout, or inside the installed package."""
    from pathlib import Path
    package = Path(__file__).resolve().parent
    bundled = package / "_data" / "migrations"
    return str(bundled if bundled.is_dir() else package.parent / "migrations")


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: config → extensions → features → commands → errors → checks."""
    import os
    app = Flask(__name__, instance_relative_config=True, template_folder=template_folder(),
                instance_path=os.environ.get("TELECENTRE_INSTANCE_PATH") or None)
    init_config(app, overrides)
    init_proxy(app)
    from telecentre.common import converters
    converters.install(app)
    init_extensions(app)
    init_features(app)
    init_cli(app)
    init_errors(app)
    from telecentre.common.access import check_declared
    from telecentre.common.ratelimit import drop_idle_check
    check_declared(app)
    drop_idle_check(app)  # every route and limit is known from here on
    return app


def init_config(app: Flask, overrides: dict | None) -> None:
    """Load the configuration (see ``telecentre.config``) and set up logging (``LOG_FORMAT``)."""
    from telecentre import config
    from telecentre.common import logs
    config.load(app, overrides)
    logs.configure(app.config.get("LOG_FORMAT") or "text", app.config.get("LOG_LEVEL", "INFO"))


def init_proxy(app: Flask) -> None:
    """Behind ``TRUSTED_PROXY_HOPS`` proxies, take the client's address and scheme from them.

    Werkzeug's ProxyFix reads the last N entries of X-Forwarded-For,
    X-Forwarded-Proto and X-Forwarded-Port, the ones our own proxies wrote;
    what a client puts before them is ignored. Everything that reads
    ``request.remote_addr`` (rate limits, public-PC rules, agent addresses,
    /metrics, the audit log) then sees the client.
    """
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_port=hops)


def init_extensions(app: Flask) -> None:
    """Bind the extensions; register the models and database settings."""
    import telecentre.common.db  # noqa: F401  (engine event listeners)
    import telecentre.models  # noqa: F401  (every table, for Alembic)
    from telecentre.common import bodies, i18n, labels, logs, security, templating
    from telecentre.common.access import enforce
    from telecentre.extensions import babel, csrf, db, limiter, login_manager, migrate

    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in ``enforce`` with the access rule
    db.init_app(app)
    if app.config["DATABASE_PING_IDLE_SECONDS"]:
        from telecentre.common.db import ping_when_idle
        with app.app_context():
            for engine in db.engines.values():
                ping_when_idle(engine, app.config["DATABASE_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=migrations_folder())
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app, babel)
    templating.init_app(app)
    labels.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    bodies.install(app)  # before the write lock: a refused body takes no lock
    app.before_request(_writer_transaction)
    security.init_app(app)  # session age first: an expired session is anonymous below
    logs.init_app(app)  # first before_request: the request id and the clock start
    app.before_request(_read_first)  # before enforce: the user's lookup is such a read
    app.before_request(enforce)


def _writer_transaction():
    """State-changing requests take the database's write lock first (matters on SQLite only)."""
    from flask import current_app, request
    from telecentre.common.db import begin_write
    from telecentre.extensions import db
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and \
            current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        begin_write(db.session)  # (on PostgreSQL it would only find that out, every request)


def _read_first():
    """A view marked ``reads_first`` starts without a transaction (PostgreSQL; see common.db)."""
    from flask import current_app, request
    from telecentre.common.db import read_first
    from telecentre.extensions import db
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "reads_first", False):
        read_first(db.session)


def init_features(app: Flask) -> None:
    """Let every feature package register its blueprints and hooks."""
    from importlib import import_module
    for name in FEATURES:
        import_module(name).init_app(app)


def init_cli(app: Flask) -> None:
    """Register the application-level commands (``telecentre init`` and friends)."""
    from telecentre import cli
    cli.register(app)


def init_errors(app: Flask) -> None:
    """Install the error handlers: JSON for the API, pages for people."""
    from telecentre.common import errors
    errors.register(app)
