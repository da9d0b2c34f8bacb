"""``telecentre audit …``"""
import click
from flask.cli import AppGroup

audit = AppGroup("audit", help="The audit log.")


@audit.command("verify")
def verify_command():
    """Check the hash chain of the whole audit log; exit 1 on any break."""
    from sqlalchemy import select

    from telecentre.audit.models import AuditEntry
    from telecentre.audit.services import verify_chain
    from telecentre.extensions import db
    count, problems = verify_chain()
    for problem in problems:
        click.echo(problem, err=True)
    head = db.session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    click.echo(f"{count} entries checked, {len(problems)} problem(s); head {head or '-'}")
    if problems:
        raise SystemExit(1)
