"""The accessibility statement (deklaracja dostępności) as the admin edits it."""
from datetime import date

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from telecentre.extensions import db

STATUSES = ("full", "partial", "none")
ASSESSMENTS = ("self", "external")


class AccessibilityStatement(db.Model):
    """The one statement of this service (row id 1).

    Free texts are kept per language (``texts[locale][field]``), and the
    architectural accessibility per site and language
    (``sites[slug][locale]``); a language without its own text shows the
    Polish one, marked as Polish.
    """

    __tablename__ = "accessibility_statements"
    __table_args__ = (
        CheckConstraint("status in ('full', 'partial', 'none')", name="status_known"),
        CheckConstraint("assessment in ('self', 'external')", name="assessment_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    published_on: Mapped[date]
    updated_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(10))
    prepared_on: Mapped[date]
    reviewed_on: Mapped[date | None]
    assessment: Mapped[str] = mapped_column(String(10), default="self")
    assessor: Mapped[str] = mapped_column(String(200), default="")
    contact_person: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    sites: Mapped[dict] = mapped_column(JSON, default=dict)
