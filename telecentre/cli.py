"""The ``telecentre`` command: application-level commands and the entry point."""
import click
from flask.cli import FlaskGroup, with_appcontext

from telecentre.extensions import db


def _create_app():
    from telecentre import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def main():
    """Telecentre: public computer rooms and kiosks of Łęczna County."""


def register(app):
    """Add the application-level commands to ``app.cli``."""
    for command in (init_command, serve_command, scheduler_command, secrets_group,
                    routes_command):
        app.cli.add_command(command)


@click.command("init")
@with_appcontext
def init_command():
    """Migrate the database to the newest schema and add the seven sites (idempotent)."""
    from flask_migrate import upgrade
    from telecentre.sites.services import seed_sites
    upgrade()
    created = seed_sites()
    db.session.commit()
    click.echo(f"database ready; {created} site(s) added")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--threads", default=1, show_default=True, type=int,
              help="Threads per worker; above 1 gunicorn's gthread workers are used.")
@with_appcontext
def serve_command(host, port, workers, threads):
    """Serve the web app and API with gunicorn (JSON logs unless LOG_FORMAT=text)."""
    from flask import current_app
    from telecentre.serve import serve
    serve(host, port, workers, threads, current_app.config.get("LOG_FORMAT") or "json")


@click.command("scheduler")
@click.option("--job", "only", multiple=True, help="Send only these job ids.")
@click.option("--list", "list_only", is_flag=True, help="List the jobs and exit.")
@with_appcontext
def scheduler_command(only, list_only):
    """Send the periodic jobs to the task workers when due (one leader; others stand by)."""
    from flask import current_app
    from telecentre.common import logs
    from telecentre.jobs import load_jobs, run_scheduler
    logs.configure(current_app.config.get("LOG_FORMAT") or "json",
                   current_app.config.get("LOG_LEVEL", "INFO"))
    if list_only:
        for spec in load_jobs(current_app).values():
            click.echo(f"{spec.id}\t{spec.trigger} {spec.trigger_args}")
        return
    run_scheduler(current_app._get_current_object(), only=list(only) or None)


@click.group("secrets")
def secrets_group():
    """Secrets encrypted at rest."""


@secrets_group.command("rotate")
@with_appcontext
def rotate_command():
    """Add a new key, re-encrypt every stored secret with it, keep the old key for reading."""
    from cryptography.fernet import Fernet
    from telecentre.common import crypto
    keys = crypto.load_keys()
    crypto.write_keys([Fernet.generate_key(), *keys])
    count = 0
    for model, attribute in crypto.ENCRYPTED_COLUMNS:
        for row in db.session.scalars(db.select(model)):
            value = getattr(row, attribute)
            if value:
                setattr(row, attribute, crypto.rotate_token(value))
                count += 1
    db.session.commit()
    click.echo(f"new key added; {count} secret(s) re-encrypted; {len(keys)} older key(s) kept")


@secrets_group.command("prune")
@click.option("--keep", default=1, show_default=True, help="How many newest keys to keep.")
@with_appcontext
def prune_command(keep):
    """Drop old keys (run after ``rotate`` once every secret is re-encrypted)."""
    from telecentre.common import crypto
    keys = crypto.load_keys()
    crypto.write_keys(keys[:max(1, keep)])
    click.echo(f"{max(0, len(keys) - keep)} key(s) removed")


@click.command("routes")
@with_appcontext
def routes_command():
    """List the URL rules with their access level."""
    from flask import current_app
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        view = current_app.view_functions[rule.endpoint]
        methods = ",".join(sorted(rule.methods - {"HEAD", "OPTIONS"}))
        click.echo(f"{rule.rule}\t{methods}\t{getattr(view, 'access_level', '-')}")


if __name__ == "__main__":
    main()
