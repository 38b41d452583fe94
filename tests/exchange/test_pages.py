"""The pages of the information exchange: who opens what, the lists and their filters, the
message page, and what each page costs in queries."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.exchange import services
from activities.exchange.models import Message
from agencies import context_processors, permissions
from agencies.models import Agency
from tests.factories import (
    PDF_BYTES,
    make_activity,
    make_user,
    reply,
    report_difficulty,
    send_message,
    send_request,
)
from tests.support import DISTRICTS

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
    message = send_request(reviewer)
    client.force_login(cast[role])
    assert client.get(reverse("exchange:message", args=[message.pk])).status_code == expected


def test_the_exchange_lives_under_messages():
    assert reverse("exchange:inbox") == "/messages/"
    assert reverse("exchange:message", args=[7]) == "/messages/7/"
    assert reverse("exchange:attachment", args=[7, 3]) == "/messages/7/files/3/"


def test_only_those_who_act_for_an_agency_may_write(client, cast):
    for role, expected in [("leader", 404), ("outsider", 404), ("staff", 200)]:
        client.force_login(cast[role])
        assert client.get(reverse("exchange:new")).status_code == expected


def test_sngv_sends_to_all_districts_a_district_answers_sngv_reminds_the_rest(
    client, reviewer, manager
):
    client.force_login(reviewer)
    response = client.post(
        reverse("exchange:new"),
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
    assert response.status_code == 302 and response.url == message.get_absolute_url()
    assert set(message.recipients.values_list("agency__code", flat=True)) == set(DISTRICTS)

    client.force_login(manager)
    inbox = client.get(reverse("exchange:inbox")).content.decode()
    assert "Số liệu đón đoàn" in inbox and "mới" in inbox
    client.get(reverse("exchange:message", args=[message.pk]))  # reading marks it read
    client.post(
        reverse("exchange:reply", args=[message.pk]),
        {"agency": Agency.objects.get(code="VUNGTAU").pk, "body": "Đã đón 3 đoàn."},
    )
    assert message.recipients.get(agency__code="VUNGTAU").answer is not None

    client.force_login(reviewer)
    outbox = client.get(reverse("exchange:outbox")).content.decode()
    assert "1/8" in outbox
    response = client.post(reverse("exchange:remind", args=[message.pk]), follow=True)
    assert "Đã gửi nhắc nhở đến 7 đơn vị." in response.content.decode()


def test_a_forged_reply_from_a_non_recipient_is_refused(client, reviewer, staff):
    message = send_request(reviewer)
    client.force_login(staff)
    response = client.post(
        reverse("exchange:reply", args=[message.pk]),
        {"agency": Agency.objects.get(code="SLDTBXH").pk, "body": "x"},
    )
    assert response.status_code == 404
    assert Message.objects.count() == 1


def test_an_empty_answer_sends_nothing(client, reviewer, manager):
    message = send_request(reviewer)
    client.force_login(manager)
    response = client.post(
        reverse("exchange:reply", args=[message.pk]),
        {"agency": Agency.objects.get(code="VUNGTAU").pk, "body": ""},
        follow=True,
    )
    assert "chưa có gì được gửi" in response.content.decode()
    assert Message.objects.count() == 1


def test_bad_input_on_the_form_keeps_what_was_typed(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("exchange:new"),
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


def test_a_message_links_an_activity_only_if_the_sender_may_see_it(client, staff, syt_staff):
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
    response = client.post(reverse("exchange:new"), {**data, "activity": other.pk})
    assert "Không có hoạt động số" in response.content.decode()
    assert not Message.objects.exists()
    client.post(reverse("exchange:new"), {**data, "activity": own.pk})
    message = Message.objects.get()
    assert message.activity == own
    assert (
        reverse("activities:detail", args=[own.pk])
        in client.get(reverse("exchange:message", args=[message.pk])).content.decode()
    )


def test_message_files_follow_the_message_permission(client, reviewer, manager, staff):
    message = send_message(
        reviewer, subject="Tài liệu", body="Gửi kèm", attachments=["huong-dan.pdf"]
    )
    url = message.attachments.get().get_absolute_url()
    client.force_login(manager)
    response = client.get(url)
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(staff)
    assert client.get(url).status_code == 404


def test_inbox_filters_overdue_requests_and_searches_without_accents(client, reviewer, manager):
    overdue = send_request(reviewer)
    Message.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - timedelta(1))
    send_message(reviewer, kind="guidance", subject="Hướng dẫn đón đoàn", body="Chi tiết.")
    client.force_login(manager)
    response = client.get(reverse("exchange:inbox"), {"state": "overdue"})
    assert [m.pk for m in response.context["page"].object_list] == [overdue.pk]
    response = client.get(reverse("exchange:inbox"), {"q": "huong dan"})
    assert [m.subject for m in response.context["page"].object_list] == ["Hướng dẫn đón đoàn"]


def test_inbox_filters_unread_kind_and_sender(client, reviewer, manager):
    read = send_request(reviewer)
    guidance = send_message(
        reviewer, kind="guidance", subject="Hướng dẫn đón đoàn", body="Chi tiết."
    )
    client.force_login(manager)
    client.get(reverse("exchange:message", args=[read.pk]))
    inbox = reverse("exchange:inbox")

    def listed(**params) -> list[int]:
        return [m.pk for m in client.get(inbox, params).context["page"].object_list]

    assert listed() == [guidance.pk, read.pk]  # unread first
    assert listed(state="unread") == [guidance.pk]
    assert listed(kind="request") == [read.pk]
    assert listed(kind="nonsense") == [guidance.pk, read.pk]
    assert listed(agency=str(Agency.objects.get(code="SNGV").pk)) == [guidance.pk, read.pk]
    assert listed(agency=str(Agency.objects.get(code="BARIA").pk)) == []


@pytest.mark.parametrize(
    "params",
    [
        {"agency": "²"},  # a digit to str.isdigit, not to int()
        {"agency": "99999999999999999999"},  # more than any database integer holds
        {"agency": "2147483648"},  # one more than an id may be (doingoai.forms.MAX_INTEGER)
        {"agency": "٣"},  # an Arabic-Indic 3: int() reads it, an id is ASCII digits
        {"agency": " 3 "},
        {"agency": "-3"},
        {"state": "x"},
        {"kind": "<script>"},
        {"q": "đoàn\x00"},  # PostgreSQL refuses a NUL character in a string
    ],
)
@pytest.mark.parametrize(("list_name", "role"), [("inbox", "manager"), ("outbox", "reviewer")])
def test_crafted_filters_filter_nothing_on_both_lists(
    client, cast, reviewer, params, list_name, role
):
    message = send_request(reviewer)
    client.force_login(cast[role])
    response = client.get(reverse(f"exchange:{list_name}"), params)
    assert response.status_code == 200
    assert [m.pk for m in response.context["page"].object_list] == [message.pk]


def test_sent_list_searches_and_shows_requests_waiting_for_answers(client, reviewer):
    waiting = send_request(reviewer)
    send_message(reviewer, kind="guidance", subject="Hướng dẫn đón đoàn", body="Chi tiết.")
    client.force_login(reviewer)
    response = client.get(reverse("exchange:outbox"), {"state": "waiting"})
    assert [m.pk for m in response.context["page"].object_list] == [waiting.pk]
    response = client.get(reverse("exchange:outbox"), {"q": "HUONG DAN"})
    assert [m.subject for m in response.context["page"].object_list] == ["Hướng dẫn đón đoàn"]
    barias = str(Agency.objects.get(code="BARIA").pk)
    response = client.get(reverse("exchange:outbox"), {"agency": barias})
    assert [m.pk for m in response.context["page"].object_list] == [waiting.pk]


def test_the_unread_count_shows_in_the_navigation_until_read(client, reviewer, manager):
    message = send_request(reviewer)
    client.force_login(manager)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="unread-count"' in home
    assert f'href="{reverse("exchange:inbox")}"' in home
    client.get(reverse("exchange:message", args=[message.pk]))
    assert 'data-testid="unread-count"' not in client.get(reverse("home")).content.decode()


def test_reading_a_thread_clears_the_answers_from_the_unread_count(client, reviewer, manager):
    message = send_request(reviewer)
    reply(manager, message, body="Trả lời.")
    client.force_login(reviewer)
    assert 'data-testid="unread-count"' in client.get(reverse("home")).content.decode()
    client.get(reverse("exchange:message", args=[message.pk]))  # the thread shows the answer
    assert 'data-testid="unread-count"' not in client.get(reverse("home")).content.decode()


def test_the_unread_count_is_the_exchanges_and_costs_one_query(client, reviewer, manager):
    for _i in range(3):
        send_request(reviewer)
    assert Message.objects.unread_by(manager).count() == 3
    assert Message.objects.unread_by(reviewer).count() == 0  # the sender's side
    client.force_login(manager)
    # A page that counts nothing of its own (the home page counts its blocks' lists).
    page = client.get(reverse("profile"))
    assert page.context["unread_messages"] == 3
    assert 'data-testid="unread-count"><span class="visually-hidden">' in page.content.decode()
    with CaptureQueriesContext(connection) as with_count:
        client.get(reverse("profile"))
    counting = [q["sql"] for q in with_count.captured_queries if "COUNT(" in q["sql"]]
    assert len(counting) == 1 and '"activities_messagerecipient"' in counting[0]
    # The agencies app's navigation does not reach into the exchange (it is a base app).
    source = Path(context_processors.__file__).read_text()
    imported = [
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    ]
    assert not [name for name in imported if name.startswith("activities")]


def test_inbox_and_outbox_query_counts_do_not_grow(
    client, reviewer, manager, django_assert_num_queries
):
    for _i in range(3):
        send_request(reviewer)
    client.force_login(manager)
    client.get(reverse("exchange:inbox"))
    # session, user, member agencies, count, page, the agencies of the filter, the
    # navigation's memberships and the unread count
    with django_assert_num_queries(10):
        client.get(reverse("exchange:inbox"))
    client.force_login(reviewer)
    with django_assert_num_queries(10):
        client.get(reverse("exchange:outbox"))
    for _i in range(30):
        send_request(reviewer)
    with django_assert_num_queries(10):
        client.get(reverse("exchange:outbox"))
    client.force_login(manager)
    with django_assert_num_queries(10):
        client.get(reverse("exchange:inbox"))


def test_the_message_page_costs_the_same_queries_however_long_the_thread(
    client, reviewer, manager, django_assert_num_queries
):
    # SNGV's request to the districts with one file, answered once by Vũng Tàu with one file;
    # then one with ten files, answered ten times with ten files each.
    small = send_request(reviewer, attachments=["de-nghi-0.pdf"])
    reply(manager, small, body="Lần 0.", attachments=["tra-loi-0-0.pdf"])
    large = send_request(reviewer, attachments=[f"de-nghi-{i}.pdf" for i in range(10)])
    for i in range(10):
        reply(
            manager,
            large,
            body=f"Lần {i}.",
            attachments=[f"tra-loi-{i}-{j}.pdf" for j in range(10)],
        )
    # session, user, the user's agencies (once: kept for the request), the message, the
    # thread and its files, marking it read, the user's rights (agency_ids), which of their
    # agencies may answer, the navigation's memberships, the unread count, the recipients
    # with their overdue state, the user's notifications about the page marked read; for a
    # recipient, the agencies of the reply form too
    expected = {reviewer: 15, manager: 16}
    for message in (small, large):
        for user in (reviewer, manager):
            client.force_login(user)
            client.get(reverse("exchange:message", args=[message.pk]))  # marked read
            with django_assert_num_queries(expected[user]):
                client.get(reverse("exchange:message", args=[message.pk]))
    assert large.recipients.count() == 8 and large.thread_messages.count() == 10
    assert large.attachments.count() == 10


def test_a_difficulty_page_costs_the_same_queries_however_long_its_history(
    client, staff, reviewer, django_assert_num_queries
):
    difficulty = report_difficulty(staff)
    client.force_login(reviewer)
    url = reverse("exchange:message", args=[difficulty.pk])
    for handled in (1, 10):
        for i in range(handled):
            services.handle_difficulty(
                actor=reviewer,
                message=difficulty,
                status="handling",
                response=f"Lần {handled}-{i}.",
            )
        client.get(url)
        # a recipient's queries (see above) and the history with its authors
        with django_assert_num_queries(17):
            response = client.get(url)
        assert len(response.context["history"]) == difficulty.history.count()


def test_the_remind_button_is_offered_to_those_who_write_for_the_sender_while_someone_is_missing(
    client, leader, manager
):
    office = make_user("vanphong", "UBNDTINH", "staff")  # writes for the provincial committee
    request = send_message(
        office,
        sender="UBNDTINH",
        kind="request",
        subject="Đề nghị",
        due_date=timezone.localdate() + timedelta(days=3),
    )
    url = reverse("exchange:message", args=[request.pk])
    remind = reverse("exchange:remind", args=[request.pk])
    client.force_login(office)
    response = client.get(url)
    assert response.context["can_remind"] and remind in response.content.decode()
    # A leader of the same agency reads every recipient's state, but writes for nobody.
    client.force_login(leader)
    response = client.get(url)
    assert [r.agency.code for r in response.context["recipients"]] == ["VUNGTAU"]
    assert not response.context["can_remind"] and remind not in response.content.decode()
    # A recipient never reminds.
    client.force_login(manager)
    response = client.get(url)
    assert not response.context["can_remind"] and remind not in response.content.decode()
    reply(manager, request, body="Xong.")
    client.force_login(office)  # everyone answered: nobody to remind
    response = client.get(url)
    assert not response.context["can_remind"] and remind not in response.content.decode()


def test_the_answer_form_offers_only_the_users_agencies_among_the_recipients(
    client, reviewer, manager, leader
):
    message = send_request(reviewer)
    vungtau = Agency.objects.get(code="VUNGTAU")
    assert list(permissions.answering_agencies(manager, message)) == [vungtau]
    assert not permissions.answering_agencies(reviewer, message).exists()  # the sender
    assert not permissions.answering_agencies(leader, message).exists()
    client.force_login(manager)
    form = client.get(reverse("exchange:message", args=[message.pk])).context["reply_form"]
    assert list(form.fields["agency"].queryset) == [vungtau]
    client.force_login(reviewer)
    assert client.get(reverse("exchange:message", args=[message.pk])).context["reply_form"] is None
