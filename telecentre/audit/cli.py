"""``telecentre audit …``"""
import click
from flask.cli import AppGroup

audit = AppGroup("audit", help="The audit log.")


@audit.command("verify")
def verify_command():
    """Seal waiting entries, then check the hash chain of the whole log; exit 1 on any break."""
    from sqlalchemy import select

    from telecentre.audit.models import AuditEntry
    from telecentre.audit.services import pending_count, verify_chain
    from telecentre.extensions import db
    count, problems = verify_chain()
    db.session.commit()  # keep what was sealed
    for problem in problems:
        click.echo(problem, err=True)
    pending = pending_count()
    head = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq.is_not(None))
                             .order_by(AuditEntry.seq.desc()).limit(1))
    click.echo(f"{count} entries checked, {len(problems)} problem(s); head {head or '-'}"
               + (f"; {pending} written since, not sealed yet" if pending else ""))
    if problems:
        raise SystemExit(1)


@audit.command("rekey")
def rekey_command():
    """Re-seal a log made before keyed hashes with the audit key (once, after upgrading)."""
    from telecentre.audit.services import rekey
    from telecentre.extensions import db
    count, problems = rekey()
    if problems:
        db.session.rollback()
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"{count} entries re-sealed with the audit key")


@audit.command("seal")
def seal_command():
    """Seal every entry written since the last seal into the hash chain."""
    from telecentre.audit.services import seal_all
    from telecentre.common.db import begin_write
    from telecentre.extensions import db
    begin_write(db.session)
    sealed = seal_all()
    db.session.commit()
    click.echo(f"{sealed} entries sealed")
