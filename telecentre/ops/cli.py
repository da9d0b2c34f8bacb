"""``telecentre backup`` and ``telecentre restore``."""
import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(target):
    """Write a consistent backup of the database to TARGET (safe while running)."""
    from telecentre.ops.backup import BackupError, backup
    try:
        path = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {path}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source, yes):
    """Replace the database with the backup SOURCE (stop the server and scheduler first)."""
    from telecentre.extensions import db
    from telecentre.ops.backup import BackupError, restore
    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"database restored from {source}; run 'telecentre init' to apply newer "
               "migrations if the backup is older than this version")
