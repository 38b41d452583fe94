"""SNGV drafts the six-month report through a real Celery worker, watches its progress and
issues it; a provincial leader downloads the PDF."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from reports.models import ConsolidatedReport
from tests.factories import make_activity, make_periods, make_user
from tests.support import postgres_only, redis_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.postgres,
    postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker():
    """A real worker in this process, fed through Redis: the page's progress is real."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    from doingoai.celery import app

    worker_app = Celery("doingoai")
    worker_app.config_from_object("django.conf:settings", namespace="CELERY")
    worker_app.conf.update(
        broker_url=redis_url(), result_backend=redis_url(), task_always_eager=False
    )
    worker_app.autodiscover_tasks(["reports"], force=True)
    worker_app.set_current()
    worker_app.set_default()
    try:
        with start_worker(worker_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield worker_app
    finally:
        app.set_current()
        app.set_default()


def test_sngv_drafts_and_issues_the_six_month_report_and_a_leader_downloads_it(
    page: Page, log_in, log_out, worker, tmp_path
):
    reviewer = make_user("thamdinh", "SNGV", "reviewer", full_name="Lê Hoàng Nam")
    make_user("lanhdao", "UBNDTINH", "leader", full_name="Phạm Quốc Hùng")
    make_periods(2019, 2020)
    department = make_user("canbo", "SLDTBXH", "staff")
    district = make_user("vungtau", "VUNGTAU", "staff")
    for actor, title, day, kind in [
        (department, "Đón đoàn Đại sứ quán Nhật Bản", date(2020, 3, 2), "inbound"),
        (district, "Giao lưu hữu nghị Việt Nam - Hàn Quốc", date(2020, 6, 14), "exchange"),
        (district, "Hoạt động ngày 15/6 thuộc kỳ sau", date(2020, 6, 15), "inbound"),
    ]:
        make_activity(
            actor,
            agency=actor.memberships.get().agency,
            status="accepted",
            reviewer=reviewer,
            kind=kind,
            title=title,
            start_date=day,
            end_date=day,
        )

    log_in("thamdinh")
    page.get_by_role("link", name="Báo cáo định kỳ").click()
    page.get_by_role("row", name="6 tháng đầu năm 2020").get_by_role(
        "link", name="các phiên bản, lập dự thảo báo cáo"
    ).click()
    page.get_by_role("button", name="Lập dự thảo phiên bản mới").click()
    status = page.get_by_test_id("build-status")
    expect(status).to_be_visible()
    # The worker finishes; the polled panel turns the page into the ready draft.
    expect(page.get_by_text("Bản dự thảo đã sẵn sàng")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("download-pdf")).to_be_visible()
    expect(page.get_by_test_id("summary")).to_contain_text("2")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("issue").click()
    expect(page.get_by_text("Đã ban hành báo cáo số 01/BC-SNgV")).to_be_visible()
    report = ConsolidatedReport.objects.get()
    assert (report.status, report.number, report.draft_number) == ("issued", 1, 1)
    log_out()

    log_in("lanhdao")
    page.get_by_role("link", name="Báo cáo định kỳ").click()
    page.get_by_role("link", name="Báo cáo đã ban hành").click()
    row = page.get_by_role("row", name="6 tháng đầu năm 2020")
    expect(row).to_contain_text("01/BC-SNgV")
    with page.expect_download() as download_info:
        row.get_by_role("link", name="PDF").click()
    saved = tmp_path / "report.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(saved), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Số: 01/BC-SNgV" in text
    assert "Kết quả công tác đối ngoại Nhân dân 6 tháng đầu năm 2020" in text
    assert "Đón đoàn Đại sứ quán Nhật Bản" in text
    assert "thuộc kỳ sau" not in text


def test_a_manager_sends_the_agency_report_and_sngv_returns_it_with_a_reason(
    live_server, page: Page, log_in, log_out
):
    make_user("truongphong", "SLDTBXH", "manager", full_name="Võ Thành Công")
    make_user("thamdinh", "SNGV", "reviewer", full_name="Lê Hoàng Nam")
    make_periods(2020)
    base = live_server.url
    report_page = f"{base}/reports/2020-H1/agencies/SLDTBXH/"

    log_in("truongphong")
    page.goto(report_page)
    page.get_by_label("Kết quả", exact=True).fill("Tổ chức 2 đoàn công tác.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Gửi Sở Ngoại vụ").click()
    expect(page.get_by_text("Đã gửi báo cáo cho Sở Ngoại vụ.")).to_be_visible()
    log_out()

    # The review panel offers what the status table allows: accept, or return with a reason.
    log_in("thamdinh")
    page.goto(report_page)
    review = page.get_by_test_id("review")
    expect(review.get_by_role("button", name="Tiếp nhận")).to_be_visible()
    review.get_by_label("Trả lại đơn vị, kèm lý do").fill("Thiếu số liệu viện trợ.")
    review.get_by_role("button", name="Trả lại").click()
    expect(page.get_by_text("Đã trả lại báo cáo cho cơ quan, đơn vị.")).to_be_visible()
    expect(page.get_by_test_id("review")).to_have_count(0)
    log_out()

    log_in("truongphong")
    page.goto(report_page)
    expect(page.get_by_test_id("return-reason")).to_contain_text("Thiếu số liệu viện trợ.")
    expect(page.get_by_test_id("history")).to_contain_text("Thiếu số liệu viện trợ.")
    expect(page.get_by_role("button", name="Gửi Sở Ngoại vụ")).to_be_visible()
