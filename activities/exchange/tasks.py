"""The information exchange's scheduled job (Celery beat). The e-mail task it queues lives in
`notifications.py`, beside who gets e-mailed and what the e-mail says."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def remind_due_requests() -> int:
    """Daily: remind the agencies whose requested answer is due tomorrow or overdue."""
    return services.remind_due_requests(today=timezone.localdate())
