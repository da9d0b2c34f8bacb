"""Mail and text messages to residents: sent by a task worker after the change commits.

A request never waits for the SMTP server or the SMS gateway (a slow one would
hold the attendant's desk, and the time a password-reset request takes would
tell whether the address has an account). What to send is collected in the
database session and handed to the task queue only when the transaction
commits, so a change that is rolled back sends nothing. The worker retries a
failed delivery with a growing pause (``OUTGOING_RETRY_SECONDS``, doubled,
``OUTGOING_RETRIES`` times); the message is not kept in our tables.
In tests (eager tasks) and with no worker configured the send happens at
commit, as before.
"""
from __future__ import annotations

import logging
from email import message_from_string, policy
from email.message import EmailMessage

from celery import shared_task
from celery.exceptions import Retry
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from telecentre.common.mail import smtp_send
from telecentre.common.sms import normalise_phone, sms_enabled, sms_send

log = logging.getLogger(__name__)
_PENDING = "telecentre_outgoing"


def mail_after_commit(msg: EmailMessage) -> bool:
    """Send ``msg`` after the current transaction commits; False when SMTP is not configured."""
    if not current_app.config.get("SMTP_HOST"):
        return False
    _pending().append(("mail", msg.as_string(policy=policy.SMTP)))
    return True


def sms_after_commit(phone: str, text: str) -> bool:
    """Send a text message after the current transaction commits; False without a gateway."""
    if not (normalise_phone(phone) and sms_enabled(current_app.config)):
        return False  # a number the gateway cannot take is not worth five retries
    _pending().append(("sms", phone, text))
    return True


def _pending() -> list:
    from telecentre.extensions import db
    return db.session.info.setdefault(_PENDING, [])


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session):
    from telecentre.tasks import send
    for item in session.info.pop(_PENDING, []):
        try:
            send(deliver, *item)
        except Retry:  # eager (tests, no worker): the first attempt failed, it was logged
            pass
        except Exception:  # the broker is down: the change stands, the message is lost
            log.exception("could not queue a %s", item[0])


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


@shared_task(name="outgoing.deliver", bind=True, ignore_result=True)
def deliver(self, kind: str, *args) -> None:
    """Hand one mail (its text) or one SMS (phone, text) over; when that fails, try again
    after ``OUTGOING_RETRY_SECONDS``, doubled each time, ``OUTGOING_RETRIES`` times."""
    config = current_app.config
    if kind == "mail":
        msg = message_from_string(args[0], _class=EmailMessage, policy=policy.default)
        delivered = smtp_send(config, msg)
    elif kind == "sms":
        delivered = sms_send(config, args[0], args[1])
    else:
        raise ValueError(f"unknown message kind {kind!r}")
    if not delivered:
        retries = self.request.retries
        if retries >= int(config["OUTGOING_RETRIES"]):
            log.error("gave up sending a %s after %d attempts", kind, retries + 1)
            return
        raise self.retry(countdown=float(config["OUTGOING_RETRY_SECONDS"]) * 2 ** retries)
