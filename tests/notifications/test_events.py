"""Every decision tells the people it concerns, from both sides: the right people get the
notification and its e-mail (as they chose: at once, in the digest, or not), others do not
(another agency's staff, the one who decided, an inactive account), a retried task writes to
nobody twice, and a decision rolled back leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from activities import services as activity_services
from activities.exchange import notifications as exchange_notifications
from activities.exchange import services as exchange_services
from activities.exchange.models import Message
from agencies.models import User
from doingoai.models import EmailDelivery
from notifications import delivery
from notifications.models import EmailChoice, Kind, Notification
from notifications.services import set_preferences
from reports import agency_reports
from reports import notifications as report_notifications
from tests.factories import (
    make_activity,
    make_agency_report,
    make_consolidated_report,
    make_periods,
    make_user,
    reply,
    report_difficulty,
    send_message,
    send_request,
)
from tests.support import own_queue, redis_worker_app, wait_for, with_real_worker

pytestmark = pytest.mark.django_db


def told(key: str) -> list[str]:
    """The usernames notified of event `key`, sorted."""
    return sorted(
        Notification.objects.filter(event=key).values_list("recipient__username", flat=True)
    )


def emailed() -> list[str]:
    """Who got an e-mail, once per e-mail, sorted (each e-mail has one addressee)."""
    assert all(len(m.to) == 1 for m in mail.outbox)
    return sorted(m.to[0] for m in mail.outbox)


def with_email(user: User, address: str) -> User:
    user.email = address
    user.save(update_fields=["email"])
    return user


def inactive(username: str, agency: str, role: str) -> User:
    user = make_user(username, agency, role, email=f"{username}@example.vn")
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


# ---------------------------------------------------------------------------- activities


@pytest.fixture
def sld(staff, reviewer, manager):
    """Sở Lao động's author (the cast's staff) and manager, a colleague of the author, an
    inactive manager, and those of other agencies who must hear nothing: Vũng Tàu's manager,
    the reviewer who decides."""
    with_email(staff, "lan@sld.gov.vn")
    with_email(reviewer, "nam@sngv.gov.vn")
    with_email(manager, "minh@vungtau.gov.vn")
    make_user("sldboss", "SLDTBXH", "manager", email="boss@sld.gov.vn")
    make_user("sldpeer", "SLDTBXH", "staff", email="peer@sld.gov.vn")
    inactive("sldgone", "SLDTBXH", "manager")
    return staff


def test_a_returned_activity_tells_its_author_and_the_agencys_managers_with_the_reason(
    sld, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://doingoai.example.vn"
    activity = make_activity(sld, status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        returned = activity_services.return_activity(
            actor=reviewer, activity=activity, version=activity.version, reason="Thiếu biên bản"
        )

    key = f"activity-returned:{activity.pk}:v{returned.version}"
    assert told(key) == ["sldboss", "staff"]  # not the colleague, the reviewer, Vũng Tàu
    notification = Notification.objects.get(event=key, recipient=sld)
    assert (notification.kind, notification.detail) == (Kind.ACTIVITY_RETURNED, "Thiếu biên bản")
    assert notification.url == f"/activities/{activity.pk}/"
    assert emailed() == ["boss@sld.gov.vn", "lan@sld.gov.vn"]
    email = mail.outbox[0]
    assert email.subject == f"Hoạt động bị trả lại: {activity.title}"
    assert "Thiếu biên bản" in email.body
    assert f"https://doingoai.example.vn/activities/{activity.pk}/" in email.body


def test_an_accepted_activity_tells_the_same_people_as_they_chose(
    sld, reviewer, django_capture_on_commit_callbacks
):
    boss = User.objects.get(username="sldboss")
    set_preferences(sld, {Kind.ACTIVITY_ACCEPTED: EmailChoice.NEVER})
    set_preferences(boss, {Kind.ACTIVITY_ACCEPTED: EmailChoice.DIGEST})
    activity = make_activity(sld, status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        accepted = activity_services.accept_activity(
            actor=reviewer, activity=activity, version=activity.version
        )

    key = f"activity-accepted:{activity.pk}:v{accepted.version}"
    assert told(key) == ["sldboss", "staff"]  # both read it in the portal
    assert mail.outbox == []  # one never by e-mail, the other in tomorrow's digest
    assert Notification.objects.get(recipient=boss).email == EmailChoice.DIGEST


def test_reviewing_several_activities_at_once_tells_each_activitys_people_once(
    sld, reviewer, manager, django_capture_on_commit_callbacks
):
    ours = make_activity(sld, status="submitted")
    theirs = make_activity(manager, agency="VUNGTAU", status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        result = activity_services.review_many(
            actor=reviewer,
            versions={ours.pk: ours.version, theirs.pk: theirs.version},
            action="return",
            reason="Bổ sung ảnh",
        )

    assert len(result.done) == 2
    assert told(f"activity-returned:{ours.pk}:v{ours.version + 1}") == ["sldboss", "staff"]
    assert told(f"activity-returned:{theirs.pk}:v{theirs.version + 1}") == ["manager"]
    assert emailed() == ["boss@sld.gov.vn", "lan@sld.gov.vn", "minh@vungtau.gov.vn"]


def test_submitting_or_editing_an_activity_tells_nobody(sld, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_activity(sld, status="submitted")
    assert not Notification.objects.exists() and mail.outbox == []


def test_a_decision_rolled_back_leaves_no_notification_and_no_email(
    sld, reviewer, django_capture_on_commit_callbacks
):
    activity = make_activity(sld, status="submitted")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        activity_services.return_activity(
            actor=reviewer, activity=activity, version=activity.version, reason="Thiếu"
        )
        raise RuntimeError("the request failed after the decision")

    assert not Notification.objects.exists() and mail.outbox == []


def test_a_retried_email_task_writes_to_nobody_twice(
    sld, reviewer, django_capture_on_commit_callbacks
):
    activity = make_activity(sld, status="submitted")
    with django_capture_on_commit_callbacks(execute=True):
        returned = activity_services.return_activity(
            actor=reviewer, activity=activity, version=activity.version, reason="Thiếu"
        )
    key = f"activity-returned:{activity.pk}:v{returned.version}"
    assert delivery.send_event_emails(key) == 0
    Notification.objects.update(emailed_at=None)  # the worker died before marking them
    assert delivery.send_event_emails(key) == 0
    assert emailed() == ["boss@sld.gov.vn", "lan@sld.gov.vn"]


# ---------------------------------------------------------------------------- agency reports


@pytest.fixture
def sld_report(sld, reviewer):
    make_periods(2020)
    boss = User.objects.get(username="sldboss")
    return make_agency_report("2020-H1", "SLDTBXH", status="submitted", sender=boss)


def test_a_returned_agency_report_tells_those_who_write_it_with_the_reason(
    sld_report, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        returned = agency_reports.return_agency_report(
            actor=reviewer, report=sld_report, version=sld_report.version, reason="Thiếu số liệu"
        )

    key = f"agency-report-returned:{sld_report.pk}:v{returned.version}"
    # Its agency's members who write for it (the colleague too), not the reviewer, not
    # another agency's, not an inactive account.
    assert told(key) == ["sldboss", "sldpeer", "staff"]
    notification = Notification.objects.get(event=key, recipient__username="staff")
    assert (notification.kind, notification.detail) == (Kind.REPORT_RETURNED, "Thiếu số liệu")
    assert notification.url == sld_report.get_absolute_url()
    assert emailed() == ["boss@sld.gov.vn", "lan@sld.gov.vn", "peer@sld.gov.vn"]
    assert "Thiếu số liệu" in mail.outbox[0].body


def test_an_accepted_agency_report_tells_its_members(
    sld_report, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        accepted = agency_reports.accept_agency_report(
            actor=reviewer, report=sld_report, version=sld_report.version
        )
    key = f"agency-report-accepted:{sld_report.pk}:v{accepted.version}"
    assert told(key) == ["sldboss", "sldpeer", "staff"]
    assert {n.kind for n in Notification.objects.all()} == {Kind.REPORT_ACCEPTED}
    assert emailed() == ["boss@sld.gov.vn", "lan@sld.gov.vn", "peer@sld.gov.vn"]


def test_the_report_deadline_reminder_tells_the_members_of_the_agencies_that_have_not_sent(
    sld, reviewer, django_capture_on_commit_callbacks
):
    period = make_periods(2020)["2020-H1"]
    boss = User.objects.get(username="sldboss")
    make_agency_report(period, "SLDTBXH", status="submitted", sender=boss)  # sent: not told
    make_user("sytstaff", "SYT", "staff", email="an@syt.vn")
    day = period.deadline - timedelta(days=3)  # REPORT_REMIND_DAYS_BEFORE
    with django_capture_on_commit_callbacks(execute=True):
        assert agency_reports.remind_due_agencies(today=day) > 0
        assert agency_reports.remind_due_agencies(today=day) == 0  # beat ran it twice

    deadline = Notification.objects.filter(kind=Kind.REPORT_DEADLINE)
    # Sở Y tế's, Vũng Tàu's and Sở Ngoại vụ's own members (it reports too); Sở Lao động sent.
    assert set(deadline.values_list("recipient__username", flat=True)) == {
        "sytstaff",
        "manager",
        "reviewer",
    }
    assert "an@syt.vn" in emailed() and "lan@sld.gov.vn" not in emailed()
    assert len(emailed()) == len(set(emailed()))  # once each
    syt = deadline.get(recipient__username="sytstaff")
    syt_report = period.agency_reports.get(agency__code="SYT")
    assert syt.event.startswith(f"agency-report-reminder:{syt_report.pk}:")
    assert period.deadline.strftime("%d/%m/%Y") in syt.detail


# ---------------------------------------------------------------------------- consolidated report


def test_an_issued_report_tells_the_leaders_and_the_other_reviewers(
    sld, reviewer, leader, django_capture_on_commit_callbacks
):
    make_periods(2020)
    with_email(leader, "hung@ubnd.gov.vn")
    make_user("reviewer2", "SNGV", "reviewer", email="thu@sngv.gov.vn")
    make_user("sngvstaff", "SNGV", "staff", email="ha@sngv.gov.vn")  # reviews nothing
    inactive("leadergone", "UBNDTINH", "leader")
    with django_capture_on_commit_callbacks(execute=True):
        report = make_consolidated_report("2020-H1", actor=reviewer, status="issued")

    key = f"report-issued:{report.pk}"
    assert told(key) == ["leader", "reviewer2"]  # not the reviewer who issued it
    notification = Notification.objects.get(event=key, recipient=leader)
    assert report.number_display in notification.title
    # The issued reports' page: the consolidated report's own page is the reviewers' (404
    # to a leader).
    assert notification.url == reverse("reports:issued")
    assert emailed() == ["hung@ubnd.gov.vn", "thu@sngv.gov.vn"]
    # The former task, redelivered after the deploy, writes to nobody again.
    assert report_notifications.notify_leaders(report.pk) == 0
    assert len(mail.outbox) == 2


# ---------------------------------------------------------------------------- exchange


@pytest.fixture
def districts(reviewer, manager):
    """Vũng Tàu's manager and Bà Rịa's staff member read what is sent to their agencies."""
    with_email(reviewer, "nam@sngv.gov.vn")
    with_email(manager, "minh@vungtau.gov.vn")
    make_user("baria", "BARIA", "staff", email="lan@baria.gov.vn")
    make_user("sngv2", "SNGV", "staff", email="thu@sngv.gov.vn")
    inactive("vtgone", "VUNGTAU", "staff")
    return manager


def test_a_request_tells_the_readers_of_each_recipient_agency_with_its_date(
    districts, reviewer, staff, django_capture_on_commit_callbacks
):
    due = timezone.localdate() + timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        message = send_request(reviewer, to=["VUNGTAU", "BARIA"], due_date=due)

    assert told(f"message:{message.pk}") == ["baria", "manager"]  # not SNGV, nor Sở Lao động
    assert {n.kind for n in Notification.objects.all()} == {Kind.REQUEST_RECEIVED}
    assert due.strftime("%d/%m/%Y") in Notification.objects.first().detail
    assert emailed() == ["lan@baria.gov.vn", "minh@vungtau.gov.vn"]


def test_a_message_and_its_reply_tell_the_other_side(
    districts, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = send_message(reviewer, to=["VUNGTAU"], subject="Lịch đón đoàn")
    assert told(f"message:{message.pk}") == ["manager"]
    assert Notification.objects.get().kind == Kind.MESSAGE_RECEIVED

    with django_capture_on_commit_callbacks(execute=True):
        answer = reply(districts, message, body="Đã nhận.")
    # The sender agency's readers, the reviewer included; not the one who replied.
    assert told(f"message:{answer.pk}") == ["reviewer", "sngv2"]
    assert emailed() == ["minh@vungtau.gov.vn", "nam@sngv.gov.vn", "thu@sngv.gov.vn"]


def test_a_handled_difficulty_tells_the_agency_that_reported_it_each_time(
    districts, reviewer, staff, django_capture_on_commit_callbacks
):
    with_email(staff, "lan@sld.gov.vn")
    difficulty = report_difficulty(staff)
    Notification.objects.all().delete()
    for status, response in [("handling", ""), ("resolved", "Đã hướng dẫn quy trình.")]:
        with django_capture_on_commit_callbacks(execute=True):
            exchange_services.handle_difficulty(
                actor=reviewer, message=difficulty, status=status, response=response
            )

    handled = Notification.objects.filter(kind=Kind.DIFFICULTY_HANDLED).order_by("pk")
    assert [n.recipient.username for n in handled] == ["staff", "staff"]  # two decisions
    assert handled[0].detail == "Tình trạng xử lý: Đang xử lý"
    assert handled[1].detail == "Tình trạng xử lý: Đã giải quyết\nĐã hướng dẫn quy trình."
    assert handled[0].event != handled[1].event
    assert emailed() == ["lan@sld.gov.vn", "lan@sld.gov.vn"]


def test_the_daily_request_reminder_tells_those_who_have_not_answered_due_then_overdue(
    districts, reviewer, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    message = send_request(reviewer, to=["VUNGTAU", "BARIA"], due_date=today + timedelta(days=1))
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=3))
    reply(districts, message, body="Xong.")  # Vũng Tàu answered
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert exchange_notifications.remind_due_requests(today=today) == 1
        assert exchange_notifications.remind_due_requests(today=today) == 0  # twice a day

    [due] = Notification.objects.all()
    assert (due.recipient.username, due.kind) == ("baria", Kind.REQUEST_DUE)
    assert emailed() == ["lan@baria.gov.vn"]

    week_after = today + timedelta(days=8)
    with django_capture_on_commit_callbacks(execute=True):
        assert exchange_notifications.remind_due_requests(today=week_after) == 1
    overdue = Notification.objects.get(kind=Kind.REQUEST_OVERDUE)
    assert overdue.recipient.username == "baria" and overdue.event != due.event
    assert emailed() == ["lan@baria.gov.vn", "lan@baria.gov.vn"]


def test_a_reminder_by_hand_tells_the_missing_agencies_not_the_one_who_reminds(
    districts, reviewer, django_capture_on_commit_callbacks
):
    make_user("sngvreviewer", "SNGV", "reviewer", email="hoa@sngv.gov.vn")
    message = send_request(reviewer, to=["VUNGTAU", "BARIA"])
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        exchange_services.remind_missing(actor=reviewer, message=message)
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "baria",
        "manager",
    ]
    assert {n.kind for n in Notification.objects.all()} == {Kind.REQUEST_DUE}


def test_the_former_message_task_redelivered_after_the_deploy_writes_to_nobody_twice(
    districts, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = send_message(reviewer, to=["VUNGTAU"])
    assert exchange_notifications.send_message_emails(message.pk) == 0
    assert emailed() == ["minh@vungtau.gov.vn"]


def test_the_former_message_task_of_a_message_sent_before_the_deploy_tells_its_readers(
    districts, reviewer, django_capture_on_commit_callbacks
):
    message = send_message(reviewer, to=["VUNGTAU"])
    Notification.objects.all().delete()  # sent by the code of before: nobody was notified
    with django_capture_on_commit_callbacks(execute=True):
        assert exchange_notifications.send_message_emails(message.pk) == 1
    assert told(f"message:{message.pk}") == ["manager"]
    assert emailed() == ["minh@vungtau.gov.vn"]


# ---------------------------------------------------------------------------- a real worker


TASK = delivery.send_event_emails.name


@with_real_worker
def test_an_events_email_is_sent_once_by_a_real_worker_even_delivered_twice(districts, reviewer):
    finished: list[str] = []

    def record(sender=None, state=None, **kwargs):
        if sender is not None and sender.name == TASK:
            finished.append(state)

    task_postrun.connect(record, weak=False)
    try:
        with (
            own_queue("events-test") as queue,
            redis_worker_app(queue, "notifications") as app,
            start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"),
        ):
            message = send_message(reviewer, to=["VUNGTAU", "BARIA"])  # committed: queued
            key = f"message:{message.pk}"
            delivery.send_event_emails.apply_async(args=[key])  # and delivered a second time
            wait_for(lambda: len(finished) == 2, 30, "both deliveries to run")
    finally:
        task_postrun.disconnect(record)

    assert finished == ["SUCCESS", "SUCCESS"]
    assert emailed() == ["lan@baria.gov.vn", "minh@vungtau.gov.vn"]
    assert EmailDelivery.objects.filter(event=key).count() == 2
