"""Request and reply bodies of the booking API."""
import datetime as dt
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from telecentre.api.schemas import Body, RowId
from telecentre.booking.codes import display_code
from telecentre.common.time import to_local


class BookingIn(Body):
    """A booking request: a seat, or a site for "any free seat", and a time range with offsets."""

    seat_id: RowId | None = None
    site: str | None = Field(default=None, max_length=40)
    start: AwareDatetime
    end: AwareDatetime
    accessible: bool = False

    @model_validator(mode="after")
    def _seat_or_site(self):
        if self.seat_id is None and not self.site:
            raise ValueError("seat_id or site")
        return self


class BookingOut(BaseModel):
    id: int
    code: str
    code_display: str
    site: str
    seat_id: int
    seat_name: str
    start: datetime
    end: datetime
    status: str
    source: str


def booking_json(booking, seat=None) -> dict:
    """Return the API form of a booking; times in Europe/Warsaw with their offset.

    ``seat``: the booking's seat (or booking.context's copy of it) when the caller has it,
    so that it is not read again.
    """
    seat = seat if seat is not None else booking.seat
    return {"id": booking.id, "code": booking.code, "code_display": display_code(booking.code),
            "site": seat.site.slug, "seat_id": booking.seat_id, "seat_name": seat.name,
            "start": to_local(booking.start).isoformat(), "end": to_local(booking.end).isoformat(),
            "status": booking.status, "source": booking.source}


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    bookable: bool
    free_seat_ids: list[int]
    kept_for_walk_ins: bool


class SeatBrief(BaseModel):
    id: int
    name: str
    accessible: bool


class AvailabilityOut(BaseModel):
    site: str
    date: dt.date
    slot_minutes: int
    max_booking_minutes: int
    closed_for: str | None
    seats: list[SeatBrief]
    slots: list[SlotOut]


class QueueOut(BaseModel):
    site: str
    status: str | None
    position: int | None
    waiting: int
    offered_seat_id: int | None
    offered_seat_name: str | None
    offered_until: datetime | None


class CodeIn(Body):
    code: str = Field(min_length=1, max_length=20)


class ResidentIn(Body):
    login: str = Field(min_length=2, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    display_name: str = Field(default="", max_length=120)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    consent: bool


class ResidentOut(BaseModel):
    id: int
    login: str
    display_name: str


class DeskResidentIn(Body):
    display_name: str = Field(min_length=1, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    rules_accepted: bool = Field(
        default=False, description="The resident has accepted the site rules and the privacy "
                                   "notice (required: 422 without it; the time is kept).")
    confirm_duplicate: bool = Field(
        default=False, description="Register even though a resident with the same name and "
                                   "phone or birth year exists (otherwise 409 "
                                   "`possible_duplicate`).")


class CardOut(BaseModel):
    id: int
    display_name: str
    card_number: str
    pin: str


class FeedOut(BaseModel):
    url: str


class PolicyOut(BaseModel):
    slot_minutes: int
    max_booking_minutes: int
    daily_minutes: int
    max_open_bookings: int
    days_ahead: int
    min_gap_minutes: int
    no_show_grace_minutes: int
    walk_in_share_percent: int
    walk_in_allowed: bool
    preset: str


class PolicyIn(Body):
    preset: str | None = Field(default=None, max_length=40)
    slot_minutes: int | None = None
    max_booking_minutes: int | None = None
    daily_minutes: int | None = None
    max_open_bookings: int | None = None
    days_ahead: int | None = None
    min_gap_minutes: int | None = None
    no_show_grace_minutes: int | None = None
    walk_in_share_percent: int | None = None
    walk_in_allowed: bool | None = None


def policy_json(policy) -> dict:
    """Return the API form of a site policy."""
    return {name: getattr(policy, name) for name in PolicyOut.model_fields}
