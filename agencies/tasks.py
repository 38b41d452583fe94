"""The agencies' daily job of the beat schedule (settings.CELERY_BEAT_SCHEDULE).

A reorganisation dated ahead writes everything at once, and everything reads dates: an agency
closed tomorrow still works today, a membership ended tomorrow still grants today. Only the
columns that hold "today's" value need a daily touch: `Agency.name` and `short_name` follow the
AgencyName row in force, and the role groups of the users whose memberships ended today are
re-synchronised (the permissions read dates already; the groups are kept tidy for the admin).
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from .reorganisation import apply_scheduled_names as _apply_scheduled_names
from .services import send_set_password_email  # noqa: F401  (registers the e-mail task)


@shared_task(name="agencies.tasks.apply_scheduled_names")
def apply_scheduled_names(today_iso: str | None = None) -> int:
    """Daily: each agency bears the name in force today (a rename scheduled for today takes
    effect), and users whose memberships ended today get their role groups re-synchronised.
    Returns how many agencies changed name."""
    today = date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    return _apply_scheduled_names(today)
