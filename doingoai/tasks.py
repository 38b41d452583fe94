"""The scheduled jobs of what every app shares (Celery beat: settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import mail


@shared_task(name="doingoai.prune_email_deliveries")
def prune_email_deliveries() -> int:
    """Daily: forget the e-mail deliveries older than doingoai.mail.DELIVERY_RETENTION."""
    return mail.prune_deliveries(now=timezone.now())
