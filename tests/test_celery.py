"""The Celery app of the portal talks to a real Redis broker and a real worker, and Redis never
hands a task that is still running or waiting to retry to a second worker."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest
from celery import Celery
from celery.contrib.testing.tasks import ping
from celery.contrib.testing.worker import start_worker
from celery.exceptions import Retry, SoftTimeLimitExceeded
from celery.schedules import crontab
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.mail import get_connection
from django.db import OperationalError

from doingoai.celery import EMAIL_TASK_OPTIONS, app
from reports import consolidation
from tests.support import redis_url


def test_tasks_run_in_process_without_a_broker():
    # The suite, like the zero-setup run (see test_settings), runs tasks in-process.
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert app.conf.task_always_eager is True
    assert ping.delay().get(timeout=5) == "pong"


@pytest.mark.redis
def test_a_real_worker_runs_a_task_sent_through_redis():
    # A fresh app configured exactly as doingoai/celery.py does, but pointed at Redis, since
    # the suite's own app runs eagerly.
    redis_app = Celery("doingoai")
    redis_app.config_from_object("django.conf:settings", namespace="CELERY")
    redis_app.conf.update(
        broker_url=redis_url(), result_backend=redis_url(), task_always_eager=False
    )
    assert redis_app.conf.task_acks_late is True
    assert redis_app.conf.worker_prefetch_multiplier == 1
    with start_worker(redis_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        result = redis_app.send_task("celery.ping")
        assert result.get(timeout=20) == "pong"
        assert result.successful()


# ---------------------------------------------------------------------------- visibility

# Redis hands a task nobody acknowledged to another worker after the visibility timeout. With
# acks_late a task is acknowledged only when it ends, and a task retried with a countdown sits
# unacknowledged in its worker until the countdown is over: every such wait, and every run,
# must end before the timeout, or a second worker runs the same task too.


# The modules whose tasks send e-mail (doingoai.mail.send_each).
EMAIL_MODULES = ("activities.exchange.notifications", "reports.notifications")


def _email_tasks() -> list:
    app.loader.import_default_modules()  # every app's tasks, as a worker loads them
    return [task for task in app.tasks.values() if task.run.__module__ in EMAIL_MODULES]


def test_every_task_that_sends_email_has_the_email_options():
    tasks = _email_tasks()
    assert {t.name for t in tasks} == {
        "activities.tasks.send_message_emails",
        "reports.agency_reports.send_agency_report_reminder",
        "reports.tasks.notify_leaders",
        "reports.tasks.send_agency_report_reminders",
    }
    for task in tasks:
        for option, value in EMAIL_TASK_OPTIONS.items():
            assert getattr(task, option) == value, (task.name, option)


def test_the_visibility_timeout_outlasts_the_longest_wait_and_run_of_an_email_task(settings):
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    for task in _email_tasks():
        assert task.acks_late
        longest = max(
            get_exponential_backoff_interval(
                factor=task.retry_backoff,
                retries=retries,
                maximum=task.retry_backoff_max,
                full_jitter=False,
            )
            for retries in range(task.max_retries + 1)
        )
        assert longest == EMAIL_TASK_OPTIONS["retry_backoff_max"]  # the cap is reached
        # A run is bounded: stopped (and retried) at the soft limit, killed at the hard one.
        assert 0 < task.soft_time_limit < task.time_limit
        assert SoftTimeLimitExceeded in task.autoretry_for
        assert longest + task.time_limit < timeout, task.name


def test_an_smtp_command_waits_for_the_mail_server_30_seconds_at_most(settings):
    # Django's default is None: a mail server that hangs would hang the task for ever.
    assert settings.EMAIL_TIMEOUT == 30
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == 30
    assert EMAIL_TASK_OPTIONS["soft_time_limit"] > 10 * settings.EMAIL_TIMEOUT


@pytest.fixture
def hung_mail_server():
    """A mail server that takes the connection and never says a word: (host, port)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []

    def take():
        with contextlib.suppress(OSError):
            accepted.append(listener.accept()[0])

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    yield listener.getsockname()
    listener.close()
    for conn in accepted:
        conn.close()


def test_a_mail_server_that_hangs_fails_the_send_in_email_timeout_and_the_task_retries(
    settings, hung_mail_server
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = hung_mail_server
    settings.EMAIL_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(OSError) as raised:  # TimeoutError: the server never greeted
        get_connection().open()
    assert time.monotonic() - started < 5
    assert isinstance(raised.value, EMAIL_TASK_OPTIONS["autoretry_for"])


def test_the_beat_schedule_prunes_the_email_deliveries_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["prune-email-deliveries"]
    assert entry["task"] == "doingoai.prune_email_deliveries"
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks  # a registered task, not a name that only looks right
    assert entry["schedule"] == crontab(hour=3, minute=0)


def test_the_visibility_timeout_outlasts_the_drafting_tasks_retries_and_its_run(
    settings, monkeypatch
):
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    task = consolidation.build_consolidated_report
    assert task.acks_late
    assert task.time_limit == settings.REPORT_BUILD_TIME_LIMIT < timeout

    # The countdown of each retry, as the task asks for it when the database does not answer.
    def database_gone(report_id, task_id):
        raise OperationalError("the database did not answer")

    countdowns: list[int] = []

    def retry(exc=None, countdown=None, **options):
        countdowns.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(consolidation, "build_version", database_gone)
    monkeypatch.setattr(task, "retry", retry)
    for retries in range(task.max_retries):
        task.push_request(id="drafting", retries=retries, is_eager=False)
        try:
            with pytest.raises(Retry):
                task.run(1)
        finally:
            task.pop_request()
    assert countdowns == [10, 20, 40]
    assert max(countdowns) < timeout
