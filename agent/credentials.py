"""The agent's id and secret, kept in the state, with secret rotation.

The server hands a new secret only when asked (or when IT forces it); the old
one keeps working until the first request with the new one. We store the new
secret durably before using it, and if it is refused (the server did not
commit the rotation) we fall back to the old one.
"""

import time


class Credentials:
    """Builds the Authorization header and tracks which secret the server accepts."""

    def __init__(self, store, wall=time.time):
        self._store = store
        self._wall = wall
        self._try_old = False

    @property
    def enrolled(self):
        """True when an agent id and secret are stored."""
        return bool(self._store.get("agent_id") and self._store.get("secret"))

    @property
    def agent_id(self):
        """The agent's UUID from enrolment."""
        return self._store.get("agent_id")

    def set_enrolled(self, agent_id, secret):
        """Store the identity received at enrolment."""
        self._store.update(
            agent_id=agent_id, secret=secret, pending_secret=None, secret_set_at=self._wall()
        )

    def authorization(self):
        """Return (header value, secret used) for the next request."""
        pending = self._store.get("pending_secret")
        secret = pending if pending and not self._try_old else self._store.get("secret")
        return f"Bearer {self.agent_id}.{secret}", secret

    def offer(self, new_secret):
        """Keep a rotated secret from a heartbeat reply; it is used from the next request."""
        self._store.update(pending_secret=new_secret)
        self._try_old = False

    def accepted(self, secret):
        """The server accepted `secret`: a pending one becomes the secret."""
        pending = self._store.get("pending_secret")
        if pending and secret == pending:
            self._store.update(secret=pending, pending_secret=None, secret_set_at=self._wall())
        elif pending and self._try_old:
            # The old secret still works, so the rotation never happened.
            self._store.update(pending_secret=None)
        self._try_old = False

    def rejected(self, secret):
        """The server refused `secret` (401): alternate between pending and old secrets."""
        if self._store.get("pending_secret"):
            self._try_old = not self._try_old

    def rotation_due(self, days):
        """True when the secret is older than `days` days."""
        set_at = self._store.get("secret_set_at") or 0
        return days > 0 and self._wall() - set_at > days * 86400
