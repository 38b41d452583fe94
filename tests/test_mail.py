"""Every e-mail reaches each addressee exactly once, however often its task is retried or
redelivered (issue #10, kind 8; the "e-mail retry" case of the shared cases).

The case: a message to an agency with three addressees; the mail server drops the connection
after the first e-mail. The task retries (eagerly in-process, and through Redis with a real
worker), is delivered a second time, or its worker is killed mid-batch: each addressee still
gets one e-mail. doingoai.mail.send_each records each delivery (EmailDelivery) right after the
server accepts it and skips the addresses recorded for the same event.
"""

from __future__ import annotations

import os
import signal
import smtplib
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import task_postrun
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from activities.exchange import notifications
from doingoai import mail as portal_mail
from doingoai.celery import app as portal_app
from doingoai.models import EmailDelivery
from doingoai.tasks import prune_email_deliveries
from notifications import delivery
from notifications.models import Notification
from tests.factories import make_user, send_message
from tests.support import (
    DroppingBackend,
    own_queue,
    redis_worker_app,
    start_worker_process,
    stop_process,
    wait_for,
    with_real_worker,
)

ADDRESSES = ["an@vungtau.gov.vn", "binh@vungtau.gov.vn", "chi@vungtau.gov.vn"]
TASK = delivery.send_event_emails.name


class RefusingBackend(EmailBackend):
    """A mail server that refuses the addresses of `refused` at RCPT with their code
    (550: no such mailbox, for good; 450: mailbox busy, for now), and the messages to those
    of `rejected` at DATA with theirs (554: message rejected; 452: out of room)."""

    refused: dict[str, int] = {}
    rejected: dict[str, int] = {}

    def send_messages(self, messages):
        for message in messages:
            for address in message.to:
                if address in RefusingBackend.refused:
                    code = RefusingBackend.refused[address]
                    raise smtplib.SMTPRecipientsRefused({address: (code, b"mailbox")})
                if address in RefusingBackend.rejected:
                    raise smtplib.SMTPDataError(RefusingBackend.rejected[address], b"rejected")
        return super().send_messages(messages)


@pytest.fixture
def refusing(settings, monkeypatch) -> type[RefusingBackend]:
    settings.EMAIL_BACKEND = "tests.test_mail.RefusingBackend"
    monkeypatch.setattr(RefusingBackend, "refused", {})
    monkeypatch.setattr(RefusingBackend, "rejected", {})
    return RefusingBackend


@pytest.fixture
def three_addressees(db) -> list[str]:
    """Three members of TP Vũng Tàu who want e-mail: those a message to it is announced to."""
    for role, address in zip(["manager", "staff", "staff"], ADDRESSES, strict=True):
        make_user(address.split("@")[0], "VUNGTAU", role, email=address)
    return ADDRESSES


def received() -> list[str]:
    """Who got an e-mail, once per e-mail, sorted (each e-mail has one addressee)."""
    assert all(len(m.to) == 1 for m in mail.outbox)
    return sorted(m.to[0] for m in mail.outbox)


def send_to_vungtau(reviewer):
    return send_message(reviewer, to=["VUNGTAU"], subject="Lịch đón đoàn Hàn Quốc")


# ---------------------------------------------------------------------------- in-process


@pytest.mark.django_db
def test_a_connection_dropped_once_is_opened_again_and_everyone_written_to_without_a_worker(
    reviewer, three_addressees, drops_after_first, monkeypatch, django_capture_on_commit_callbacks
):
    # A server that caps messages per connection: the next connection takes the rest. Without
    # a broker (the zero-setup run) the task runs in the request and has no later retry.
    monkeypatch.setattr(DroppingBackend, "drops", 1)
    with django_capture_on_commit_callbacks(execute=True):
        message = send_to_vungtau(reviewer)

    assert DroppingBackend.accept is None  # the server did drop the connection
    assert received() == ADDRESSES
    assert EmailDelivery.objects.filter(event=f"message:{message.pk}").count() == 3


@pytest.mark.django_db
def test_the_retry_after_a_dropped_connection_writes_only_to_those_not_yet_written_to(
    reviewer, three_addressees, drops_after_first
):
    message = send_to_vungtau(reviewer)  # its task is queued after the commit, not here
    # Run in-process as Celery runs it eagerly without propagating: the dropped connection
    # makes it retry at once, in the same call.
    result = delivery.send_event_emails.apply(args=[f"message:{message.pk}"], throw=False)

    assert DroppingBackend.accept is None  # the server did drop the connection once
    assert result.successful() and result.get() == 2  # the retry wrote to the two others
    assert received() == ADDRESSES
    assert EmailDelivery.objects.filter(event=f"message:{message.pk}").count() == 3


@pytest.mark.django_db
def test_the_task_run_again_from_the_start_writes_only_to_the_others(
    reviewer, three_addressees, drops_after_first
):
    message = send_to_vungtau(reviewer)  # queued after the commit, which never comes here
    with pytest.raises(smtplib.SMTPServerDisconnected):
        delivery.email_event(f"message:{message.pk}")  # the first delivery dies after one e-mail
    assert received() == ADDRESSES[:1]

    result = delivery.send_event_emails.apply(args=[f"message:{message.pk}"])  # redelivered

    assert result.get() == 2
    assert received() == ADDRESSES
    assert delivery.send_event_emails.apply(args=[f"message:{message.pk}"]).get() == 0
    assert received() == ADDRESSES


@pytest.mark.django_db
def test_an_addressee_who_joins_before_the_retry_is_not_written_to_by_it(
    reviewer, three_addressees, drops_after_first
):
    # Who is told is fixed when the message is sent (its notifications): someone who joins
    # the agency later reads it in the inbox, but the retry writes only to those it concerned.
    message = send_to_vungtau(reviewer)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        delivery.email_event(f"message:{message.pk}")
    make_user("dung", "VUNGTAU", "staff", email="dung@vungtau.gov.vn")

    assert delivery.email_event(f"message:{message.pk}") == 2
    assert received() == ADDRESSES


@pytest.mark.django_db
def test_an_address_refused_for_now_does_not_stop_the_others_and_the_retry_writes_to_it_alone(
    refusing, reviewer, three_addressees
):
    refusing.refused = {"an@vungtau.gov.vn": 450}  # mailbox busy
    message = send_to_vungtau(reviewer)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        delivery.email_event(f"message:{message.pk}")  # the task retries it
    assert received() == ADDRESSES[1:]

    refusing.refused = {}  # the mailbox is free again
    assert delivery.email_event(f"message:{message.pk}") == 1
    assert received() == ADDRESSES


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("refused", "rejected"),
    [
        ({"an@vungtau.gov.vn": 550}, {}),  # no such mailbox, at RCPT
        ({}, {"an@vungtau.gov.vn": 554}),  # the message refused at DATA
        ({}, {"an@vungtau.gov.vn": 552}),  # too large for that mailbox, at DATA
    ],
)
def test_an_address_refused_for_good_is_recorded_and_never_tried_again(
    refusing, reviewer, three_addressees, refused, rejected
):
    # The first address in sorted order: before the fix, it stopped everyone after it on
    # every retry.
    refusing.refused, refusing.rejected = refused, rejected
    message = send_to_vungtau(reviewer)
    result = delivery.send_event_emails.apply(args=[f"message:{message.pk}"], throw=False)

    assert result.successful() and result.get() == 2  # no retry: nothing left to try
    assert received() == ADDRESSES[1:]
    refusal = EmailDelivery.objects.get(address="an@vungtau.gov.vn").refusal
    assert refusal.startswith(str(next(iter({**refused, **rejected}.values()))))
    Notification.objects.update(emailed_at=None)  # redelivered before they were marked
    assert delivery.email_event(f"message:{message.pk}") == 0  # a redelivery tries nobody


@pytest.mark.django_db
def test_one_refused_for_now_and_one_for_good_the_retry_writes_to_the_first_alone(
    refusing, reviewer, three_addressees
):
    refusing.refused = {"an@vungtau.gov.vn": 550, "chi@vungtau.gov.vn": 451}
    message = send_to_vungtau(reviewer)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as raised:
        delivery.email_event(f"message:{message.pk}")
    assert "chi@vungtau.gov.vn" in raised.value.recipients  # the error the task retries

    refusing.refused = {}  # both could take it now, but only chi is tried again
    assert delivery.email_event(f"message:{message.pk}") == 1
    assert received() == ["binh@vungtau.gov.vn", "chi@vungtau.gov.vn"]


@pytest.mark.django_db
def test_two_accounts_of_one_mailbox_in_two_cases_get_one_email(reviewer, three_addressees):
    make_user("an2", "VUNGTAU", "staff", email="An@VungTau.gov.vn")
    message = send_to_vungtau(reviewer)
    assert delivery.email_event(f"message:{message.pk}") == 3
    assert received() == sorted(["An@VungTau.gov.vn", *ADDRESSES[1:]])
    # A record written in another case (before addresses were compared lowercased) counts.
    EmailDelivery.objects.filter(address="binh@vungtau.gov.vn").update(
        address="Binh@vungtau.gov.vn"
    )
    Notification.objects.update(emailed_at=None)  # redelivered before they were marked
    assert delivery.email_event(f"message:{message.pk}") == 0


class StoppedBackend(EmailBackend):
    """A mail server so slow that the task reaches its soft time limit after `accept` more
    e-mails (Celery raises SoftTimeLimitExceeded in the task's process), once."""

    accept: int | None = None

    def send_messages(self, messages):
        if StoppedBackend.accept == 0:
            StoppedBackend.accept = None
            raise SoftTimeLimitExceeded()
        if StoppedBackend.accept is not None:
            StoppedBackend.accept -= len(messages)
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_batch_stopped_at_its_time_limit_is_retried_for_the_others(
    settings, monkeypatch, reviewer, three_addressees
):
    settings.EMAIL_BACKEND = "tests.test_mail.StoppedBackend"
    monkeypatch.setattr(StoppedBackend, "accept", 1)
    message = send_to_vungtau(reviewer)
    result = delivery.send_event_emails.apply(args=[f"message:{message.pk}"], throw=False)

    assert StoppedBackend.accept is None  # the limit was reached once
    assert result.successful() and result.get() == 2
    assert received() == ADDRESSES


@pytest.mark.django_db
def test_the_message_and_its_reminder_are_two_emails_each_sent_once(reviewer, three_addressees):
    message = send_message(
        reviewer,
        kind="request",
        to=["VUNGTAU"],
        subject="Đề nghị báo cáo",
        due_date=timezone.localdate() + timedelta(days=7),
    )
    assert delivery.email_event(f"message:{message.pk}") == 3
    assert delivery.email_event(f"message:{message.pk}") == 0
    stamp = timezone.now()
    message.recipients.update(reminded_at=stamp)  # as every reminder stamps them
    key = notifications.reminder_event(message.pk, stamp)
    notifications.tell_reminder(message, key=key)

    assert delivery.email_event(key) == 3
    assert delivery.email_event(key) == 0
    subjects = sorted(m.subject for m in mail.outbox)
    assert (
        subjects
        == ["Có đề nghị cung cấp thông tin gửi đến: Đề nghị báo cáo"] * 3
        + ["Đề nghị cung cấp thông tin đến hạn trả lời: Đề nghị báo cáo"] * 3
    )


@pytest.mark.django_db
def test_nothing_is_rendered_and_no_connection_opened_when_everyone_was_written_to(
    settings, reviewer, three_addressees
):
    message = send_to_vungtau(reviewer)
    delivery.email_event(f"message:{message.pk}")
    # A backend that cannot even be loaded: sending again must not ask for it.
    settings.EMAIL_BACKEND = "tests.no_such_module.Backend"
    Notification.objects.update(emailed_at=None)  # redelivered before they were marked
    assert delivery.email_event(f"message:{message.pk}") == 0


@pytest.mark.django_db
def test_an_event_key_too_long_to_record_sends_nothing(reviewer, three_addressees):
    send_to_vungtau(reviewer)
    context = {"notification": Notification.objects.first(), "link": "/"}
    too_long = "message:" + "9" * EmailDelivery.EVENT_MAX_LENGTH
    with pytest.raises(ValueError, match="longer than"):
        portal_mail.send_each(delivery.TEMPLATE, context, ADDRESSES, event=too_long)
    assert mail.outbox == [] and not EmailDelivery.objects.exists()


@pytest.mark.django_db
def test_old_deliveries_are_pruned_and_recent_ones_kept(reviewer, three_addressees):
    message = send_to_vungtau(reviewer)
    delivery.email_event(f"message:{message.pk}")
    now = timezone.now()
    old = EmailDelivery.objects.filter(address="an@vungtau.gov.vn")
    old.update(sent_at=now - portal_mail.DELIVERY_RETENTION - timedelta(minutes=1))
    EmailDelivery.objects.filter(address="binh@vungtau.gov.vn").update(
        sent_at=now - portal_mail.DELIVERY_RETENTION + timedelta(minutes=1)
    )

    assert prune_email_deliveries.apply().get() == 1
    kept = EmailDelivery.objects.values_list("address", flat=True)
    assert sorted(kept) == ADDRESSES[1:]
    assert prune_email_deliveries.name in portal_app.tasks


# ---------------------------------------------------------------------------- real workers


@pytest.fixture
def queue() -> str:
    with own_queue("mail-test") as name:
        yield name


@pytest.fixture
def worker_app(queue):
    with redis_worker_app(queue, "activities.exchange", "notifications") as app:
        yield app


@pytest.fixture
def finished():
    """The states in which the worker ended each run of the e-mail task, in order."""
    states: list[str] = []

    def record(sender=None, state=None, **kwargs):
        if sender is not None and sender.name == TASK:
            states.append(state)

    task_postrun.connect(record, weak=False)
    yield states
    task_postrun.disconnect(record)


@with_real_worker
def test_a_real_worker_retries_through_redis_and_each_addressee_gets_one_email(
    worker_app, finished, reviewer, three_addressees, drops_after_first, monkeypatch
):
    # The backoff of EMAIL_TASK_OPTIONS waits up to 30 s before the first retry; the retry,
    # not its wait, is under test.
    waits: list[int] = []

    def one_second(**kwargs):
        waits.append(kwargs["retries"])
        return 1

    monkeypatch.setattr("celery.app.autoretry.get_exponential_backoff_interval", one_second)
    with start_worker(worker_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        message = send_to_vungtau(reviewer)  # committed: its e-mail task goes to Redis
        wait_for(lambda: "SUCCESS" in finished, 30, "the retried e-mail task to succeed")

    assert finished == ["RETRY", "SUCCESS"] and waits == [0]
    assert received() == ADDRESSES
    assert EmailDelivery.objects.filter(event=f"message:{message.pk}").count() == 3


@with_real_worker
def test_the_same_task_delivered_twice_to_a_real_worker_writes_once(
    worker_app, finished, reviewer, three_addressees
):
    with start_worker(worker_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        message = send_to_vungtau(reviewer)  # the first delivery
        delivery.send_event_emails.apply_async(args=[f"message:{message.pk}"])  # and a second
        wait_for(lambda: len(finished) == 2, 30, "both deliveries to run")

    assert finished == ["SUCCESS", "SUCCESS"]
    assert received() == ADDRESSES


# A worker process as `celery -A doingoai worker --pool=solo` starts it, with a short
# visibility timeout so that an unacknowledged task comes back within seconds. Its mail server
# writes each e-mail to a file of MAIL_DIR; with HANG set, it stops before the second e-mail
# (the first one accepted and recorded) to wait for the kill.
WORKER = textwrap.dedent(
    """
    import os, time

    import django

    django.setup()
    from django.core.mail.backends.filebased import EmailBackend

    from doingoai.celery import app


    class FileServer(EmailBackend):
        taken = 0

        def __init__(self, **kwargs):
            super().__init__(file_path=os.environ["MAIL_DIR"], **kwargs)

        def send_messages(self, messages):
            if os.environ.get("HANG") and FileServer.taken == 1:
                open(os.environ["HANG"], "w").close()
                time.sleep(120)
            FileServer.taken += len(messages)
            return super().send_messages(messages)


    app.conf.task_default_queue = os.environ["TEST_QUEUE"]
    app.conf.broker_transport_options = {
        "visibility_timeout": 1,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
    app.worker_main(
        ["worker", "--pool=solo", "--loglevel=WARNING", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "-n", os.environ["WORKER_NAME"]]
    )
    """
)


def _start_worker_process(tmp_path: Path, queue: str, name: str, hang: Path | None):
    env = {"EMAIL_BACKEND": "__main__.FileServer", "MAIL_DIR": str(tmp_path / "mail")}
    if hang is not None:
        env["HANG"] = str(hang)
    return start_worker_process(WORKER, tmp_path=tmp_path, queue=queue, name=name, env=env)


def _written_to(mail_dir: Path) -> list[str]:
    """The addressee of every e-mail the worker processes' mail server took, sorted."""
    lines = [
        line
        for path in (mail_dir.iterdir() if mail_dir.exists() else [])
        for line in path.read_text().splitlines()
    ]
    return sorted(line.removeprefix("To: ") for line in lines if line.startswith("To: "))


@with_real_worker
def test_a_worker_killed_mid_batch_the_next_one_writes_only_to_the_others(
    worker_app, queue, reviewer, three_addressees, tmp_path
):
    marker = tmp_path / "sending"
    first = _start_worker_process(tmp_path, queue, "doomed", hang=marker)
    second = None
    try:
        message = send_to_vungtau(reviewer)  # committed: its e-mail task goes to Redis
        wait_for(
            lambda: marker.exists() or first.poll() is not None,
            25,
            "the first e-mail to be sent and recorded",
        )
        assert first.poll() is None, (tmp_path / "doomed.log").read_text()
        os.killpg(first.pid, signal.SIGKILL)  # dies mid-batch, the task unacknowledged
        first.wait(10)
        assert _written_to(tmp_path / "mail") == ADDRESSES[:1]
        time.sleep(1.5)  # past the visibility timeout

        second = _start_worker_process(tmp_path, queue, "rescuer", hang=None)
        wait_for(
            lambda: len(_written_to(tmp_path / "mail")) >= 3 or second.poll() is not None,
            25,
            "the task to come back and finish the batch",
        )
        time.sleep(0.5)  # room for a wrong fourth e-mail to show
    finally:
        stop_process(first, signal.SIGKILL)
        if second is not None:
            stop_process(second)
    log = (tmp_path / "rescuer.log").read_text(errors="replace")
    assert _written_to(tmp_path / "mail") == ADDRESSES, log
    assert EmailDelivery.objects.filter(event=f"message:{message.pk}").count() == 3
