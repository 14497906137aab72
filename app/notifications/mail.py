"""Sending notices by e-mail: the outbox consumer of ``notifications.email``.

`notify` writes the notice with ``email_state = "pending"`` and an outbox message in the caller's transaction, so
the mail exists exactly when the notice does. This consumer sends each pending notice over SMTP (one connection
per batch) and then, **in its own commit right after each accepted message**, marks it ``sent``:

- **Never lost.** A connection refused, a timeout, a 4xx answer: the handler raises, the outbox keeps the message
  and retries it with exponential backoff (2 s, 4 s … up to OUTBOX_MAX_BACKOFF_SECONDS), for as long as it takes —
  the outbox never gives up on a message, so a mail server that is down for a day delivers the day's notices when
  it is back. ``email_attempts`` counts the tries. Only a *permanent* refusal of the message itself (a 5xx answer
  to its recipient or its content: no such mailbox, message rejected) marks the notice ``failed``: sending it
  again would be refused again. A 5xx to the sign-in or the sender is the deployment's configuration, not the
  message's, and is retried like any outage, its error shown by ``flask catalog outbox``.
- **Never twice.** Only ``pending`` notices are sent, and each is marked ``sent`` before the next one is tried,
  so a retried batch, a second drainer or a second delivery of the message skips what went out.

One window remains: the server has accepted a message (answered 250 to its DATA) and we crash — or lose the
database — before the commit that marks it ``sent``. The outbox then hands the message out again and it is sent a
second time. That copy is the same mail — same subject, body and Date (the notice's creation time) — with the
same **Message-ID**, derived from the notice (``<notification-<id>.<created_at>@<domain>>``) rather than made up at
each try. The Message-ID is what identifies a message across systems (RFC 5322 §3.6.4), so a receiving system that
deduplicates (Gmail, Exchange's duplicate-delivery detection, Sieve's ``duplicate`` test, list servers) recognises
one it already holds and drops the copy, and every other reader sees two identical mails, never two different
ones. Closing the window entirely would need the mail server to take part in our transaction, which SMTP cannot.

Mail is sent by the background worker (or `flask catalog outbox --drain`), never while a request waits: the outbox
hands a request's own messages to their consumers right after its commit, but this topic is registered as
`background`, so nobody's click waits on a slow or unreachable mail server.

To is the user's address *at send time* (a changed address gets the mail; a cleared one, or a deactivated user,
gets none and the notice's e-mail becomes ``none``).
"""
from __future__ import annotations

import datetime as dt
import email.utils
import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update

from app import outbox
from app.accounts import User
from app.core.db import utcnow
from app.extensions import db

from .models import Notification
from .services import TOPIC

log = logging.getLogger(__name__)
# notices sent over one connection: few enough that even a crawling server (SMTP_TIMEOUT_SECONDS per step) is done
# well within the outbox's lease, so no second drainer takes the batch while this one is still sending it
BATCH = 20


class MailServerNotConfigured(RuntimeError):
    """Notices are waiting to be e-mailed but SMTP_HOST is empty: they wait (and are retried) until it is set."""


def absolute_link(link: str | None) -> str | None:
    """The notice's link as an address outside the portal: PORTAL_URL followed by the path."""
    if not link:
        return None
    return current_app.config["PORTAL_URL"].rstrip("/") + link


def message_id(notification_id: int, created_at: dt.datetime) -> str:
    """The same Message-ID at every try, so a mail sent twice (see the module docstring) is recognisably one."""
    sender = current_app.config["MAIL_FROM"]
    domain = sender.rpartition("@")[2] if "@" in sender else ""
    domain = domain.strip(" >") or urlsplit(current_app.config["PORTAL_URL"]).hostname or "localhost"
    return f"<notification-{notification_id}.{created_at:%Y%m%d%H%M%S}@{domain}>"


def build_message(row) -> EmailMessage:
    """The mail of one notice: UTF-8 subject and body, the link made absolute, a stable Message-ID."""
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = current_app.config["MAIL_FROM"]
    try:
        message["To"] = Address(display_name=row.display_name or "", addr_spec=row.email)
    except (ValueError, IndexError, TypeError):
        message["To"] = row.email
    message["Date"] = email.utils.format_datetime(row.created_at.replace(tzinfo=dt.timezone.utc))
    message["Message-ID"] = message_id(row.id, row.created_at)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a system's notice
    lines = [f"{row.display_name}，您好：", "", row.body]
    link = absolute_link(row.link)
    if link:
        lines += ["", f"查看详情：{link}"]
    lines += ["", "——", "政务信息资源目录系统（本邮件由系统自动发送，请勿直接回复。您也可以在系统的“通知”中查看。）"]
    message.set_content("\n".join(lines), charset="utf-8")
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    if not config["SMTP_HOST"]:
        raise MailServerNotConfigured("SMTP_HOST is not set; notices wait to be e-mailed")
    connection = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=config["SMTP_TIMEOUT_SECONDS"])
    try:
        if config["SMTP_STARTTLS"]:
            connection.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            connection.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
    except BaseException:
        _close(connection)
        raise
    return connection


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _permanently_refused(error: smtplib.SMTPException) -> bool:
    """A 5xx answer about this message (its recipient or its content): trying again would be refused again."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def _set(notification_id: int, **values) -> None:
    """Record what became of one notice's mail, in its own commit (only while it is still pending)."""
    db.session.execute(update(Notification).where(Notification.id == notification_id,
                                                  Notification.email_state == "pending").values(**values))
    db.session.commit()


def send_batch(payloads: list[dict]) -> None:
    """The outbox handler: send the pending notices named by the payloads, each marked sent as soon as it is."""
    ids = sorted({int(p["notification_id"]) for p in payloads})
    rows = db.session.execute(
        select(Notification.id, Notification.subject, Notification.body, Notification.link,
               Notification.created_at, User.email, User.display_name, User.active)
        .join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(ids), Notification.email_state == "pending").order_by(Notification.id)).all()
    nobody = [row.id for row in rows if not row.active or not row.email]
    if nobody:  # the address was cleared, or the user deactivated, since the notice was written
        db.session.execute(update(Notification).where(Notification.id.in_(nobody),
                                                      Notification.email_state == "pending")
                           .values(email_state="none"))
    rows = [row for row in rows if row.active and row.email]
    if rows:  # count the try before making it: a crash mid-send still shows in email_attempts
        db.session.execute(update(Notification).where(Notification.id.in_([row.id for row in rows]))
                           .values(email_attempts=Notification.email_attempts + 1))
    db.session.commit()
    if not rows:
        return
    connection = _connect()
    try:
        for row in rows:
            try:
                connection.send_message(build_message(row), to_addrs=[row.email])
            except smtplib.SMTPException as error:
                if not _permanently_refused(error):
                    raise  # the outbox retries the batch later; what was sent is marked and skipped
                log.warning("notification %s: mail to %s refused for good: %s", row.id, row.email, error)
                _set(row.id, email_state="failed")
                continue
            _set(row.id, email_state="sent", emailed_at=utcnow())
    finally:
        _close(connection)


outbox.register(TOPIC, send_batch, batch=BATCH, background=True)
