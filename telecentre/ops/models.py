"""Runs of the scheduler's jobs, for the operators and the metrics."""
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from telecentre.common.types import UTCDateTime
from telecentre.extensions import db


class JobRun(db.Model):
    """One run of a periodic job: when, how long, whether it succeeded."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[float]
    ok: Mapped[bool]
    result: Mapped[str] = mapped_column(String(500), default="")
