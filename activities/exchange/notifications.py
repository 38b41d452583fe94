"""Whom the information exchange tells, and what: a notification per user and event
(notifications.services.notify), written by the service that sends, answers, reminds or
handles, in its transaction; the notifications app e-mails it as each user chose (at once, in
the digest, or not), once per addressee and event however often its task runs.

- a message received (a reply too): the readers of each recipient agency
  (permissions.message_readers), REQUEST_RECEIVED for a request, with its date to answer by;
- a request due (the day before its date to answer by and on it) or overdue (every seventh
  day after it), by the daily job or by hand: the readers of the agencies that have not
  answered;
- a reported difficulty handled: the readers of the agency that reported it.

Also the daily reminder's rule (reminder_day). The Celery task below is the e-mail task of
before the notifications, kept under its name for the tasks a broker still holds at the
deploy.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import User
from doingoai.celery import EMAIL_TASK_OPTIONS
from notifications.models import Kind
from notifications.services import Event, in_portal_language, notify

from .models import Message, MessageRecipient


def _answer_by(message: Message) -> str:
    return date_format(message.due_date, "SHORT_DATE_FORMAT")


def message_event(message: Message) -> str:
    """The key of the notification of `message` received: "message:42", as its e-mail of
    before the notifications was recorded (doingoai.mail.send_each), so a message e-mailed by
    the former task is not e-mailed again."""
    return f"message:{message.pk}"


@in_portal_language
def tell_received(message: Message) -> int:
    """Notify the readers of the agencies `message` (its sender agency loaded) is addressed to
    that it was received (every recipient's readers once; not its sender): REQUEST_RECEIVED
    for a request, with the date to answer by, MESSAGE_RECEIVED for any other message, a
    reply included. Call it in the transaction that sends it. Returns how many users were
    told. Five queries."""
    if message.is_request:
        kind = Kind.REQUEST_RECEIVED
        detail = _("%(agency)s asks your agency for information, to answer by %(date)s.") % {
            "agency": message.sender_agency.name,
            "date": _answer_by(message),
        }
    else:
        kind = Kind.MESSAGE_RECEIVED
        detail = _("%(agency)s sent your agency: %(kind)s.") % {
            "agency": message.sender_agency.name,
            "kind": message.get_kind_display(),
        }
    readers = permissions.message_readers(message.recipients.values_list("agency_id", flat=True))
    return notify(
        readers,
        Event(
            kind=kind,
            key=message_event(message),
            title=message.subject,
            url=message.get_absolute_url(),
            detail=detail,
            agency=message.sender_agency,
        ),
        actor=message.sent_by,
    )


def reminder_event(message_id: int, stamped: datetime | None) -> str:
    """The key of the reminder of message `message_id` whose recipients were stamped
    `reminded_at` = `stamped`: every reminder has its own, the same as its e-mail of before
    the notifications ("request-reminder:42:2026-12-10T07:00:00+07:00")."""
    return f"request-reminder:{message_id}:{stamped.isoformat() if stamped else ''}"


@in_portal_language
def tell_reminder(
    message: Message, *, key: str, today: date | None = None, actor: User | None = None
) -> int:
    """Notify the readers of the agencies that have not answered the request `message` (its
    sender agency loaded) that their answer is due (REQUEST_DUE, up to its date to answer by)
    or overdue (REQUEST_OVERDUE, after it, `today` by default the local date), under the
    reminder's `key` (reminder_event); not `actor`, who reminded by hand. Call it in the
    transaction that stamps the reminder. Returns how many users were told."""
    values = {"agency": message.sender_agency.name, "date": _answer_by(message)}
    if (today or timezone.localdate()) > message.due_date:
        kind = Kind.REQUEST_OVERDUE
        detail = _("%(agency)s asked for an answer by %(date)s; your agency has not answered yet.")
    else:
        kind = Kind.REQUEST_DUE
        detail = _("%(agency)s asks for an answer by %(date)s; your agency has not answered yet.")
    missing = message.recipients.filter(answer__isnull=True).values_list("agency_id", flat=True)
    return notify(
        permissions.message_readers(missing),
        Event(
            kind=kind,
            key=key,
            title=message.subject,
            url=message.get_absolute_url(),
            detail=detail % values,
            agency=message.sender_agency,
        ),
        actor=actor,
    )


@in_portal_language
def tell_handled(message: Message, *, actor: User, change: int) -> int:
    """Notify the readers of the agency that reported the difficulty `message` (its sender
    agency loaded) how Sở Ngoại vụ handles it: the status and the response. `change` tells
    this handling from the others (the id of its history record): each is its own event.
    Call it in the transaction that records it. Returns how many users were told."""
    detail = _("Handling: %(status)s") % {"status": message.get_difficulty_status_display()}
    if message.difficulty_response:
        detail += "\n" + message.difficulty_response
    return notify(
        permissions.message_readers([message.sender_agency_id]),
        Event(
            kind=Kind.DIFFICULTY_HANDLED,
            key=f"difficulty-handled:{message.pk}:{change}",
            title=message.subject,
            url=message.get_absolute_url(),
            detail=detail,
            agency=message.sender_agency,
        ),
        actor=actor,
    )


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
    waits and then finds this one's stamps. Stamps the missing recipients' `reminded_at` and,
    in the same transaction, notifies their readers under the reminder's own key
    (reminder_event of the stamp: a reminder another day is a new notification and e-mail,
    the same one run again none); the e-mails are notifications.delivery's, queued once the
    transaction commits (one whose task could not be queued is sent by its daily job).
    Returns the number of requests reminded. Four queries (choose, lock, choose again,
    stamp), and the notifications of each request (tell_reminder)."""
    chosen = _due(today)
    if not chosen:
        return 0
    locked = Message.objects.select_for_update().filter(pk__in=chosen).order_by("pk")
    due = _due(today, list(locked.values_list("pk", flat=True)))
    stamp = timezone.now()
    missing = MessageRecipient.objects.due_by(today + timedelta(days=1))
    missing.filter(message_id__in=due).update(reminded_at=stamp)
    for message in Message.objects.filter(pk__in=due).select_related("sender_agency"):
        tell_reminder(message, key=reminder_event(message.pk, stamp), today=today)
    return len(due)


# The e-mail task of before the notifications, under the name it had in activities/tasks.py.
# Tasks already queued at a deploy (acks_late, retried for about two hours) carry that name,
# and a worker that no longer knew it would reject them. It now writes the notifications of
# its event, which are what e-mails (the notifications app queues their e-mails): for a task
# queued by the code of before, the event was never notified, and is now; for one the
# notifications already handled, notify writes nobody twice and queues nothing. The keys are
# those of the e-mails of before, so nobody e-mailed by the former task is e-mailed again.
# Remove it one release after the deploy.
@shared_task(name="activities.tasks.send_message_emails", **EMAIL_TASK_OPTIONS)
def send_message_emails(message_id: int, reminder: bool = False, key: str | None = None) -> int:
    """A message (or, with `reminder`, the reminder under `key`; None, a task queued before
    keys were passed: the recipients' last stamp) announced before the deploy: tell_received
    or tell_reminder. Returns how many users were told now."""
    message = Message.objects.select_related("sender_agency").filter(pk=message_id).first()
    if message is None:
        return 0
    if not reminder:
        return tell_received(message)
    if key is None:
        stamped = message.recipients.aggregate(last=Max("reminded_at"))["last"]
        key = reminder_event(message.pk, stamped)
    return tell_reminder(message, key=key)
