"""``/healthz`` (the process answers) and ``/readyz`` (database up, at the newest schema)."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from telecentre.common.access import access
from telecentre.extensions import db

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@access("public")
def healthz():
    """Return 200 while the process runs; touches nothing else."""
    return jsonify(status="ok")


def _schema_head() -> str | None:
    from alembic.script import ScriptDirectory
    migrate = current_app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    return ScriptDirectory.from_config(config).get_current_head()


@bp.get("/readyz")
@access("public")
def readyz():
    """Return 200 when the database answers and is migrated to the newest revision, else 503."""
    try:
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable or not initialised"), 503
    head = _schema_head()
    if current != head:
        return jsonify(status="unavailable", database="migration pending",
                       current=current, head=head), 503
    return jsonify(status="ok", database="ok", revision=current)


@bp.get("/metrics")
@access("public")
def metrics():
    """Prometheus metrics, for the networks in METRICS_ALLOWED_NETWORKS only (403 otherwise)."""
    import netaddr
    from flask import abort, request

    from telecentre.ops.metrics import render
    allowed = current_app.config["METRICS_ALLOWED_NETWORKS"]
    try:
        address = netaddr.IPAddress(request.remote_addr or "")
    except (netaddr.AddrFormatError, ValueError):
        abort(403)
    if not any(address in netaddr.IPNetwork(net) for net in allowed):
        abort(403)
    return render()
