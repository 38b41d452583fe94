"""The portal's e-mails: who gets one, sending it from templates, and sending it once.

The apps decide whom to tell (notifications.services.notify, called by the deciding
services) and the notifications app what it says (its templates); this module only turns
users into addresses and templates into e-mails, the same way for every app. Everyone gets
their own e-mail (nobody sees the others' addresses), written in the portal's language
(settings.LANGUAGE_CODE) whatever language the action was taken in.

Every e-mail is sent for an *event* (what it announces: "message:42") and each delivery is
recorded (doingoai.models.EmailDelivery), so that a task retried after a mail server dropped
the connection half-way, or redelivered after its worker died, writes only to those it had
not written to yet: each addressee gets one e-mail per event. An address the server refuses
for good (5xx) is recorded too, as refused, and never tried again for that event; a mailbox is
one whatever the case of its address (address_key).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from .models import EmailDelivery

logger = logging.getLogger(__name__)

# How long a delivery is remembered. A task is retried for about two hours at most
# (doingoai.celery.EMAIL_TASK_OPTIONS) and Redis redelivers within its visibility timeout, so
# a day would do for sending once; the rest answers "was I told?" for a season.
DELIVERY_RETENTION = timedelta(days=90)


def address_key(address: str) -> str:
    """How two addresses are compared: lowercased whole. The domain is case-insensitive by
    definition; the local part may be case-sensitive by RFC 5321, but the mail systems in
    common use (Exchange, Gmail, Zimbra) ignore its case, so two accounts spelt An@x.vn and
    an@x.vn are one mailbox, which would otherwise get two e-mails."""
    return address.strip().lower()


def addresses(users: QuerySet) -> list[str]:
    """The e-mail addresses of `users` (a queryset of User) that get e-mail: active accounts
    with an address, sorted, each mailbox once (address_key: the first spelling in sorted
    order stands for the others). Whether a user wants a given e-mail is the notifications
    app's matter (their EmailChoice per kind). One query."""
    wanted = users.filter(is_active=True).exclude(email="")
    return _each_once(wanted.values_list("email", flat=True))


def _each_once(to: Iterable[str]) -> list[str]:
    """`to` sorted, one address per mailbox (address_key), in its first spelling."""
    chosen: dict[str, str] = {}
    for address in sorted(set(to)):
        chosen.setdefault(address_key(address), address)
    return list(chosen.values())


def render(template_prefix: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The subject and body of an e-mail in settings.LANGUAGE_CODE: the subject from
    `<template_prefix>_subject.txt` on one line (a header never carries the template's line
    breaks), the body from `<template_prefix>_body.txt`, stripped and ending with a newline."""
    context = dict(context)
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        body = render_to_string(f"{template_prefix}_body.txt", context).strip() + "\n"
    return subject, body


def send_each(
    template_prefix: str, context: Mapping[str, Any], to: list[str], *, event: str
) -> int:
    """One e-mail (render) to each address of `to` (each mailbox once, address_key) that the
    e-mail of `event` (at most EmailDelivery.EVENT_MAX_LENGTH characters, the same in every
    retry of the task) was not delivered to yet, nor refused for good, over one connection,
    each recorded as soon as the server answered. Returns the number of e-mails sent now: 0,
    with nothing rendered and no connection, when nobody is left.

    Call it outside any transaction, as a task runs: each record then commits on its own at
    once, and a failure later in the batch cannot roll back the record of an e-mail that went.

    What the server answers for one e-mail decides what happens to it, and never stops the
    others:
    - accepted: recorded, never sent again for `event`;
    - refused for good (a 5xx reply: no such mailbox at RCPT, a message refused at DATA,
      552 too large): logged and recorded as refused (EmailDelivery.refusal), so neither a
      retry nor a redelivery tries that address again;
    - refused for now (a 4xx reply: mailbox busy, greylisting): logged, and its error raised
      once the others are sent, so the task's retry writes to such addresses alone.
    A connection the server drops is opened again once per batch and the e-mail sent again
    (it was not accepted); any other SMTP or socket error (a second drop, a server that stopped
    answering within EMAIL_TIMEOUT) stops the batch at once and propagates: the task retries it.

    ValueError, before anything is sent, for an event key too long to record: its e-mails
    could never be marked as sent, and every retry would send them again."""
    if len(event) > EmailDelivery.EVENT_MAX_LENGTH:
        raise ValueError(f"e-mail event key longer than {EmailDelivery.EVENT_MAX_LENGTH}: {event}")
    to = _each_once(to)
    done = EmailDelivery.objects.settled(event, [address_key(address) for address in to])
    pending = [address for address in to if address_key(address) not in done]
    if not pending:
        return 0
    subject, body = render(template_prefix, context)
    retry_later: smtplib.SMTPException | None = None
    sent = 0
    reconnected = False
    with get_connection() as connection:
        for address in pending:
            email = EmailMessage(
                subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection
            )
            try:
                try:
                    accepted = email.send()
                except smtplib.SMTPServerDisconnected:
                    # A server that drops the connection in a batch (a cap of messages per
                    # connection, an idle limit) mostly takes the next one: reconnect once and
                    # go on. Without a broker there is no later retry, so this is the one
                    # chance the others get; a second drop propagates for the task's retry.
                    if reconnected:
                        raise
                    reconnected = True
                    connection.close()
                    accepted = email.send()
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                code, reply = _reply(exc, address)
                if code is None or code < 500:
                    logger.warning("%s: %s refused for now (%s %s)", event, address, code, reply)
                    retry_later = retry_later or exc
                else:
                    logger.warning("%s: %s refused for good (%s %s)", event, address, code, reply)
                    _record(event, address, refusal=f"{code} {reply}")
                continue
            if accepted:
                # The one window left: a worker killed after the server accepted the e-mail
                # and before this INSERT commits sends that one e-mail again when the task is
                # redelivered. It cannot be closed from here: SMTP has no way to ask whether
                # a message arrived nor to take it back, so the acceptance and the record are
                # two systems' commits, and recording first would lose the e-mail instead. It
                # is as short as it can be: one INSERT right after the server's reply, with
                # nothing else (no rendering, no other address) in between.
                _record(event, address)
                sent += 1
    if retry_later is not None:
        raise retry_later
    return sent


def _reply(exc: smtplib.SMTPException, address: str) -> tuple[int | None, str]:
    """The server's code and text for `address` in a refusal: SMTPRecipientsRefused carries
    one per recipient (each e-mail here has one), the others (SMTPDataError at DATA,
    SMTPSenderRefused at MAIL FROM) one for the message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = exc.recipients.get(address) or next(
            iter(exc.recipients.values()), (None, b"")
        )
    else:
        code, reply = exc.smtp_code, exc.smtp_error
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return code, str(reply)[:150]


def _record(event: str, address: str, refusal: str = "") -> None:
    # A conflict is a second worker that wrote the same e-mail at the same time (a
    # redelivery overtaking a slow worker): it must not fail a task whose e-mail went.
    EmailDelivery.objects.bulk_create(
        [EmailDelivery(event=event, address=address_key(address), refusal=refusal)],
        ignore_conflicts=True,
    )


def prune_deliveries(*, now: datetime) -> int:
    """Forget the deliveries recorded more than DELIVERY_RETENTION before `now`: no task
    can still be retried for them. Returns how many were deleted."""
    deleted, _ = EmailDelivery.objects.sent_before(now - DELIVERY_RETENTION).delete()
    return deleted


def absolute_url(path: str) -> str:
    """`path` ("/reports/…") as a link an e-mail can carry (settings.SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path


def queue_after_commit(
    task, *args: Any, what: str, undo: Callable[[], object], **kwargs: Any
) -> None:
    """Queue the e-mail `task` (a Celery task) with `args` and `kwargs` once the transaction
    commits. If it cannot be queued (the broker is down; without a broker, the mail server
    failed in-process), the error is logged naming `what` ("the reminder of message 42") and
    `undo()` runs: what the
    transaction wrote to say the e-mail went (a reminder's stamp) must not count as sent, or
    the schedule that reads it would never make the e-mail up. Nothing is raised."""

    def queue() -> None:
        try:
            task.delay(*args, **kwargs)
        except Exception:
            logger.exception("%s could not be queued", what)
            undo()

    transaction.on_commit(queue)
