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
    "telecentre.remote",
    "telecentre.monitoring",
    "telecentre.agent_api",
    "telecentre.stats",
    "telecentre.console",
    "telecentre.legal",
)

TEMPLATE_FOLDER = "../templates"


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: config → extensions → features → commands → errors → checks."""
    app = Flask(__name__, instance_relative_config=True, template_folder=TEMPLATE_FOLDER)
    init_config(app, overrides)
    from telecentre.common import converters
    converters.install(app)
    init_extensions(app)
    init_features(app)
    init_cli(app)
    init_errors(app)
    from telecentre.common.access import check_declared
    check_declared(app)
    return app


def init_config(app: Flask, overrides: dict | None) -> None:
    """Load the configuration (see ``telecentre.config``) and set up logging (``LOG_FORMAT``)."""
    from telecentre import config
    from telecentre.common import logs
    config.load(app, overrides)
    logs.configure(app.config.get("LOG_FORMAT") or "text", app.config.get("LOG_LEVEL", "INFO"))


def init_extensions(app: Flask) -> None:
    """Bind the extensions; register the models and database settings."""
    import telecentre.common.db  # noqa: F401  (engine event listeners)
    import telecentre.models  # noqa: F401  (every table, for Alembic)
    from telecentre.common import i18n, logs, security, templating
    from telecentre.common.access import enforce
    from telecentre.extensions import babel, csrf, db, limiter, login_manager, migrate
    from pathlib import Path

    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in ``enforce`` with the access rule
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app, babel)
    templating.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    app.before_request(_writer_transaction)
    security.init_app(app)  # session age first: an expired session is anonymous below
    logs.init_app(app)  # first before_request: the request id and the clock start
    app.before_request(enforce)


def _writer_transaction():
    """State-changing requests take the database's write lock first (matters on SQLite only)."""
    from flask import request
    from telecentre.common.db import begin_write
    from telecentre.extensions import db
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        begin_write(db.session)


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
