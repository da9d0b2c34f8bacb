"""Secrets encrypted at rest (SNMPv3 keys, SSH private keys).

The keys live in a file outside the database (``SECRETS_KEY_FILE``, one
Fernet key a line, newest first). Encryption always uses the newest key;
decryption tries them all, so ``telecentre secrets rotate`` can add a key and
re-encrypt the stored values without downtime.
"""
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SecretsKeyError(RuntimeError):
    """The key file is missing, unreadable or cannot decrypt a stored value."""


def _key_path() -> Path:
    return Path(current_app.config["SECRETS_KEY_FILE"])


def load_keys(create: bool = True) -> list[bytes]:
    """Return the Fernet keys, newest first; create the file with one key when allowed."""
    path = _key_path()
    if not path.exists():
        if not create:
            raise SecretsKeyError(f"no key file at {path}")
        write_keys([Fernet.generate_key()])
    return [line.encode() for line in path.read_text().split() if line.strip()]


def write_keys(keys: list[bytes]) -> None:
    """Write the key file atomically, readable by its owner only."""
    path = _key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(k.decode() for k in keys) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in load_keys()])


def encrypt(text: str) -> str:
    """Return ``text`` encrypted with the newest key, as ASCII."""
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """Return the plain text of ``token``; raise SecretsKeyError if no key opens it."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretsKeyError("a stored secret cannot be decrypted with the key file") from exc


def rotate_token(token: str) -> str:
    """Return ``token`` re-encrypted with the newest key."""
    return _fernet().rotate(token.encode()).decode()


# Features register (model, attribute) pairs of encrypted columns here so that
# ``telecentre secrets rotate`` re-encrypts them all.
ENCRYPTED_COLUMNS: list[tuple[type, str]] = []


def encrypted_column(model, attribute: str) -> None:
    """Declare that ``model.attribute`` holds a value made by ``encrypt``."""
    ENCRYPTED_COLUMNS.append((model, attribute))
