"""The audit log: who did what, when and from where."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db


class AuditEntry(db.Model):
    """One action that changed something, by a person, a job or the command line.

    Entries form a hash chain: ``hash`` covers the entry's content and the
    previous entry's hash, so changing or removing an entry in the middle is
    found by ``telecentre audit verify``. An entry is written unsealed (``seq``,
    ``prev_hash`` and ``hash`` empty) inside its own transaction, and sealed
    into the chain shortly after it commits (``seal_pending``): the chain's
    order is ``seq``, and no writer waits for another to extend it.

    People are named by their account id only. Their login, the address the
    action came from and the personal parts of ``details`` live beside the
    chain in ``AuditPersonal``; the chain covers their digest
    (``personal_digest``), so they can be erased (a deleted account,
    retention) while ``audit verify`` still checks everything else.
    ``actor_login`` and ``ip`` are kept empty for that reason.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as text too, so the entry still says who it was after the account is gone.
    actor_login: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(80), default="")
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"),
                                                index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    seq: Mapped[int | None] = mapped_column(unique=True)  # place in the chain, once sealed
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # SHA-256 over the salted personal details kept in AuditPersonal (None: none).
    personal_digest: Mapped[str | None] = mapped_column(String(64))

    personal: Mapped["AuditPersonal | None"] = relationship(
        back_populates="entry", uselist=False, cascade="all, delete-orphan")

    @property
    def who(self) -> str:
        """Who acted, for staff: the login while it is kept, else the account's number."""
        if self.personal is not None and self.personal.login:
            return self.personal.login
        if self.actor_login:  # entries written before personal details moved aside
            return self.actor_login
        return f"#{self.actor_id}" if self.actor_id else "system"

    @property
    def source_ip(self) -> str | None:
        """The address the action came from, while it is kept."""
        return self.personal.ip if self.personal is not None else self.ip


class AuditPersonal(db.Model):
    """The personal details of one audit entry, erasable without breaking the chain.

    ``salt`` makes the digest in the entry unguessable (a login or address
    cannot be confirmed by hashing candidates). ``actor_id`` and
    ``subject_id`` are the accounts the details are about (who acted, whom it
    was done to); erasing a person clears every row that names them.
    """

    __tablename__ = "audit_personal"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("audit_entries.id", ondelete="CASCADE"), primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    subject_id: Mapped[int | None] = mapped_column(index=True)
    salt: Mapped[str] = mapped_column(String(32))
    login: Mapped[str | None] = mapped_column(String(80))
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict | None] = mapped_column(JSON)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entry: Mapped[AuditEntry] = relationship(back_populates="personal")
