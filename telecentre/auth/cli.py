"""``telecentre users …``"""
import sys

import click
from flask.cli import AppGroup

from telecentre.auth.models import ROLES
from telecentre.common.cli import fail_on_domain_error
from telecentre.extensions import db

users = AppGroup("users", help="Accounts.")


@users.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--site", "site_slug", help="Site slug (required for attendants).")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@fail_on_domain_error
def add_user(login, role, site_slug, display_name, password_stdin):
    """Add an account."""
    from telecentre.auth.services import create_user
    from telecentre.sites.services import get_site
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    site = get_site(site_slug) if site_slug else None
    user = create_user(None, login, role=role, password=password, site=site,
                       display_name=display_name)
    db.session.commit()
    click.echo(f"added {user.login} ({user.role}{', ' + site.slug if site else ''})")


@users.command("list")
def list_users():
    """List the accounts."""
    from sqlalchemy import select
    from telecentre.auth.models import User
    for user in db.session.scalars(select(User).order_by(User.role, User.login)):
        click.echo(f"{user.login}\t{user.role}\t{user.site.slug if user.site else '-'}"
                   f"\t{'active' if user.active else 'inactive'}")


@users.command("reset-2fa")
@click.argument("login")
@fail_on_domain_error
def reset_two_step(login):
    """Remove an account's two-step sign-in (a lost phone); it is set up again at sign-in."""
    from sqlalchemy import select
    from telecentre.auth import two_step
    from telecentre.auth.models import User
    from telecentre.auth.services import normalise_login
    user = db.session.scalar(select(User).where(User.login == normalise_login(login)))
    if user is None:
        raise click.ClickException(f"no account {login!r}")
    had = two_step.reset(None, user)
    db.session.commit()
    click.echo(f"two-step sign-in of {user.login} reset" if had
               else f"{user.login} had no two-step sign-in (nothing to reset)")
