"""Configuration: defaults, then the instance file, then TELECENTRE_* variables.

Every key can be set from the environment as ``TELECENTRE_<KEY>``; values are
parsed as JSON when they look like JSON (numbers, true/false, lists), so
``TELECENTRE_HEARTBEAT_SECONDS=5`` is an int.
"""
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit


class Defaults:
    """Settings every installation starts from."""

    # The database; SQLite under the instance folder unless told otherwise.
    DATABASE_URL = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection idle for longer than this is checked (one round trip) before it
    # is used again; one used more recently goes straight to work (0: check every time).
    # See telecentre.common.db.ping_when_idle.
    DATABASE_PING_IDLE_SECONDS = 10
    # Languages: Polish first, English second, Ukrainian third.
    BABEL_DEFAULT_LOCALE = "pl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Warsaw"
    LANGUAGES = ["pl", "en", "uk"]
    # Cookies: secure by default; the demo on plain http sets SECURE_COOKIES=false.
    SECURE_COOKIES = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 8
    # Sign-ins from a public PC or kiosk (see docs/operations.md, Security): an enrolled
    # agent's address, or an address in PUBLIC_PC_NETWORKS (CIDR list).
    PUBLIC_PC_NETWORKS: list = []
    SESSION_IDLE_PUBLIC_MINUTES = 5
    SESSION_ABSOLUTE_PUBLIC_MINUTES = 30
    # Two-step sign-in (TOTP) for IT and admins: roles that must enrol at their next
    # sign-in (subset of ["it", "admin"]), and how long the second step may wait.
    REQUIRE_TOTP_FOR: list = []
    TOTP_PENDING_MINUTES = 5
    TOTP_ISSUER = "Telecentre"
    # Refused second-step codes, per address and per account (web and token API together).
    RATELIMIT_TOTP = "5 per minute;20 per hour"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Rate limits, counted in storage every worker shares: "database://" (the
    # application database; a sibling file on SQLite — telecentre.common.ratelimit),
    # "redis://host:6379/0" (needs the ``redis`` extra), or "memory://" (per process:
    # the limits multiply with the workers). Fixed windows (RATELIMIT_STRATEGY).
    RATELIMIT_STORAGE_URI = "database://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_TOKEN = "10 per minute;50 per hour"
    # "Forgot your password?": requests per client address (every request counts), how long
    # a reset link works, and how many links one account gets an hour.
    RATELIMIT_PASSWORD_RESET = "5 per minute;20 per hour"
    PASSWORD_RESET_MINUTES = 60
    PASSWORD_RESET_PER_HOUR = 3
    # Wrong passwords per account, from any address (web and token API together).
    RATELIMIT_LOGIN_ACCOUNT = "10 per 15 minutes;40 per day"
    # Card + PIN sign-ins refused, per client address (on top of RATELIMIT_LOGIN).
    RATELIMIT_PIN_FAILURES = "5 per minute;30 per hour"
    # The agent API: unlock attempts per agent; refused unlocks per agent and per seat;
    # heartbeats and event deliveries per agent; enrolments per client address.
    RATELIMIT_AGENT_UNLOCK = "30 per minute"
    RATELIMIT_AGENT_UNLOCK_FAILURES = "10 per minute;60 per hour"
    RATELIMIT_AGENT_HEARTBEAT = "120 per minute"
    RATELIMIT_AGENT_EVENTS = "120 per minute"
    RATELIMIT_AGENT_ENROLL = "10 per minute;30 per hour"
    # Logs: "json" (one object per line) or "text"; unset = JSON for `telecentre serve`
    # and `telecentre scheduler`, text elsewhere (the development server).
    LOG_FORMAT = None
    LOG_LEVEL = "INFO"
    # API bearer tokens.
    API_TOKEN_HOURS = 12
    # Key file for secrets encrypted at rest (SNMPv3, SSH); outside the database.
    SECRETS_KEY_FILE = None
    # Key file for encrypted backups (``telecentre backup-key FILE``); unset = backups
    # are written unencrypted (still readable by their owner only).
    BACKUP_KEY_FILE = None
    # Agents.
    HEARTBEAT_SECONDS = 15
    AGENT_OFFLINE_SECONDS = 90
    ENROLLMENT_TOKEN_HOURS = 24
    # Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For and
    # X-Forwarded-Proto give the client's address and scheme (Werkzeug's ProxyFix) to
    # rate limits, public-PC rules, agent addresses, /metrics and the audit log.
    # 0 trusts no such header: the right value when clients reach the app directly.
    TRUSTED_PROXY_HOPS = 0
    # Request bodies, in bytes: forms and pages; the API and the agents (JSON); routes
    # marked as uploads (``telecentre.common.bodies.upload``). Larger bodies get 413.
    MAX_CONTENT_LENGTH = 256 * 1024
    MAX_API_BODY_BYTES = 64 * 1024
    MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    # The audit chain's HMAC key and the anchor of its newest entry, outside the database
    # (telecentre.audit.anchor); unset = audit.key and audit.anchor in the instance folder.
    AUDIT_KEY_FILE = None
    AUDIT_ANCHOR_FILE = None
    # Ad-hoc SSH commands (typed, not from the vetted catalogue): off unless turned on,
    # and then only for admins who sign in with two steps.
    REMOTE_ADHOC_ENABLED = False
    # Who may read /metrics.
    METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
    # Mail for alerts.
    SMTP_HOST = None
    SMTP_PORT = 25
    SMTP_USER = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    MAIL_FROM = "telecentre@localhost"
    ALERT_RECIPIENTS: list = []  # a catch-all e-mail route beside those IT sets up
    # Alert messages (telecentre.alerts.deliveries): a failed one is tried again after
    # BACKOFF, 2×, 4×… seconds, MAX_ATTEMPTS times in all; a webhook gets TIMEOUT seconds.
    ALERT_DELIVERY_MAX_ATTEMPTS = 5
    ALERT_DELIVERY_BACKOFF_SECONDS = 60
    ALERT_WEBHOOK_TIMEOUT_SECONDS = 5
    # The public body that runs the service: the privacy notice's controller and the
    # accessibility statement's entity (docs/operations.md, "Public body").
    PUBLIC_BODY_NAME = "Starostwo Powiatowe w Łęcznej"
    PUBLIC_BODY_ADDRESS = "al. Jana Pawła II 95A, 21-010 Łęczna"
    # Where residents write about their data, and the data protection officer's address
    # (empty: by post to PUBLIC_BODY_ADDRESS).
    PRIVACY_CONTACT_EMAIL = ""
    DPO_EMAIL = ""
    # Retention (RODO) beside RETENTION_DAYS (bookings and who used a seat, see
    # telecentre.stats): the personal details of audit entries (login, address, names;
    # the entry itself stays in the chain) and the agents' raw event log, in days.
    AUDIT_PERSONAL_RETENTION_DAYS = 365
    AGENT_EVENT_RETENTION_DAYS = 90
    # Records on lawful request (telecentre.records): a log of which resident used which
    # computer when, for the people named with `telecentre records access LOGIN`; off by
    # default. SESSION_LOG_DAYS is how far back it reaches (usage keeps its link to the
    # resident that long even past RETENTION_DAYS). Reports are signed with the Ed25519
    # key in RECORDS_SIGNING_KEY_FILE (default: instance/records-signing.pem).
    SESSION_LOG_ENABLED = False
    SESSION_LOG_DAYS = 180
    RECORDS_SIGNING_KEY_FILE = None
    # The address residents reach the service at: absolute links in calendar feeds and
    # mails, and calendar UIDs, are built from it, never from the request's Host header.
    PUBLIC_BASE_URL = "http://localhost"
    # The privacy notice's version; a resident's account keeps the version accepted.
    PRIVACY_NOTICE_VERSION = "2026-12-04"
    # How often (seconds) a resident's open queue page asks whether a seat is offered.
    QUEUE_POLL_SECONDS = 10
    # SMS through an HTTP gateway (telecentre.common.sms), off while SMS_GATEWAY_URL is
    # empty. Each message is one POST to the URL: SMS_GATEWAY_FORMAT "json" or "form"
    # body with the fields named in SMS_GATEWAY_FIELDS (recipient, sender, text);
    # SMS_GATEWAY_TOKEN, when set, goes in the Authorization header as "Bearer <token>".
    # Any 2xx answer counts as sent; anything else is logged and never breaks the caller.
    SMS_GATEWAY_URL = None
    SMS_GATEWAY_TOKEN = None
    SMS_SENDER = "Telecentre"
    SMS_GATEWAY_FORMAT = "json"
    SMS_GATEWAY_FIELDS: dict = {"to": "to", "sender": "from", "text": "text"}
    SMS_GATEWAY_TIMEOUT_SECONDS = 5
    # Discovery (telecentre.monitoring.discovery): a subnet scan, and the probes of the
    # addresses neighbour tables name, send at most DISCOVERY_SCAN_RATE requests a second
    # (probes are not retried: a v2c probe is one packet; a v3 one is preceded by pysnmp's
    # engine-id discovery) with DISCOVERY_SCAN_CONCURRENCY in flight;
    # a range of more than DISCOVERY_SCAN_MAX_HOSTS addresses (a /22) is refused. Probes try
    # the credentials of the devices already known, then DISCOVERY_COMMUNITIES.
    DISCOVERY_SCAN_RATE = 50
    DISCOVERY_SCAN_CONCURRENCY = 20
    DISCOVERY_SCAN_MAX_HOSTS = 1024
    DISCOVERY_COMMUNITIES: list = []
    DISCOVERY_SNMP_PORT = 161  # the port probes go to (a device's own port is kept apart)
    # Mail and SMS to residents go out from a task worker after the change commits
    # (telecentre.common.outgoing); a failed one is tried again after this many seconds,
    # doubled each time (30 s, 1, 2, 4, 8 min), this many times.
    OUTGOING_RETRY_SECONDS = 30
    OUTGOING_RETRIES = 5


def load(app, overrides=None):
    """Fill ``app.config`` from the defaults, the instance file, the environment, then overrides."""
    app.config.from_object(Defaults)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_pyfile("telecentre.cfg", silent=True)
    app.config.from_prefixed_env("TELECENTRE")
    if overrides:
        app.config.update(overrides)
    _finish(app)


def _finish(app):
    """Derive the settings that depend on others and fill in what is missing."""
    cfg = app.config
    url = cfg.get("DATABASE_URL") or cfg.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + os.path.join(app.instance_path, "telecentre.sqlite")
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    if not url.startswith("sqlite"):
        # A connection that died while the database was away is replaced on its next
        # checkout, so the app recovers by itself when the database is back: checked
        # before every use with DATABASE_PING_IDLE_SECONDS = 0, else only after being
        # idle that long (telecentre.common.db.ping_when_idle; the hot paths save a round
        # trip per request).
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": not cfg["DATABASE_PING_IDLE_SECONDS"],
            **(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})}
    if str(cfg.get("RATELIMIT_STORAGE_URI") or "").startswith("database:"):
        # The database storage counts in the application's database (or beside it).
        options = cfg.get("RATELIMIT_STORAGE_OPTIONS") or {}
        cfg["RATELIMIT_STORAGE_OPTIONS"] = {"url": url, **options}
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _instance_secret(app, "secret_key")
    if not cfg.get("RECORDS_SIGNING_KEY_FILE"):
        cfg["RECORDS_SIGNING_KEY_FILE"] = os.path.join(app.instance_path, "records-signing.pem")
    cfg["SESSION_LOG_ENABLED"] = _as_bool(cfg.get("SESSION_LOG_ENABLED"))
    if not cfg.get("SECRETS_KEY_FILE"):
        cfg["SECRETS_KEY_FILE"] = os.path.join(app.instance_path, "secrets.keys")
    secure = _as_bool(cfg.get("SECURE_COOKIES"))
    cfg["SECURE_COOKIES"] = secure
    cfg["SESSION_COOKIE_SECURE"] = secure
    cfg["REMEMBER_COOKIE_SECURE"] = secure
    # The __Host- prefix needs Secure and no Domain; use it whenever cookies are secure.
    if cfg.get("SESSION_COOKIE_NAME") in (None, "session", "__Host-session"):
        cfg["SESSION_COOKIE_NAME"] = "__Host-session" if secure else "session"
    if cfg["BABEL_DEFAULT_LOCALE"] not in cfg["LANGUAGES"]:
        raise ValueError("BABEL_DEFAULT_LOCALE must be one of LANGUAGES")
    cfg["REMOTE_ADHOC_ENABLED"] = _as_bool(cfg.get("REMOTE_ADHOC_ENABLED"))
    cfg["PUBLIC_PC_NETWORKS"] = _networks(cfg.get("PUBLIC_PC_NETWORKS"), "PUBLIC_PC_NETWORKS")
    required = cfg.get("REQUIRE_TOTP_FOR") or []
    if isinstance(required, str):
        required = [part.strip() for part in required.split(",") if part.strip()]
    if not set(required) <= {"it", "admin"}:
        raise ValueError("REQUIRE_TOTP_FOR may hold only 'it' and 'admin'")
    cfg["REQUIRE_TOTP_FOR"] = list(required)
    base = urlsplit(str(cfg.get("PUBLIC_BASE_URL") or ""))
    if base.scheme not in ("http", "https") or not base.hostname or base.query or base.fragment:
        raise ValueError("PUBLIC_BASE_URL must be an http(s) address such as "
                         "https://telecentrum.example.pl")
    for key in ("TRUSTED_PROXY_HOPS", "MAX_CONTENT_LENGTH", "MAX_API_BODY_BYTES",
                "MAX_UPLOAD_BYTES"):
        cfg[key] = _non_negative_int(cfg.get(key), key)


def _non_negative_int(value, name):
    """Return ``value`` as an int ≥ 0; raise ValueError otherwise (True, 1.5, "x", -1)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number ≥ 0, not {value!r}")
    return value


def _networks(value, name):
    """Return a list of CIDR strings checked with netaddr; raise ValueError for a bad one."""
    import netaddr
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    networks = []
    for cidr in value or []:
        try:
            networks.append(str(netaddr.IPNetwork(cidr, expand_partial=False)))
        except (netaddr.AddrFormatError, ValueError, TypeError) as exc:
            raise ValueError(f"{name}: {cidr!r} is not a network (e.g. 10.20.1.0/24)") from exc
    return networks


def _as_bool(value):
    """Read a boolean that may come from the environment as text."""
    if isinstance(value, str):
        return value.strip().lower() not in {"0", "false", "no", "off", ""}
    return bool(value)


def _instance_secret(app, name):
    """Return a random secret stored in the instance folder, creating it once.

    Several workers may start at once: the secret is written to a private
    temporary file and linked into place, so every worker reads the same one.
    """
    path = Path(app.instance_path) / name
    if not path.exists():
        tmp = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
