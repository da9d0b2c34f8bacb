"""Remote actions: SSH credentials, pinned host keys, targets, runs, power schedules."""
from datetime import datetime

from sqlalchemy import (JSON, CheckConstraint, ForeignKey, Index, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.auth.models import User
from telecentre.common.crypto import encrypted_column
from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.models import Site

TARGET_OS = ("linux", "windows")
RUN_STATUSES = ("queued", "running", "finished")
# The runner's outcomes plus the two refusals made before connecting.
# "lost": the worker carrying it out vanished mid-way and the action is not safe to repeat.
HOST_STATUSES = ("queued", "running", "done", "failed", "timeout", "unreachable",
                 "host_key_mismatch", "auth_failed", "error", "no_host_key", "no_address",
                 "lost")


class SshCredential(db.Model):
    """The key the server logs in with: for one site, or county-wide (site_id NULL).

    The private key is encrypted with ``telecentre.common.crypto``; the public
    half is kept in clear so IT can install it on the PCs.
    """

    __tablename__ = "ssh_credentials"
    # One credential per site; the single county-wide one (site_id NULL) is
    # kept single by the service, as NULLs never collide in a unique key.
    __table_args__ = (UniqueConstraint("site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(64))
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(Text)
    use_sudo: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site | None] = relationship()


encrypted_column(SshCredential, "private_key_encrypted")


class RemoteTarget(db.Model):
    """How to reach a seat over SSH and wake it: address, OS, MAC."""

    __tablename__ = "remote_targets"
    __table_args__ = (CheckConstraint("os IN ('linux', 'windows')", name="os"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id", ondelete="CASCADE"), unique=True)
    address: Mapped[str | None] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(default=22)
    os: Mapped[str] = mapped_column(String(10), default="linux")
    mac: Mapped[str | None] = mapped_column(String(17))

    seat: Mapped[Seat] = relationship()


class HostKey(db.Model):
    """The SSH host key pinned for a seat: reported by its agent or approved once by IT."""

    __tablename__ = "host_keys"
    __table_args__ = (CheckConstraint("source IN ('agent', 'it')", name="source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id", ondelete="CASCADE"), unique=True)
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(10))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seat: Mapped[Seat] = relationship()
    approved_by: Mapped[User | None] = relationship()


class RemoteRun(db.Model):
    """One action launched on one or more seats, with its parameters as given."""

    __tablename__ = "remote_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'finished')", name="status"),
        Index("ix_remote_runs_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                   ondelete="SET NULL"))
    # What was chosen ("site cycow", "3 seats"), kept for the history page.
    scope: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User | None] = relationship()
    hosts: Mapped[list["RemoteRunHost"]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="RemoteRunHost.id")


class RemoteRunHost(db.Model):
    """The outcome of a run on one seat: status, exit code, tail of the output."""

    __tablename__ = "remote_run_hosts"
    __table_args__ = (Index("ix_remote_run_hosts_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("remote_runs.id", ondelete="CASCADE"),
                                        index=True)
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id", ondelete="SET NULL"),
                                                index=True)
    seat_name: Mapped[str] = mapped_column(String(60))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    address: Mapped[str | None] = mapped_column(String(253))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    exit_code: Mapped[int | None]
    output_tail: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The task worker carrying it out (name@host), and how many times it was started.
    worker: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    # When its task was last sent to the queue (a lost task is sent again after a while).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    run: Mapped[RemoteRun] = relationship(back_populates="hosts")
    seat: Mapped[Seat | None] = relationship()


class PowerSchedule(db.Model):
    """Wake a site's PCs before opening and shut them down after closing."""

    __tablename__ = "power_schedules"
    __table_args__ = (
        CheckConstraint("wake_minutes_before >= 0 AND wake_minutes_before <= 240",
                        name="wake"),
        CheckConstraint("shutdown_minutes_after >= 0 AND shutdown_minutes_after <= 240",
                        name="shutdown"),
        CheckConstraint("warn_minutes >= 1 AND warn_minutes <= 30", name="warn"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    wake_minutes_before: Mapped[int] = mapped_column(default=15)
    shutdown_minutes_after: Mapped[int] = mapped_column(default=10)
    warn_minutes: Mapped[int] = mapped_column(default=5)
    # The opening / closing instants already handled, so each step happens once.
    last_wake_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_warn_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_shutdown_for: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
