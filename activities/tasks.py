"""E-mails of the information exchange, sent by the worker after the transaction commits."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import User
from doingoai.celery import EMAIL_TASK_OPTIONS

from .models import Message, MessageRecipient

logger = logging.getLogger(__name__)


@shared_task(bind=True, **EMAIL_TASK_OPTIONS)
def send_message_emails(self, message_id: int, reminder: bool = False) -> int:
    """E-mail the members of the recipient agencies (those who want e-mail). A reminder goes
    only to the agencies that have not answered. An SMTP server that is down delays the
    e-mail (retries with backoff); the message is in the inbox regardless."""
    message = Message.objects.select_related("sender_agency").filter(pk=message_id).first()
    if message is None:
        logger.warning("message %s not found: nothing to e-mail", message_id)
        return 0
    recipients = message.recipients.all()
    if reminder:
        recipients = recipients.filter(answer__isnull=True)
    addresses = sorted(
        set(
            User.objects.filter(
                memberships__agency__in=recipients.values("agency"),
                is_active=True,
                email_notifications=True,
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not addresses:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = (_("Reminder: %(subject)s") if reminder else "%(subject)s") % {
            "subject": message.subject
        }
        link = settings.SITE_URL.rstrip("/") + reverse("activities:message", args=[message.pk])
        body = _(
            "%(agency)s sent your agency: %(kind)s.\n\n%(subject)s\n\nRead it and answer in "
            "the portal: %(link)s\n"
        ) % {
            "agency": message.sender_agency.name,
            "kind": message.get_kind_display(),
            "subject": message.subject,
            "link": link,
        }
    send_mass_mail(
        [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    )
    return len(addresses)


@shared_task
def remind_due_requests() -> int:
    """Daily: remind the agencies whose requested answer is due tomorrow or overdue."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    due = (
        Message.objects.filter(
            kind=Message.Kind.REQUEST,
            due_date__lte=tomorrow,
            recipients__answer__isnull=True,
        )
        .exclude(recipients__reminded_at__date=timezone.localdate())
        .distinct()
        .values_list("pk", flat=True)
    )
    count = 0
    for message_id in due:
        MessageRecipient.objects.filter(message_id=message_id, answer__isnull=True).update(
            reminded_at=timezone.now()
        )
        send_message_emails.delay(message_id, reminder=True)
        count += 1
    return count
