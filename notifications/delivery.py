"""E-mailing notifications: at once after the decision commits, or in the morning's digest.

Both go through doingoai.mail.send_each, which records every e-mail under its event key, so a
task retried or redelivered writes to nobody twice:
- an immediate e-mail is keyed by the notification's event ("activity-returned:42:v3"): one
  e-mail per mailbox and event;
- a digest is keyed "digest:<user id>:<day>" and carries the user's digest notifications
  written before that day's DIGEST_HOUR (digest_cutoff): one e-mail per user per day, and a
  retry carries exactly the same notifications.
A notification is marked `emailed_at` once its e-mail went; the daily job also sends the
immediate e-mails whose task could not be queued (the broker was down), so none is lost.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from doingoai import mail
from doingoai.celery import EMAIL_TASK_OPTIONS

from .models import EmailChoice, EmailPreference, Notification

logger = logging.getLogger(__name__)

DIGEST_HOUR = 7
TEMPLATE = "notifications/email/notification"
DIGEST_TEMPLATE = "notifications/email/digest"
# An immediate e-mail still unsent this long after its notification is made up by the
# daily job (its task was lost: the broker was down when it was queued). Longer than a task's
# whole retry window (doingoai.celery.EMAIL_TASK_OPTIONS: 8 retries, backoff up to an hour,
# about 2 h 4 min in all), so the job never sends beside a task still retrying.
LOST_AFTER = timedelta(hours=3)


def queue_event(key: str) -> None:
    """Queue the immediate e-mails of event `key` once the transaction commits (logged, not
    raised, if it cannot be: the daily job sends them)."""
    mail.queue_after_commit(send_event_emails, key, what=f"the e-mails of {key}", undo=lambda: None)


def email_event(key: str) -> int:
    """E-mail every notification of event `key` chosen to go at once and not sent yet, one
    e-mail per mailbox (doingoai.mail.send_each under `key`), then mark them e-mailed.
    Returns the number of e-mails sent now. SMTP errors propagate (the task retries: the
    e-mails that went are not sent again)."""
    pending = list(
        Notification.objects.to_email(EmailChoice.IMMEDIATELY)
        .filter(event=key)
        .select_related("recipient")
    )
    pending = _still_wanted(pending)
    if not pending:
        return 0
    first = pending[0]
    to = [n.recipient.email for n in pending if n.recipient.email and n.recipient.is_active]
    context = {"notification": first, "link": mail.absolute_url(first.url)}
    sent = mail.send_each(TEMPLATE, context, to, event=key)
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return sent


def _still_wanted(pending: list[Notification]) -> list[Notification]:
    """Those of `pending` whose user has not turned the kind's e-mail off since they were
    written (a choice of NEVER made at 20:00 holds for the 07:00 digest); the others are
    marked NEVER and left out. One query per kind among them (one, mostly)."""
    kept: list[Notification] = []
    refused: list[int] = []
    for kind in {n.kind for n in pending}:
        of_kind = [n for n in pending if n.kind == kind]
        now = EmailPreference.objects.choices_for([n.recipient_id for n in of_kind], kind)
        for notification in of_kind:
            if now[notification.recipient_id] == EmailChoice.NEVER:
                refused.append(notification.pk)
            else:
                kept.append(notification)
    if refused:
        Notification.objects.filter(pk__in=refused).update(email=EmailChoice.NEVER)
    kept.sort(key=lambda n: (n.created_at, n.pk), reverse=True)
    return kept


def digest_cutoff(day: date) -> datetime:
    """The moment the digest of `day` closes: DIGEST_HOUR that day, local time."""
    return timezone.make_aware(datetime.combine(day, time(DIGEST_HOUR)))


def digest_event(user_id: int, day: date) -> str:
    """The key the digest of `day` to user `user_id` is recorded under: one a user a day."""
    return f"digest:{user_id}:{day.isoformat()}"


def email_digest(user_id: int, day: date) -> int:
    """E-mail user `user_id` one digest of their notifications chosen for the digest, not
    e-mailed yet and written before digest_cutoff(`day`), newest first, and mark them
    e-mailed. Returns 1 if the e-mail went now, 0 if there was nothing to send, or it had
    gone already (a retry), or the user has no address."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    pending = Notification.objects.to_email(EmailChoice.DIGEST).filter(
        recipient_id=user_id, created_at__lt=digest_cutoff(day)
    )
    items = _still_wanted(list(pending.order_by("-created_at", "-pk")))
    if not items:
        return 0
    sent = 0
    if user is not None and user.email:
        context = {
            "user": user,
            "day": day,
            "notifications": items,
            "link": mail.absolute_url(reverse("notifications:list")),
            "site_url": mail.absolute_url(""),
        }
        sent = mail.send_each(
            DIGEST_TEMPLATE, context, [user.email], event=digest_event(user_id, day)
        )
    Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=timezone.now())
    return sent


def send_digests(*, today: date) -> int:
    """The daily job (at DIGEST_HOUR): queue one digest task per user with notifications
    waiting for the digest, and send the immediate e-mails whose task was lost (LOST_AFTER).
    Returns the number of digests queued. Two queries, then one queueing per user."""
    cutoff = digest_cutoff(today)
    users = (
        Notification.objects.to_email(EmailChoice.DIGEST)
        .filter(created_at__lt=cutoff)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
    queued = 0
    for user_id in users:
        try:
            send_digest.delay(user_id, today.isoformat())
            queued += 1
        except Exception:  # the broker is down: tomorrow's digest carries them
            logger.exception("could not queue the digest of user %s", user_id)
    lost = (
        Notification.objects.to_email(EmailChoice.IMMEDIATELY)
        .filter(created_at__lt=timezone.now() - LOST_AFTER)
        .values_list("event", flat=True)
        .distinct()
        .order_by("event")
    )
    for key in lost:
        try:
            send_event_emails.delay(key)
        except Exception:
            logger.exception("could not queue the e-mails of %s", key)
    return queued


@shared_task(name="notifications.send_event_emails", **EMAIL_TASK_OPTIONS)
def send_event_emails(key: str) -> int:
    """Queued after the decision's transaction commits: e-mail its notifications that go at
    once (email_event)."""
    return email_event(key)


@shared_task(name="notifications.send_digest", **EMAIL_TASK_OPTIONS)
def send_digest(user_id: int, day: str) -> int:
    """One user's digest of `day` (ISO date): email_digest."""
    return email_digest(user_id, date.fromisoformat(day))


@shared_task(name="notifications.send_digests")
def send_daily_digests() -> int:
    """Beat's job at DIGEST_HOUR: send_digests for today."""
    return send_digests(today=timezone.localdate())
