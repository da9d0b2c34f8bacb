"""Residents' accounts: self-registration, registration at the desk with card and PIN."""
import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select

from telecentre.audit.services import record
from telecentre.auth.models import User
from telecentre.auth.passwords import hash_secret, verify_secret
from telecentre.auth.services import create_user
from telecentre.common.errors import Conflict, InvalidInput
from telecentre.common.time import utcnow
from telecentre.extensions import db

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
CARD_DIGITS = 10
PIN_DIGITS = 6
FIRST_BIRTH_YEAR = 1900


def register_resident(login: str, password: str, *, display_name: str = "",
                      email: str | None = None, phone: str | None = None,
                      consent: bool = False) -> User:
    """Create a resident's own account; consent to the rules and privacy notice is required."""
    if not consent:
        raise InvalidInput(_("Please accept the site rules and the privacy notice."))
    email, phone = _contact(email, phone)
    return create_user(None, login, role="resident", password=password,
                       display_name=(display_name or "").strip()[:120], email=email,
                       phone=phone, consent=True)


def _contact(email, phone):
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    if email and (len(email) > 200 or not EMAIL_RE.match(email)):
        raise InvalidInput(_("“%(email)s” is not an e-mail address.", email=email))
    if phone and not PHONE_RE.match(phone):
        raise InvalidInput(_("“%(phone)s” is not a phone number.", phone=phone))
    return email, phone


def luhn_digit(digits: str) -> str:
    """Return the Luhn check digit for ``digits`` (so that typing errors are caught)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def valid_card_number(card: str) -> bool:
    """Return True for a well-formed card number (digits with a right check digit)."""
    return (len(card) == CARD_DIGITS and card.isdigit()
            and luhn_digit(card[:-1]) == card[-1])


def _new_card_number() -> str:
    for _attempt in range(20):
        body = str(secrets.randbelow(9 * 10 ** (CARD_DIGITS - 2)) + 10 ** (CARD_DIGITS - 2))
        card = body + luhn_digit(body)
        if db.session.scalar(select(User.id).where(User.card_number == card)) is None:
            return card
    raise RuntimeError("no free card number after 20 draws")


def check_birth_year(value, now=None) -> int | None:
    """Return the birth year as an int (None when blank); InvalidInput when out of range."""
    if value in (None, ""):
        return None
    year = utcnow().year if now is None else now.year
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = 0
    if not FIRST_BIRTH_YEAR <= value <= year:
        raise InvalidInput(_("The birth year must be between %(first)d and %(last)d.",
                             first=FIRST_BIRTH_YEAR, last=year))
    return value


def _name_key(name: str) -> str:
    return " ".join((name or "").lower().split())


def _phone_key(phone: str | None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-9:]  # a Polish number with or without +48 / 0048


def likely_duplicates(display_name: str, *, phone: str | None = None,
                      birth_year: int | None = None) -> list[User]:
    """Return residents anywhere in the county with the same name (case and spaces ignored)
    and the same phone number or the same birth year: probably the same person."""
    key = _name_key(display_name)
    if not key or (not _phone_key(phone) and birth_year is None):
        return []
    same_name = db.session.scalars(select(User).where(
        User.role == "resident", func.lower(User.display_name) == key).limit(50)).all()
    return [user for user in same_name if _name_key(user.display_name) == key and (
        (_phone_key(phone) and _phone_key(user.phone) == _phone_key(phone))
        or (birth_year is not None and user.birth_year == birth_year))]


def register_at_desk(actor, site, display_name: str, *, phone: str | None = None,
                     email: str | None = None, birth_year: int | None = None,
                     rules_accepted: bool = False,
                     confirm_duplicate: bool = False) -> tuple[User, str]:
    """Register a resident at ``site``'s desk: return the account and its PIN (shown once).

    The resident gets a card number (with a check digit) and a 6-digit PIN;
    only the PIN's hash is kept. Flushes and audits.
    """
    name = " ".join((display_name or "").split())
    if not rules_accepted:
        raise InvalidInput(_("The resident must accept the site rules and the privacy notice."))
    if not name or len(name) > 120:
        raise InvalidInput(_("Write the resident's name (up to 120 characters)."))
    if not confirm_duplicate and likely_duplicates(name, phone=phone, birth_year=birth_year):
        raise Conflict(_("A resident with the same name and the same phone number or birth "
                         "year is already registered. Check the resident's card, or confirm "
                         "that this is a different person."), code="possible_duplicate")
    email, phone = _contact(email, phone)
    card = _new_card_number()
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))
    user = create_user(actor, f"karta-{card}", role="resident", site=site, display_name=name,
                       email=email, phone=phone, consent=True)
    user.card_number = card
    user.birth_year = birth_year
    user.pin_hash = hash_secret(pin)
    db.session.flush()
    record(actor, "resident.card", target=user, site=site, details={"card": card})
    return user, pin


def authenticate_card(card: str, pin: str) -> User | None:
    """Return the active resident with this card number and PIN, or None (same cost either way)."""
    card = re.sub(r"\D", "", card or "")
    user = db.session.scalar(select(User).where(User.card_number == card)) if card else None
    ok = verify_secret(user.pin_hash if user else None, pin or "")
    if not ok or user is None or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def resident_by_card(card: str) -> User | None:
    """Return the resident holding card number ``card`` (digits only), or None."""
    card = re.sub(r"\D", "", card or "")
    if not valid_card_number(card):
        return None
    return db.session.scalar(select(User).where(User.card_number == card,
                                                User.role == "resident"))
