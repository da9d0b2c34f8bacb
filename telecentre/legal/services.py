"""The accessibility statement and the privacy notice: read, fill in defaults, save."""
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from telecentre.audit.services import record
from telecentre.common.errors import InvalidInput
from telecentre.common.time import local_today
from telecentre.extensions import db
from telecentre.legal.models import ASSESSMENTS, STATUSES, AccessibilityStatement
from telecentre.sites.models import Site

# Free texts of the statement, per language.
TEXT_FIELDS = ("inaccessible", "exemptions", "extra")
SOURCE_LOCALE = "pl"


def get_statement() -> AccessibilityStatement:
    """Return the statement; before anyone saved one, an unsaved one dated today.

    The migration stores the first one, dated the day of installation; this
    fallback only serves a database emptied by hand (and the tests).
    """
    statement = db.session.get(AccessibilityStatement, 1)
    if statement is None:
        today = local_today()
        statement = AccessibilityStatement(
            id=1, published_on=today, updated_on=today, prepared_on=today, status="partial",
            assessment="self", assessor="", contact_person="", contact_email="",
            contact_phone="", texts={}, sites={})
    return statement


def default_texts() -> dict:
    """Return the statement's free texts as shipped, in the current language."""
    return {
        "inaccessible": _(
            "Charts in the statistics and monitoring pages are pictures; the same figures are "
            "given in a table beside each chart. The lock screen of the public computers has "
            "not yet been checked with every screen reader."),
        "exemptions": _(
            "Statistics reports exported as spreadsheets are working documents for the "
            "programme's staff and are exempt from the act (art. 3 sec. 2)."),
        "extra": "",
    }


def site_default(site: Site) -> str:
    """Return the shipped description of a site's building, until the admin writes one."""
    return _("The office has not yet published a description of the building's accessibility. "
             "Ask at %(site)s or through the contact below.", site=site.name)


def texts_for(statement: AccessibilityStatement, locale: str) -> dict:
    """Return ``{field: (text, lang)}`` for ``locale``: its own text, else Polish, else shipped.

    ``lang`` is the language the text is written in (for the ``lang``
    attribute when it is not the page's).
    """
    saved = statement.texts or {}
    defaults = default_texts()
    result = {}
    for field in TEXT_FIELDS:
        own = (saved.get(locale) or {}).get(field)
        source = (saved.get(SOURCE_LOCALE) or {}).get(field)
        if own is not None:
            result[field] = (own, locale)
        elif source is not None:
            result[field] = (source, SOURCE_LOCALE)
        else:
            result[field] = (defaults[field], locale)
    return result


def sites_for(statement: AccessibilityStatement, locale: str) -> list[dict]:
    """Return every active site with its building's accessibility text and that text's language."""
    sites = db.session.scalars(select(Site).where(Site.active).order_by(Site.id)).all()
    saved = statement.sites or {}
    result = []
    for site in sites:
        texts = saved.get(site.slug) or {}
        if texts.get(locale):
            text, lang = texts[locale], locale
        elif texts.get(SOURCE_LOCALE):
            text, lang = texts[SOURCE_LOCALE], SOURCE_LOCALE
        else:
            text, lang = site_default(site), locale
        result.append({"site": site, "text": text, "lang": lang,
                       "own": texts.get(locale, "")})
    return result


def save_statement(actor, locale: str, *, status: str, published_on: date, updated_on: date,
                   prepared_on: date, reviewed_on: date | None, assessment: str, assessor: str,
                   contact_person: str, contact_email: str, contact_phone: str, texts: dict,
                   sites: dict) -> AccessibilityStatement:
    """Save the statement as the admin wrote it in ``locale``; audit; flush.

    ``texts`` maps TEXT_FIELDS to this language's text and ``sites`` maps a
    site slug to this language's description (empty: fall back to Polish or
    the shipped text). Raises InvalidInput for an unknown status or
    assessment, or dates out of order.
    """
    if locale not in current_app.config["LANGUAGES"]:
        raise InvalidInput(_("Unknown language."))
    if status not in STATUSES or assessment not in ASSESSMENTS:
        raise InvalidInput(_("Choose a compliance status and how the statement was prepared."))
    if updated_on < published_on:
        raise InvalidInput(_("The last update cannot be before the publication."))
    if reviewed_on is not None and reviewed_on < prepared_on:
        raise InvalidInput(_("The last review cannot be before the statement was prepared."))
    statement = get_statement()
    if statement not in db.session:
        db.session.add(statement)
    known = {s.slug for s in db.session.scalars(select(Site))}
    statement.status, statement.assessment, statement.assessor = status, assessment, assessor
    statement.published_on, statement.updated_on = published_on, updated_on
    statement.prepared_on, statement.reviewed_on = prepared_on, reviewed_on
    statement.contact_person, statement.contact_email = contact_person, contact_email
    statement.contact_phone = contact_phone
    all_texts = dict(statement.texts or {})
    all_texts[locale] = {f: (texts.get(f) or "").strip() or None for f in TEXT_FIELDS}
    all_texts[locale] = {f: v for f, v in all_texts[locale].items() if v is not None}
    statement.texts = all_texts
    all_sites = {slug: dict(v) for slug, v in (statement.sites or {}).items()}
    for slug, text in sites.items():
        if slug not in known:
            continue
        entry = all_sites.setdefault(slug, {})
        if (text or "").strip():
            entry[locale] = text.strip()
        else:
            entry.pop(locale, None)
    statement.sites = all_sites
    record(actor, "legal.statement_saved", details={"locale": locale, "status": status})
    db.session.flush()
    return statement
