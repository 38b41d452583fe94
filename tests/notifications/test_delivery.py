"""E-mailing notifications: at once after the commit, or in one digest a day, never twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications import delivery
from notifications.models import EmailChoice, Kind, Notification
from notifications.services import Event, notify, set_preferences
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def event(key: str, title: str = "Đón đoàn Chiba") -> Event:
    return Event(
        kind=Kind.ACTIVITY_RETURNED,
        key=key,
        title=title,
        url="/activities/7/",
        detail="Lý do: thiếu danh sách đoàn.",
    )


@pytest.fixture
def lan(db):
    return make_user("lan", "SLDTBXH", "staff", email="lan@sld.gov.vn")


@pytest.fixture
def minh(db):
    return make_user("minh", "SLDTBXH", "manager", email="minh@sld.gov.vn")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def test_the_email_goes_after_the_commit_in_vietnamese_with_the_site_link(
    settings, lan, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://doingoai.example.vn/"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        notify([lan], event("activity-returned:7:v2"))
    assert mail.outbox == []  # nothing before the commit
    for callback in queued:
        callback()
    [email] = mail.outbox
    assert email.to == ["lan@sld.gov.vn"]
    assert email.subject == "Hoạt động bị trả lại: Đón đoàn Chiba"
    assert "Lý do: thiếu danh sách đoàn." in email.body
    assert "https://doingoai.example.vn/activities/7/" in email.body
    assert Notification.objects.get().emailed_at is not None


def test_only_those_who_chose_immediately_get_the_email_at_once(
    lan, minh, django_capture_on_commit_callbacks
):
    quiet = make_user("quiet", "SLDTBXH", "staff", email="quiet@sld.gov.vn")
    set_preferences(minh, {Kind.ACTIVITY_RETURNED: EmailChoice.DIGEST})
    set_preferences(quiet, {Kind.ACTIVITY_RETURNED: EmailChoice.NEVER})
    with django_capture_on_commit_callbacks(execute=True):
        notify([lan, minh, quiet], event("activity-returned:7:v2"))
    assert [m.to for m in mail.outbox] == [["lan@sld.gov.vn"]]
    assert Notification.objects.count() == 3  # all three read it in the portal


def test_a_retried_task_sends_nothing_twice(lan, minh, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify([lan, minh], event("activity-returned:7:v2"))
    assert len(mail.outbox) == 2
    assert delivery.send_event_emails("activity-returned:7:v2") == 0
    # A worker that died after the e-mails went and before marking them: the redelivered task
    # finds the deliveries recorded under the event and writes to nobody again.
    Notification.objects.update(emailed_at=None)
    assert delivery.send_event_emails("activity-returned:7:v2") == 0
    assert len(mail.outbox) == 2
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_one_digest_a_day_with_everything_before_seven(lan, minh):
    set_preferences(lan, {kind: EmailChoice.DIGEST for kind in Kind.values})
    set_preferences(minh, {kind: EmailChoice.DIGEST for kind in Kind.values})
    today = date(2026, 12, 1)
    for key, at in (
        ("a", local(today - timedelta(days=1), 10)),
        ("b", local(today, 6, 59)),
        ("c", local(today, 7, 1)),  # after the digest closed: tomorrow's
    ):
        notify([lan], event(key, title=f"Hoạt động {key}"))
        Notification.objects.filter(event=key).update(created_at=at)
    notify([minh], event("d", title="Hoạt động d"))
    Notification.objects.filter(event="d").update(created_at=local(today, 5))

    assert delivery.send_digests(today=today) == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"lan@sld.gov.vn", "minh@sld.gov.vn"}
    lan_digest = by_address["lan@sld.gov.vn"]
    assert lan_digest.subject == "Tóm tắt ngày 01/12/2026 của cổng thông tin: 2 thông báo"
    assert "Hoạt động a" in lan_digest.body and "Hoạt động b" in lan_digest.body
    assert "Hoạt động c" not in lan_digest.body and "Hoạt động d" not in lan_digest.body
    assert "/activities/7/" in lan_digest.body

    # The job run again the same day, or its task retried: nothing more.
    assert delivery.send_digests(today=today) == 0
    assert delivery.send_digest(lan.pk, today.isoformat()) == 0
    assert len(mail.outbox) == 2

    # The next day carries what came after seven.
    delivery.send_digests(today=today + timedelta(days=1))
    assert len(mail.outbox) == 3
    assert "Hoạt động c" in mail.outbox[2].body


def test_a_digest_retried_after_the_email_went_sends_it_once(lan):
    set_preferences(lan, {Kind.ACTIVITY_RETURNED: EmailChoice.DIGEST})
    today = date(2026, 12, 1)
    notify([lan], event("a"))
    Notification.objects.update(created_at=local(today, 6))
    assert delivery.send_digest(lan.pk, today.isoformat()) == 1
    Notification.objects.update(emailed_at=None)  # died before marking them
    assert delivery.send_digest(lan.pk, today.isoformat()) == 0
    assert len(mail.outbox) == 1


def test_an_immediate_email_whose_task_was_lost_goes_with_the_daily_job(lan):
    # Written without the commit's callback running: as if the broker had been down.
    notify([lan], event("lost"))
    # An hour later its task may still be retrying (backoff up to an hour): left to it.
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=1))
    delivery.send_digests(today=timezone.localdate())
    assert mail.outbox == []
    # Past the whole retry window, the daily job sends it.
    Notification.objects.update(created_at=timezone.now() - delivery.LOST_AFTER)
    delivery.send_digests(today=timezone.localdate())
    assert [m.to for m in mail.outbox] == [["lan@sld.gov.vn"]]


def test_no_digest_for_someone_with_nothing_or_no_address(lan):
    set_preferences(lan, {Kind.ACTIVITY_RETURNED: EmailChoice.DIGEST})
    today = date(2026, 12, 1)
    assert delivery.send_digests(today=today) == 0
    lan.email = ""
    lan.save()
    notify([lan], event("a"))
    assert Notification.objects.get().email == EmailChoice.NEVER
    assert delivery.send_digests(today=today + timedelta(days=1)) == 0
    assert mail.outbox == []


def test_turning_a_kind_off_holds_for_what_was_written_before(
    lan, minh, django_capture_on_commit_callbacks
):
    set_preferences(lan, {Kind.ACTIVITY_RETURNED: EmailChoice.DIGEST})
    today = date(2026, 12, 1)
    notify([lan], event("evening"))
    Notification.objects.update(created_at=local(today - timedelta(days=1), 20))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        notify([minh], event("at-once"))
    # Both turn the kind off before their e-mail goes.
    set_preferences(lan, {Kind.ACTIVITY_RETURNED: EmailChoice.NEVER})
    set_preferences(minh, {Kind.ACTIVITY_RETURNED: EmailChoice.NEVER})
    for callback in queued:
        callback()
    delivery.send_digests(today=today)
    assert mail.outbox == []
    assert set(Notification.objects.values_list("email", flat=True)) == {EmailChoice.NEVER}
