"""``telecentre records …``: who may read the session log; checking a signed report."""
import json

import click
from flask.cli import AppGroup

from telecentre.extensions import db

records = AppGroup("records", help="The session log kept for lawful requests.")


@records.command("access")
@click.argument("login")
@click.option("--revoke", is_flag=True, help="Take the access away.")
def access_command(login, revoke):
    """Name LOGIN as one who may read the session log (or, with --revoke, no longer)."""
    from sqlalchemy import select

    from telecentre.audit.services import record
    from telecentre.auth.models import User
    from telecentre.auth.services import normalise_login
    user = db.session.scalar(select(User).where(User.login == normalise_login(login)))
    if user is None or user.role == "resident":
        raise click.ClickException(f"no staff account {login!r}")
    user.records_access = not revoke
    record(None, "records.access_revoked" if revoke else "records.access_granted", target=user)
    db.session.commit()
    click.echo(f"{user.login}: {'no access' if revoke else 'may read'} the session log")


@records.command("verify")
@click.argument("report", type=click.File("r"))
def verify_command(report):
    """Check that REPORT (a downloaded session report) was signed with this server's key."""
    from telecentre.records.services import public_key_pem, verify_report
    try:
        document = json.load(report)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"not a report: {exc}") from exc
    if not verify_report(document, public_key_pem()):
        raise click.ClickException("the signature does not match: the report was changed or "
                                   "signed with another key")
    click.echo("signature valid")
