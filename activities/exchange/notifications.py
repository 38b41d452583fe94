"""E-mails of the information exchange: who receives them, what they say (the templates under
`exchange/email/`), when an unanswered request is reminded, and the Celery task that sends
them. Turning users into addresses and templates into e-mails, once per addressee, is
doingoai/mail.py's, the same for every app.

The task lives here, beside the one function it calls, so that the services that queue it
(`services.py`) and the beat job that calls a service (`tasks.py`) form no import cycle.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from celery import shared_task
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from agencies import permissions
from doingoai import mail
from doingoai.celery import EMAIL_TASK_OPTIONS

from .models import Message, MessageRecipient

logger = logging.getLogger(__name__)

TEMPLATE = "exchange/email/message"


def recipient_addresses(message: Message, *, reminder: bool = False) -> list[str]:
    """The addresses a message is announced to: the readers of its recipient agencies who want
    e-mail (a reminder: of the agencies that have not answered), sorted, each once."""
    recipients = message.recipients.all()
    if reminder:
        recipients = recipients.filter(answer__isnull=True)
    return mail.addresses(
        permissions.message_readers(recipients.values_list("agency_id", flat=True))
    )


def _context(message: Message, reminder: bool) -> dict[str, Any]:
    link = mail.absolute_url(message.get_absolute_url())
    return {"message": message, "reminder": reminder, "link": link}


def event(message: Message, *, reminder: bool = False) -> str:
    """What the e-mail of `message` announces, as doingoai.mail.send_each records it, for a
    task queued without its key (before keys were passed): the message itself
    ("message:42"), or the reminder of it stamped last (reminder_event). One query for a
    reminder."""
    if not reminder:
        return f"message:{message.pk}"
    stamped = message.recipients.aggregate(last=Max("reminded_at"))["last"]
    return reminder_event(message.pk, stamped)


def reminder_event(message_id: int, stamped: datetime | None) -> str:
    """The key of the reminder of message `message_id` whose recipients were stamped
    `reminded_at` = `stamped`: every reminder has its own, and its retries and redeliveries
    share it ("request-reminder:42:2026-12-10T07:00:00+07:00")."""
    return f"request-reminder:{message_id}:{stamped.isoformat() if stamped else ''}"


def email_message(message_id: int, *, reminder: bool = False, key: str | None = None) -> int:
    """E-mail a message (or a reminder of it) to its recipients' readers who did not get
    the e-mail `key` yet (retried or redelivered, it writes only to the others); the number
    of addresses written to (0 when the message is gone or nobody wants e-mail). `key` is
    computed when the task is queued; None (a task queued before keys were passed) computes
    it now (event). SMTP errors propagate: the task retries them."""
    message = Message.objects.select_related("sender_agency").filter(pk=message_id).first()
    if message is None:
        logger.warning("message %s not found: nothing to e-mail", message_id)
        return 0
    to = recipient_addresses(message, reminder=reminder)
    key = key or event(message, reminder=reminder)
    return mail.send_each(TEMPLATE, _context(message, reminder), to, event=key)


# --- the daily reminder --------------------------------------------------------------------


def reminder_day(due: date, today: date) -> date | None:
    """The last day on or before `today` on which a request to answer by `due` is reminded:
    the day before `due`, `due` itself, then every seventh day after it (due + 7, + 14, …);
    None before the day before. The daily job reminds a request whose last reminder (or its
    sending) came before that day, so a day the job missed is made up the next morning and
    nobody is written to every day."""
    if today < due - timedelta(days=1):
        return None
    if today <= due:
        return today
    return due + timedelta(days=7 * ((today - due).days // 7))


def _due(today: date, message_ids: list[int] | None = None) -> dict[int, datetime | None]:
    """The requests to remind on `today` (of `message_ids`, or all), each with its
    recipients' last stamp (None: never reminded). One query."""
    missing = MessageRecipient.objects.due_by(today + timedelta(days=1))
    if message_ids is not None:
        missing = missing.filter(message_id__in=message_ids)
    rows = missing.values("message_id", "message__due_date", "message__created_at").annotate(
        last=Max("reminded_at")
    )
    due = {}
    for row in rows:
        day = reminder_day(row["message__due_date"], today)
        contacted = timezone.localdate(row["last"] or row["message__created_at"])
        if day is not None and contacted < day:
            due[row["message_id"]] = row["last"]
    return due


@transaction.atomic
def remind_due_requests(*, today: date) -> int:
    """The daily reminder of the requests still unanswered by some recipient: the day before
    their date to answer by, on it, and once a week after it (reminder_day), until every
    recipient has answered. A request sent or reminded (by hand too) on or after its
    reminder day is not reminded again, so a second run on the same day writes to nobody.

    The chosen requests' rows are locked (in id order), then chosen again: a second run at
    the same moment, or a reminder by hand (services.remind_missing locks the same row),
    waits and then finds this one's stamps. Stamps the missing recipients' `reminded_at`
    and queues one e-mail task per request, with its key, once the transaction commits; a
    request whose task could not be queued gets its former stamp back (queue_reminder), so
    the next run reminds it. Returns the number of requests reminded. Four queries (choose,
    lock, choose again, stamp), and one queueing per request."""
    chosen = _due(today)
    if not chosen:
        return 0
    locked = Message.objects.select_for_update().filter(pk__in=chosen).order_by("pk")
    due = _due(today, list(locked.values_list("pk", flat=True)))
    stamp = timezone.now()
    missing = MessageRecipient.objects.due_by(today + timedelta(days=1))
    missing.filter(message_id__in=due).update(reminded_at=stamp)
    for message_id, last in due.items():
        queue_reminder(message_id, stamp=stamp, previous=last)
    return len(due)


def queue_reminder(message_id: int, *, stamp: datetime, previous: datetime | None) -> None:
    """Queue the reminder of `message_id`, whose missing recipients were just stamped
    `stamp` (the latest stamp among them before: `previous`), once the transaction commits,
    with its key (reminder_event); if it cannot be queued, the stamps go back to `previous`
    (doingoai.mail.queue_after_commit), which is all the schedule reads of them, so the next
    run makes it up instead of waiting a week."""
    mail.queue_after_commit(
        send_message_emails,
        message_id,
        reminder=True,
        key=reminder_event(message_id, stamp),
        what=f"the reminder of message {message_id}",
        undo=lambda: MessageRecipient.objects.filter(
            message_id=message_id, reminded_at=stamp
        ).update(reminded_at=previous),
    )


# The name it had in activities/tasks.py, before the exchange became its own app: jobs already
# queued under that name (acks_late, retried for about two hours) must still find the task
# after a deploy, or a worker would reject them and their e-mails would be lost. `key` is
# optional for the same reason: tasks queued before it existed carry none.
@shared_task(name="activities.tasks.send_message_emails", **EMAIL_TASK_OPTIONS)
def send_message_emails(message_id: int, reminder: bool = False, key: str | None = None) -> int:
    """Queued after the transaction commits. An SMTP server that is down delays the e-mail
    (retries with backoff); the message is in the inbox regardless."""
    return email_message(message_id, reminder=reminder, key=key)
