"""The Celery app, configured from Django settings (CELERY_* names), and the options of every
task that sends e-mail."""

import os
import smtplib

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doingoai.settings")

app = Celery("doingoai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks that send e-mail: an SMTP server that is down delays the e-mail, with backoff (30 s
# doubling up to an hour, 8 retries: at most about two hours in all); the portal itself
# already holds what the e-mail announces. A retry, and a redelivery after the worker died,
# writes only to the addresses not written to yet (doingoai.mail.send_each). While a retry
# waits, the task stays unacknowledged in Redis: settings.CELERY_BROKER_TRANSPORT_OPTIONS'
# visibility timeout must outlast retry_backoff_max plus a run (time_limit), or a second
# worker would run it too.
# A run is bounded: each SMTP command waits at most settings.EMAIL_TIMEOUT (30 s), and a whole
# batch 10 minutes (a mail server that drips its replies, a very long list): at the soft limit
# the task stops and retries like any other failure, the retry writing only to those not yet
# written to; the hard limit a minute later ends a run that did not stop (Celery then
# acknowledges it: acks_on_failure_or_timeout, so Redis does not hand it out again).
EMAIL_TASK_OPTIONS = {
    "autoretry_for": (smtplib.SMTPException, OSError, SoftTimeLimitExceeded),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
    "soft_time_limit": 600,
    "time_limit": 660,
}
