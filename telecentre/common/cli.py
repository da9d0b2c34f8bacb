"""Helpers for command-line commands."""
import functools

import click

from telecentre.common.errors import DomainError


def fail_on_domain_error(func):
    """Run a command that changes data: take the write lock first (SQLite), and turn a
    service's refusal into a clear message and exit status 1, with nothing committed."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from telecentre.common.db import begin_write
        from telecentre.extensions import db
        begin_write(db.session)
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None

    return wrapper
