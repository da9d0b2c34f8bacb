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


class SmsError(Exception):
    """The gateway is off, the number unusable, or the gateway refused or could not be reached."""


def sms_send(config, phone: str | None, text: str) -> bool:
    """POST one message to the gateway in ``config``; True when it answered 2xx.

    False when SMS is off, the number is unusable or the gateway failed (logged):
    a text that cannot go out never breaks the caller's work.
    """
    try:
        sms_post(config, phone, text)
        return True
    except SmsError as exc:
        log.error("SMS not sent: %s", exc)
        return False


def sms_post(config, phone: str | None, text: str) -> None:
    """POST one message to the gateway in ``config``; raise :class:`SmsError` saying why not."""
    url = config.get("SMS_GATEWAY_URL")
    to = normalise_phone(phone)
    if not url:
        raise SmsError("no SMS gateway is configured (SMS_GATEWAY_URL)")
    if to is None:
        raise SmsError(f"unusable phone number {phone!r}")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SmsError(f"SMS_GATEWAY_URL must be an http(s) URL, not {url!r}")
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
            if not 200 <= reply.status < 300:
                raise SmsError(f"the SMS gateway answered HTTP {reply.status}")
    except urllib.error.HTTPError as exc:
        raise SmsError(f"the SMS gateway refused the message: HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise SmsError(f"could not reach the SMS gateway: {exc}") from exc
