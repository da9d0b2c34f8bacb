"""HTTPS to the server with urllib: TLS always verified, secret only in a header.

- `http://` is accepted for loopback hosts only (tests and the demo).
- Redirects are refused: urllib would carry the Authorization header to
  wherever a redirect points.
- 401 → Unauthorized (the caller retries with backoff and keeps enforcing);
  403 `revoked` → Revoked; other 4xx → ApiError with the server's message;
  network errors, timeouts and 5xx → Unreachable.
"""

import ipaddress
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request

from agent import __version__


class TransportError(Exception):
    """Base of everything a request can fail with."""


class Unreachable(TransportError):
    """No usable answer: network down, timeout, server error."""


class Unauthorized(TransportError):
    """401: unknown agent or wrong secret (perhaps mid-rotation)."""


class Revoked(TransportError):
    """403 revoked: this agent may no longer work; `message` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ApiError(TransportError):
    """A refusal with an error code and a translated message from the server."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def is_loopback(host):
    """True for localhost and 127.0.0.0/8 / ::1 addresses."""
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url):
    """Raise ValueError unless `url` is https://, or http:// to a loopback host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return
    raise ValueError(f"server URL must be https:// (http:// only for loopback): {url!r}")


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx then surfaces as an HTTPError


class Transport:
    """Sends JSON to `/api/v1/agent/...` of one server (POST, and GET for lists)."""

    def __init__(
        self,
        server_url,
        ca_file=None,
        accept_language="pl, en;q=0.5",
        credentials=None,
        timeout=10.0,
    ):
        check_server_url(server_url)
        self.base = server_url.rstrip("/") + "/api/v1/agent"
        self.accept_language = accept_language
        self.credentials = credentials
        self.timeout = timeout
        context = ssl.create_default_context(cafile=ca_file)
        context.check_hostname = True
        context.verify_mode = ssl.CERT_REQUIRED
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context), _RefuseRedirects()
        )

    def post(self, path, body, auth=True, timeout=None):
        """POST `body` as JSON and return the decoded reply; raise a TransportError."""
        return self.request("POST", path, json.dumps(body).encode("utf-8"), auth, timeout)

    def get(self, path, timeout=None):
        """GET `path` (authenticated) and return the decoded reply; raise a TransportError."""
        return self.request("GET", path, None, True, timeout)

    def request(self, method, path, data, auth=True, timeout=None):
        """One request to the agent API; the reply decoded from JSON."""
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Accept-Language": self.accept_language,
            "User-Agent": f"telecentre-agent/{__version__}",
        }
        secret_used = None
        if auth:
            header, secret_used = self.credentials.authorization()
            headers["Authorization"] = header
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with self._opener.open(request, timeout=timeout or self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            self._raise_for(exc, secret_used)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise Unreachable(str(exc)) from exc
        if auth:
            self.credentials.accepted(secret_used)
        try:
            return json.loads(payload.decode("utf-8")) if payload else {}
        except ValueError as exc:
            raise Unreachable("reply is not JSON") from exc

    def _raise_for(self, exc, secret_used):
        try:
            body = json.loads(exc.read().decode("utf-8"))
        except (ValueError, OSError):
            body = {}
        if not isinstance(body, dict):
            body = {}
        code = body.get("error", "")
        message = body.get("message") or exc.reason or ""
        if exc.code == 401:
            if secret_used is not None:
                self.credentials.rejected(secret_used)
            raise Unauthorized(message) from None
        if exc.code == 403 and code == "revoked":
            raise Revoked(message) from None
        if exc.code >= 500 or exc.code < 400 or not code:
            # Server errors, refused redirects and replies that are not ours
            # (a proxy's error page): nothing the resident can act on.
            raise Unreachable(f"HTTP {exc.code}") from None
        raise ApiError(exc.code, code, message) from None
