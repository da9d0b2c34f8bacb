"""Absolute links that leave the browser (calendar feeds, mails): from PUBLIC_BASE_URL only.

A link built from the request's Host header can be pointed elsewhere by
whoever sends the request (a reset link or a calendar feed delivered to a
resident with another host in it), so absolute URLs never use it.
"""
from urllib.parse import urlsplit

from flask import current_app, url_for


def public_url(endpoint: str, **values) -> str:
    """Return the absolute URL of ``endpoint`` under the configured public base URL."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def public_host() -> str:
    """Return the host name of the public base URL (for calendar UIDs)."""
    return urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
