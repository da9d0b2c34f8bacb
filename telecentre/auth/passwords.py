"""Password and PIN hashing with Argon2id."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# Verified against when the login is unknown, so both paths cost the same.
_DUMMY = _hasher.hash("not a real password")


def hash_secret(secret: str) -> str:
    """Return the Argon2id hash of a password or PIN."""
    return _hasher.hash(secret)


def verify_secret(stored: str | None, secret: str) -> bool:
    """Return True when ``secret`` matches ``stored``; costs the same when nothing is stored."""
    try:
        return _hasher.verify(stored or _DUMMY, secret) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Return True when ``stored`` was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored)
