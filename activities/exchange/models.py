"""Information exchanged between agencies: a message from one agency to one or more, each
recipient's read and answered state, and the files sent with it.

The tables keep the names they had when these models lived in the activities app
(`activities_message`, …): the move to this app changed the migrations' state, not the rows.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.models import Activity
from agencies import permissions
from agencies.models import Agency, Duty, User
from doingoai.files import StoredFile
from doingoai.text import TEXT_MAX_CHARS, text_limit


class MessageQuerySet(models.QuerySet["Message"]):
    def visible_to(self, user: User) -> MessageQuerySet:
        """Messages sent by or addressed to an agency whose messages the user reads
        (`permissions.message_agency_ids`); nobody else's, not even a reviewer's or a
        superuser's, unless their agency is a party."""
        mine = permissions.message_agency_ids(user)
        if not mine:
            return self.none()
        addressed = MessageRecipient.objects.filter(agency_id__in=mine).values("message_id")
        return self.filter(Q(sender_agency_id__in=mine) | Q(pk__in=addressed))

    def unread_by(self, user: User) -> MessageQuerySet:
        """Messages addressed to an agency whose messages the user reads that this agency has
        not read yet (the navigation's count): one query, the user's agencies read inside it
        (`permissions.message_agencies`)."""
        unread = MessageRecipient.objects.unread().filter(
            agency__in=permissions.message_agencies(user)
        )
        return self.filter(pk__in=unread.values("message_id"))

    def thread_of(self, message: Message) -> MessageQuerySet:
        """The thread `message` belongs to: its first message and every answer, oldest
        first."""
        root_id = message.thread_id or message.pk
        return self.filter(Q(pk=root_id) | Q(thread_id=root_id)).order_by("created_at", "pk")

    def received_by(self, agency_ids: Collection[int]) -> MessageQuerySet:
        """Messages addressed to these agencies, each with `unread`: one of them has not read
        it yet."""
        unread = MessageRecipient.objects.filter(
            message=OuterRef("pk"), agency_id__in=agency_ids, read_at__isnull=True
        )
        return (
            self.filter(recipients__agency_id__in=agency_ids)
            .distinct()
            .annotate(unread=Exists(unread))
        )

    def sent_from(self, agency_ids: Collection[int]) -> MessageQuerySet:
        """Messages these agencies sent, with how many recipients there are and answered."""
        return self.filter(sender_agency_id__in=agency_ids).annotate(
            recipient_count=Count("recipients"),
            answered_count=Count("recipients", filter=Q(recipients__answer__isnull=False)),
        )

    def overdue_for(self, agency_ids: Collection[int], today: date) -> MessageQuerySet:
        """Requests that one of these agencies received and has not answered in time."""
        late = MessageRecipient.objects.overdue(today).filter(agency_id__in=agency_ids)
        return self.filter(pk__in=late.values("message_id"))

    def waiting_for_answers(self) -> MessageQuerySet:
        """Requests that some recipient has not answered yet."""
        return self.filter(pk__in=MessageRecipient.objects.unanswered().values("message_id"))

    def addressed_to(self, agency_id: int) -> MessageQuerySet:
        """Messages sent to this agency (among others, maybe)."""
        return self.filter(
            pk__in=MessageRecipient.objects.filter(agency_id=agency_id).values("message_id")
        )


class Message(models.Model):
    """Information exchanged between agencies: one sender agency, one or more recipients."""

    class Kind(models.TextChoices):
        INFORMATION = "information", _("Information")
        REQUEST = "request", _("Request for information")
        DIFFICULTY = "difficulty", _("Report of a difficulty to Sở Ngoại vụ")
        GUIDANCE = "guidance", _("Guidance")
        REPLY = "reply", _("Reply")

    class DifficultyStatus(models.TextChoices):
        OPEN = "open", _("Not handled yet")
        HANDLING = "handling", _("Being handled")
        RESOLVED = "resolved", _("Resolved")

    BODY_MAX_CHARS = TEXT_MAX_CHARS

    sender_agency = models.ForeignKey(
        Agency, verbose_name=_("from"), on_delete=models.PROTECT, related_name="sent_messages"
    )
    sent_by = models.ForeignKey(
        User, verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("content"), **text_limit(BODY_MAX_CHARS))
    due_date = models.DateField(_("answer by"), null=True, blank=True)
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    duty = models.ForeignKey(
        Duty,
        verbose_name=_("duty of the plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    thread = models.ForeignKey(
        "self",
        verbose_name=_("thread"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="thread_messages",
    )
    in_reply_to = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    difficulty_status = models.CharField(
        _("handling"), max_length=20, choices=DifficultyStatus.choices, blank=True
    )
    difficulty_response = models.TextField(
        _("response of Sở Ngoại vụ"), blank=True, **text_limit(BODY_MAX_CHARS)
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    search_text = models.TextField(editable=False, default="")

    # Who changed the handling of a difficulty, when, and to what; a message's text never
    # changes after it is sent, so the body is not copied into every record.
    history = HistoricalRecords(excluded_fields=["body", "search_text"])
    objects = MessageQuerySet.as_manager()

    class Meta:
        db_table = "activities_message"
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sender_agency", "-created_at"])]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("exchange:message", args=[self.pk])

    @property
    def is_request(self) -> bool:
        return self.kind == self.Kind.REQUEST

    @property
    def is_difficulty(self) -> bool:
        return self.kind == self.Kind.DIFFICULTY


class MessageRecipientQuerySet(models.QuerySet["MessageRecipient"]):
    def seen_by(self, user: User) -> MessageRecipientQuerySet:
        """The rows `user` sees: every recipient's of a message one of the user's agencies
        sent, only the user's own agencies' of a message they received (the agencies of
        `permissions.message_agency_ids`)."""
        mine = permissions.message_agency_ids(user)
        if not mine:
            return self.none()
        return self.filter(Q(message__sender_agency_id__in=mine) | Q(agency_id__in=mine))

    def unanswered(self) -> MessageRecipientQuerySet:
        """Recipients of a request for information that have not answered it."""
        return self.filter(message__kind=Message.Kind.REQUEST, answer__isnull=True)

    def due_by(self, day: date) -> MessageRecipientQuerySet:
        """Recipients whose answer to a request is due on `day` or earlier and still missing."""
        return self.unanswered().filter(message__due_date__lte=day)

    def overdue(self, today: date) -> MessageRecipientQuerySet:
        """The one definition of "overdue": a request not answered by its date to answer by
        (read by the inbox filter, the message page and the daily reminder)."""
        return self.due_by(today - timedelta(days=1))

    def with_overdue(self, today: date) -> MessageRecipientQuerySet:
        """Each row with `overdue`, by the definition above (the state a page shows)."""
        late = self.model.objects.overdue(today).filter(pk=OuterRef("pk"))
        return self.annotate(overdue=Exists(late))

    def unread(self) -> MessageRecipientQuerySet:
        """Rows not read yet by anyone of the recipient agency."""
        return self.filter(read_at__isnull=True)


class MessageRecipient(models.Model):
    """One recipient agency of a message, with its own read and answered state."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="recipients")
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="received"
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        User,
        verbose_name=_("read by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer = models.ForeignKey(
        Message,
        verbose_name=_("answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answers_for",
    )
    reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)

    objects = MessageRecipientQuerySet.as_manager()

    class Meta:
        db_table = "activities_messagerecipient"
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(fields=["message", "agency"], name="one_row_per_recipient")
        ]
        indexes = [models.Index(fields=["agency", "read_at"])]

    def __str__(self) -> str:
        return f"{self.message} → {self.agency}"


class MessageAttachment(StoredFile):
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )

    class Meta(StoredFile.Meta):
        db_table = "activities_messageattachment"

    def get_absolute_url(self) -> str:
        return reverse("exchange:attachment", args=[self.message_id, self.pk])
