"""Sending a message: who it reaches, who sees it, and every bad input refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.exchange import services
from activities.exchange.models import Message, MessageAttachment, MessageRecipient
from activities.exchange.services import MessageError
from agencies import permissions
from agencies.models import Agency
from agencies.services import grant_membership
from tests.factories import agencies, make_activity, make_user, pdf_upload, send_request

pytestmark = pytest.mark.django_db


def test_a_request_reaches_every_district_and_only_the_parties_see_it(
    cast, reviewer, manager, staff, visible
):
    message = send_request(reviewer)
    assert message.recipients.count() == 8
    assert visible(reviewer) == {message.subject}
    assert visible(manager) == {message.subject}  # a district (VUNGTAU)
    assert visible(staff) == set()  # a department, not addressed
    assert visible(cast["leader"]) == set()
    assert visible(cast["outsider"]) == set()


def test_other_reviewers_see_nothing_unless_sngv_is_a_party(staff, reviewer, syt_staff, visible):
    services.send_message(
        actor=staff,
        sender_agency=Agency.objects.get(code="SLDTBXH"),
        recipients=agencies("SYT"),
        kind="information",
        subject="Trao đổi",
        body="Nội dung",
    )
    assert visible(reviewer) == set()
    assert visible(syt_staff) == {"Trao đổi"}


def test_leaders_read_only_what_is_addressed_to_them(reviewer, leader):
    send_request(reviewer)
    assert not Message.objects.visible_to(leader).exists()
    services.send_message(
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
        services.send_message(**values)
    assert not Message.objects.exists()
    assert not MessageRecipient.objects.exists()


def test_the_length_limit_is_written_the_vietnamese_way(reviewer):
    with pytest.raises(MessageError, match=r"tối đa 20\.000 ký tự"):
        services.send_message(
            actor=reviewer,
            sender_agency=Agency.objects.get(code="SNGV"),
            recipients=agencies("VUNGTAU"),
            kind="information",
            subject="Đề nghị",
            body="x" * (Message.BODY_MAX_CHARS + 1),
        )


def test_a_refused_file_stores_nothing_and_an_accepted_one_is_kept(reviewer):
    with pytest.raises(MessageError, match="không phải là tệp PDF"):
        services.send_message(
            actor=reviewer,
            sender_agency=Agency.objects.get(code="SNGV"),
            recipients=agencies("VUNGTAU"),
            kind="information",
            subject="Tài liệu",
            body="Gửi kèm",
            attachments=[pdf_upload("x.pdf", b"MZ\x90\x00")],
        )
    assert not Message.objects.exists()
    message = services.send_message(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=agencies("VUNGTAU"),
        kind="information",
        subject="Tài liệu",
        body="Gửi kèm",
        attachments=[pdf_upload("huong-dan.pdf")],
    )
    stored = MessageAttachment.objects.get()
    assert stored.message == message and stored.original_name == "huong-dan.pdf"
    assert stored.uploaded_by == reviewer


def test_a_message_refers_only_to_an_activity_its_sender_sees(staff, syt_staff):
    other = make_activity(syt_staff, agency="SYT")
    with pytest.raises(MessageError, match="không được dẫn chiếu"):
        services.send_message(
            actor=staff,
            sender_agency=Agency.objects.get(code="SLDTBXH"),
            recipients=agencies("SNGV"),
            kind="information",
            subject="Kèm hoạt động",
            body="Xem hoạt động.",
            activity=other,
        )
    assert not Message.objects.exists()


def test_a_superuser_sends_for_no_agency_he_does_not_belong_to(client, admin_user):
    # Acting for every agency (Action.ACT) does not make a superuser a party to its messages:
    # he would send one he could not open.
    assert permissions.sending_agency_ids(admin_user) == frozenset()
    assert not permissions.sending_agencies(admin_user).exists()
    with pytest.raises(MessageError, match="không được gửi văn bản thay mặt"):
        services.send_message(
            actor=admin_user,
            sender_agency=Agency.objects.get(code="SNGV"),
            recipients=agencies("VUNGTAU"),
            kind="information",
            subject="Thông báo",
            body="Nội dung.",
        )
    assert not Message.objects.exists()
    client.force_login(admin_user)
    assert client.get(reverse("exchange:new")).status_code == 404
    response = client.post(
        reverse("exchange:new"),
        {
            "sender_agency": Agency.objects.get(code="SNGV").pk,
            "kind": "information",
            "recipients": [Agency.objects.get(code="VUNGTAU").pk],
            "subject": "Thông báo",
            "body": "Nội dung.",
        },
    )
    assert response.status_code == 404 and not Message.objects.exists()


def test_a_superuser_who_belongs_to_an_agency_sends_for_it_alone_and_reads_what_he_sent():
    member = make_user("quantri2", "VUNGTAU", "staff", superuser=True)
    vungtau = Agency.objects.get(code="VUNGTAU")
    assert permissions.sending_agency_ids(member) == {vungtau.pk}
    assert list(permissions.sending_agencies(member)) == [vungtau]
    message = services.send_message(
        actor=member,
        sender_agency=vungtau,
        recipients=agencies("SNGV"),
        kind="information",
        subject="Thông báo",
        body="Nội dung.",
    )
    assert list(Message.objects.visible_to(member)) == [message]
    with pytest.raises(MessageError, match="không được gửi văn bản thay mặt"):
        services.send_message(
            actor=member,
            sender_agency=Agency.objects.get(code="BARIA"),
            recipients=agencies("SNGV"),
            kind="information",
            subject="Thông báo",
            body="Nội dung.",
        )


def test_a_membership_given_during_a_request_counts_for_messages_at_once(manager):
    vungtau, baria = Agency.objects.get(code="VUNGTAU"), Agency.objects.get(code="BARIA")
    assert permissions.message_agency_ids(manager) == {vungtau.pk}  # kept on the user
    grant_membership(actor=None, user=manager, agency=baria, role="staff")
    permissions.sync_user_groups(manager)
    assert permissions.message_agency_ids(manager) == {vungtau.pk, baria.pk}
    assert permissions.sending_agency_ids(manager) == {vungtau.pk, baria.pk}
