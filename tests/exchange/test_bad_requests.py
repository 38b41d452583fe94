"""What the message pages answer to input no page of theirs sends (too many files, a
crafted recipient, a response too long or refused): a Vietnamese message that names the
real problem, nothing written, never a server error."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from activities.exchange import services
from activities.exchange.forms import HandlingForm
from activities.exchange.models import Message, MessageAttachment
from activities.exchange.services import MessageError
from activities.forms import MAX_FILES, MultipleFileField
from agencies.models import Agency
from doingoai.forms import MAX_INTEGER, NOT_A_CHOICE
from tests.factories import pdf_upload, report_difficulty, send_request

pytestmark = pytest.mark.django_db


def said(response) -> list[str]:
    """The flash messages a response carries to the next page."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def in_vietnamese(message, **values) -> str:
    with translation.override("vi"):
        text = str(message)
    return text % values if values else text


def too_many_files() -> str:
    return in_vietnamese(
        MultipleFileField.default_error_messages["too_many"],
        count=MAX_FILES,
        chosen=MAX_FILES + 1,
    )


def new_message(**overrides) -> dict:
    """The new-message form as Sở Ngoại vụ's reviewer fills it in."""
    return {
        "sender_agency": Agency.objects.get(code="SNGV").pk,
        "kind": "information",
        "recipients": [Agency.objects.get(code="VUNGTAU").pk],
        "subject": "Lịch tiếp đoàn",
        "body": "Kính gửi các đơn vị lịch tiếp đoàn tháng 3.",
        **overrides,
    }


def test_more_files_than_a_message_takes_keep_what_was_typed(client, reviewer):
    client.force_login(reviewer)
    files = [pdf_upload(f"{n}.pdf") for n in range(MAX_FILES + 1)]
    response = client.post(reverse("exchange:new"), new_message(attachments=files))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(too_many_files()) in html
    assert 'value="Lịch tiếp đoàn"' in html and "lịch tiếp đoàn tháng 3." in html
    assert not Message.objects.exists() and not MessageAttachment.objects.exists()


def test_more_files_than_an_answer_takes_are_named_as_the_problem(client, reviewer, manager):
    request = send_request(reviewer)
    client.force_login(manager)
    files = [pdf_upload(f"{n}.pdf") for n in range(MAX_FILES + 1)]
    response = client.post(
        reverse("exchange:reply", args=[request.pk]),
        {"agency": Agency.objects.get(code="VUNGTAU").pk, "body": "Đã đón", "attachments": files},
    )
    assert response.status_code == 302
    assert said(response) == [too_many_files()]
    assert not request.replies.exists()


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999", str(MAX_INTEGER + 1), "0"])
def test_a_crafted_recipient_is_a_vietnamese_form_error(client, reviewer, value):
    client.force_login(reviewer)
    response = client.post(reverse("exchange:new"), new_message(recipients=[value]))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(in_vietnamese(NOT_A_CHOICE, value=value)) in html
    assert "is not a valid value" not in html
    assert not Message.objects.exists()


def test_a_nul_in_a_response_is_removed_and_the_rest_kept(client, staff, reviewer):
    difficulty = report_difficulty(staff)
    client.force_login(reviewer)
    response = client.post(
        reverse("exchange:handle", args=[difficulty.pk]),
        {"status": "resolved", "response": "Đã\x00 giải\u202e quyết"},
    )
    assert response.status_code == 302
    difficulty.refresh_from_db()
    assert (difficulty.difficulty_status, difficulty.difficulty_response) == (
        "resolved",
        "Đã giải quyết",
    )


def test_a_response_is_as_long_as_a_message_at_most(client, staff, reviewer):
    difficulty = report_difficulty(staff)
    client.force_login(reviewer)
    url = reverse("exchange:handle", args=[difficulty.pk])
    too_long = "x" * (Message.BODY_MAX_CHARS + 1)
    response = client.post(url, {"status": "resolved", "response": too_long})
    expected = in_vietnamese(HandlingForm.base_fields["response"].error_messages["max_length"])
    assert "20.000" in expected
    assert said(response) == [expected]
    difficulty.refresh_from_db()
    assert (difficulty.difficulty_status, difficulty.difficulty_response) == ("open", "")

    with pytest.raises(MessageError, match=r"20\.000"), translation.override("vi"):
        services.handle_difficulty(
            actor=reviewer, message=difficulty, status="resolved", response=too_long
        )
    longest = "x" * Message.BODY_MAX_CHARS
    response = client.post(url, {"status": "resolved", "response": longest})
    difficulty.refresh_from_db()
    assert (difficulty.difficulty_status, difficulty.difficulty_response) == ("resolved", longest)
