"""The information exchange's actions posted by the wrong side: a recipient reminding, a party
that does not review handling a difficulty, a leader answering, an outsider doing any of it.
Outsiders get 404 (existence does not leak), parties a refusal in Vietnamese, and nothing
changes. Anonymous users are the permission matrix's (tests/test_permission_matrix.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from activities.exchange.models import Message
from agencies.models import Agency
from tests.factories import make_user, report_difficulty, send_message, send_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def difficulty(staff) -> Message:
    """Sở Lao động reports a difficulty (it reaches Sở Ngoại vụ)."""
    return report_difficulty(staff)


@pytest.fixture
def request_to_the_province(reviewer) -> Message:
    """Sở Ngoại vụ asks the provincial committee (whose leader reads it) and a district."""
    return send_message(
        reviewer,
        to=["UBNDTINH", "VUNGTAU"],
        kind="request",
        subject="Đề nghị cho ý kiến",
        due_date=timezone.localdate() + timedelta(days=3),
    )


def test_a_recipient_may_not_remind_and_nothing_changes(client, reviewer, manager):
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    message = send_request(reviewer)
    client.force_login(manager)
    response = client.post(reverse("exchange:remind", args=[message.pk]), follow=True)
    assert response.redirect_chain == [(message.get_absolute_url(), 302)]
    assert "Bạn không được gửi văn bản thay mặt Sở Ngoại vụ." in response.content.decode()
    assert not message.recipients.filter(reminded_at__isnull=False).exists()
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["staff", "outsider", "admin"])
def test_an_outsider_reminding_gets_404(client, cast, reviewer, role):
    message = send_request(reviewer)
    client.force_login(cast[role])
    assert client.post(reverse("exchange:remind", args=[message.pk])).status_code == 404
    assert not message.recipients.filter(reminded_at__isnull=False).exists()


@pytest.mark.parametrize("role", ["manager", "leader", "outsider", "admin"])
def test_an_outsider_handling_a_difficulty_gets_404(client, cast, role, difficulty):
    client.force_login(cast[role])
    url = reverse("exchange:handle", args=[difficulty.pk])
    response = client.post(url, {"status": "resolved", "response": "Đã xong."})
    assert response.status_code == 404
    difficulty.refresh_from_db()
    assert difficulty.difficulty_status == "open" and difficulty.history.count() == 1


def test_a_party_that_does_not_review_may_not_handle_a_difficulty(client, reviewer):
    # Sở Ngoại vụ reports one to Liên hiệp các tổ chức hữu nghị, whose staff reads it.
    message = report_difficulty(
        reviewer, sender="SNGV", to=["LHHN"], subject="Vướng mắc", body="Nội dung."
    )
    client.force_login(make_user("lhhn", "LHHN", "staff"))
    response = client.post(
        reverse("exchange:handle", args=[message.pk]),
        {"status": "resolved", "response": "Đã xong."},
        follow=True,
    )
    assert response.status_code == 200
    assert "Chỉ Sở Ngoại vụ xử lý phản ánh khó khăn" in response.content.decode()
    message.refresh_from_db()
    assert message.difficulty_status == "open" and message.history.count() == 1


def test_a_leader_reads_what_is_addressed_to_the_province_but_may_not_answer_it(
    client, leader, request_to_the_province
):
    message = request_to_the_province
    client.force_login(leader)
    page = client.get(reverse("exchange:message", args=[message.pk]))
    assert page.status_code == 200 and page.context["reply_form"] is None
    response = client.post(
        reverse("exchange:reply", args=[message.pk]),
        {"agency": Agency.objects.get(code="UBNDTINH").pk, "body": "Đồng ý."},
        follow=True,
    )
    assert "Hãy chọn đơn vị và nhập nội dung trả lời; chưa có gì được gửi." in (
        response.content.decode()
    )
    assert Message.objects.count() == 1
    assert message.recipients.get(agency__code="UBNDTINH").answer is None


def test_a_leader_answering_what_the_province_did_not_receive_gets_404(client, leader, reviewer):
    message = send_request(reviewer)
    client.force_login(leader)
    response = client.post(
        reverse("exchange:reply", args=[message.pk]),
        {"agency": Agency.objects.get(code="UBNDTINH").pk, "body": "Đồng ý."},
    )
    assert response.status_code == 404 and Message.objects.count() == 1


@pytest.mark.parametrize("role", ["outsider", "admin"])
def test_an_outsider_answering_gets_404(client, cast, reviewer, role):
    message = send_request(reviewer)
    client.force_login(cast[role])
    response = client.post(
        reverse("exchange:reply", args=[message.pk]),
        {"agency": Agency.objects.get(code="VUNGTAU").pk, "body": "Giả mạo."},
    )
    assert response.status_code == 404 and Message.objects.count() == 1
