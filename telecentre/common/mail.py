"""Sending mail through the configured SMTP server."""
import logging
import smtplib
from email.message import EmailMessage

log = logging.getLogger(__name__)


def smtp_send(config, msg: EmailMessage) -> bool:
    """Hand ``msg`` to the SMTP server in ``config`` (TELECENTRE_SMTP_*).

    Return True when it was handed over, False when no server is configured or
    it failed (logged): a mail problem never breaks the caller's work.
    """
    if not config.get("SMTP_HOST"):
        return False
    try:
        smtp_hand_over(config, msg)
        return True
    except (OSError, smtplib.SMTPException):
        log.exception("could not send mail to %s", msg.get("To"))
        return False


def smtp_hand_over(config, msg: EmailMessage) -> None:
    """Hand ``msg`` to the SMTP server in ``config``; raise OSError or SMTPException on failure."""
    if not config.get("SMTP_HOST"):
        raise smtplib.SMTPException("no SMTP server is configured (SMTP_HOST)")
    with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25),
                      timeout=10) as smtp:
        if str(config.get("SMTP_STARTTLS")).lower() in ("1", "true", "yes"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(msg)
