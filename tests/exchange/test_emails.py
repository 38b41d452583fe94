"""E-mails of the information exchange, through the notifications: to whom, what they say,
and only after the commit."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from activities.exchange import notifications
from activities.exchange.models import Message
from notifications import delivery
from notifications.models import EmailChoice, Kind, Notification
from notifications.services import set_preferences
from tests.factories import make_user, reply, send_request
from tests.support import (
    FlakyBackend,
    own_queue,
    redis_worker_app,
    wait_for,
    with_real_worker,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def minh(manager):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    return manager


def test_emails_go_after_commit_to_members_who_want_them(
    reviewer, minh, django_capture_on_commit_callbacks
):
    quiet = make_user("khongnhanmail", "BARIA", "staff", email="quiet@example.vn")
    set_preferences(quiet, {Kind.REQUEST_RECEIVED: EmailChoice.NEVER})
    with django_capture_on_commit_callbacks(execute=True):
        message = send_request(reviewer)
    assert [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]]
    assert "Báo cáo hoạt động đón đoàn" in mail.outbox[0].body
    assert f"/messages/{message.pk}/" in mail.outbox[0].body
    # Who chose no e-mail still reads it under the bell.
    assert Notification.objects.filter(recipient=quiet, event=f"message:{message.pk}").exists()


def test_the_email_is_written_from_its_templates_in_vietnamese(
    settings, reviewer, minh, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://doingoai.example.vn/"
    due = timezone.localdate() + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        message = send_request(reviewer, subject='Lịch làm việc & <đoàn> "Hàn Quốc"', due_date=due)
    email = mail.outbox[0]
    # plain text: nothing escaped
    assert email.subject == (
        'Có đề nghị cung cấp thông tin gửi đến: Lịch làm việc & <đoàn> "Hàn Quốc"'
    )
    assert 'Lịch làm việc & <đoàn> "Hàn Quốc"' in email.body
    with translation.override("vi"):
        asks = gettext("%(agency)s asks your agency for information, to answer by %(date)s.")
    assert asks % {"agency": message.sender_agency.name, "date": due.strftime("%d/%m/%Y")} in (
        email.body
    )
    assert f"https://doingoai.example.vn/messages/{message.pk}/" in email.body

    key = notifications.reminder_event(message.pk, timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        notifications.tell_reminder(message, key=key, today=due - timedelta(days=1))
    assert mail.outbox[-1].subject == (
        'Đề nghị cung cấp thông tin đến hạn trả lời: Lịch làm việc & <đoàn> "Hàn Quốc"'
    )


def test_a_reminder_goes_only_to_the_agencies_that_have_not_answered(
    reviewer, minh, django_capture_on_commit_callbacks
):
    colleague = make_user("baria", "BARIA", "staff", email="lan@baria.gov.vn")
    message = send_request(reviewer)
    reply(minh, message, body="Xong.")
    stamp = timezone.now()
    key = notifications.reminder_event(message.pk, stamp)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.tell_reminder(message, key=key) == 1
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    assert notifications.send_message_emails(0) == 0  # a message gone: nothing to tell


def test_no_email_for_a_message_that_was_rolled_back(
    reviewer, minh, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                send_request(reviewer)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []
    assert not Message.objects.exists() and not Notification.objects.exists()


def test_a_mail_server_that_is_down_loses_nothing(
    settings, reviewer, minh, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.support.FlakyBackend"
    FlakyBackend.failures_left = 100  # down for good: the request still succeeds
    with django_capture_on_commit_callbacks(execute=True):
        message = send_request(reviewer)
    assert Message.objects.filter(pk=message.pk).exists() and mail.outbox == []
    # A worker retries the e-mail with backoff; once the server is back it is delivered.
    task = delivery.send_event_emails
    assert smtplib.SMTPException in task.autoretry_for
    assert task.retry_backoff and task.max_retries == 8
    FlakyBackend.failures_left = 0
    result = task.apply(args=[f"message:{message.pk}"])
    assert result.successful() and [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]]


@with_real_worker
def test_a_real_worker_sends_the_email_after_commit_and_never_after_rollback(reviewer, minh):
    ran: list[list] = []

    def record_run(sender=None, args=None, **kwargs):
        if sender is not None and sender.name == delivery.send_event_emails.name:
            ran.append(list(args))

    task_postrun.connect(record_run, weak=False)
    try:
        with (
            own_queue("exchange-emails") as queue,
            redis_worker_app(queue, "activities.exchange", "notifications") as app,
            start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"),
        ):
            try:
                with transaction.atomic():
                    send_request(reviewer)
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
            committed = send_request(reviewer)  # its e-mail is queued after commit
            # One worker runs its tasks in the order they came: once the committed message's
            # task has run, a task queued for the rolled-back one would have run before it.
            wait_for(lambda: [f"message:{committed.pk}"] in ran, 30, "the e-mail task to run")
    finally:
        task_postrun.disconnect(record_run)
    assert [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]]
    assert ran == [[f"message:{committed.pk}"]]
