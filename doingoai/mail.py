"""The portal's e-mails: who gets one, sending it from templates, and sending it once.

The apps decide whom to tell and what it says (their `notifications.py` and their
`<app>/templates/<app>/email/` templates); this module only turns users into addresses and
templates into e-mails, the same way for every app. Everyone gets their own e-mail (nobody
sees the others' addresses), written in the portal's language (settings.LANGUAGE_CODE)
whatever language the action was taken in.

Every e-mail is sent for an *event* (what it announces: "message:42") and each delivery is
recorded (doingoai.models.EmailDelivery), so that a task retried after a mail server dropped
the connection half-way, or redelivered after its worker died, writes only to those it had
not written to yet: each addressee gets one e-mail per event.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from .models import EmailDelivery

logger = logging.getLogger(__name__)

# How long a delivery is remembered. A task is retried for about two hours at most
# (doingoai.celery.EMAIL_TASK_OPTIONS) and Redis redelivers within its visibility timeout, so
# a day would do for sending once; the rest answers "was I told?" for a season.
DELIVERY_RETENTION = timedelta(days=90)


def addresses(users: QuerySet) -> list[str]:
    """The e-mail addresses of `users` (a queryset of User) that get e-mail: active accounts
    with notifications on and an address, sorted, each once. One query."""
    wanted = users.filter(is_active=True, email_notifications=True).exclude(email="")
    return sorted(set(wanted.values_list("email", flat=True)))


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
    """One e-mail (render) to each address of `to` that the e-mail of `event` (at most
    EmailDelivery.EVENT_MAX_LENGTH characters, the same in every retry of the task) was not
    delivered to yet, over one connection, each recorded as soon as the server accepted it.
    Returns the number of e-mails sent now: 0, with nothing rendered and no connection, when
    nobody is left.

    Call it outside any transaction, as a task runs: each record then commits on its own at
    once, and a failure later in the batch cannot roll back the record of an e-mail that went.

    SMTP errors propagate, and the task that sends retries them: a connection lost stops the
    batch at once; an address the server refused does not stop the others, and its error is
    raised once they are sent, so the retry writes to that address alone. ValueError, before
    anything is sent, for an event key too long to record: its e-mails could never be marked
    as sent, and every retry would send them again."""
    if len(event) > EmailDelivery.EVENT_MAX_LENGTH:
        raise ValueError(f"e-mail event key longer than {EmailDelivery.EVENT_MAX_LENGTH}: {event}")
    done = EmailDelivery.objects.delivered(event, to)
    pending = [address for address in to if address not in done]
    if not pending:
        return 0
    subject, body = render(template_prefix, context)
    refused: smtplib.SMTPRecipientsRefused | None = None
    sent = 0
    with get_connection() as connection:
        for address in pending:
            email = EmailMessage(
                subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection
            )
            try:
                accepted = email.send()
            except smtplib.SMTPRecipientsRefused as exc:
                logger.warning("%s: the mail server refused %s: %s", event, address, exc)
                refused = refused or exc
                continue
            if accepted:
                # The one window left: a worker killed after the server accepted the e-mail
                # and before this INSERT commits sends that one e-mail again when the task is
                # redelivered. It cannot be closed from here: SMTP has no way to ask whether
                # a message arrived nor to take it back, so the acceptance and the record are
                # two systems' commits, and recording first would lose the e-mail instead. It
                # is as short as it can be: one INSERT right after the server's reply, with
                # nothing else (no rendering, no other address) in between. A conflict is
                # a second worker that wrote the same e-mail at the same time (a redelivery
                # overtaking a slow worker): it must not fail a task whose e-mail went.
                EmailDelivery.objects.bulk_create(
                    [EmailDelivery(event=event, address=address)], ignore_conflicts=True
                )
                sent += 1
    if refused is not None:
        raise refused
    return sent


def prune_deliveries(*, now: datetime) -> int:
    """Forget the deliveries recorded more than DELIVERY_RETENTION before `now`: no task
    can still be retried for them. Returns how many were deleted."""
    deleted, _ = EmailDelivery.objects.sent_before(now - DELIVERY_RETENTION).delete()
    return deleted


def absolute_url(path: str) -> str:
    """`path` ("/reports/…") as a link an e-mail can carry (settings.SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path
