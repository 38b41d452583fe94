"""Reports of a difficulty: they reach Sở Ngoại vụ, whose reviewers handle them, and every
change of the handling is kept (who, when, what)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from activities.exchange import services
from activities.exchange.services import MessageError
from tests.factories import report_difficulty, send_request

pytestmark = pytest.mark.django_db


def history_table(html: str) -> list[list[str]]:
    """The cells of the history table's rows, as text."""
    table = html[html.index('data-testid="history"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [unescape(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def shown(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def test_a_difficulty_report_always_reaches_sngv(staff, reviewer, visible):
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
    message = report_difficulty(
        reviewer, sender="SNGV", to=["LHHN"], subject="Vướng mắc", body="Nội dung."
    )
    assert list(message.recipients.values_list("agency__code", flat=True)) == ["LHHN"]


def test_only_a_difficulty_is_handled_and_only_with_a_known_status(staff, reviewer):
    request = send_request(reviewer)
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
    # The status names are translated already; the reasons' own words ("Message sent",
    # "Handling: …") wait for the catalogue, which is completed later: their shape is checked.
    sent, handling, resolved = (r.history_change_reason for r in records)
    assert handling.endswith(": Đang xử lý") and resolved.endswith(": Đã giải quyết")
    assert handling.removesuffix("Đang xử lý") == resolved.removesuffix("Đã giải quyết")
    assert sent and ":" not in sent
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
    # What the history table shows, cell by cell: when, who, why (the reason as recorded,
    # its status translated), what changed.
    handled, sent = history[0].record, history[1].record
    rows = history_table(response.content.decode())
    assert [row[:3] for row in rows] == [
        [shown(handled.history_date), "Lê Hoàng Nam", handled.history_change_reason],
        [shown(sent.history_date), "Nguyễn Thị Lan", sent.history_change_reason],
    ]
    assert handled.history_change_reason.endswith(": Đang xử lý")
    assert sorted(rows[0][3].split(", ")) == ["tình trạng xử lý", "ý kiến trả lời của Sở Ngoại vụ"]
    assert rows[1][3] == ""
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
