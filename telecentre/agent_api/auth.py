"""Agent authentication: ``Authorization: Bearer <agent_id>.<secret>``.

Only the SHA-256 of a secret is stored (the secret is 32 random bytes, so a
slow hash buys nothing) and it is compared in constant time. The first request
made with a rotated secret retires the old one.
"""

import hashlib
import hmac

from flask import g, request
from flask_babel import gettext as _

from telecentre.agent_api.models import Agent
from telecentre.common.errors import DomainError
from telecentre.extensions import db


def secret_hash(secret: str) -> str:
    """Return the hex SHA-256 of a secret or token."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _unauthorized() -> DomainError:
    return DomainError(
        _("This computer is not known or its secret is wrong."), code="unauthorized", status=401
    )


def require_agent() -> None:
    """The ``agent`` access level: authenticate the agent into ``g.agent`` or refuse (401/403)."""
    scheme, _sep, credentials = request.headers.get("Authorization", "").partition(" ")
    agent_id, dot, secret = credentials.strip().partition(".")
    if scheme.lower() != "bearer" or not dot or not secret or len(agent_id) != 36:
        raise _unauthorized()
    agent = db.session.get(Agent, agent_id)
    if agent is None:
        raise _unauthorized()
    digest = secret_hash(secret)
    if agent.pending_secret_hash and hmac.compare_digest(agent.pending_secret_hash, digest):
        agent.secret_hash, agent.pending_secret_hash = agent.pending_secret_hash, None
        agent.rotate_requested = False
    elif not hmac.compare_digest(agent.secret_hash, digest):
        raise _unauthorized()
    if agent.revoked_at is not None:
        raise DomainError(
            _("This computer has been removed from the system. Please ask the IT staff."),
            code="revoked",
            status=403,
        )
    g.agent = agent
