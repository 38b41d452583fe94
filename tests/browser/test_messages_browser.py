"""SNGV asks all districts for information; one answers; SNGV reminds the other seven."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from activities.exchange.models import Message
from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_request_to_all_districts_answered_by_one_then_reminded(page: Page, log_in, log_out):
    make_user("thamdinh", "SNGV", "reviewer", full_name="Lê Hoàng Nam")
    make_user("vungtau", "VUNGTAU", "manager", full_name="Trần Văn Minh")
    due = (timezone.localdate() + timedelta(days=7)).strftime("%d/%m/%Y")

    log_in("thamdinh")
    page.get_by_role("link", name="Trao đổi thông tin").click()
    page.get_by_role("link", name="Soạn văn bản").click()
    page.locator("#id_kind").select_option("request")
    page.get_by_label("Tất cả UBND cấp huyện").check()
    page.get_by_label("Tiêu đề").fill("Báo cáo số đoàn nước ngoài 6 tháng")
    page.get_by_label("Nội dung").fill("Đề nghị UBND các huyện, thị xã, thành phố báo cáo.")
    page.get_by_label("Hạn trả lời").fill(due)
    page.get_by_role("button", name="Gửi", exact=True).click()
    expect(page.get_by_text("Đã gửi văn bản.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/messages/\d+/$"))  # the exchange's own address
    expect(page.get_by_test_id("recipients").locator("tbody tr")).to_have_count(8)
    log_out()

    log_in("vungtau")
    page.get_by_role("link", name="Trao đổi thông tin").click()
    page.get_by_role("link", name="Báo cáo số đoàn nước ngoài 6 tháng").click()
    page.locator("textarea[name=body]").fill("TP Vũng Tàu đã đón 3 đoàn.")
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.get_by_text("Đã gửi văn bản trả lời.")).to_be_visible()
    log_out()

    log_in("thamdinh")
    page.get_by_role("link", name="Trao đổi thông tin").click()
    page.get_by_role("link", name="Văn bản đi").click()
    expect(page.get_by_role("row", name="Báo cáo số đoàn nước ngoài 6 tháng")).to_contain_text(
        "1/8"
    )
    page.get_by_role("link", name="Báo cáo số đoàn nước ngoài 6 tháng").click()
    page.get_by_role("button", name="Nhắc các đơn vị chưa trả lời").click()
    expect(page.get_by_text("Đã gửi nhắc nhở đến 7 đơn vị.")).to_be_visible()

    request = Message.objects.get(kind="request")
    assert request.recipients.filter(answer__isnull=True, reminded_at__isnull=False).count() == 7
