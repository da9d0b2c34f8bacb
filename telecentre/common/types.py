"""Column types shared by the models."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, types


class UTCDateTime(types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz``; SQLite has no zones, so the value is
    stored as naive UTC and marked UTC again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def compare_against_backend(self, dialect, conn_type):  # for Alembic autogenerate
        return isinstance(conn_type, DateTime)


def utc(value: datetime | None) -> datetime | None:
    """Return ``value`` aware in UTC (naive values are taken as UTC)."""
    if value is None or value.tzinfo is not None:
        return value and value.astimezone(timezone.utc)
    return value.replace(tzinfo=timezone.utc)
