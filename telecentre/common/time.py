"""Time helpers. Stored times are UTC; residents see Europe/Warsaw."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
WARSAW = ZoneInfo("Europe/Warsaw")


def utcnow() -> datetime:
    """Return the current time, aware, in UTC. Tests monkeypatch this one function."""
    return datetime.now(UTC)


def to_local(moment: datetime) -> datetime:
    """Return ``moment`` in Europe/Warsaw."""
    return moment.astimezone(WARSAW)


def local_today(now: datetime | None = None) -> date:
    """Return today's date in Europe/Warsaw."""
    return to_local(now or utcnow()).date()


def local_minute_to_utc(day: date, minute: int) -> datetime:
    """Return the UTC instant of ``minute`` minutes after local midnight of ``day``.

    Counted on the wall clock (09:00 is minute 540 on every day, DST or not);
    minute 1440 is the next day's midnight. A wall time that does not exist
    (02:30 on the March change day) is read with the winter offset, i.e. as
    03:30 summer time; an ambiguous one (02:30 in October) as the first of the two.
    """
    base = datetime.combine(day, time(0), tzinfo=WARSAW) + timedelta(days=minute // 1440)
    minute %= 1440
    wall = base.replace(hour=minute // 60, minute=minute % 60)
    return wall.astimezone(UTC)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the UTC instants of local midnight starting and ending ``day`` (23–25 h apart)."""
    return local_minute_to_utc(day, 0), local_minute_to_utc(day, 1440)


def parse_aware(text: str) -> datetime:
    """Parse an ISO 8601 time that must carry an offset; raise ValueError otherwise."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("time without a UTC offset")
    return value.astimezone(UTC)
