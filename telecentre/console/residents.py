"""Finding a site's residents at the desk, by name or card number."""
import re

from flask_babel import gettext as _
from sqlalchemy import false, func, or_, select

from telecentre.auth.models import User
from telecentre.booking.models import Booking
from telecentre.common.errors import InvalidInput
from telecentre.extensions import db
from telecentre.sessions.models import UsageSession
from telecentre.sites.models import Site

MAX_RESULTS = 20


def known_at(site: Site):
    """Return the SQL condition "a resident the staff of ``site`` may see" (see resolvers)."""
    return (User.role == "resident") & or_(
        User.site_id == site.id,
        User.id.in_(select(Booking.resident_id).where(Booking.site_id == site.id)),
        User.id.in_(select(UsageSession.user_id).where(UsageSession.site_id == site.id)))


def search_residents(site: Site, text: str) -> list[User]:
    """Return up to 20 active residents known at ``site`` matching a name or a card number.

    Digits (spaces and dashes ignored) match the start of a card number or a part
    of the phone number; anything else matches a part of the name, the login or
    the e-mail address, ignoring case.
    Raises InvalidInput for a query shorter than two characters.
    """
    text = (text or "").strip()
    if len(text) < 2 or len(text) > 80:
        raise InvalidInput(_("Type at least two letters of the name or the card number."))
    digits = re.sub(r"[\s-]", "", text)
    if digits.isdigit():
        phone = func.replace(func.replace(func.replace(func.coalesce(User.phone, ""), " ", ""),
                                          "-", ""), "+", "")
        match = or_(User.card_number.startswith(digits, autoescape=True),
                    phone.contains(digits, autoescape=True) if len(digits) >= 6 else false())
    else:
        match = or_(User.display_name.icontains(text, autoescape=True),
                    User.login.icontains(text, autoescape=True),
                    User.email.icontains(text, autoescape=True))
    query = (select(User).where(known_at(site), User.active.is_(True), match)
             .order_by(User.display_name, User.id).limit(MAX_RESULTS))
    return list(db.session.scalars(query))
