"""A refused activity or message form, in chromium: the focus starts on the error summary
(templates/_form_errors.html), which says nothing was saved or sent, names each field with an
error by its label and links to it; following a link puts the focus in that field. Each
refused form is saved as browser-form-errors-<form>.png."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from tests.factories import make_activity, make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def check_summary_links(page: Page, summary: Locator, labels: list[str]) -> None:
    """The summary links to exactly the fields called `labels`, in order; each link points
    at its field's input (labelled so), moves the focus there, and the input is marked invalid
    and described by its error message."""
    links = summary.get_by_role("link")
    expect(links).to_have_text(labels)
    for label in labels:
        link = summary.get_by_role("link", name=label, exact=True)
        field_id = link.get_attribute("href").removeprefix("#")
        field = page.locator(f"[id='{field_id}']")
        expect(page.locator(f"label[for='{field_id}']")).to_contain_text(label)
        link.click()
        expect(field).to_be_focused()
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"[id='{field_id}_error']")).to_be_visible()
        expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}_error\b"))


def test_a_refused_activity_form_focuses_its_summary_and_links_to_each_field(
    page: Page, live_server, log_in
):
    make_member("staff")
    log_in("staff")
    page.goto(f"{live_server.url}/activities/new/")
    page.get_by_label("Ngày bắt đầu").fill("2020/03/02")  # not day/month/year
    page.get_by_label("Ngày kết thúc").fill("03/03/2020")
    page.get_by_role("button", name="Lưu nháp").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(
        page.get_by_text("Vui lòng sửa các lỗi dưới đây; dữ liệu chưa được lưu.")
    ).to_be_visible()
    expect(summary).to_contain_text("Vui lòng sửa các trường sau:")
    page.screenshot(path=str(settings.VAR_DIR / "browser-form-errors-activity.png"))
    check_summary_links(page, summary, ["Tên hoạt động", "Ngày bắt đầu"])
    expect(page.get_by_text("Nhập ngày theo dạng ngày/tháng/năm")).to_be_visible()
    expect(page.get_by_label("Ngày kết thúc")).to_have_value("03/03/2020")  # nothing lost


def test_an_activity_edit_from_a_stale_page_says_so_in_the_focused_summary(
    page: Page, live_server, log_in
):
    staff = make_member("staff")
    activity = make_activity(staff, title="Đón đoàn Hội Hữu nghị Nhật Bản")
    log_in("staff")
    page.goto(f"{live_server.url}/activities/{activity.pk}/edit/")
    page.locator("input[name=version]").evaluate("input => { input.value = 'abc'; }")
    page.get_by_role("button", name="Lưu nháp").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("alert")).to_have_text(
        "Trang không cho biết phiên bản hoạt động mà bạn đã mở; hãy tải lại trang và "
        "nhập lại các thay đổi."
    )
    expect(summary.get_by_role("link")).to_have_count(0)  # no visible field is wrong


def test_a_refused_message_form_focuses_its_summary_and_links_to_each_field(
    page: Page, live_server, log_in
):
    make_member("staff")
    log_in("staff")
    page.goto(f"{live_server.url}/messages/new/")
    page.get_by_label("Hoạt động liên quan (số)").fill("999")  # no such activity
    page.get_by_role("button", name="Gửi", exact=True).click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(
        page.get_by_text("Vui lòng sửa các lỗi dưới đây; văn bản chưa được gửi.")
    ).to_be_visible()
    page.screenshot(path=str(settings.VAR_DIR / "browser-form-errors-message.png"))
    check_summary_links(page, summary, ["Tiêu đề", "Nội dung", "Hoạt động liên quan (số)"])

    # The fields are right, but the message goes nowhere: the service's refusal is the
    # summary's alert, and the focus is on it again.
    page.get_by_label("Tiêu đề").fill("Đề nghị phối hợp đón đoàn")
    page.get_by_role("textbox", name="Nội dung", exact=True).fill("Đề nghị Sở phối hợp.")
    page.get_by_label("Hoạt động liên quan (số)").fill("")
    page.get_by_role("button", name="Gửi", exact=True).click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("alert")).to_have_text("Hãy chọn ít nhất một đơn vị nhận.")
    expect(summary.get_by_role("link")).to_have_count(0)
    expect(page.get_by_label("Tiêu đề")).to_have_value("Đề nghị phối hợp đón đoàn")
