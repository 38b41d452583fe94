"""The overview in chromium: a leader lands on it at /, it passes axe-core (tests/browser/
conftest.py), prints without the navigation, the footer or any form, and downloads as a PDF
(screenshots browser-overview.png and browser-overview-print.png in VAR_DIR)."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.factories import make_activity, make_consolidated_report, make_member, make_periods

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_leader_lands_on_the_overview_prints_it_and_downloads_it(page: Page, log_in, tmp_path):
    staff, reviewer = make_member("staff"), make_member("reviewer")
    make_member("leader")
    for year in (2019, 2020):
        make_activity(
            staff, status="accepted", reviewer=reviewer, countries=["JP"],
            start_date=date(year, 3, 2), end_date=date(year, 3, 2),
        )  # fmt: skip
    make_periods(2019, 2020)
    make_consolidated_report("2020-H1", actor=reviewer, status="issued")
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in("leader")
    expect(page.get_by_test_id("overview")).to_be_visible()
    page.get_by_label("Năm").select_option("2020")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("overview-months")).to_contain_text("2020")
    expect(page.get_by_test_id("latest-report-pdf")).to_be_visible()
    page.screenshot(path=str(settings.VAR_DIR / "browser-overview.png"), full_page=True)

    page.emulate_media(media="print")
    for hidden in ("nav", "footer", "main form", "[data-testid=overview-pdf]"):
        expect(page.locator(hidden).first).to_be_hidden()
    page.screenshot(path=str(settings.VAR_DIR / "browser-overview-print.png"), full_page=True)
    page.emulate_media(media="screen")

    with page.expect_download() as download_info:
        page.get_by_test_id("overview-pdf").click()
    assert download_info.value.suggested_filename == "tong-quan-2020.pdf"
    saved = tmp_path / "overview.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
