"""The information exchange between agencies: who sees a message, and every bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from activities import exchange
from activities.exchange import MessageError
from activities.models import Message, MessageRecipient
from agencies.models import Agency
from tests.conftest import DISTRICTS, make_user

pytestmark = pytest.mark.django_db


def agencies(*codes: str) -> list[Agency]:
    return list(Agency.objects.filter(code__in=codes))


def request_to_districts(reviewer) -> Message:
    return exchange.send_message(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=agencies(*DISTRICTS),
        kind="request",
        subject="Báo cáo hoạt động đón đoàn 6 tháng",
        body="Đề nghị các địa phương báo cáo.",
        due_date=timezone.localdate() + timedelta(days=7),
    )


def visible(user) -> set[str]:
    return set(Message.objects.visible_to(user).values_list("subject", flat=True))


def test_a_request_reaches_every_district_and_only_the_parties_see_it(
    cast, reviewer, manager, staff
):
    message = request_to_districts(reviewer)
    assert message.recipients.count() == 8
    assert visible(reviewer) == {message.subject}
    assert visible(manager) == {message.subject}  # a district (VUNGTAU)
    assert visible(staff) == set()  # a department, not addressed
    assert visible(cast["leader"]) == set()
    assert visible(cast["outsider"]) == set()


def test_other_reviewers_see_nothing_unless_sngv_is_a_party(staff, reviewer, syt_staff):
    exchange.send_message(
        actor=staff,
        sender_agency=Agency.objects.get(code="SLDTBXH"),
        recipients=agencies("SYT"),
        kind="information",
        subject="Trao đổi",
        body="Nội dung",
    )
    assert visible(reviewer) == set()
    assert visible(syt_staff) == {"Trao đổi"}


def test_a_difficulty_report_always_reaches_sngv(staff, reviewer):
    message = exchange.send_message(
        actor=staff,
        sender_agency=Agency.objects.get(code="SLDTBXH"),
        recipients=[],
        kind="difficulty",
        subject="Vướng mắc thủ tục",
        body="Chưa rõ quy trình tiếp nhận.",
    )
    assert list(message.recipients.values_list("agency__code", flat=True)) == ["SNGV"]
    assert message.difficulty_status == "open"
    assert visible(reviewer) == {"Vướng mắc thủ tục"}
    with pytest.raises(MessageError, match="Chỉ Sở Ngoại vụ"):
        exchange.handle_difficulty(actor=staff, message=message, status="resolved", response="x")
    with pytest.raises(MessageError, match="Hãy ghi nội dung trả lời"):
        exchange.handle_difficulty(actor=reviewer, message=message, status="resolved", response="")
    handled = exchange.handle_difficulty(
        actor=reviewer, message=message, status="resolved", response="Đã hướng dẫn bằng văn bản."
    )
    assert handled.difficulty_status == "resolved"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"recipients": []}, "Hãy chọn ít nhất một đơn vị nhận"),
        ({"due_date": "past"}, "đã qua"),
        ({"due_date": None}, "cần có hạn trả lời"),
        ({"body": "x" * 1_000_000}, "quá dài"),
        ({"body": "   "}, "Hãy nhập nội dung"),
        ({"subject": ""}, "Hãy nhập tiêu đề"),
        ({"kind": "reply"}, "Hãy chọn loại"),
        ({"sender": "SYT"}, "không được gửi văn bản thay mặt"),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_written(reviewer, overrides, message):
    values = dict(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=agencies("VUNGTAU"),
        kind="request",
        subject="Đề nghị",
        body="Nội dung",
        due_date=timezone.localdate() + timedelta(days=1),
    )
    if overrides.get("due_date") == "past":
        overrides["due_date"] = timezone.localdate() - timedelta(days=1)
    if "sender" in overrides:
        overrides["sender_agency"] = Agency.objects.get(code=overrides.pop("sender"))
    values.update(overrides)
    with pytest.raises(MessageError, match=message):
        exchange.send_message(**values)
    assert not Message.objects.exists()
    assert not MessageRecipient.objects.exists()


def test_a_district_reads_and_answers_and_sngv_sees_who_is_missing(reviewer, manager):
    message = request_to_districts(reviewer)
    vungtau = Agency.objects.get(code="VUNGTAU")
    assert exchange.mark_read(actor=manager, message=message) == 1
    row = message.recipients.get(agency=vungtau)
    assert row.read_by == manager and row.read_at is not None
    reply = exchange.reply_to_message(
        actor=manager, message=message, agency=vungtau, body="Đã đón 3 đoàn."
    )
    assert reply.thread == message and reply.subject.startswith("Trả lời:")
    assert list(reply.recipients.values_list("agency__code", flat=True)) == ["SNGV"]
    missing = exchange.missing_answers(message)
    assert len(missing) == 7 and vungtau not in [r.agency for r in missing]
    assert message.recipients.get(agency=vungtau).answer == reply


def test_reading_is_recorded_per_agency_not_per_person(reviewer, manager):
    message = request_to_districts(reviewer)
    colleague = make_user("dongnghiep", "VUNGTAU", "staff")
    exchange.mark_read(actor=manager, message=message)
    assert exchange.mark_read(actor=colleague, message=message) == 0
    assert message.recipients.get(agency__code="VUNGTAU").read_by == manager


def test_a_forged_reply_is_refused(reviewer, manager, staff):
    message = request_to_districts(reviewer)
    with pytest.raises(MessageError, match="không nhận được"):
        exchange.reply_to_message(
            actor=staff, message=message, agency=Agency.objects.get(code="SLDTBXH"), body="x"
        )
    with pytest.raises(MessageError, match="không được gửi văn bản thay mặt"):
        exchange.reply_to_message(
            actor=staff, message=message, agency=Agency.objects.get(code="VUNGTAU"), body="x"
        )
    assert Message.objects.count() == 1


def test_an_unanswered_request_past_its_date_is_overdue(reviewer):
    message = request_to_districts(reviewer)
    row = message.recipients.first()
    assert not row.is_overdue(timezone.localdate())
    assert row.is_overdue(message.due_date + timedelta(days=1))
