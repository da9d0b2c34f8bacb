"""Backup and restore of the database.

SQLite: an online, consistent copy through SQLite's backup API (safe while the
server runs); restore copies it back page by page. PostgreSQL: ``pg_dump
--format=custom`` and ``pg_restore --clean --if-exists`` (the client tools of
the same or a newer major version than the server).

The key files in the instance folder (``secret_key``, ``secrets.keys``) are
NOT in the backup on purpose: a backup that held both the encrypted SNMP/SSH
secrets and their key would undo the encryption. Back them up separately.
"""
import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump/pg_restore with fixed arguments
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def _libpq(url) -> list[str]:
    """Return pg_dump/pg_restore connection arguments for a SQLAlchemy URL."""
    u = make_url(url)
    args = ["--host", u.host or "localhost", "--port", str(u.port or 5432),
            "--username", u.username or "postgres", "--dbname", u.database]
    return args


def _env(url) -> dict:
    import os
    env = dict(os.environ)
    password = make_url(url).password
    if password:
        env["PGPASSWORD"] = password  # never on the command line
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return path


def backup(url: str, target: Path) -> Path:
    """Write a consistent backup of the database at ``url`` to ``target``; return it."""
    target = Path(target)
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        source = sqlite3.connect(make_url(url).database)
        dest = sqlite3.connect(target)
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
    elif dialect == "postgresql":
        result = subprocess.run(  # nosec B603 - fixed program, no shell
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target),
             *_libpq(url)], env=_env(url), capture_output=True, text=True)
        if result.returncode:
            raise BackupError(result.stderr.strip())
    else:
        raise BackupError(f"no backup method for {dialect}")
    return target


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup ``source`` (stop the server first)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        src = sqlite3.connect(source)
        dest = sqlite3.connect(make_url(url).database)
        try:
            with dest:
                src.backup(dest)
        finally:
            dest.close()
            src.close()
    elif dialect == "postgresql":
        result = subprocess.run(  # nosec B603 - fixed program, no shell
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
             *_libpq(url), str(source)], env=_env(url), capture_output=True, text=True)
        if result.returncode:
            raise BackupError(result.stderr.strip())
    else:
        raise BackupError(f"no restore method for {dialect}")
