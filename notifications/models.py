"""What the portal tells a user: one notification per user and event (an activity returned,
a report accepted, a request received…), read in the portal (the bell and its page) and, as
each user chose per kind (EmailChoice), e-mailed at once, in the morning's digest, or not.

A notification is written by the service that makes the decision, in its transaction
(notifications.services.notify); its e-mail is sent after the transaction commits
(notifications.delivery).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import Agency, User
from doingoai.text import TEXT_MAX_CHARS, text_limit


class Kind(models.TextChoices):
    """What a notification announces; each user chooses per kind how it is e-mailed."""

    ACTIVITY_RETURNED = "activity_returned", _("An activity was returned")
    ACTIVITY_ACCEPTED = "activity_accepted", _("An activity was accepted")
    REPORT_RETURNED = "report_returned", _("An agency report was returned")
    REPORT_ACCEPTED = "report_accepted", _("An agency report was accepted")
    MESSAGE_RECEIVED = "message_received", _("A message was received")
    REQUEST_RECEIVED = "request_received", _("A request for information was received")
    REQUEST_DUE = "request_due", _("A request's answer is due")
    REQUEST_OVERDUE = "request_overdue", _("A request is overdue")
    DIFFICULTY_HANDLED = "difficulty_handled", _("A reported difficulty was handled")
    REPORT_ISSUED = "report_issued", _("A consolidated report was issued")
    REPORT_DEADLINE = "report_deadline", _("A periodic report's deadline is near")


class EmailChoice(models.TextChoices):
    """How a user wants the notifications of one kind e-mailed."""

    IMMEDIATELY = "immediately", _("Immediately")
    DIGEST = "digest", _("In the daily digest at 07:00")
    NEVER = "never", _("Not by e-mail")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        """Those not read yet (the bell's count)."""
        return self.filter(read_at__isnull=True)

    def for_user(self, user: User) -> NotificationQuerySet:
        """The only notifications a user may read: their own."""
        return self.filter(recipient=user)

    def to_email(self, mode: str) -> NotificationQuerySet:
        """Notifications waiting for their e-mail in `mode` (EmailChoice)."""
        return self.filter(email=mode, emailed_at__isnull=True)


class Notification(models.Model):
    """One event told to one user. `event` names the event ("activity-returned:42:v3"), the
    same for everyone it concerns: a user gets at most one notification per event, and the
    e-mails sent for it are recorded under that key (doingoai.models.EmailDelivery), so a
    retried task writes to nobody twice."""

    EVENT_MAX_LENGTH = 200

    recipient = models.ForeignKey(
        User,
        # A person, not a message's recipient agency ("đơn vị nhận").
        verbose_name=pgettext_lazy("a person", "recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    event = models.CharField(_("event"), max_length=EVENT_MAX_LENGTH)
    title = models.CharField(_("about"), max_length=300)
    detail = models.TextField(_("detail"), blank=True, **text_limit(TEXT_MAX_CHARS))
    url = models.CharField(_("link"), max_length=500)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # How it is e-mailed, chosen when it is written (the user's choice for its kind then),
    # and when its e-mail (or the digest that carried it) was sent.
    email = models.CharField(
        _("e-mail"), max_length=20, choices=EmailChoice.choices, default=EmailChoice.NEVER
    )
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"], name="one_notification_per_user_and_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_list"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["email", "created_at"],
                condition=Q(emailed_at__isnull=True) & ~Q(email="never"),
                name="notification_to_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class EmailPreferenceQuerySet(models.QuerySet["EmailPreference"]):
    def choices_for(self, user_ids: list[int], kind: str) -> dict[int, str]:
        """Each user's EmailChoice for `kind` now: their preference, or IMMEDIATELY by
        default. One query."""
        chosen = dict(self.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "choice"))
        return {pk: chosen.get(pk, EmailChoice.IMMEDIATELY) for pk in user_ids}


class EmailPreference(models.Model):
    """A user's choice for one kind; a kind without a row is e-mailed immediately."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="email_preferences", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    choice = models.CharField(_("e-mail"), max_length=20, choices=EmailChoice.choices)

    objects = EmailPreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} → {self.get_choice_display()}"
