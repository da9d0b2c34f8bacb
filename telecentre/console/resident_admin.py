"""Staff manage a resident's account: name, contact, card, birth year, and notes.

Services take the acting user, flush and audit; the view commits. Which
residents a site's staff may touch is decided by ``resolvers.resident_site``
(registered there, or booked or sat there).
"""
from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.audit.services import record
from telecentre.auth.models import ResidentNote, User
from telecentre.booking.residents import _contact, check_birth_year, valid_card_number
from telecentre.common.errors import Conflict, InvalidInput
from telecentre.common.time import utcnow
from telecentre.extensions import db

MAX_NOTE = 1000


def update_resident(actor, resident: User, site, *, display_name: str, email: str | None,
                    phone: str | None, card: str | None, birth_year=None) -> list[str]:
    """Change the resident's name, contact, card number and birth year; return the names of
    the fields that changed. Raises InvalidInput or Conflict (a card of someone else).
    Flushes and audits (the changed fields, not their values)."""
    name = (display_name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput(_("Write the resident's name (up to 120 characters)."))
    email, phone = _contact(email, phone)
    card = "".join(ch for ch in (card or "") if ch.isdigit()) or None
    if card is not None and card != resident.card_number:
        if not valid_card_number(card):
            raise InvalidInput(_("“%(card)s” is not a valid card number.", card=card))
        taken = db.session.scalar(select(User.id).where(User.card_number == card,
                                                        User.id != resident.id))
        if taken is not None:
            raise Conflict(_("Card %(card)s belongs to another account.", card=card),
                           code="card_taken")
    values = {"display_name": name, "email": email, "phone": phone,
              "card_number": card if card is not None else resident.card_number,
              "birth_year": check_birth_year(birth_year)}
    changed = [key for key, value in values.items() if getattr(resident, key) != value]
    for key in changed:
        setattr(resident, key, values[key])
    db.session.flush()
    if changed:
        record(actor, "resident.update", target=resident, site=site,
               details={"fields": changed})
    return changed


def add_note(actor, resident: User, site, text: str) -> ResidentNote:
    """Add a staff note about ``resident``. Raises InvalidInput. Flushes and audits."""
    text = (text or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise InvalidInput(_("Write a note of 1 to %(n)d characters.", n=MAX_NOTE))
    note = ResidentNote(user_id=resident.id, author_id=getattr(actor, "id", None),
                        site_id=getattr(site, "id", None), text=text, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    record(actor, "resident.note", target=resident, site=site)
    return note


def notes_of(resident: User, limit: int = 50) -> list[ResidentNote]:
    """Return the staff notes about ``resident``, newest first."""
    return list(db.session.scalars(select(ResidentNote).where(
        ResidentNote.user_id == resident.id).order_by(ResidentNote.created_at.desc(),
                                                       ResidentNote.id.desc()).limit(limit)))
