"""Sending text messages through a generic HTTP SMS gateway (off unless configured).

Most Polish SMS gateways (SMSAPI, SerwerSMS, the operators' own) take one
HTTP POST per message with the recipient, the sender name and the text, as
JSON or as a form, and a bearer token. The field names differ, so they are
settings (``SMS_GATEWAY_FIELDS``); see ``config.Defaults`` for all of them.
Used for queue offers; meant for alerts too. The standard library only: one
POST needs no client library.
"""
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request

log = logging.getLogger(__name__)

MAX_TEXT = 459  # three concatenated GSM-7 parts; longer texts are cut


def normalise_phone(phone: str | None) -> str | None:
    """Return ``phone`` as +48XXXXXXXXX (nine digits are Polish), or None when unusable."""
    digits = re.sub(r"[\s\-().]", "", phone or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"\d{9}", digits):
        digits = "+48" + digits
    return digits if re.fullmatch(r"\+\d{8,15}", digits) else None


def sms_enabled(config) -> bool:
    """Return True when a gateway URL is configured."""
    return bool(config.get("SMS_GATEWAY_URL"))


def sms_send(config, phone: str | None, text: str) -> bool:
    """POST one message to the gateway in ``config``; True when it answered 2xx.

    False when SMS is off, the number is unusable or the gateway failed (logged):
    a text that cannot go out never breaks the caller's work.
    """
    url = config.get("SMS_GATEWAY_URL")
    to = normalise_phone(phone)
    if not url or to is None:
        return False
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        log.error("SMS_GATEWAY_URL must be an http(s) URL, not %r", url)
        return False
    fields = {"to": "to", "sender": "from", "text": "text", **(config.get("SMS_GATEWAY_FIELDS")
                                                               or {})}
    values = {fields["to"]: to, fields["sender"]: config.get("SMS_SENDER") or "",
              fields["text"]: text[:MAX_TEXT]}
    if (config.get("SMS_GATEWAY_FORMAT") or "json") == "form":
        body, kind = urllib.parse.urlencode(values).encode(), "application/x-www-form-urlencoded"
    else:
        body, kind = json.dumps(values).encode(), "application/json"
    headers = {"Content-Type": kind, "User-Agent": "Telecentre"}
    if config.get("SMS_GATEWAY_TOKEN"):
        headers["Authorization"] = f"Bearer {config['SMS_GATEWAY_TOKEN']}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        # The URL is the operator's own setting and its scheme is checked above.
        with urllib.request.urlopen(  # nosec B310
                request, timeout=float(config.get("SMS_GATEWAY_TIMEOUT_SECONDS") or 5)) as reply:
            return 200 <= reply.status < 300
    except urllib.error.HTTPError as exc:
        log.error("the SMS gateway refused a message: HTTP %s", exc.code)
    except (OSError, ValueError):
        log.exception("could not reach the SMS gateway")
    return False
