"""The Celery app, configured from Django settings (CELERY_* names)."""

import os
import smtplib

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doingoai.settings")

app = Celery("doingoai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks that send e-mail: an SMTP server that is down delays the e-mail, with backoff, for
# up to about a day; the portal itself already holds what the e-mail announces.
EMAIL_TASK_OPTIONS = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}
