"""Runs of the scheduler's jobs, for the operators and the metrics."""
from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from telecentre.common.types import UTCDateTime
from telecentre.extensions import db


class JobRun(db.Model):
    """One run of a periodic job: its slot, when, how long, whether it succeeded.

    The row is inserted when the run starts (``ok`` NULL while it runs); the
    unique slot makes a slot sent twice (two schedulers) run once.
    """

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job_id", "started_at"),
                      UniqueConstraint("job_id", "slot", name="uq_job_runs_job_slot"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(80))
    # The due instant the scheduler sent it for (NULL: run by hand or by a test).
    slot: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[float]
    ok: Mapped[bool | None]
    result: Mapped[str] = mapped_column(String(500), default="")
    # Which scheduler sent it and which worker ran it (host:pid).
    sent_by: Mapped[str] = mapped_column(String(100), default="")
    ran_by: Mapped[str] = mapped_column(String(100), default="")
