"""The information exchange's scheduled job (Celery beat). What it tells whom, and the daily
reminder's rule (notifications.reminder_day), are in `notifications.py`; the e-mails are the
notifications app's."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import notifications


# The name it had in activities/tasks.py, before the exchange became its own app: the beat
# schedule (settings.CELERY_BEAT_SCHEDULE) names it so, and a job beat sent just before a
# deploy must still find the task, or a worker would reject it and the day's reminders would
# be lost.
@shared_task(name="activities.tasks.remind_due_requests")
def remind_due_requests() -> int:
    """Daily: remind the agencies that have not answered a request the day before its date
    to answer by, on that date and once a week after it (notifications.remind_due_requests)."""
    return notifications.remind_due_requests(today=timezone.localdate())
