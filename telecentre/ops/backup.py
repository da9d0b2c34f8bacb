"""Backup and restore of the database.

SQLite: an online, consistent copy through SQLite's backup API (safe while the
server runs); restore copies it back page by page. PostgreSQL: ``pg_dump
--format=custom`` and ``pg_restore --clean --if-exists`` (the client tools of
the same or a newer major version than the server).

The key files in the instance folder (``secret_key``, ``secrets.keys``) are
NOT in the backup on purpose: a backup that held both the encrypted SNMP/SSH
secrets and their key would undo the encryption. Back them up separately.

Every backup file is created readable by its owner only (0600): it holds
every resident's personal data. With a key file (``BACKUP_KEY_FILE``, made
by ``telecentre backup-key``, kept outside the database and away from the
backups) it is also encrypted: Fernet (AES-128-CBC with HMAC-SHA256) in
chunks of ``CHUNK`` bytes, each an authenticated token, after a magic line;
restore recognises such a file and needs the same key. A file that was cut
short or altered is refused, not half restored.
"""
import os
import shutil
import sqlite3
import struct
import subprocess  # nosec B404 - runs pg_dump/pg_restore with fixed arguments
import tempfile
from contextlib import contextmanager
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


MAGIC = b"TELECENTRE-ENCRYPTED-BACKUP-1\n"
CHUNK = 4 * 1024 * 1024


def new_key_file(path: Path) -> Path:
    """Write a new backup key to ``path`` (0600); refuse to overwrite one."""
    from cryptography.fernet import Fernet
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(Fernet.generate_key() + b"\n")
    return path


def _fernet(key_file):
    from cryptography.fernet import Fernet
    try:
        return Fernet(Path(key_file).read_bytes().strip())
    except (OSError, ValueError) as exc:
        raise BackupError(f"cannot use the backup key {key_file}: {exc}") from None


def _private_temp(folder: Path) -> Path:
    """An empty file readable by its owner only, in ``folder``."""
    fd, name = tempfile.mkstemp(prefix=".telecentre-backup-", dir=folder)
    os.close(fd)
    return Path(name)


def _encrypt(plain: Path, out: Path, key_file) -> None:
    fernet = _fernet(key_file)
    with plain.open("rb") as src, out.open("wb") as dst:
        dst.write(MAGIC)
        while chunk := src.read(CHUNK):
            token = fernet.encrypt(chunk)
            dst.write(struct.pack(">I", len(token)) + token)


def is_encrypted(path: Path) -> bool:
    """True when ``path`` is an encrypted backup."""
    with Path(path).open("rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def _decrypt(source: Path, out: Path, key_file) -> None:
    from cryptography.fernet import InvalidToken
    if not key_file:
        raise BackupError("this backup is encrypted: set BACKUP_KEY_FILE to its key")
    fernet = _fernet(key_file)
    with source.open("rb") as src, out.open("wb") as dst:
        src.read(len(MAGIC))
        while header := src.read(4):
            if len(header) < 4:
                raise BackupError("the backup is cut short")
            (size,) = struct.unpack(">I", header)
            token = src.read(size)
            if len(token) < size:
                raise BackupError("the backup is cut short")
            try:
                dst.write(fernet.decrypt(token))
            except InvalidToken:
                raise BackupError("the backup does not match this key, or was altered") from None


def backup(url: str, target: Path, key_file=None) -> Path:
    """Write a consistent backup of the database at ``url`` to ``target`` (0600); return it.

    With ``key_file`` the backup is encrypted with that key. The file appears
    under its name only when complete.
    """
    target = Path(target).resolve()
    folder = target.parent
    plain = _private_temp(folder)
    try:
        _dump(url, plain)
        if key_file:
            sealed = _private_temp(folder)
            try:
                _encrypt(plain, sealed, key_file)
            except BaseException:
                sealed.unlink(missing_ok=True)
                raise
            plain.unlink()
            plain = sealed
        os.chmod(plain, 0o600)
        os.replace(plain, target)
    finally:
        plain.unlink(missing_ok=True)
    return target


def _dump(url: str, target: Path) -> None:
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


@contextmanager
def _readable(source: Path, key_file):
    """The plain backup: ``source`` itself, or a private decrypted copy removed afterwards."""
    if not is_encrypted(source):
        yield source
        return
    plain = _private_temp(Path(tempfile.gettempdir()))
    try:
        _decrypt(source, plain, key_file)
        yield plain
    finally:
        plain.unlink(missing_ok=True)


def restore(url: str, source: Path, key_file=None) -> None:
    """Replace the database at ``url`` with the backup ``source`` (stop the server first).

    An encrypted backup is decrypted with ``key_file`` first; nothing is
    touched when the key is wrong or the file was altered.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    with _readable(source, key_file) as plain:
        _restore(url, plain)


def _restore(url: str, source: Path) -> None:
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
