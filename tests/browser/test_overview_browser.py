"""The overview in chromium: a leader lands on it at /, it passes axe-core (tests/browser/
conftest.py), prints without the navigation, the footer or any form, and downloads as a PDF
(screenshots browser-overview.png and browser-overview-print.png in VAR_DIR); on a phone
its charts take their compact layout."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from activities.services import get_or_create_partner
from agencies.models import ActivityKind
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
    page.get_by_label("Năm", exact=True).select_option("2020")
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


def test_the_overview_reads_on_a_phone_and_on_a_wide_screen(page: Page, log_in):
    """Every kind, three countries per activity and a donor named with < & " ': at 390 px
    each chart is the compact one, its text at least 11 px high; at 1366 px the wide one
    (screenshots browser-overview-phone.png, browser-overview-wide.png)."""
    staff, reviewer = make_member("staff"), make_member("reviewer")
    make_member("leader")
    donor = get_or_create_partner(
        name='Quỹ "Bạn <Trẻ> & Gia đình" O\'Brien', kind="ngo", country="US"
    )
    for kind in ActivityKind:
        aid = (
            {
                "donor": donor,
                "sector": "health",
                "currency": "USD",
                "committed_amount": Decimal(100_000),
                "disbursed_amount": Decimal(40_000),
                "committed_vnd": Decimal(2_500_000_000),
            }
            if kind == "aid"
            else {}
        )
        make_activity(
            staff, status="accepted", reviewer=reviewer, kind=kind.value,
            countries=["LA", "KH", "US"], start_date=date(2020, 3, 2),
            end_date=date(2020, 3, 2), aid=aid,
        )  # fmt: skip
    page.set_viewport_size({"width": 390, "height": 844})
    log_in("leader")
    page.goto(page.url.split("?")[0] + "?year=2020")
    compact, wide = page.locator(".d-sm-none > svg"), page.locator(".d-sm-block > svg")
    expect(compact.nth(1)).to_be_visible()
    expect(wide.nth(1)).to_be_hidden()
    label = compact.nth(1).locator("text").nth(2).bounding_box()
    assert label is not None and label["height"] >= 11, label
    expect(page.get_by_test_id("overview-aid-donors")).to_contain_text("<Trẻ> & Gia đình")
    page.screenshot(path=str(settings.VAR_DIR / "browser-overview-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(wide.nth(1)).to_be_visible()
    expect(compact.nth(1)).to_be_hidden()
    page.screenshot(path=str(settings.VAR_DIR / "browser-overview-wide.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_test_id("overview-pdf").click()
    download_info.value.save_as(settings.VAR_DIR / "overview-2020.pdf")


def test_a_managers_overview_names_the_agency_and_a_year_of_nothing_says_so(page: Page, log_in):
    """A manager's heading and PDF name their agency (tong-quan-2020-vungtau.pdf); a year
    with nothing in it or the year before shows sentences, not charts of zeros; a year before
    the plan shows this year and says so."""
    manager, reviewer = make_member("manager"), make_member("reviewer")
    make_activity(
        manager, status="accepted", reviewer=reviewer, agency="VUNGTAU", countries=["JP"],
        start_date=date(2020, 3, 2), end_date=date(2020, 3, 2),
    )  # fmt: skip
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in("manager")
    base = page.url.split("/", 3)[:3]
    page.goto("/".join(base) + "/monitoring/?year=2020")
    expect(page.get_by_test_id("overview-heading")).to_contain_text("UBND TP Vũng Tàu")
    with page.expect_download() as download_info:
        page.get_by_test_id("overview-pdf").click()
    assert download_info.value.suggested_filename == "tong-quan-2020-vungtau.pdf"
    page.goto("/".join(base) + "/monitoring/?year=2022")
    for block in ("months", "kinds", "countries"):
        expect(page.get_by_test_id(f"overview-{block}-empty")).to_be_visible()
    expect(page.locator(".chart-box")).to_have_count(0)
    page.goto("/".join(base) + "/monitoring/?year=2017")
    expect(page.get_by_test_id("year-error")).to_contain_text("2017")
    expect(page.locator("#overview-year option[value='2017']")).to_have_count(0)
