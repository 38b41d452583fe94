"""Reading and answering a message, what "overdue" means, and reminding those who have not
answered (by hand, and every morning: the day before the date to answer by, on it, and once a
week after it, never every day)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from activities.exchange import notifications, services
from activities.exchange.models import Message, MessageRecipient
from activities.exchange.services import MessageError
from activities.exchange.tasks import remind_due_requests
from agencies.models import Agency
from agencies.permissions import sync_user_groups
from agencies.services import grant_membership
from notifications import delivery
from notifications.models import Kind, Notification
from tests.factories import make_user, reply, send_message, send_request
from tests.support import DISTRICTS, FlakyBackend

pytestmark = pytest.mark.django_db


def test_a_district_reads_and_answers_and_sngv_sees_who_is_missing(reviewer, manager):
    message = send_request(reviewer)
    vungtau = Agency.objects.get(code="VUNGTAU")
    assert services.mark_read(actor=manager, message=message) == 1
    row = message.recipients.get(agency=vungtau)
    assert row.read_by == manager and row.read_at is not None
    reply = services.reply_to_message(
        actor=manager, message=message, agency=vungtau, body="Đã đón 3 đoàn."
    )
    assert reply.thread == message and reply.subject.startswith("Trả lời:")
    assert list(reply.recipients.values_list("agency__code", flat=True)) == ["SNGV"]
    missing = services.missing_answers(message)
    assert len(missing) == 7 and vungtau not in [r.agency for r in missing]
    assert message.recipients.get(agency=vungtau).answer == reply


def test_reading_is_recorded_per_agency_not_per_person(reviewer, manager):
    message = send_request(reviewer)
    colleague = make_user("dongnghiep", "VUNGTAU", "staff")
    services.mark_read(actor=manager, message=message)
    assert services.mark_read(actor=colleague, message=message) == 0
    assert message.recipients.get(agency__code="VUNGTAU").read_by == manager


def test_a_forged_reply_is_refused(reviewer, manager, staff):
    message = send_request(reviewer)
    both = make_user("haidonvi", "VUNGTAU", "staff")  # a district's, and a department's
    grant_membership(actor=None, user=both, agency=Agency.objects.get(code="SLDTBXH"), role="staff")
    sync_user_groups(both)
    with pytest.raises(MessageError, match="không nhận được"):
        services.reply_to_message(
            actor=both, message=message, agency=Agency.objects.get(code="SLDTBXH"), body="x"
        )
    with pytest.raises(MessageError, match="không được gửi văn bản thay mặt"):
        services.reply_to_message(
            actor=reviewer, message=message, agency=Agency.objects.get(code="VUNGTAU"), body="x"
        )
    # Not a party at all: the service refuses on its own, whatever the view checked.
    for agency in ("SLDTBXH", "VUNGTAU"):
        with pytest.raises(MessageError, match=re.escape(not_a_party())):
            services.reply_to_message(
                actor=staff, message=message, agency=Agency.objects.get(code=agency), body="x"
            )
    assert Message.objects.count() == 1


def not_a_party() -> str:
    return gettext("None of your agencies sent or received this message.")


def test_an_unanswered_request_past_its_date_is_overdue(reviewer):
    message = send_request(reviewer)
    row = message.recipients.first()
    overdue = MessageRecipient.objects.overdue
    assert not overdue(timezone.localdate()).filter(pk=row.pk).exists()
    assert not overdue(message.due_date).filter(pk=row.pk).exists()  # due today: not yet
    assert overdue(message.due_date + timedelta(days=1)).filter(pk=row.pk).exists()


def test_an_answered_request_and_other_kinds_are_never_overdue(reviewer, manager):
    message = send_request(reviewer)
    reply(manager, message, body="Xong.")
    send_message(reviewer)
    later = message.due_date + timedelta(days=1)
    late = MessageRecipient.objects.overdue(later)
    assert sorted(late.values_list("agency__code", flat=True)) == sorted(
        set(DISTRICTS) - {"VUNGTAU"}
    )
    assert set(late.values_list("message_id", flat=True)) == {message.pk}


def test_the_inbox_the_message_page_and_the_reminder_agree_on_what_is_overdue(
    client, reviewer, manager, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    late = send_request(reviewer)
    dated(late, due=today - timedelta(days=1), sent=today - timedelta(days=7))
    due_today = send_request(reviewer)
    dated(due_today, due=today, sent=today - timedelta(days=7))
    client.force_login(manager)
    response = client.get(reverse("exchange:inbox"), {"state": "overdue"})
    assert [m.pk for m in response.context["page"].object_list] == [late.pk]
    for message, overdue in [(late, True), (due_today, False)]:
        response = client.get(reverse("exchange:message", args=[message.pk]))
        assert [r.overdue for r in response.context["recipients"]] == [overdue]
        assert ("quá hạn" in response.content.decode()) is overdue
    with django_capture_on_commit_callbacks(execute=True):
        # overdue (its date was yesterday, its first reminder day), and due today
        assert notifications.remind_due_requests(today=today) == 2


def test_only_requests_are_reminded_and_recipients_see_only_their_own_state(
    client, reviewer, manager
):
    info = send_message(reviewer, to=DISTRICTS)
    with pytest.raises(MessageError, match="Chỉ nhắc được"):
        services.remind_missing(actor=reviewer, message=info)
    client.force_login(manager)
    response = client.get(reverse("exchange:message", args=[info.pk]))
    assert [r.agency.code for r in response.context["recipients"]] == ["VUNGTAU"]
    client.force_login(reviewer)
    response = client.get(reverse("exchange:message", args=[info.pk]))
    assert len(response.context["recipients"]) == 8


def test_the_sender_sees_every_recipients_row_a_recipient_only_its_own(
    reviewer, manager, staff, leader
):
    message = send_request(reviewer)
    rows = MessageRecipient.objects.filter(message=message)
    assert rows.seen_by(reviewer).count() == 8
    assert list(rows.seen_by(manager).values_list("agency__code", flat=True)) == ["VUNGTAU"]
    assert not rows.seen_by(staff).exists() and not rows.seen_by(leader).exists()
    # a user of both sides sees every row of what their agency sent
    both = make_user("sngvvt", "VUNGTAU", "staff")
    grant_membership(actor=None, user=both, agency=Agency.objects.get(code="SNGV"), role="staff")
    assert message.recipients.seen_by(both).count() == 8


def test_nobody_is_reminded_once_everyone_answered(reviewer, manager):
    request = send_message(
        reviewer,
        kind="request",
        subject="Đề nghị",
        due_date=timezone.localdate() + timedelta(days=1),
    )
    reply(manager, request, body="Xong.")
    with pytest.raises(MessageError, match="không còn ai để nhắc"):
        services.remind_missing(actor=reviewer, message=request)


def test_the_daily_job_reminds_requests_due_tomorrow_and_overdue(
    reviewer, manager, django_capture_on_commit_callbacks
):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    today = timezone.localdate()
    month_ago = today - timedelta(days=30)
    due_soon = send_request(reviewer)
    dated(due_soon, due=today + timedelta(days=1), sent=month_ago)
    overdue = send_request(reviewer)
    dated(overdue, due=today - timedelta(days=3), sent=month_ago)  # never reminded yet
    later = send_request(reviewer)
    dated(later, due=today + timedelta(days=9), sent=month_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_due_requests() == 2
    assert sorted(reminders_told(manager)) == [Kind.REQUEST_DUE, Kind.REQUEST_OVERDUE]
    assert sorted(m.subject for m in mail.outbox) == sorted(
        [
            reminder_subject(Kind.REQUEST_DUE, due_soon),
            reminder_subject(Kind.REQUEST_OVERDUE, overdue),
        ]
    )
    assert [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]] * 2
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_due_requests() == 0  # run again the same day: nobody is written to
    assert len(mail.outbox) == 2 and len(reminders_told(manager)) == 2
    reminded = MessageRecipient.objects.filter(reminded_at__isnull=False)
    assert set(reminded.values_list("message_id", flat=True)) == {due_soon.pk, overdue.pk}


def test_the_beat_schedule_runs_the_daily_reminders(settings):
    from doingoai.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["remind-due-requests"]
    assert entry["task"] == remind_due_requests.name == "activities.tasks.remind_due_requests"
    assert entry["task"] in app.tasks  # the name in the schedule is a registered task


def test_only_the_sender_reminds_and_the_service_checks_it_itself(
    reviewer, manager, staff, admin_user
):
    message = send_request(reviewer)
    with pytest.raises(MessageError, match="không được gửi văn bản thay mặt Sở Ngoại vụ"):
        services.remind_missing(actor=manager, message=message)  # a recipient
    for outsider in (staff, admin_user):
        with pytest.raises(MessageError, match=re.escape(not_a_party())):
            services.remind_missing(actor=outsider, message=message)
    assert not message.recipients.filter(reminded_at__isnull=False).exists()


def test_a_request_is_reminded_once_a_day_however_often_the_button_is_pressed(
    reviewer, manager, django_capture_on_commit_callbacks
):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    message = send_request(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(services.remind_missing(actor=reviewer, message=message)) == 8
    assert len(mail.outbox) == 1
    # The second click waits for the first one's lock, then finds its reminder: refused,
    # nothing queued, nothing written.
    reminded = dict(message.recipients.values_list("pk", "reminded_at"))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(MessageError, match=re.escape(already_reminded())),
    ):
        services.remind_missing(actor=reviewer, message=message)
    assert callbacks == [] and len(mail.outbox) == 1
    assert dict(message.recipients.values_list("pk", "reminded_at")) == reminded
    # The next day, it may be reminded again.
    yesterday = timezone.now() - timedelta(days=1)
    message.recipients.update(reminded_at=yesterday)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(services.remind_missing(actor=reviewer, message=message)) == 8
    assert len(mail.outbox) == 2


def test_a_reminder_by_hand_is_worded_in_the_portals_language(reviewer, manager):
    request = send_request(reviewer)
    with translation.override("en"):  # whatever language the reviewer reads the portal in
        services.remind_missing(actor=reviewer, message=request)
    told = Notification.objects.get(recipient=manager, kind=Kind.REQUEST_DUE)
    with translation.override("vi"):
        asks = gettext(
            "%(agency)s asks for an answer by %(date)s; your agency has not answered yet."
        )
    answer_by = request.due_date.strftime("%d/%m/%Y")
    assert told.detail == asks % {"agency": request.sender_agency.name, "date": answer_by}


def test_a_request_the_daily_job_reminded_this_morning_is_not_reminded_again_by_hand(reviewer):
    message = send_request(reviewer)
    today = timezone.localdate()
    dated(message, due=today, sent=today - timedelta(days=7))
    assert notifications.remind_due_requests(today=today) == 1
    with pytest.raises(MessageError, match=re.escape(already_reminded())):
        services.remind_missing(actor=reviewer, message=message)


def already_reminded() -> str:
    return gettext("The agencies that have not answered were already reminded today.")


def reminder_subject(kind: Kind, message: Message) -> str:
    """The subject of the e-mail of a reminder of `message` (REQUEST_DUE or
    REQUEST_OVERDUE), as the portal writes it: in Vietnamese."""
    with translation.override("vi"):
        return f"{kind.label}: {message.subject}"


def reminders_told(user) -> list[str]:
    """The kinds of the reminders `user` was told of, oldest first (those of one run in
    any order)."""
    told = Notification.objects.filter(
        recipient=user, kind__in=[Kind.REQUEST_DUE, Kind.REQUEST_OVERDUE]
    )
    return list(told.order_by("created_at", "pk").values_list("kind", flat=True))


def made_up_by_the_daily_job() -> int:
    """Run the notifications' daily job once the reminders' e-mails waiting are older than
    a task's retry window (delivery.LOST_AFTER): it sends those whose task was lost or gave
    up. Returns how many e-mails went."""
    before = len(mail.outbox)
    reminders = Notification.objects.filter(kind__in=[Kind.REQUEST_DUE, Kind.REQUEST_OVERDUE])
    reminders.filter(emailed_at=None).update(
        created_at=timezone.now() - delivery.LOST_AFTER - timedelta(minutes=1)
    )
    delivery.send_digests(today=timezone.localdate())
    return len(mail.outbox) - before


# ---------------------------------------------------------------------------- the schedule

DUE = date(2026, 12, 10)  # a Thursday; the rule counts days, not weekdays


def morning(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(7, 0)))


def dated(message: Message, *, due: date, sent: date) -> None:
    """`message` as if sent on the morning of `sent`, to be answered by `due`."""
    Message.objects.filter(pk=message.pk).update(due_date=due, created_at=morning(sent))


def run_daily_job(day: date) -> int:
    """The daily job as it runs on the morning of `day`: its stamps (written with the real
    clock) are moved to that morning, so that the next simulated day sees them as they
    would be."""
    before = dict(MessageRecipient.objects.values_list("pk", "reminded_at"))
    reminded = notifications.remind_due_requests(today=day)
    stamped = [
        pk
        for pk, at in MessageRecipient.objects.values_list("pk", "reminded_at")
        if at != before[pk]
    ]
    MessageRecipient.objects.filter(pk__in=stamped).update(reminded_at=morning(day))
    return reminded


def days_reminded(first: date, last: date, skip: tuple[date, ...] = ()) -> list[int]:
    """The days (counted from DUE) on which the daily job, run every morning from `first` to
    `last` except the days of `skip`, reminded something."""
    days = []
    day = first
    while day <= last:
        if day not in skip and run_daily_job(day):
            days.append((day - DUE).days)
        day += timedelta(days=1)
    return days


@pytest.mark.parametrize(
    ("offset", "reminder_day"),
    [
        (-30, None),
        (-2, None),  # two days before: too early
        (-1, -1),  # the day before
        (0, 0),  # the date to answer by
        (1, 0),  # the days after it fall back to it: nothing new to remind
        (6, 0),
        (7, 7),  # a week late
        (8, 7),
        (13, 7),
        (14, 14),
        (20, 14),
        (21, 21),
        (365, 364),
    ],
)
def test_the_reminder_day_is_the_day_before_the_date_the_date_and_every_week_after(
    offset, reminder_day
):
    expected = None if reminder_day is None else DUE + timedelta(days=reminder_day)
    assert notifications.reminder_day(DUE, DUE + timedelta(days=offset)) == expected


def test_an_unanswered_request_is_reminded_the_day_before_on_the_day_and_weekly_never_daily(
    reviewer, manager, django_capture_on_commit_callbacks
):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    dated(send_request(reviewer), due=DUE, sent=DUE - timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        reminded = days_reminded(DUE - timedelta(days=10), DUE + timedelta(days=30))
    assert reminded == [-1, 0, 7, 14, 21, 28]
    assert [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]] * 6  # one e-mail a reminder


def test_the_reminders_stop_once_every_recipient_answered(
    reviewer, manager, django_capture_on_commit_callbacks
):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    message = send_request(reviewer, to=["VUNGTAU"])
    dated(message, due=DUE, sent=DUE - timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):  # the e-mails go at its end
        assert days_reminded(DUE - timedelta(days=3), DUE + timedelta(days=9)) == [-1, 0, 7]
    reply(manager, message, body="Đã báo cáo.")
    with django_capture_on_commit_callbacks(execute=True):
        assert days_reminded(DUE + timedelta(days=10), DUE + timedelta(days=40)) == []
    due, late = Kind.REQUEST_DUE, Kind.REQUEST_OVERDUE
    assert reminders_told(manager) == [due, due, late]
    assert [m.subject for m in mail.outbox] == [
        reminder_subject(due, message),
        reminder_subject(due, message),
        reminder_subject(late, message),
    ]


def test_a_day_the_job_did_not_run_is_made_up_the_next_morning_and_the_week_goes_on(
    reviewer, manager, django_capture_on_commit_callbacks
):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    dated(send_request(reviewer), due=DUE, sent=DUE - timedelta(days=20))
    skipped = (DUE - timedelta(days=1), DUE + timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        reminded = days_reminded(DUE - timedelta(days=3), DUE + timedelta(days=15), skip=skipped)
    assert reminded == [0, 8, 14]
    assert len(mail.outbox) == 3


def test_a_request_sent_the_day_before_its_date_is_reminded_on_its_date_only(reviewer):
    dated(send_request(reviewer), due=DUE, sent=DUE - timedelta(days=1))
    assert days_reminded(DUE - timedelta(days=1), DUE + timedelta(days=6)) == [0]


def test_a_reminder_by_hand_counts_for_the_day_it_was_sent(reviewer):
    message = send_request(reviewer)
    dated(message, due=DUE, sent=DUE - timedelta(days=20))
    assert days_reminded(DUE - timedelta(days=1), DUE + timedelta(days=2)) == [-1, 0]
    # Reminded by hand on the morning of the day a week late: the job adds nothing that day,
    # and the week after it reminds again.
    message.recipients.update(reminded_at=morning(DUE + timedelta(days=7)) - timedelta(hours=1))
    assert days_reminded(DUE + timedelta(days=3), DUE + timedelta(days=14)) == [14]


@pytest.mark.postgres
def test_reminding_locks_the_request_first(reviewer):
    message = send_request(reviewer)
    with CaptureQueriesContext(connection) as queries:
        services.remind_missing(actor=reviewer, message=message)
    sql = [q["sql"] for q in queries.captured_queries]
    locks = [i for i, text in enumerate(sql) if "FOR UPDATE" in text]
    assert len(locks) == 1 and 'FOR UPDATE OF "activities_message"' in sql[locks[0]]
    # before the recipients' state is read: a second click waits and then sees the first's
    reads = [
        i
        for i, text in enumerate(sql)
        if i not in locks and text.startswith("SELECT") and '"activities_messagerecipient"' in text
    ]
    assert locks[0] < min(reads)


def test_opening_a_message_is_for_its_parties_only_whoever_calls_the_service(
    reviewer, manager, staff, admin_user
):
    message = send_request(reviewer)
    for outsider in (staff, admin_user):
        with pytest.raises(MessageError, match=re.escape(not_a_party())):
            services.read_message(actor=outsider, message=message)
    page = services.read_message(actor=manager, message=message)
    assert page.thread == [message] and [r.agency.code for r in page.recipients] == ["VUNGTAU"]
    assert page.recipients[0].read_by == manager  # opening it read it
    assert not page.can_remind and not page.can_handle and page.history == []


@pytest.mark.postgres
def test_the_daily_job_locks_the_requests_it_reminds_then_chooses_again(reviewer):
    today = timezone.localdate()
    dated(send_request(reviewer), due=today, sent=today - timedelta(days=7))
    with CaptureQueriesContext(connection) as queries:
        assert notifications.remind_due_requests(today=today) == 1
    sql = [q["sql"] for q in queries.captured_queries]
    locks = [i for i, text in enumerate(sql) if "FOR UPDATE" in text]
    assert len(locks) == 1 and '"activities_message"' in sql[locks[0]]
    # the choice is made again after the lock: a run that waited sees the first one's stamps
    chosen = [i for i, text in enumerate(sql) if 'MAX("activities_messagerecipient"' in text]
    assert len(chosen) == 2 and chosen[0] < locks[0] < chosen[1]


def test_a_reminder_keeps_the_key_it_was_queued_with(
    reviewer, manager, django_capture_on_commit_callbacks
):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    today = timezone.localdate()
    message = send_request(reviewer)
    dated(message, due=today, sent=today - timedelta(days=7))
    with django_capture_on_commit_callbacks() as callbacks:
        assert notifications.remind_due_requests(today=today) == 1
    callbacks[0]()
    # Redelivered after another reminder stamped the recipients: still this reminder.
    message.recipients.update(reminded_at=timezone.now() + timedelta(minutes=5))
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_a_reminder_whose_email_could_not_be_queued_is_emailed_by_the_daily_job(
    reviewer, manager, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    # The reminder is its notifications, written with the stamps: a broker that is down at
    # the commit loses the e-mails' task only, which the notifications' daily job makes up.
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    today = timezone.localdate()
    message = send_request(reviewer)
    dated(message, due=today, sent=today - timedelta(days=7))

    def broker_down(*args, **kwargs):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(delivery.send_event_emails, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.remind_due_requests(today=today) == 1
    assert "request-reminder:" in caplog.text and "could not be queued" in caplog.text
    assert message.recipients.filter(reminded_at__isnull=False).count() == 8
    assert reminders_told(manager) == [Kind.REQUEST_DUE] and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.remind_due_requests(today=today) == 0  # reminded: not again

    monkeypatch.undo()  # the broker is back
    assert made_up_by_the_daily_job() == 1
    assert made_up_by_the_daily_job() == 0  # the job again: nobody twice
    assert [m.subject for m in mail.outbox] == [reminder_subject(Kind.REQUEST_DUE, message)]


def test_a_reminder_by_hand_the_mail_server_refused_is_emailed_once_it_is_back(
    settings, reviewer, manager, django_capture_on_commit_callbacks
):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    request = send_request(reviewer)
    settings.EMAIL_BACKEND = "tests.support.FlakyBackend"
    FlakyBackend.failures_left = 100  # down: without a broker the task runs here and fails
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert len(services.remind_missing(actor=reviewer, message=request)) == 8
    finally:
        FlakyBackend.failures_left = 0
    # The reminder was made: its recipients were told under the bell, and a second click
    # the same day is refused (it would tell them nothing new) instead of e-mailing twice.
    assert request.recipients.filter(reminded_at__isnull=False).count() == 8
    assert reminders_told(manager) == [Kind.REQUEST_DUE] and mail.outbox == []
    with pytest.raises(MessageError, match=re.escape(already_reminded())):
        services.remind_missing(actor=reviewer, message=request)
    # Its e-mail waits for the task's retry, or, failing that, the daily job.
    assert made_up_by_the_daily_job() == 1
    assert made_up_by_the_daily_job() == 0
    assert [m.to for m in mail.outbox] == [["minh@vungtau.gov.vn"]]
