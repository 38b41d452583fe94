"""The navigation on one line at an office screen's 1366 px and in a menu on a phone, the
focus on a refused form's error summary, and the axe-core audit that every browser test runs
(tests/browser/conftest.py), in chromium."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from agencies.models import User
from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def richest_user() -> User:
    """An administrator who is also a reviewer of Sở Ngoại vụ, with a long name: every item
    of the navigation shows for them."""
    user = make_user(
        "quantri.thamdinh", "SNGV", "reviewer", full_name="Nguyễn Thị Phương Thảo Quản Trị"
    )
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    return user


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=str(settings.VAR_DIR / f"browser-{name}.png"), full_page=True)


def test_the_navigation_fits_one_line_at_1366_px_and_marks_the_current_page(page: Page, log_in):
    richest_user()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in("quantri.thamdinh")
    navbar = page.locator("nav.navbar")
    items = navbar.locator(
        ".navbar-brand, [data-testid='bell-holder'], #mainnav > .navbar-nav > .nav-item"
    )
    expect(items).to_have_count(10)  # brand, bell (outside the collapsed menu), 7 items, account
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    tops = {round(box["y"]) for box in boxes}
    assert max(tops) - min(tops) <= 12, f"the items sit on more than one line: {boxes}"
    assert navbar.bounding_box()["height"] <= 64
    assert max(box["x"] + box["width"] for box in boxes) <= 1366
    expect(page.get_by_role("link", name="Trang chủ")).to_have_attribute("aria-current", "page")
    screenshot(page, "nav-1366")

    page.get_by_test_id("menu-activities").click()
    page.get_by_role("link", name="Thẩm định hoạt động").click()
    page.get_by_test_id("menu-activities").click()
    expect(page.get_by_role("link", name="Thẩm định hoạt động")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator("[aria-current='page']")).to_have_count(1)
    for name in ("Hoạt động của đơn vị", "Tất cả hoạt động"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    page.get_by_test_id("menu-directory").click()
    expect(page.get_by_role("link", name="Cơ quan, đơn vị")).to_be_visible()
    expect(page.get_by_role("link", name="Kế hoạch và nhiệm vụ")).to_be_visible()
    expect(page.get_by_role("link", name="Quản trị")).to_be_visible()
    expect(page.get_by_test_id("bell")).to_be_visible()
    page.get_by_test_id("current-user").click()
    expect(page.get_by_role("link", name="Đổi mật khẩu")).to_be_visible()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_the_navigation_folds_into_a_menu_at_390_px(page: Page, log_in, log_out):
    richest_user()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in("quantri.thamdinh")
    toggler = page.get_by_role("button", name="Danh mục")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_test_id("mainnav")).to_be_hidden()
    expect(page.get_by_test_id("bell")).to_be_visible()  # without opening the menu
    screenshot(page, "nav-390-closed")

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("mainnav")).to_have_class(re.compile(r"\bshow\b"))  # opened
    page.get_by_test_id("menu-activities").click()
    expect(page.get_by_role("link", name="Thẩm định hoạt động")).to_be_visible()
    screenshot(page, "nav-390-open")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways"
    log_out()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()


def test_a_refused_form_puts_the_focus_on_its_error_summary(page: Page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Đăng nhập").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Tên đăng nhập")).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name="Mật khẩu").click()
    expect(page.get_by_label("Mật khẩu")).to_be_focused()


def test_the_keyboard_focus_ring_is_a_3px_outline(page: Page, log_in):
    make_user("canbo", "SLDTBXH", "staff")
    log_in("canbo")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the portal's name, on the red bar
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
    )
    assert style == ["solid", "3px", "rgb(255, 213, 79)"]


def test_the_audit_finds_a_violation_and_names_the_element(page: Page, axe_audit):
    page.set_content(
        '<html lang="vi"><head><title>Thử</title></head><body><main>'
        '<p style="color:#ffc107">Nhắc các đơn vị</p></main></body></html>'
    )
    violations = axe_audit()
    assert [v["id"] for v in violations] == ["color-contrast"]
    assert "color-contrast (serious)" in axe_audit.found[0]
    assert "foreground color: #ffc107" in axe_audit.found[0]
    axe_audit.found.clear()  # found on purpose: the test itself must not fail on it


def test_every_page_the_tests_show_is_audited(page: Page, live_server, axe_audit):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("ai-do")  # an action: the audit has run first
    assert axe_audit.audited == [f"{live_server.url}/accounts/login/"]
    page.goto(f"{live_server.url}/khong-co-trang-nay/")  # the 404 page, audited on arrival
    assert axe_audit.audited[-1] == f"{live_server.url}/khong-co-trang-nay/"
    assert axe_audit.found == []
