"""Issue 13's walk in chromium at 1366 px: a leader logs in and lands on the overview, opens
plan implementation, clicks a red cell and sees it has no activity, opens the agency
scorecard and downloads it as XLSX, opens the calendar of partner countries' days, and
downloads the latest issued report. Each page is
checked by axe-core (tests/browser/conftest.py) and saved as a screenshot in VAR_DIR
(browser-monitoring-<page>.png)."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from agencies.models import Duty
from tests.factories import make_activity, make_consolidated_report, make_member, make_periods

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=str(settings.VAR_DIR / f"browser-monitoring-{name}.png"), full_page=True)


def open_menu_item(page: Page, url_name: str) -> None:
    page.get_by_test_id("menu-monitoring").click()
    page.locator(f'#mainnav a[href="{reverse(url_name)}"]').click()


def test_a_leader_follows_the_plan_from_the_overview(page: Page, log_in, tmp_path):
    staff, reviewer, leader = (make_member(n) for n in ("staff", "reviewer", "leader"))
    year = timezone.localdate().year
    make_periods(year - 1, year)
    welcome = Duty.objects.get(plan__number="164/KH-UBND", ref="III.3.2")
    make_activity(
        staff,
        status="accepted",
        reviewer=reviewer,
        title="Đón đoàn Nhật Bản về lao động",
        duty=welcome,
        start_date=date(year - 1, 3, 2),
        end_date=date(year - 1, 3, 3),
    )
    issued = make_consolidated_report(str(year - 1), actor=reviewer, status="issued")
    assert leader.is_active

    page.set_viewport_size({"width": 1366, "height": 900})
    log_in("leader")
    overview = page.get_by_test_id("overview")
    expect(overview).to_be_visible()  # the leader's home page is the overview
    expect(page.get_by_test_id("overview-countries")).to_contain_text("Lào")
    screenshot(page, "overview")

    open_menu_item(page, "monitoring:plan")
    expect(page.locator("h1")).to_have_text(_("Plan implementation"))
    screenshot(page, "plan")
    red = page.locator('[data-testid="plan-cell"][data-state="red"]').first
    expect(red).to_contain_text("0")
    red.click()
    expect(page.get_by_test_id("no-activity")).to_be_visible()
    expect(page.locator("main table tbody tr a[href*='/activities/']")).to_have_count(0)
    screenshot(page, "plan-cell")

    open_menu_item(page, "monitoring:agencies")
    table = page.get_by_test_id("scorecard-table")
    expect(table).to_be_visible()
    screenshot(page, "agencies")
    with page.expect_download() as download_info:
        page.get_by_test_id("scorecard-xlsx").click()
    sheet_path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(sheet_path)
    assert sheet_path.suffix == ".xlsx"
    cells = [
        str(value)
        for row in load_workbook(sheet_path, read_only=True).active.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    first_agency = table.locator("tbody tr th").first.inner_text().strip()
    assert any(first_agency in cell for cell in cells)

    open_menu_item(page, "monitoring:calendar")
    expect(page.get_by_test_id("calendar-ics")).to_be_visible()
    screenshot(page, "calendar")

    page.locator("a.navbar-brand").click()  # home: the overview for a leader
    with page.expect_download() as download_info:
        page.get_by_test_id("latest-report-pdf").click()
    report_path = tmp_path / "report.pdf"
    download_info.value.save_as(report_path)
    assert report_path.read_bytes().startswith(b"%PDF")
    assert issued.number is not None
