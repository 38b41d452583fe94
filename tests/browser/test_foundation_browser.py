"""A staff member signs in, finds an agency and reads a duty of the plan, in chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_staff_signs_in_browses_the_directory_and_reads_a_duty(live_server, page: Page):
    make_user("canbo", "SLDTBXH", "staff", full_name="Nguyễn Thị Lan")

    page.goto(f"{live_server.url}/agencies/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill("canbo")
    page.get_by_label("Mật khẩu").fill("sai mật khẩu")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("Vui lòng điền vào")

    page.get_by_label("Mật khẩu").fill("Pw-for-tests-1")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Danh bạ cơ quan, đơn vị")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_text("Nguyễn Thị Lan")
    expect(page.get_by_role("link", name="Quản trị")).to_have_count(0)

    page.get_by_placeholder("Tên hoặc mã").fill("so ngoai vu")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.get_by_role("link", name="Sở Ngoại vụ tỉnh Bà Rịa - Vũng Tàu").click()
    expect(page.get_by_role("heading", name="Sở Ngoại vụ tỉnh Bà Rịa - Vũng Tàu")).to_be_visible()
    expect(page.get_by_role("heading", name="Thành viên")).to_have_count(0)

    page.get_by_role("link", name="III.1.6").click()
    expect(page.get_by_test_id("duty-text")).to_contain_text(
        "Định kỳ 6 tháng và cuối năm tổng hợp, báo cáo Ủy ban nhân dân tỉnh"
    )
    expect(page.get_by_text("Định kỳ 6 tháng", exact=True)).to_be_visible()

    page.get_by_label("Ngôn ngữ").select_option("en")
    page.get_by_role("button", name="Chuyển").click()
    expect(page.get_by_role("heading", name="Duty III.1.6")).to_be_visible()
    page.screenshot(path=str(live_server_screenshot()), full_page=True)

    page.get_by_test_id("current-user").click()  # the account menu
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def live_server_screenshot():
    from django.conf import settings

    return settings.VAR_DIR / "browser-duty.png"
