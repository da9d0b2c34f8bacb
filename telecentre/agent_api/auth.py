"""Agent authentication: ``Authorization: Bearer <agent_id>.<secret>``.

Only the SHA-256 of a secret is stored (the secret is 32 random bytes, so a
slow hash buys nothing) and it is compared in constant time. The first request
made with a rotated secret retires the old one.
"""

import hashlib
import hmac

from flask import current_app, g, request
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


def credentials() -> tuple[str, str]:
    """The request's agent id and the SHA-256 of its secret; refuse a malformed header (401)."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    agent_id, dot, secret = value.strip().partition(".")
    if scheme.lower() != "bearer" or not dot or not secret or len(agent_id) != 36:
        raise _unauthorized()
    return agent_id, secret_hash(secret)


def checks_agent_itself(view):
    """Mark an ``agent`` view that checks the identity in its own statement (the heartbeat).

    ``require_agent`` then only parses the header into ``g.agent_credentials``;
    the view must call ``require_agent(full=True)`` when its statement found
    no matching agent, so that refusals are the same as everywhere.
    """
    view.checks_agent_itself = True
    return view


def require_agent(full: bool = False) -> None:
    """The ``agent`` access level: authenticate the agent into ``g.agent`` or refuse (401/403)."""
    agent_id, digest = credentials()
    view = current_app.view_functions.get(request.endpoint)
    if not full and getattr(view, "checks_agent_itself", False):
        g.agent_credentials = (agent_id, digest)
        return
    agent = db.session.get(Agent, agent_id)
    if agent is None:
        raise _unauthorized()
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
