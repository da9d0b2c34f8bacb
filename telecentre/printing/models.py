"""Printing: each site's CUPS server and allowance, and the print jobs we saw on it.

A job row keeps what counting and statistics need (pages, colour, cost, who,
when); never the document's name or its content.
"""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telecentre.auth.models import User
from telecentre.common.time import utcnow
from telecentre.common.types import UTCDateTime
from telecentre.extensions import db
from telecentre.seats.models import Seat
from telecentre.sites.models import Site

JOB_STATES = ("held", "released", "printed", "cancelled", "purged")
PERIODS = ("day", "month")
OVER_ALLOWANCE = ("refuse", "charge")


class PrintSettings(db.Model):
    """A site's print server (CUPS over IPP), its held queues and its page allowance."""

    __tablename__ = "print_settings"
    __table_args__ = (
        CheckConstraint("period IN ('day', 'month')", name="period"),
        CheckConstraint("over_allowance IN ('refuse', 'charge')", name="over_allowance"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    cups_host: Mapped[str] = mapped_column(String(200), default="")
    cups_port: Mapped[int] = mapped_column(default=631)
    # The held queues the public PCs print to (names on the site's CUPS server).
    queues: Mapped[list] = mapped_column(JSON, default=list)
    # The printer behind the queue as monitored by SNMP (state and supplies shown beside it).
    printer_device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id", ondelete="SET NULL"))
    purge_minutes: Mapped[int] = mapped_column(default=60)
    free_pages: Mapped[int] = mapped_column(default=10)
    period: Mapped[str] = mapped_column(String(5), default="day")
    guest_free_pages: Mapped[int] = mapped_column(default=5)
    # Prices per page beyond the allowance, in grosze (1/100 zł).
    price_mono: Mapped[int] = mapped_column(default=50)
    price_colour: Mapped[int] = mapped_column(default=200)
    over_allowance: Mapped[str] = mapped_column(String(6), default="charge")

    site: Mapped[Site] = relationship()


class PrintJob(db.Model):
    """One job seen in a site's held queue: who (by session), pages, colour, cost, fate."""

    __tablename__ = "print_jobs"
    __table_args__ = (
        CheckConstraint("state IN ('held', 'released', 'printed', 'cancelled', 'purged')",
                        name="state"),
        # CUPS numbers jobs per server; a reinstalled server starts again at 1.
        UniqueConstraint("site_id", "cups_job_id", "created_at", name="uq_print_jobs_cups_job"),
        Index("ix_print_jobs_site_created", "site_id", "created_at"),
        Index("ix_print_jobs_user_created", "user_id", "created_at"),
        Index("ix_print_jobs_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    cups_job_id: Mapped[int]
    queue: Mapped[str] = mapped_column(String(127))
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("seats.id", ondelete="SET NULL"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("usage_sessions.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    guest_pass_id: Mapped[int | None] = mapped_column(
        ForeignKey("guest_passes.id", ondelete="SET NULL"))
    pages: Mapped[int] = mapped_column(default=1)
    # False when the page count is a guess (a format we cannot count before printing).
    pages_known: Mapped[bool] = mapped_column(default=True)
    colour: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(10), default="held")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_via: Mapped[str | None] = mapped_column(String(10))  # pc, kiosk, desk
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # cancelled or purged
    free_pages: Mapped[int] = mapped_column(default=0)
    cost: Mapped[int] = mapped_column(default=0)  # grosze owed for the pages beyond the allowance
    paid: Mapped[bool] = mapped_column(default=False)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    seat: Mapped[Seat | None] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def unknown(self) -> bool:
        """True when the job could not be tied to a session (shown to the attendant only)."""
        return self.session_id is None
