"""Reports of a difficulty: they reach Sở Ngoại vụ, whose reviewers handle them, and every
change of the handling is kept (who, when, what)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from activities.exchange import services
from activities.exchange.models import Message
from activities.exchange.services import MessageError
from agencies.models import Agency

pytestmark = pytest.mark.django_db


def report_difficulty(staff) -> Message:
    return services.send_message(
        actor=staff,
        sender_agency=Agency.objects.get(code="SLDTBXH"),
        recipients=[],
        kind="difficulty",
        subject="Vướng mắc thủ tục",
        body="Chưa rõ quy trình tiếp nhận.",
    )


def visible(user) -> set[str]:
    return set(Message.objects.visible_to(user).values_list("subject", flat=True))


def test_a_difficulty_report_always_reaches_sngv(staff, reviewer):
    message = report_difficulty(staff)
    assert list(message.recipients.values_list("agency__code", flat=True)) == ["SNGV"]
    assert message.difficulty_status == "open"
    assert visible(reviewer) == {"Vướng mắc thủ tục"}
    with pytest.raises(MessageError, match="Chỉ Sở Ngoại vụ"):
        services.handle_difficulty(actor=staff, message=message, status="resolved", response="x")
    with pytest.raises(MessageError, match="Hãy ghi nội dung trả lời"):
        services.handle_difficulty(actor=reviewer, message=message, status="resolved", response="")
    handled = services.handle_difficulty(
        actor=reviewer, message=message, status="resolved", response="Đã hướng dẫn bằng văn bản."
    )
    assert handled.difficulty_status == "resolved"


def test_sngv_reporting_a_difficulty_does_not_address_itself(reviewer):
    message = services.send_message(
        actor=reviewer,
        sender_agency=Agency.objects.get(code="SNGV"),
        recipients=list(Agency.objects.filter(code="LHHN")),
        kind="difficulty",
        subject="Vướng mắc",
        body="Nội dung.",
    )
    assert list(message.recipients.values_list("agency__code", flat=True)) == ["LHHN"]


def test_only_a_difficulty_is_handled_and_only_with_a_known_status(
    staff, reviewer, agencies, request_to_districts
):
    request = request_to_districts(reviewer)
    with pytest.raises(MessageError, match="Chỉ phản ánh khó khăn"):
        services.handle_difficulty(actor=reviewer, message=request, status="resolved", response="x")
    message = report_difficulty(staff)
    with pytest.raises(MessageError, match="Hãy chọn tình trạng xử lý"):
        services.handle_difficulty(actor=reviewer, message=message, status="done", response="x")
    message.refresh_from_db()
    assert message.difficulty_status == "open" and message.history.count() == 1


def test_handling_a_difficulty_keeps_who_changed_what_and_when(staff, reviewer):
    message = report_difficulty(staff)
    services.handle_difficulty(
        actor=reviewer, message=message, status="handling", response="Đang làm việc với Sở."
    )
    services.handle_difficulty(
        actor=reviewer, message=message, status="resolved", response="Đã hướng dẫn bằng văn bản."
    )
    records = list(message.history.order_by("history_date", "history_id"))
    assert [(r.history_user, r.difficulty_status, r.difficulty_response) for r in records] == [
        (staff, "open", ""),
        (reviewer, "handling", "Đang làm việc với Sở."),
        (reviewer, "resolved", "Đã hướng dẫn bằng văn bản."),
    ]
    # The reasons in the portal's language (the catalogue's completeness is test_locale's).
    assert [r.history_change_reason for r in records] == [
        _("Message sent"),
        _("Handling: %(status)s") % {"status": "Đang xử lý"},
        _("Handling: %(status)s") % {"status": "Đã giải quyết"},
    ]
    assert records[0].history_date <= records[1].history_date <= records[2].history_date


def test_the_message_page_shows_the_handling_and_its_history(client, staff, reviewer):
    message = report_difficulty(staff)
    client.force_login(reviewer)
    url = reverse("exchange:message", args=[message.pk])
    html = client.get(url).content.decode()
    assert reverse("exchange:handle", args=[message.pk]) in html  # the reviewer's form
    response = client.post(
        reverse("exchange:handle", args=[message.pk]),
        {"status": "handling", "response": "Đang làm việc với Sở."},
        follow=True,
    )
    assert "Đã ghi nhận" in response.content.decode()
    history = response.context["history"]
    assert [row.record.history_user for row in history] == [reviewer, staff]
    assert sorted(history[0].changed) == ["tình trạng xử lý", "ý kiến trả lời của Sở Ngoại vụ"]
    assert 'data-testid="history"' in response.content.decode()
    assert _("Handling: %(status)s") % {"status": "Đang xử lý"} in response.content.decode()
    client.force_login(staff)  # the sender reads the handling, and may not change it
    html = client.get(url).content.decode()
    assert "Đang làm việc với Sở." in html
    assert reverse("exchange:handle", args=[message.pk]) not in html
    response = client.post(
        reverse("exchange:handle", args=[message.pk]),
        {"status": "resolved", "response": "x"},
        follow=True,
    )
    assert "Chỉ Sở Ngoại vụ" in response.content.decode()
    message.refresh_from_db()
    assert message.difficulty_status == "handling"


def test_the_handling_service_refuses_a_non_party_on_its_own(staff, syt_staff, admin_user):
    message = report_difficulty(staff)
    # A superuser reviews every agency, but is a party to no agency's messages.
    for outsider in (admin_user, syt_staff):
        with pytest.raises(MessageError, match=re.escape(not_a_party())):
            services.handle_difficulty(
                actor=outsider, message=message, status="resolved", response="x"
            )
    message.refresh_from_db()
    assert message.difficulty_status == "open" and message.history.count() == 1


def test_a_handling_that_changes_nothing_writes_no_history(staff, reviewer):
    message = report_difficulty(staff)
    services.handle_difficulty(
        actor=reviewer, message=message, status="handling", response="Đang làm việc với Sở."
    )
    with pytest.raises(MessageError, match=re.escape(nothing_changed())):
        services.handle_difficulty(
            actor=reviewer, message=message, status="handling", response=" Đang làm việc với Sở.\n"
        )
    assert message.history.count() == 2


def not_a_party() -> str:
    return gettext("None of your agencies sent or received this message.")


def nothing_changed() -> str:
    return gettext("Nothing changed: this handling and response are already recorded.")


def test_the_handling_form_is_checked_before_the_service_is_asked(client, staff, reviewer):
    message = report_difficulty(staff)
    client.force_login(reviewer)
    url = reverse("exchange:handle", args=[message.pk])
    response = client.post(url, {"status": "done", "response": "x"}, follow=True)
    assert "Hãy chọn tình trạng xử lý" in response.content.decode()
    response = client.post(url, {"status": "handling"}, follow=True)  # no response: fine
    assert "Đã ghi nhận" in response.content.decode()
    message.refresh_from_db()
    assert (message.difficulty_status, message.difficulty_response) == ("handling", "")
