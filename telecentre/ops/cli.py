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
    key_file = current_app.config["BACKUP_KEY_FILE"]
    try:
        path = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], target, key_file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {path}" + (" (encrypted)" if key_file else ""))


@click.command("backup-key")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_key_command(path):
    """Make a new key file for encrypted backups (set BACKUP_KEY_FILE to it).

    Keep it outside the database and away from the backups: on the server's
    key folder and on the county's offline medium. Without it no encrypted
    backup can be restored.
    """
    from telecentre.ops.backup import new_key_file
    try:
        new_key_file(path)
    except FileExistsError:
        raise click.ClickException(f"{path} exists; not overwritten") from None
    click.echo(f"backup key written to {path}; set TELECENTRE_BACKUP_KEY_FILE={path}")


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
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], source,
                current_app.config["BACKUP_KEY_FILE"])
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"database restored from {source}; run 'telecentre init' to apply newer "
               "migrations if the backup is older than this version")
