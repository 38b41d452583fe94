"""E-mails of the information exchange: who receives them, what they say (the templates under
`exchange/email/`), when an unanswered request is reminded, and the Celery task that sends
them. Turning users into addresses and templates into e-mails, once per addressee, is
doingoai/mail.py's, the same for every app.

The task lives here, beside the one function it calls, so that the services that queue it
(`services.py`) and the beat job that calls a service (`tasks.py`) form no import cycle.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
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


def compose(message: Message, *, reminder: bool = False) -> tuple[str, str]:
    """The subject and body of the e-mail, in the portal's language, from the templates
    `exchange/email/message_subject.txt` and `message_body.txt`."""
    return mail.render(TEMPLATE, _context(message, reminder))


def event(message: Message, *, reminder: bool = False) -> str:
    """What the e-mail announces, as doingoai.mail.send_each records it: the message itself
    ("message:42"), or the reminder of it stamped last ("request-reminder:42:<time>"). Every
    reminder stamps its recipients' `reminded_at` before it queues its e-mail (by hand:
    services.remind_missing; daily: remind_due_requests), so the retries and redeliveries of
    one reminder share its key and the next reminder has its own. One query for a reminder."""
    if not reminder:
        return f"message:{message.pk}"
    stamped = message.recipients.aggregate(last=Max("reminded_at"))["last"]
    return f"request-reminder:{message.pk}:{stamped.isoformat() if stamped else ''}"


def email_message(message_id: int, *, reminder: bool = False) -> int:
    """E-mail a message (or a reminder of it) to its recipients' readers who did not get
    this e-mail yet (retried or redelivered, it writes only to the others); the number of
    addresses written to (0 when the message is gone or nobody wants e-mail). SMTP errors
    propagate: the task retries them."""
    message = Message.objects.select_related("sender_agency").filter(pk=message_id).first()
    if message is None:
        logger.warning("message %s not found: nothing to e-mail", message_id)
        return 0
    to = recipient_addresses(message, reminder=reminder)
    key = event(message, reminder=reminder)
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


@transaction.atomic
def remind_due_requests(*, today: date) -> int:
    """The daily reminder of the requests still unanswered by some recipient: the day before
    their date to answer by, on it, and once a week after it (reminder_day), until every
    recipient has answered. A request sent or reminded (by hand too) on or after its
    reminder day is not reminded again, so a second run on the same day writes to nobody.
    Stamps the missing recipients' `reminded_at` and queues one e-mail task per request once
    the transaction commits. Returns the number of requests reminded. One query to choose."""
    missing = MessageRecipient.objects.due_by(today + timedelta(days=1))
    rows = missing.values("message_id", "message__due_date", "message__created_at").annotate(
        last=Max("reminded_at")
    )
    message_ids = []
    for row in rows:
        day = reminder_day(row["message__due_date"], today)
        contacted = timezone.localdate(row["last"] or row["message__created_at"])
        if day is not None and contacted < day:
            message_ids.append(row["message_id"])
    if not message_ids:
        return 0
    missing.filter(message_id__in=message_ids).update(reminded_at=timezone.now())
    for message_id in message_ids:
        # robust: run in-process (no broker), a mail server that is down must not undo the
        # stamps; a worker retries the e-mail instead.
        transaction.on_commit(
            lambda message_id=message_id: send_message_emails.delay(message_id, reminder=True),
            robust=True,
        )
    return len(message_ids)


# The name it had in activities/tasks.py, before the exchange became its own app: jobs already
# queued under that name (acks_late, retried for about a day) must still find the task after a
# deploy, or a worker would reject them and their e-mails would be lost.
@shared_task(bind=True, name="activities.tasks.send_message_emails", **EMAIL_TASK_OPTIONS)
def send_message_emails(self, message_id: int, reminder: bool = False) -> int:
    """Queued after the transaction commits. An SMTP server that is down delays the e-mail
    (retries with backoff); the message is in the inbox regardless."""
    return email_message(message_id, reminder=reminder)
