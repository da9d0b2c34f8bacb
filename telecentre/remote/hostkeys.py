"""Host key pins and client keys for the SSH adapter, as plain values.

A host key is pinned either as an OpenSSH public key line
(``ssh-ed25519 AAAA… comment``, what the agent reports at enrolment and what
IT approves for a device without an agent) or as an OpenSSH SHA256
fingerprint (``SHA256:…``). Nothing here talks to the network.
"""
from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

# Key algorithms the adapter accepts for host keys and client keys. DSA is
# gone from OpenSSH and paramiko; anything else is refused outright.
KEY_TYPES = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
)
_FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")


class InvalidKey(ValueError):
    """A key or fingerprint given by the caller cannot be used."""


def fingerprint(key: paramiko.PKey) -> str:
    """Return the OpenSSH-style ``SHA256:…`` fingerprint of a public key."""
    return key.fingerprint


def public_key_line(key: paramiko.PKey) -> str:
    """Return ``"<type> <base64>"``, the authorized_keys form of a key."""
    return f"{key.get_name()} {key.get_base64()}"


def host_key_algorithms(key_type: str) -> list[str]:
    """Return the host key algorithms to offer so the server shows *key_type*.

    An RSA host key is presented with an RSA-SHA2 signature; the SHA-1
    ``ssh-rsa`` signature is disabled in current OpenSSH.
    """
    if key_type == "ssh-rsa":
        return ["rsa-sha2-512", "rsa-sha2-256"]
    return [key_type]


@dataclass(frozen=True)
class HostKeyPin:
    """The host key the caller expects: a full key or only its fingerprint."""

    fingerprint: str
    key_type: str | None = None
    key: paramiko.PKey | None = None

    @classmethod
    def parse(cls, text: str) -> "HostKeyPin":
        """Build a pin from a public key line or a ``SHA256:`` fingerprint.

        Raises :class:`InvalidKey` for anything else.
        """
        text = (text or "").strip()
        if _FINGERPRINT.match(text):
            return cls(fingerprint=text)
        parts = text.split()
        if len(parts) < 2 or parts[0] not in KEY_TYPES:
            raise InvalidKey("not an SSH public key line or SHA256 fingerprint")
        try:
            blob = base64.b64decode(parts[1], validate=True)
            key = paramiko.PKey.from_type_string(parts[0], blob)
        except (binascii.Error, paramiko.SSHException, ValueError, TypeError) as exc:
            raise InvalidKey(f"unreadable {parts[0]} public key") from exc
        if key.get_name() != parts[0]:
            raise InvalidKey("key type does not match the key data")
        return cls(fingerprint=key.fingerprint, key_type=parts[0], key=key)

    def matches(self, key: paramiko.PKey) -> bool:
        """Tell whether *key*, as presented by a server, is the pinned one."""
        if self.key is not None:
            return self.key.asbytes() == key.asbytes()
        return key.fingerprint == self.fingerprint


def load_private_key(text: str, passphrase: str | None = None) -> paramiko.PKey:
    """Load a client private key (OpenSSH or PEM text) held in memory.

    The key never touches the disk: it comes decrypted from the database.
    Raises :class:`InvalidKey` when the text is not a supported private key
    or the passphrase is wrong.
    """
    data = (text or "").encode()
    password = passphrase.encode() if passphrase else None
    try:
        try:
            loaded = serialization.load_ssh_private_key(data, password=password)
        except ValueError:
            loaded = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        raise InvalidKey("not a readable private key (or wrong passphrase)") from exc
    if isinstance(loaded, ed25519.Ed25519PrivateKey):
        key_class = paramiko.Ed25519Key
    elif isinstance(loaded, ec.EllipticCurvePrivateKey):
        key_class = paramiko.ECDSAKey
    elif isinstance(loaded, rsa.RSAPrivateKey):
        key_class = paramiko.RSAKey
    else:
        raise InvalidKey("unsupported private key type")
    try:
        return key_class.from_private_key(io.StringIO(text), password=passphrase)
    except (paramiko.SSHException, ValueError) as exc:
        raise InvalidKey("not a readable private key (or wrong passphrase)") from exc


def normalise_private_key(text: str, passphrase: str | None = None) -> tuple[str, str]:
    """Return ``(unencrypted OpenSSH private key text, public key line)``.

    A passphrase-protected key is opened once here, so what is stored (then
    encrypted at rest with the server's key file) needs no passphrase later.
    Raises :class:`InvalidKey`.
    """
    key = load_private_key(text, passphrase)
    data = (text or "").encode()
    password = passphrase.encode() if passphrase else None
    try:
        loaded = serialization.load_ssh_private_key(data, password=password)
    except ValueError:
        loaded = serialization.load_pem_private_key(data, password=password)
    plain = loaded.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.OpenSSH,
                                 serialization.NoEncryption()).decode()
    return plain, public_key_line(key)


def generate_key_pair() -> tuple[str, str]:
    """Return a new Ed25519 ``(private key text, public key line)`` for the server."""
    private = ed25519.Ed25519PrivateKey.generate()
    text = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                 serialization.NoEncryption()).decode()
    return text, public_key_line(load_private_key(text))
