"""People who use the system and the API tokens they hold."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db
from telecentre.sites.models import Site

ROLES = ("resident", "attendant", "it", "admin")
STAFF_ROLES = ("attendant", "it", "admin")


class User(UserMixin, db.Model):
    """A resident, a site attendant, an IT person or a county admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('resident', 'attendant', 'it', 'admin')", name="role"),
        CheckConstraint("role <> 'attendant' OR site_id IS NOT NULL", name="attendant_site"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="resident")
    # Attendants belong to one site; residents may have a home site (where they registered).
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"),
                                                index=True)
    card_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The version of the privacy notice accepted with consent (PRIVACY_NOTICE_VERSION).
    privacy_version: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-step sign-in (TOTP, RFC 6238): the shared secret encrypted with the key file
    # (common.crypto); set but not enabled while enrolment awaits its first code.
    totp_secret: Mapped[str | None] = mapped_column(String(300))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time-step accepted: a code of that step or an earlier one is refused (replay).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    site: Mapped[Site | None] = relationship()

    @property
    def totp_enabled(self) -> bool:
        """Return True when sign-in needs a code from the authenticator app."""
        return self.totp_enabled_at is not None and self.totp_secret is not None

    @property
    def is_active(self):  # Flask-Login: deactivated accounts cannot sign in
        return self.active

    @property
    def is_staff(self) -> bool:
        """Return True for attendants, IT and admins."""
        return self.role in STAFF_ROLES

    @property
    def all_sites(self) -> bool:
        """Return True for roles that see every site (IT, admin)."""
        return self.role in ("it", "admin")

    def can_staff(self, site: Site) -> bool:
        """Return True when this user may act as staff at ``site``."""
        if self.all_sites:
            return True
        return self.role == "attendant" and self.site_id == site.id

    def __repr__(self):
        return f"<User {self.login} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for API clients; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its Argon2 hash is kept,
    with its first two characters (``hint``) so that a code is checked against one hash, not
    ten (each Argon2 check costs as much as a password check)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    hint: Mapped[str] = mapped_column(String(2))
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReservedLogin(db.Model):
    """The login of a deleted account, reserved so that nobody else can take it.

    Only a keyed hash of it is kept (``reserved_login_hash``): the login
    itself is erased with the account.
    """

    __tablename__ = "reserved_logins"

    login_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reserved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
