"""Services of the information exchange between agencies (messages, requests, difficulty
reports). Kept beside services.py, which holds the activities' workflow and is near the size
at which STYLE.md asks for a split."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import Agency, Duty, User
from agencies.permissions import Action
from doingoai.files import validate_attachment
from doingoai.text import fold

from .models import Activity, Message, MessageAttachment, MessageRecipient
from .tasks import send_message_emails


class MessageError(Exception):
    """A message that cannot be sent or an action on one that cannot be done."""


def _check_sender(actor: User, agency: Agency) -> None:
    # Those who log for an agency speak for it; leaders read what is addressed to them.
    if not permissions.can(actor, Action.ACT, agency):
        raise MessageError(
            _("You may not send messages on behalf of %(agency)s.") % {"agency": agency}
        )


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise MessageError(_("Write the content of the message."))
    if len(body) > Message.BODY_MAX_CHARS:
        raise MessageError(
            _("The content is too long: at most %(count)s characters.")
            % {"count": f"{Message.BODY_MAX_CHARS:,}".replace(",", ".")}
        )
    return body


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
    """Send a message from one of the actor's agencies to one or more agencies.

    A report of a difficulty always reaches Sở Ngoại vụ (the focal point); a request for
    information needs an answer date that has not passed.
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
    message = Message.objects.create(
        sender_agency=sender_agency,
        sent_by=actor,
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
    _notify(message)
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
    """Answer a message as one of its recipient agencies; the answer goes to the sender and
    marks this agency's request as answered."""
    _check_sender(actor, agency)
    recipient = (
        MessageRecipient.objects.select_for_update().filter(message=message, agency=agency).first()
    )
    if recipient is None:
        raise MessageError(_("%(agency)s did not receive this message.") % {"agency": agency})
    body = _check_body(body)
    files = _check_files(attachments)
    thread = message.thread or message
    reply = Message.objects.create(
        sender_agency=agency,
        sent_by=actor,
        kind=Message.Kind.REPLY,
        subject=_("Re: %(subject)s") % {"subject": thread.subject},
        body=body,
        thread=thread,
        in_reply_to=message,
        search_text=fold(f"{thread.subject} {body}"),
    )
    MessageRecipient.objects.create(message=reply, agency=message.sender_agency)
    _attach(actor, reply, files)
    _notify(reply)
    if recipient.answer_id is None:
        recipient.answer = reply
    if recipient.read_at is None:
        recipient.read_at, recipient.read_by = timezone.now(), actor
    recipient.save(update_fields=["answer", "read_at", "read_by"])
    return reply


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


def _notify(message: Message, *, reminder: bool = False) -> None:
    # After the commit: an e-mail must never announce a message that was rolled back.
    # robust: in the zero-setup run tasks execute in-process, and a mail server that is down
    # must not turn a message that was saved into an error page (a worker retries instead).
    transaction.on_commit(
        lambda: send_message_emails.delay(message.pk, reminder=reminder), robust=True
    )


@transaction.atomic
def remind_missing(*, actor: User, message: Message) -> list[MessageRecipient]:
    """Remind the recipients of a request that have not answered (one e-mail task)."""
    _check_sender(actor, message.sender_agency)
    if message.kind != Message.Kind.REQUEST:
        raise MessageError(_("Only a request for information can be reminded."))
    missing = missing_answers(message)
    if not missing:
        raise MessageError(_("Every recipient has answered; nobody to remind."))
    MessageRecipient.objects.filter(pk__in=[r.pk for r in missing]).update(
        reminded_at=timezone.now()
    )
    _notify(message, reminder=True)
    return missing


def mark_read(*, actor: User, message: Message, thread: Sequence[Message] = ()) -> int:
    """Record that the actor's agencies among the recipients have read the message and the
    thread shown with it (once per agency: who and when)."""
    mine = permissions.member_agency_ids(actor)
    ids = {message.pk, *(m.pk for m in thread)}
    return MessageRecipient.objects.filter(
        message_id__in=ids, agency_id__in=mine, read_at__isnull=True
    ).update(read_at=timezone.now(), read_by=actor)


def missing_answers(message: Message) -> list[MessageRecipient]:
    """The recipients of a request that have not answered yet."""
    return list(
        message.recipients.filter(answer__isnull=True)
        .select_related("agency")
        .order_by("agency__position", "agency__name")
    )


@transaction.atomic
def handle_difficulty(*, actor: User, message: Message, status: str, response: str) -> Message:
    """Sở Ngoại vụ records how a reported difficulty is being handled."""
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.kind != Message.Kind.DIFFICULTY:
        raise MessageError(_("Only a report of a difficulty is handled this way."))
    if not permissions.agency_ids(actor)[Action.REVIEW]:
        raise MessageError(_("Only Sở Ngoại vụ handles reported difficulties."))
    if status not in Message.DifficultyStatus.values:
        raise MessageError(_("Choose how far the handling has come."))
    if status == Message.DifficultyStatus.RESOLVED and not response.strip():
        raise MessageError(_("Write the response before marking the difficulty resolved."))
    locked.difficulty_status = status
    locked.difficulty_response = response.strip()
    locked.save(update_fields=["difficulty_status", "difficulty_response"])
    return locked
