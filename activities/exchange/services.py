"""Actions of the information exchange between agencies: send, answer, remind, read, handle a
reported difficulty. Views, the beat job and tests all go through these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from activities.models import Activity
from agencies import permissions
from agencies.models import Agency, Duty, User
from doingoai.files import validate_attachment
from doingoai.history import HistoryRow, history_rows
from doingoai.text import change_reason, fold

from . import notifications
from .models import Message, MessageAttachment, MessageRecipient


class MessageError(Exception):
    """A message that cannot be sent or an action on one that cannot be done (the message
    is in Vietnamese, for the user)."""


def _check_sender(actor: User, agency: Agency) -> None:
    # Those who act for an agency speak for it; leaders read what is addressed to them.
    if not permissions.can_send_for(actor, agency):
        raise MessageError(
            _("You may not send messages on behalf of %(agency)s.") % {"agency": agency}
        )


def _get_for(actor: User, message: Message, *, lock: bool = False) -> Message:
    """The message fresh from the database if one of the actor's agencies is a party to it
    (Message.objects.visible_to), locked until the transaction ends when `lock`; MessageError
    otherwise. Every service given a message asks this itself: a view's 404 is not the only
    guard."""
    messages = Message.objects.visible_to(actor).select_related("sender_agency")
    if lock:
        messages = messages.select_for_update(of=("self",))
    found = messages.filter(pk=message.pk).first()
    if found is None:
        raise MessageError(_("None of your agencies sent or received this message."))
    return found


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise MessageError(_("Write the content of the message."))
    if len(body) > Message.BODY_MAX_CHARS:
        raise MessageError(
            _("The content is too long: at most %(count)s characters.")
            % {"count": number_format(Message.BODY_MAX_CHARS, force_grouping=True)}
        )
    return body


def response_too_long() -> str:
    """What a response to a difficulty longer than Message.BODY_MAX_CHARS is told."""
    return _("The response is too long: at most %(count)s characters.") % {
        "count": number_format(Message.BODY_MAX_CHARS, force_grouping=True)
    }


def _check_files(uploads: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Check every file (the rules of activity evidence) before anything is written, so a
    refused one stores nothing; each upload with the content type found in it."""
    checked = []
    for upload in uploads:
        try:
            checked.append((upload, validate_attachment(upload).content_type))
        except ValidationError as exc:
            raise MessageError(" ".join(exc.messages)) from None
    return checked


def _attach(actor: User, message: Message, files: list[tuple[UploadedFile, str]]) -> None:
    for upload, content_type in files:
        MessageAttachment.store(
            upload=upload, content_type=content_type, actor=actor, message=message
        )


def _create(actor: User, **fields) -> Message:
    message = Message(sent_by=actor, **fields)
    message._history_user = actor
    message._change_reason = _("Message sent")
    message.save()
    return message


def get_message_for(user: User, pk: int) -> Message:
    """The message `pk` that `user` may read (Message.objects.visible_to), with what its page
    shows of the sender, the thread and the duty; Http404 otherwise: existence does not
    leak."""
    return get_object_or_404(
        Message.objects.visible_to(user).select_related(
            "sender_agency", "sent_by", "thread", "duty"
        ),
        pk=pk,
    )


@transaction.atomic
def send_message(
    *,
    actor: User,
    sender_agency: Agency,
    recipients: Sequence[Agency],
    kind: str,
    subject: str,
    body: str,
    due_date: date | None = None,
    activity: Activity | None = None,
    duty: Duty | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Message:
    """Send a message from one of the actor's agencies to one or more agencies; its
    recipients' members are notified (notifications.tell_received), and e-mailed as they
    chose once the transaction commits.

    A report of a difficulty always reaches Sở Ngoại vụ (the focal point); a request for
    information needs an answer date that has not passed; the activity referred to must be
    one the actor sees. Raises MessageError (nothing written) otherwise.
    """
    _check_sender(actor, sender_agency)
    if kind not in Message.Kind.values or kind == Message.Kind.REPLY:
        raise MessageError(_("Choose what kind of message this is."))
    subject = " ".join(subject.split())
    if not subject:
        raise MessageError(_("Write the subject of the message."))
    body = _check_body(body)
    addressed = {a.pk: a for a in recipients if a.pk != sender_agency.pk}
    if kind == Message.Kind.DIFFICULTY:
        for focal in Agency.objects.filter(kind=Agency.Kind.FOCAL_POINT).exclude(
            pk=sender_agency.pk
        ):
            addressed.setdefault(focal.pk, focal)
    if not addressed:
        raise MessageError(_("Choose at least one recipient agency."))
    if kind == Message.Kind.REQUEST:
        if due_date is None:
            raise MessageError(_("A request for information needs the date to answer by."))
        if due_date < timezone.localdate():
            raise MessageError(_("The date to answer by has already passed."))
    files = _check_files(attachments)
    if (
        activity is not None
        and not Activity.objects.visible_to(actor).filter(pk=activity.pk).exists()
    ):
        raise MessageError(_("You may not refer to this activity."))
    message = _create(
        actor,
        sender_agency=sender_agency,
        kind=kind,
        subject=subject,
        body=body,
        due_date=due_date if kind == Message.Kind.REQUEST else None,
        activity=activity,
        duty=duty,
        difficulty_status=Message.DifficultyStatus.OPEN if kind == Message.Kind.DIFFICULTY else "",
        search_text=fold(f"{subject} {body}"),
    )
    MessageRecipient.objects.bulk_create(
        [MessageRecipient(message=message, agency=agency) for agency in addressed.values()]
    )
    _attach(actor, message, files)
    notifications.tell_received(message)
    return message


@transaction.atomic
def reply_to_message(
    *,
    actor: User,
    message: Message,
    agency: Agency,
    body: str,
    attachments: Sequence[UploadedFile] = (),
) -> Message:
    """Answer a message as one of its recipient agencies; the answer goes to the sender
    (whose members are notified, as of any message received), marks this agency's request
    as answered (the first answer counts) and its copy as read.

    Raises MessageError when none of the actor's agencies is a party to the message, the
    actor may not write for `agency`, `agency` did not receive the message, or the answer or
    its files are refused.
    """
    message = _get_for(actor, message)
    _check_sender(actor, agency)
    recipient = (
        MessageRecipient.objects.select_for_update().filter(message=message, agency=agency).first()
    )
    if recipient is None:
        raise MessageError(_("%(agency)s did not receive this message.") % {"agency": agency})
    body = _check_body(body)
    files = _check_files(attachments)
    thread = message.thread or message
    reply = _create(
        actor,
        sender_agency=agency,
        kind=Message.Kind.REPLY,
        subject=_("Re: %(subject)s") % {"subject": thread.subject},
        body=body,
        thread=thread,
        in_reply_to=message,
        search_text=fold(f"{thread.subject} {body}"),
    )
    MessageRecipient.objects.create(message=reply, agency=message.sender_agency)
    _attach(actor, reply, files)
    notifications.tell_received(reply)
    if recipient.answer_id is None:
        recipient.answer = reply
    if recipient.read_at is None:
        recipient.read_at, recipient.read_by = timezone.now(), actor
    recipient.save(update_fields=["answer", "read_at", "read_by"])
    return reply


@transaction.atomic
def remind_missing(*, actor: User, message: Message) -> list[MessageRecipient]:
    """Remind the recipients of a request that have not answered (their readers are notified:
    notifications.tell_reminder), at most once a day: the message row is locked, so a second
    click, even at the same instant, finds the first one's reminder and is refused instead of
    telling everyone twice. The
    recipients reminded. Raises MessageError when none of the actor's agencies is a party to
    the message, for another kind of message, an actor who may not write for the sender, a
    request everyone answered, or one reminded today already (by hand or by the daily job).
    """
    message = _get_for(actor, message, lock=True)
    _check_sender(actor, message.sender_agency)
    if message.kind != Message.Kind.REQUEST:
        raise MessageError(_("Only a request for information can be reminded."))
    missing = missing_answers(message)
    if not missing:
        raise MessageError(_("Every recipient has answered; nobody to remind."))
    today = timezone.localdate()
    if all(r.reminded_at and timezone.localdate(r.reminded_at) == today for r in missing):
        raise MessageError(_("The agencies that have not answered were already reminded today."))
    stamp = timezone.now()
    MessageRecipient.objects.filter(pk__in=[r.pk for r in missing]).update(reminded_at=stamp)
    notifications.tell_reminder(
        message, key=notifications.reminder_event(message.pk, stamp), actor=actor
    )
    return missing


def can_remind(user: User, message: Message, recipients: Sequence[MessageRecipient]) -> bool:
    """Whether the message page offers to remind: a request, a user who writes for its sender
    (a leader of the sender agency does not), and someone in `recipients` (the page's rows,
    every recipient's for the sender's side) still to answer. No query beyond the user's
    rights, which the page has read already; remind_missing asks again before it writes."""
    return (
        message.is_request
        and message.sender_agency_id in permissions.sending_agency_ids(user)
        and any(r.answer_id is None for r in recipients)
    )


def mark_read(*, actor: User, message: Message, thread: Sequence[Message] = ()) -> int:
    """Record that the actor's agencies among the recipients have read the message and the
    thread shown with it (once per agency: who and when); the number of rows marked."""
    mine = permissions.message_agency_ids(actor)
    ids = {message.pk, *(m.pk for m in thread)}
    return (
        MessageRecipient.objects.unread()
        .filter(message_id__in=ids, agency_id__in=mine)
        .update(read_at=timezone.now(), read_by=actor)
    )


def missing_answers(message: Message) -> list[MessageRecipient]:
    """The recipients of a request that have not answered yet, in the plan's order."""
    return list(
        message.recipients.filter(answer__isnull=True)
        .select_related("agency")
        .order_by("agency__position", "agency__name")
    )


@transaction.atomic
def handle_difficulty(*, actor: User, message: Message, status: str, response: str) -> Message:
    """Sở Ngoại vụ records how a reported difficulty is being handled; the change (who, when,
    status and response) goes into the message's history, and the readers of the agency that
    reported it are notified (notifications.tell_handled). The message as saved.

    Raises MessageError when none of the actor's agencies is a party to the message, for
    another kind of message, an actor who does not handle difficulties, an unknown status,
    a response longer than Message.BODY_MAX_CHARS, "resolved" without a response, or a status
    and response that are those already recorded (nothing is written then: the history holds
    changes only).
    """
    locked = _get_for(actor, message, lock=True)
    if locked.kind != Message.Kind.DIFFICULTY:
        raise MessageError(_("Only a report of a difficulty is handled this way."))
    if not permissions.handles_difficulties(actor):
        raise MessageError(_("Only Sở Ngoại vụ handles reported difficulties."))
    if status not in Message.DifficultyStatus.values:
        raise MessageError(_("Choose how far the handling has come."))
    response = response.strip()
    if len(response) > Message.BODY_MAX_CHARS:
        raise MessageError(response_too_long())
    if status == Message.DifficultyStatus.RESOLVED and not response:
        raise MessageError(_("Write the response before marking the difficulty resolved."))
    if (status, response) == (locked.difficulty_status, locked.difficulty_response):
        raise MessageError(_("Nothing changed: this handling and response are already recorded."))
    locked.difficulty_status = status
    locked.difficulty_response = response
    locked._history_user = actor
    locked._change_reason = change_reason(
        _("Handling: %(status)s") % {"status": locked.get_difficulty_status_display()}
    )
    locked.save(update_fields=["difficulty_status", "difficulty_response"])
    change = locked.history.order_by("-history_id").values_list("history_id", flat=True)[0]
    notifications.tell_handled(locked, actor=actor, change=change)
    return locked


@dataclass(frozen=True)
class MessagePage:
    """What the message page shows a user: the message, its thread (oldest first), the
    recipients' rows the user sees with their overdue state, the agencies the user may answer
    for (a queryset the answer form reads), whether the user may handle the difficulty or
    remind the missing recipients, and the handling's history (difficulties only)."""

    message: Message
    thread: list[Message]
    recipients: list[MessageRecipient]
    answering_agencies: QuerySet[Agency]
    sender_side: bool  # the user's agencies sent it: the page belongs under "Sent"
    can_handle: bool
    can_remind: bool
    history: list[HistoryRow]


def read_message(*, actor: User, message: Message) -> MessagePage:
    """Open a message the actor may read (fetched through `Message.objects.visible_to`): the
    message and the thread shown with it are marked read for the actor's agencies among the
    recipients, then what the page shows is read.

    Queries: the thread and its files (2), marking read (1), the actor's rights (1, kept for
    the request), the recipients' rows (1), a difficulty's history with its authors (1).
    Raises MessageError, before anything is written, when none of the actor's agencies is a
    party to the message (the thread is read through visible_to: no query of its own).
    """
    thread = list(
        Message.objects.visible_to(actor)
        .thread_of(message)
        .select_related("sender_agency", "sent_by")
        .prefetch_related("attachments")
    )
    if message.pk not in {m.pk for m in thread}:
        raise MessageError(_("None of your agencies sent or received this message."))
    mark_read(actor=actor, message=message, thread=thread)
    recipients = list(
        message.recipients.seen_by(actor)
        .select_related("agency", "read_by")
        .with_overdue(timezone.localdate())
        .order_by("agency__position", "agency__name")
    )
    return MessagePage(
        message=message,
        thread=thread,
        recipients=recipients,
        answering_agencies=permissions.answering_agencies(actor, message),
        sender_side=message.sender_agency_id in permissions.message_agency_ids(actor),
        can_handle=message.is_difficulty and permissions.handles_difficulties(actor),
        can_remind=can_remind(actor, message, recipients),
        history=_handling_history(message),
    )


def _handling_history(message: Message) -> list[HistoryRow]:
    if not message.is_difficulty:
        return []
    records = message.history.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )
    return history_rows(records)
