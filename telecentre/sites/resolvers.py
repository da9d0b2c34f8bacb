"""Resolvers that find the site a URL is about, for ``@access(..., site=...)``."""
from sqlalchemy import select

from telecentre.extensions import db
from telecentre.sites.models import Site


def site_from_slug(slug: str, **_ignored) -> Site | None:
    """Return the site named by the ``slug`` URL argument."""
    return db.session.scalar(select(Site).where(Site.slug == slug))
