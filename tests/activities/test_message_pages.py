"""Pages and e-mails of the information exchange."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from activities import exchange
from activities.models import Message
from agencies.models import Agency
from tests.activities.test_exchange import request_to_districts
from tests.conftest import DISTRICTS, make_user, postgres_only

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("reviewer", 200),
        ("manager", 200),
        ("staff", 404),
        ("leader", 404),
        ("outsider", 404),
        ("admin", 404),
    ],
)
def test_a_message_is_404_for_everyone_but_its_parties(client, cast, reviewer, role, expected):
    message = request_to_districts(reviewer)
    client.force_login(cast[role])
    assert client.get(reverse("activities:message", args=[message.pk])).status_code == expected


def test_anonymous_users_are_sent_to_login(client, reviewer):
    message = request_to_districts(reviewer)
    for url in [
        reverse("activities:inbox"),
        reverse("activities:outbox"),
        reverse("activities:message-new"),
        reverse("activities:message", args=[message.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_sngv_sends_to_all_districts_a_district_answers_sngv_reminds_the_rest(
    client, reviewer, manager
):
    client.force_login(reviewer)
    response = client.post(
        reverse("activities:message-new"),
        {
            "sender_agency": Agency.objects.get(code="SNGV").pk,
            "kind": "request",
            "groups": ["district"],
            "subject": "Số liệu đón đoàn",
            "body": "Đề nghị báo cáo.",
            "due_date": (timezone.localdate() + timedelta(days=5)).strftime("%d/%m/%Y"),
        },
    )
    message = Message.objects.get()
    assert response.status_code == 302
    assert set(message.recipients.values_list("agency__code", flat=True)) == set(DISTRICTS)

    client.force_login(manager)
    inbox = client.get(reverse("activities:inbox")).content.decode()
    assert "Số liệu đón đoàn" in inbox and "mới" in inbox
    client.get(reverse("activities:message", args=[message.pk]))  # reading marks it read
    client.post(
        reverse("activities:message-reply", args=[message.pk]),
        {"agency": Agency.objects.get(code="VUNGTAU").pk, "body": "Đã đón 3 đoàn."},
    )
    assert message.recipients.get(agency__code="VUNGTAU").answer is not None

    client.force_login(reviewer)
    outbox = client.get(reverse("activities:outbox")).content.decode()
    assert "1/8" in outbox
    response = client.post(reverse("activities:message-remind", args=[message.pk]), follow=True)
    assert "Đã gửi nhắc nhở đến 7 đơn vị." in response.content.decode()


def test_a_forged_reply_from_a_non_recipient_is_refused(client, reviewer, staff):
    message = request_to_districts(reviewer)
    client.force_login(staff)
    response = client.post(
        reverse("activities:message-reply", args=[message.pk]),
        {"agency": Agency.objects.get(code="SLDTBXH").pk, "body": "x"},
    )
    assert response.status_code == 404
    assert Message.objects.count() == 1


def test_bad_input_on_the_form_keeps_what_was_typed(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("activities:message-new"),
        {
            "sender_agency": Agency.objects.get(code="SNGV").pk,
            "kind": "request",
            "subject": "Đề nghị",
            "body": "Nội dung cần giữ lại",
            "due_date": (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y"),
            "recipients": [Agency.objects.get(code="BARIA").pk],
        },
    )
    html = response.content.decode()
    assert "Hạn trả lời đã qua." in html and "Nội dung cần giữ lại" in html
    assert not Message.objects.exists()


def test_inbox_and_outbox_query_counts_do_not_grow(
    client, reviewer, manager, django_assert_num_queries
):
    for _i in range(3):
        request_to_districts(reviewer)
    client.force_login(manager)
    client.get(reverse("activities:inbox"))
    # session, user, member agencies, count, page, the agencies of the filter, the
    # navigation's memberships and the unread count
    with django_assert_num_queries(8):
        client.get(reverse("activities:inbox"))
    client.force_login(reviewer)
    with django_assert_num_queries(8):
        client.get(reverse("activities:outbox"))
    for _i in range(30):
        request_to_districts(reviewer)
    with django_assert_num_queries(8):
        client.get(reverse("activities:outbox"))
    client.force_login(manager)
    with django_assert_num_queries(8):
        client.get(reverse("activities:inbox"))


def test_emails_go_after_commit_to_members_who_want_them(
    reviewer, manager, django_capture_on_commit_callbacks
):
    quiet = make_user("khongnhanmail", "BARIA", "staff", email="quiet@example.vn")
    quiet.email_notifications = False
    quiet.save()
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        request_to_districts(reviewer)
    assert [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]]
    assert "Báo cáo hoạt động đón đoàn" in mail.outbox[0].body
    assert "/activities/messages/" in mail.outbox[0].body


def test_no_email_for_a_message_that_was_rolled_back(
    reviewer, manager, django_capture_on_commit_callbacks
):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                request_to_districts(reviewer)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []
    assert not Message.objects.exists()


@pytest.mark.redis
@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_sends_the_email_after_commit_and_never_after_rollback(reviewer, manager):
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    from tests.conftest import redis_url

    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    worker_app = Celery("doingoai")
    worker_app.config_from_object("django.conf:settings", namespace="CELERY")
    worker_app.conf.update(
        broker_url=redis_url(), result_backend=redis_url(), task_always_eager=False
    )
    worker_app.autodiscover_tasks(["activities"], force=True)
    worker_app.set_current()
    worker_app.set_default()
    # Record which messages get an e-mail task queued: the rolled-back one must get none.
    from activities import tasks

    queued: list[int] = []
    real_delay = tasks.send_message_emails.delay

    def recording_delay(message_id, **kwargs):
        queued.append(message_id)
        return real_delay(message_id, **kwargs)

    tasks.send_message_emails.delay = recording_delay
    try:
        with start_worker(worker_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            try:
                with transaction.atomic():
                    request_to_districts(reviewer)
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
            request_to_districts(reviewer)  # committed: its e-mail is queued after commit
            deadline = time.monotonic() + 30
            while not mail.outbox and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(1)  # a second e-mail (the rolled-back one) would have arrived by now
    finally:
        del tasks.send_message_emails.delay
        from doingoai.celery import app

        app.set_current()
        app.set_default()
    assert [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]]
    assert queued == [Message.objects.get().pk]


def test_the_daily_job_reminds_requests_due_tomorrow_and_overdue(reviewer, manager):
    from activities.tasks import remind_due_requests

    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    due_soon = request_to_districts(reviewer)
    Message.objects.filter(pk=due_soon.pk).update(due_date=timezone.localdate() + timedelta(days=1))
    overdue = request_to_districts(reviewer)
    Message.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - timedelta(3))
    later = request_to_districts(reviewer)
    Message.objects.filter(pk=later.pk).update(due_date=timezone.localdate() + timedelta(days=9))
    assert remind_due_requests() == 2
    assert [m.subject for m in mail.outbox] == ["Nhắc việc: Báo cáo hoạt động đón đoàn 6 tháng"] * 2
    assert remind_due_requests() == 0  # once a day


def test_the_beat_schedule_runs_the_daily_reminders(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["remind-due-requests"]
    assert entry["task"] == "activities.tasks.remind_due_requests"


def test_the_unread_count_shows_in_the_navigation_until_read(client, reviewer, manager):
    message = request_to_districts(reviewer)
    client.force_login(manager)
    assert 'data-testid="unread-count"' in client.get(reverse("home")).content.decode()
    client.get(reverse("activities:message", args=[message.pk]))
    assert 'data-testid="unread-count"' not in client.get(reverse("home")).content.decode()


def test_leaders_read_only_what_is_addressed_to_them(reviewer, leader):
    request_to_districts(reviewer)
    assert not Message.objects.visible_to(leader).exists()
    exchange.send_message(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=list(Agency.objects.filter(code="UBNDTINH")),
        kind="information",
        subject="Báo cáo nhanh",
        body="Kính gửi lãnh đạo.",
    )
    assert list(Message.objects.visible_to(leader).values_list("subject", flat=True)) == [
        "Báo cáo nhanh"
    ]


def test_message_files_follow_the_attachment_rules_and_the_message_permission(
    client, reviewer, manager, staff
):
    from tests.activities.conftest import PDF_BYTES, pdf

    with pytest.raises(exchange.MessageError, match="không phải là tệp PDF"):
        exchange.send_message(
            actor=reviewer,
            sender_agency=Agency.objects.get(code="SNGV"),
            recipients=list(Agency.objects.filter(code="VUNGTAU")),
            kind="information",
            subject="Tài liệu",
            body="Gửi kèm",
            attachments=[pdf("x.pdf", b"MZ\x90\x00")],
        )
    assert not Message.objects.exists()
    message = exchange.send_message(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=list(Agency.objects.filter(code="VUNGTAU")),
        kind="information",
        subject="Tài liệu",
        body="Gửi kèm",
        attachments=[pdf("huong-dan.pdf")],
    )
    url = message.attachments.get().get_absolute_url()
    client.force_login(manager)
    response = client.get(url)
    assert b"".join(response.streaming_content) == PDF_BYTES
    client.force_login(staff)
    assert client.get(url).status_code == 404


def test_a_mail_server_that_is_down_loses_nothing(
    settings, reviewer, manager, django_capture_on_commit_callbacks
):
    from tests.activities.failing_mail import FlakyBackend

    settings.EMAIL_BACKEND = "tests.activities.failing_mail.FlakyBackend"
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    FlakyBackend.failures_left = 100  # down for good: the request still succeeds
    with django_capture_on_commit_callbacks(execute=True):
        message = request_to_districts(reviewer)
    assert Message.objects.filter(pk=message.pk).exists() and mail.outbox == []
    # A worker retries the e-mail with backoff; once the server is back it is delivered.
    import smtplib

    from activities.tasks import send_message_emails

    assert smtplib.SMTPException in send_message_emails.autoretry_for
    assert send_message_emails.retry_backoff and send_message_emails.max_retries == 8
    FlakyBackend.failures_left = 0
    result = send_message_emails.apply(args=[message.pk])
    assert result.successful() and [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]]


def test_inbox_filters_overdue_requests_and_searches_without_accents(client, reviewer, manager):
    overdue = request_to_districts(reviewer)
    Message.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - timedelta(1))
    exchange.send_message(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=list(Agency.objects.filter(code="VUNGTAU")),
        kind="guidance",
        subject="Hướng dẫn đón đoàn",
        body="Chi tiết.",
    )
    client.force_login(manager)
    response = client.get(reverse("activities:inbox"), {"state": "overdue"})
    assert [m.pk for m in response.context["page"].object_list] == [overdue.pk]
    response = client.get(reverse("activities:inbox"), {"q": "huong dan"})
    assert [m.subject for m in response.context["page"].object_list] == ["Hướng dẫn đón đoàn"]


def test_a_message_links_an_activity_only_if_the_sender_may_see_it(client, staff, syt_staff):
    from tests.activities.conftest import make_activity

    own = make_activity(staff)
    other = make_activity(syt_staff, agency="SYT")
    client.force_login(staff)
    data = {
        "sender_agency": Agency.objects.get(code="SLDTBXH").pk,
        "kind": "information",
        "recipients": [Agency.objects.get(code="SNGV").pk],
        "subject": "Kèm hoạt động",
        "body": "Xem hoạt động.",
    }
    response = client.post(reverse("activities:message-new"), {**data, "activity": other.pk})
    assert "Không có hoạt động số" in response.content.decode()
    assert not Message.objects.exists()
    client.post(reverse("activities:message-new"), {**data, "activity": own.pk})
    message = Message.objects.get()
    assert message.activity == own
    assert (
        reverse("activities:detail", args=[own.pk])
        in client.get(reverse("activities:message", args=[message.pk])).content.decode()
    )


def test_sent_list_searches_and_shows_requests_waiting_for_answers(client, reviewer):
    waiting = request_to_districts(reviewer)
    exchange.send_message(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=list(Agency.objects.filter(code="VUNGTAU")),
        kind="guidance",
        subject="Hướng dẫn đón đoàn",
        body="Chi tiết.",
    )
    client.force_login(reviewer)
    response = client.get(reverse("activities:outbox"), {"state": "waiting"})
    assert [m.pk for m in response.context["page"].object_list] == [waiting.pk]
    response = client.get(reverse("activities:outbox"), {"q": "HUONG DAN"})
    assert [m.subject for m in response.context["page"].object_list] == ["Hướng dẫn đón đoàn"]


def test_only_requests_are_reminded_and_recipients_see_only_their_own_state(
    client, reviewer, manager
):
    info = exchange.send_message(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=list(Agency.objects.filter(code__in=DISTRICTS)),
        kind="information",
        subject="Thông báo",
        body="Nội dung.",
    )
    with pytest.raises(exchange.MessageError, match="Chỉ nhắc được"):
        exchange.remind_missing(actor=reviewer, message=info)
    client.force_login(manager)
    response = client.get(reverse("activities:message", args=[info.pk]))
    assert [r.agency.code for r in response.context["recipients"]] == ["VUNGTAU"]
    client.force_login(reviewer)
    response = client.get(reverse("activities:message", args=[info.pk]))
    assert len(response.context["recipients"]) == 8


def test_sngv_reporting_a_difficulty_does_not_address_itself(reviewer):
    message = exchange.send_message(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=list(Agency.objects.filter(code="LHHN")),
        kind="difficulty",
        subject="Vướng mắc",
        body="Nội dung.",
    )
    assert list(message.recipients.values_list("agency__code", flat=True)) == ["LHHN"]


def test_reading_a_thread_clears_the_answers_from_the_unread_count(client, reviewer, manager):
    message = request_to_districts(reviewer)
    exchange.reply_to_message(
        actor=manager, message=message, agency=Agency.objects.get(code="VUNGTAU"), body="Trả lời."
    )
    client.force_login(reviewer)
    assert 'data-testid="unread-count"' in client.get(reverse("home")).content.decode()
    client.get(reverse("activities:message", args=[message.pk]))  # the thread shows the answer
    assert 'data-testid="unread-count"' not in client.get(reverse("home")).content.decode()
