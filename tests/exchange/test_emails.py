"""E-mails of the information exchange: to whom, what they say, and only after the commit."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from activities.exchange import notifications
from activities.exchange.models import Message
from tests.factories import make_user, reply, send_request
from tests.support import FlakyBackend, postgres_only, redis_url, wait_for

pytestmark = pytest.mark.django_db


def test_emails_go_after_commit_to_members_who_want_them(
    reviewer, manager, django_capture_on_commit_callbacks
):
    quiet = make_user("khongnhanmail", "BARIA", "staff", email="quiet@example.vn")
    quiet.email_notifications = False
    quiet.save()
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        message = send_request(reviewer)
    assert [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]]
    assert "Báo cáo hoạt động đón đoàn" in mail.outbox[0].body
    assert f"/messages/{message.pk}/" in mail.outbox[0].body


def test_the_email_is_written_from_its_templates_in_vietnamese(settings, reviewer, manager):
    settings.SITE_URL = "https://doingoai.example.vn/"
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    message = send_request(reviewer, subject='Lịch làm việc & <đoàn> "Hàn Quốc"')
    assert notifications.email_message(message.pk) == 1
    email = mail.outbox[0]
    assert email.subject == 'Lịch làm việc & <đoàn> "Hàn Quốc"'  # plain text: nothing escaped
    assert email.body == (
        f"{message.sender_agency.name} đã gửi đơn vị của anh/chị: Đề nghị cung cấp thông tin.\n\n"
        'Lịch làm việc & <đoàn> "Hàn Quốc"\n\n'
        f"Xem và trả lời trên cổng thông tin: https://doingoai.example.vn/messages/{message.pk}/\n"
    )
    message.recipients.update(reminded_at=timezone.now())
    assert notifications.email_message(message.pk, reminder=True) == 1
    assert mail.outbox[1].subject == 'Nhắc việc: Lịch làm việc & <đoàn> "Hàn Quốc"'


def test_a_reminder_goes_only_to_the_agencies_that_have_not_answered(reviewer, manager):
    colleague = make_user("baria", "BARIA", "staff", email="lan@baria.gov.vn")
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    message = send_request(reviewer)
    assert notifications.recipient_addresses(message) == [colleague.email, manager.email]
    reply(manager, message, body="Xong.")
    assert notifications.recipient_addresses(message, reminder=True) == [colleague.email]
    assert notifications.email_message(message.pk, reminder=True) == 1
    assert [m.to for m in mail.outbox] == [[colleague.email]]
    assert notifications.email_message(0) == 0  # a message gone: nothing to send


def test_no_email_for_a_message_that_was_rolled_back(
    reviewer, manager, django_capture_on_commit_callbacks
):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                send_request(reviewer)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []
    assert not Message.objects.exists()


def test_a_mail_server_that_is_down_loses_nothing(
    settings, reviewer, manager, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.support.FlakyBackend"
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    FlakyBackend.failures_left = 100  # down for good: the request still succeeds
    with django_capture_on_commit_callbacks(execute=True):
        message = send_request(reviewer)
    assert Message.objects.filter(pk=message.pk).exists() and mail.outbox == []
    # A worker retries the e-mail with backoff; once the server is back it is delivered.
    task = notifications.send_message_emails
    assert smtplib.SMTPException in task.autoretry_for
    assert task.retry_backoff and task.max_retries == 8
    FlakyBackend.failures_left = 0
    result = task.apply(args=[message.pk])
    assert result.successful() and [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]]


@pytest.mark.redis
@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_sends_the_email_after_commit_and_never_after_rollback(reviewer, manager):
    from celery import Celery
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    worker_app = Celery("doingoai")
    worker_app.config_from_object("django.conf:settings", namespace="CELERY")
    worker_app.conf.update(
        broker_url=redis_url(), result_backend=redis_url(), task_always_eager=False
    )
    worker_app.autodiscover_tasks(["activities.exchange"], force=True)
    worker_app.set_current()
    worker_app.set_default()
    # Record which messages get an e-mail task queued: the rolled-back one must get none.
    queued: list[int] = []
    real_delay = notifications.send_message_emails.delay

    def recording_delay(message_id, **kwargs):
        queued.append(message_id)
        return real_delay(message_id, **kwargs)

    notifications.send_message_emails.delay = recording_delay
    # And which e-mail tasks the worker ran to their end.
    ran: list[list] = []

    def record_run(sender=None, args=None, **kwargs):
        if sender is not None and sender.name == notifications.send_message_emails.name:
            ran.append(list(args))

    task_postrun.connect(record_run, weak=False)
    try:
        with start_worker(worker_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            try:
                with transaction.atomic():
                    send_request(reviewer)
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
            committed = send_request(reviewer)  # its e-mail is queued after commit
            # One worker runs its tasks in the order they came: once the committed message's
            # task has run, a task queued for the rolled-back one would have run before it.
            wait_for(lambda: [committed.pk] in ran, 30, "the e-mail task to run")
    finally:
        task_postrun.disconnect(record_run)
        del notifications.send_message_emails.delay
        from doingoai.celery import app

        app.set_current()
        app.set_default()
    assert [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]]
    assert queued == [Message.objects.get().pk]
