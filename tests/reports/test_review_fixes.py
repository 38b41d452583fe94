"""What a review of the reports found: one issued report per version line, edits kept on the
latest version only, text changes that keep the figures, forms that carry what they showed,
links that lead somewhere, and the small holes around them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.figures import agency_figures, period_figures
from reports.models import AgencyReport, ConsolidatedReport
from reports.periods import ensure_periods
from tests.reports import test_consolidated as shared
from tests.reports.test_consolidated import accepted, build_now, issue_now, vi

private_files = shared.private_files
periods = shared.periods
h1 = shared.h1

pytestmark = pytest.mark.django_db

Built = ConsolidatedReport.Status


@pytest.fixture
def two_ready(h1, staff, reviewer, django_capture_on_commit_callbacks):
    accepted(staff, reviewer, "SLDTBXH")
    first = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    second = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    return first, second


def test_an_older_version_cannot_be_issued_once_a_newer_one_exists(
    two_ready, reviewer, django_capture_on_commit_callbacks
):
    first, second = two_ready
    with pytest.raises(services.ReportError) as refused:
        services.issue(actor=reviewer, report=first)
    assert str(refused.value) == vi("A newer version (%(version)s) exists: issue that one.") % {
        "version": 2
    }
    assert issue_now(django_capture_on_commit_callbacks, second, reviewer).number == 1
    with pytest.raises(services.ReportError):
        services.issue(actor=reviewer, report=first)
    assert ConsolidatedReport.objects.filter(number__isnull=False).count() == 1


def test_only_the_latest_version_takes_edits_and_a_failed_one_keeps_them(
    two_ready, reviewer, django_capture_on_commit_callbacks, h1
):
    first, second = two_ready
    with pytest.raises(services.ReportError):
        services.save_narrative(actor=reviewer, report=first, sections={"situation": "Sửa v1."})
    with django_capture_on_commit_callbacks(execute=True):
        services.save_narrative(
            actor=reviewer, report=second, sections={"situation": "Tình hình do người sửa."}
        )
    # The next build fails; its successor still has the reviewer's text.
    failed = services.start_build(actor=reviewer, period=h1, enqueue=False)
    services.mark_failed(failed.pk, "Lỗi thử nghiệm.")
    third = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    assert third.situation == "Tình hình do người sửa."
    assert third.edited_sections == ["situation"]


def test_saving_the_text_keeps_the_figures_and_the_annex_of_the_version(
    h1, staff, reviewer, django_capture_on_commit_callbacks
):
    accepted(staff, reviewer, "SLDTBXH")
    ready = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    annex = ready.xlsx.name
    accepted(staff, reviewer, "SLDTBXH", title="Được tiếp nhận sau khi dựng")
    assert period_figures(h1)["total"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.save_narrative(
            actor=reviewer,
            report=ready,
            sections={"results": "Kết quả do người sửa."},
            revision=ready.revision,
        )
    ready.refresh_from_db()
    assert ready.status == Built.READY
    assert ready.figures["total"] == 1  # what the reviewer saw, not what came later
    assert ready.xlsx.name == annex
    assert ready.results == "Kết quả do người sửa."
    # A new version counts everything again.
    assert build_now(django_capture_on_commit_callbacks, h1, reviewer).figures["total"] == 2


def test_a_form_from_an_older_revision_changes_nothing(
    h1, staff, reviewer, django_capture_on_commit_callbacks
):
    accepted(staff, reviewer, "SLDTBXH")
    ready = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    seen = ready.revision
    with django_capture_on_commit_callbacks(execute=True):
        services.save_narrative(
            actor=reviewer, report=ready, sections={"situation": "Người khác sửa."}, revision=seen
        )
    with pytest.raises(services.ReportConflict):
        services.save_narrative(
            actor=reviewer, report=ready, sections={"situation": "Sửa đè."}, revision=seen
        )
    with pytest.raises(services.ReportConflict):
        services.issue(actor=reviewer, report=ready, revision=seen)
    ready.refresh_from_db()
    assert (ready.situation, ready.status, ready.number) == ("Người khác sửa.", Built.READY, None)


def test_issuing_from_a_page_shown_before_a_change_is_refused(
    client, h1, staff, reviewer, django_capture_on_commit_callbacks
):
    accepted(staff, reviewer, "SLDTBXH")
    ready = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    client.force_login(reviewer)
    url = reverse("reports:consolidated-issue", args=[ready.pk])
    response = client.post(url, {"revision": ready.revision - 1}, follow=True)
    ready.refresh_from_db()
    assert ready.number is None
    assert "Tải lại trang" in response.content.decode()
    assert client.post(url, {}, follow=True).status_code == 200
    ready.refresh_from_db()
    assert ready.number is None


def test_completeness_links_only_to_reports_a_reviewer_can_open(client, reviewer, periods):
    h1 = periods["2020-H1"]
    AgencyReport.objects.filter(period=h1, agency__code="SYT").update(
        status="submitted", submitted_at=timezone.now()
    )
    client.force_login(reviewer)
    body = client.get(reverse("reports:completeness"), {"year": 2020}).content.decode()
    assert reverse("reports:agency-report", args=["2020-H1", "SYT"]) in body
    assert reverse("reports:agency-report", args=["2020-H1", "VUNGTAU"]) not in body
    assert client.get(reverse("reports:agency-report", args=["2020-H1", "SYT"])).status_code == 200


def test_periods_are_not_added_by_hand_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:reports_reportingperiod_add")).status_code == 403


def test_an_agency_sends_its_report_only_after_the_period_ends(manager):
    year = timezone.localdate().year + 1
    ensure_periods([year])
    report = AgencyReport.objects.get(
        period__kind="half", period__year=year, agency__code="VUNGTAU"
    )
    report = services.save_agency_report(
        actor=manager,
        report=report,
        version=report.version,
        results="Đã đón 3 đoàn.",
        difficulties="",
        proposals="",
    )
    with pytest.raises(services.ReportError) as refused:
        services.submit_agency_report(actor=manager, report=report, version=report.version)
    assert "14/06" in str(refused.value)
    report.refresh_from_db()
    assert report.status == "draft"


def test_each_agency_gets_its_own_reminder_task(
    periods, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        count = services.remind_agencies(actor=reviewer, period=periods["2020-H1"])
    assert count == len(callbacks) == 19


def test_a_tampered_agency_in_the_reminder_form_reminds_nobody(client, reviewer, periods):
    client.force_login(reviewer)
    url = reverse("reports:remind", args=["2020-H1"])
    for value in ["9" * 30, "abc", "-1"]:
        assert client.post(url, {"agency": value}).status_code == 404
    assert not AgencyReport.objects.filter(reminded_at__isnull=False).exists()


def test_leaders_see_only_accepted_activities_in_an_agency_report(
    client, manager, reviewer, leader, periods
):
    from tests.activities.conftest import make_activity

    h1 = periods["2020-H1"]
    make_activity(manager, agency="VUNGTAU", status="accepted", reviewer=reviewer, title="Đã duyệt")
    make_activity(manager, agency="VUNGTAU", status="submitted", title="Chưa thẩm định xong")
    report = AgencyReport.objects.get(period=h1, agency__code="VUNGTAU")
    report = services.save_agency_report(
        actor=manager,
        report=report,
        version=report.version,
        results="Kết quả.",
        difficulties="",
        proposals="",
    )
    report = services.submit_agency_report(actor=manager, report=report, version=report.version)
    services.accept_agency_report(actor=reviewer, report=report, version=report.version)
    url = report.get_absolute_url()

    client.force_login(leader)
    body = client.get(url).content.decode()
    assert "Đã duyệt" in body and "Chưa thẩm định xong" not in body
    client.force_login(reviewer)
    assert "Chưa thẩm định xong" in client.get(url).content.decode()


def test_long_difficulties_are_quoted_short_in_the_province_report(
    manager, reviewer, periods, settings
):
    h1 = periods["2020-H1"]
    report = AgencyReport.objects.get(period=h1, agency__code="VUNGTAU")
    AgencyReport.objects.filter(pk=report.pk).update(
        status="submitted", submitted_at=timezone.now(), difficulties="Thiếu kinh phí. " * 500
    )
    quoted = period_figures(h1)["difficulties"][0]["text"]
    assert len(quoted) == settings.REPORT_QUOTE_MAX_CHARS
    assert quoted.endswith("…")


def test_a_stuck_build_blocks_nothing_for_long(h1, reviewer):
    stuck = services.start_build(actor=reviewer, period=h1, enqueue=False)
    long_ago = timezone.now() - timedelta(hours=2)
    ConsolidatedReport.objects.filter(pk=stuck.pk).update(queued_at=long_ago)
    assert services.start_build(actor=reviewer, period=h1, enqueue=False).version == 2
    stuck.refresh_from_db()
    assert stuck.status == Built.FAILED


def test_a_refused_save_shows_the_current_text_so_a_second_click_cannot_overwrite_it(
    client, h1, staff, reviewer, django_capture_on_commit_callbacks
):
    accepted(staff, reviewer, "SLDTBXH")
    ready = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    seen = ready.revision
    with django_capture_on_commit_callbacks(execute=True):
        services.save_narrative(
            actor=reviewer, report=ready, sections={"situation": "Người khác sửa."}, revision=seen
        )
    client.force_login(reviewer)
    data = {s: "Bản cũ." for s in ready.SECTIONS} | {"revision": seen}
    response = client.post(ready.get_absolute_url(), data)
    assert response.status_code == 302  # back to the page as it is now
    ready.refresh_from_db()
    assert ready.situation == "Người khác sửa."
    page = client.get(ready.get_absolute_url()).content.decode()
    assert f'name="revision" value="{ready.revision}"' in page

    # A form shown again for its errors keeps the revision its text was written against.
    too_long = data | {"results": "x" * 20_001}
    again = client.post(ready.get_absolute_url(), too_long).content.decode()
    assert f'name="revision" value="{seen}"' in again


def test_an_older_failed_version_is_not_built_again_next_to_a_newer_one(
    h1, staff, reviewer, django_capture_on_commit_callbacks
):
    accepted(staff, reviewer, "SLDTBXH")
    old = services.start_build(actor=reviewer, period=h1, enqueue=False)
    services.mark_failed(old.pk, "Lỗi thử nghiệm.")
    newer = services.start_build(actor=reviewer, period=h1, enqueue=False)
    with pytest.raises(services.ReportError):
        services.retry_build(actor=reviewer, report=old)
    old.refresh_from_db()
    newer.refresh_from_db()
    assert (old.status, newer.status) == (Built.FAILED, Built.QUEUED)


def test_leaders_figures_count_accepted_activities_only(client, manager, reviewer, leader, periods):
    from tests.activities.conftest import make_activity

    h1 = periods["2020-H1"]
    make_activity(manager, agency="VUNGTAU", status="accepted", reviewer=reviewer)
    make_activity(manager, agency="VUNGTAU", status="submitted")
    AgencyReport.objects.filter(period=h1, agency__code="VUNGTAU").update(
        status="accepted", submitted_at=timezone.now()
    )
    report = AgencyReport.objects.get(period=h1, agency__code="VUNGTAU")
    client.force_login(leader)
    assert client.get(report.get_absolute_url()).context["figures"]["total"] == 1
    assert agency_figures(h1, report.agency)["total"] == 2  # what the agency itself sees


def test_a_text_only_render_without_an_annex_builds_the_annex_again(
    h1, staff, reviewer, django_capture_on_commit_callbacks
):
    accepted(staff, reviewer, "SLDTBXH")
    ready = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    ConsolidatedReport.objects.filter(pk=ready.pk).update(xlsx="")
    ready.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.save_narrative(
            actor=reviewer, report=ready, sections={"situation": "Sửa."}, revision=ready.revision
        )
    ready.refresh_from_db()
    assert ready.status == Built.READY and ready.xlsx


def test_the_send_button_waits_for_the_end_of_the_period(client, manager):
    year = timezone.localdate().year + 1
    ensure_periods([year])
    client.force_login(manager)
    page = client.get(reverse("reports:agency-report", args=[f"{year}-H1", "VUNGTAU"]))
    body = page.content.decode()
    assert page.context["can_submit"] is False
    assert 'value="submit"' not in body
    assert "Có thể gửi báo cáo sau khi kỳ báo cáo kết thúc" in body
