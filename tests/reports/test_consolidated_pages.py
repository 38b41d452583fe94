"""Pages of the consolidated report, from both sides: the reviewers of Sở Ngoại vụ build,
edit and issue; provincial leadership reads what was issued; everyone else gets a 404 and
changes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from html import escape

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from reports import consolidation, documents
from reports.errors import ReportError
from reports.models import ConsolidatedReport
from tests.factories import make_activity

pytestmark = pytest.mark.django_db

Status = ConsolidatedReport.Status
OTHERS = ["staff", "manager", "leader", "outsider"]


@pytest.fixture
def ready(h1, staff, reviewer, build_now) -> ConsolidatedReport:
    make_activity(staff, status="accepted", reviewer=reviewer)
    make_activity(staff, status="accepted", reviewer=reviewer, kind="training", title="Tập huấn")
    return build_now(h1, reviewer)


@pytest.fixture
def issued(ready, reviewer, issue_now) -> ConsolidatedReport:
    return issue_now(ready, reviewer)


def failed_version(period, reviewer) -> ConsolidatedReport:
    report = consolidation.start_drafting(actor=reviewer, period=period, enqueue=False)
    consolidation.mark_failed(report.pk, "Lỗi thử nghiệm.")
    report.refresh_from_db()
    return report


def urls(report: ConsolidatedReport) -> dict[str, str]:
    return {
        "period": reverse("reports:consolidated-period", args=[report.period.code]),
        "version": reverse("reports:consolidated", args=[report.pk]),
        "status": reverse("reports:consolidated-status", args=[report.pk]),
        "retry": reverse("reports:consolidated-retry", args=[report.pk]),
        "issue": reverse("reports:consolidated-issue", args=[report.pk]),
        "pdf": reverse("reports:consolidated-file", args=[report.pk, "pdf"]),
        "xlsx": reverse("reports:consolidated-file", args=[report.pk, "xlsx"]),
        "json": reverse("reports:consolidated-json", args=[report.pk]),
    }


def snapshot() -> list[tuple]:
    return list(
        ConsolidatedReport.objects.order_by("pk").values_list(
            "pk", "draft_number", "status", "task_id", "number", "situation", "edited_sections"
        )
    )


def narrative(report: ConsolidatedReport, **changes) -> dict[str, str]:
    """The text form as the page shows it, with the version it was shown at."""
    return {
        **{s: getattr(report, s) for s in report.SECTIONS},
        "version": report.version,
        **changes,
    }


# ---------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("role", OTHERS)
def test_the_consolidated_pages_are_404_to_everyone_but_reviewers(
    client, cast, periods, ready, reviewer, role, django_capture_on_commit_callbacks
):
    failed = failed_version(periods["2020"], reviewer)
    before = snapshot()
    client.force_login(cast[role])
    ready_urls, failed_urls = urls(ready), urls(failed)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client.get(ready_urls["period"]).status_code == 404
        assert client.post(ready_urls["period"]).status_code == 404  # build
        assert client.get(ready_urls["version"]).status_code == 404
        assert client.get(ready_urls["status"], {"was": "building"}).status_code == 404
        assert client.post(failed_urls["retry"]).status_code == 404
        assert client.post(ready_urls["issue"]).status_code == 404
        response = client.post(ready_urls["version"], narrative(ready, situation="Sửa trộm."))
        assert response.status_code == 404
        assert client.get(ready_urls["json"]).status_code == 404
        # A draft's files are the reviewers' alone.
        assert client.get(ready_urls["pdf"]).status_code == 404
        assert client.get(ready_urls["xlsx"]).status_code == 404
        assert client.get(failed_urls["pdf"]).status_code == 404

    assert callbacks == []
    assert snapshot() == before
    assert mail.outbox == []


def test_leaders_read_issued_versions_only_through_the_files_and_the_list(client, leader, issued):
    client.force_login(leader)
    issued_urls = urls(issued)

    assert client.get(issued_urls["pdf"]).status_code == 200
    assert client.get(issued_urls["xlsx"]).status_code == 200
    assert client.get(issued_urls["json"]).status_code == 200
    assert client.get(reverse("reports:issued")).status_code == 200
    # The working pages stay the reviewers'.
    assert client.get(issued_urls["version"]).status_code == 404
    assert client.get(issued_urls["period"]).status_code == 404
    assert client.get(issued_urls["status"]).status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [("reviewer", 200), ("leader", 200), ("staff", 404), ("manager", 404), ("outsider", 404)],
)
def test_the_issued_page_is_for_leaders_and_reviewers(client, cast, issued, role, expected):
    client.force_login(cast[role])

    response = client.get(reverse("reports:issued"))

    assert response.status_code == expected
    if expected == 200:
        assert [r.pk for r in response.context["page"].object_list] == [issued.pk]
        assert "01/BC-SNgV" in response.content.decode()


def test_drafts_are_not_listed_as_issued(client, leader, ready):
    client.force_login(leader)
    response = client.get(reverse("reports:issued"))
    assert list(response.context["page"].object_list) == []


# ---------------------------------------------------------------------------- downloads


def test_a_draft_is_downloaded_by_reviewers_only(client, cast, ready):
    draft_urls = urls(ready)
    client.force_login(cast["reviewer"])

    pdf = client.get(draft_urls["pdf"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert 'filename="bao-cao-2020-H1-du-thao-v1.pdf"' in pdf["Content-Disposition"]
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert pdf["X-Content-Type-Options"] == "nosniff"
    xlsx = client.get(draft_urls["xlsx"])
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="bao-cao-2020-H1-du-thao-v1-phu-luc.xlsx"' in xlsx["Content-Disposition"]
    assert b"".join(xlsx.streaming_content).startswith(b"PK")
    docx = reverse("reports:consolidated-file", args=[ready.pk, "docx"])
    assert client.get(docx).status_code == 404
    # Only issued versions have a JSON export.
    assert client.get(draft_urls["json"]).status_code == 404

    for role in OTHERS:
        client.force_login(cast[role])
        for fmt in ("pdf", "xlsx", "json"):
            assert client.get(draft_urls[fmt]).status_code == 404, (role, fmt)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("reviewer", 200), ("leader", 200), ("staff", 404), ("manager", 404), ("outsider", 404)],
)
def test_an_issued_version_is_downloaded_by_leaders_and_reviewers(
    client, cast, issued, role, expected
):
    client.force_login(cast[role])
    issued_urls = urls(issued)

    pdf = client.get(issued_urls["pdf"])
    xlsx = client.get(issued_urls["xlsx"])
    exported = client.get(issued_urls["json"])

    assert (pdf.status_code, xlsx.status_code, exported.status_code) == (expected,) * 3
    if expected == 200:
        assert 'filename="bao-cao-2020-H1-so-01.pdf"' in pdf["Content-Disposition"]
        assert pdf["Content-Disposition"].startswith("attachment;")
        assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
        assert 'filename="bao-cao-2020-H1-so-01-phu-luc.xlsx"' in xlsx["Content-Disposition"]
        assert exported["Content-Disposition"] == (
            'attachment; filename="bao-cao-2020-H1-so-01.json"'
        )
        data = json.loads(exported.content)
        assert data["number"] == "01/BC-SNgV"
        assert data["issued_on"] == issued.issued_on.isoformat()
        assert data["version"] == 1
        assert data["figures"]["total"] == 2
        assert data["period"]["code"] == "2020-H1"
        assert data["issuer"] == {"parent": "UBND TỈNH BÀ RỊA - VŨNG TÀU", "name": "SỞ NGOẠI VỤ"}
        assert "Sở Lao động - Thương binh và Xã hội" in exported.content.decode()  # not \\u


# ---------------------------------------------------------------------------- the reviewer


def test_a_reviewer_builds_a_version_from_the_period_page(
    client, h1, staff, reviewer, django_capture_on_commit_callbacks
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    client.force_login(reviewer)
    page = urls_for_period = reverse("reports:consolidated-period", args=["2020-H1"])

    empty = client.get(page)
    assert empty.status_code == 200 and list(empty.context["versions"]) == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urls_for_period)
    report = ConsolidatedReport.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert (report.draft_number, report.status, report.created_by) == (1, Status.READY, reviewer)

    listed = client.get(page)
    assert [v.pk for v in listed.context["versions"]] == [report.pk]
    body = listed.content.decode()
    assert reverse("reports:consolidated-file", args=[report.pk, "pdf"]) in body
    version = client.get(report.get_absolute_url())
    assert version.status_code == 200
    body = version.content.decode()
    assert 'data-status="ready"' in body and 'data-testid="narrative"' in body
    assert 'data-testid="issue"' in body and 'data-testid="download-pdf"' in body
    assert "hx-get" not in body  # nothing to follow
    assert client.get(reverse("reports:consolidated-period", args=["2020-H3"])).status_code == 404
    assert client.get(reverse("reports:consolidated-period", args=["2031"])).status_code == 404
    assert client.get(reverse("reports:consolidated", args=[report.pk + 99])).status_code == 404


def test_a_second_build_while_one_is_running_is_refused_on_the_page(client, h1, reviewer, vi):
    running = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    client.force_login(reviewer)

    response = client.post(reverse("reports:consolidated-period", args=["2020-H1"]), follow=True)

    assert response.redirect_chain == [
        (reverse("reports:consolidated-period", args=["2020-H1"]), 302)
    ]
    assert (
        escape(vi("A version of this report is already being drafted; wait until it is ready."))
        in response.content.decode()
    )
    assert list(ConsolidatedReport.objects.values_list("pk", flat=True)) == [running.pk]


def test_the_status_panel_follows_the_build_and_reloads_the_page_once_done(client, h1, reviewer):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    client.force_login(reviewer)
    status = reverse("reports:consolidated-status", args=[report.pk])

    page = client.get(report.get_absolute_url()).content.decode()
    assert f'hx-get="{status}?was=queued"' in page
    assert 'data-testid="narrative"' not in page  # no editing while building
    waiting = client.get(status, {"was": "queued"})
    assert waiting.status_code == 200 and "HX-Refresh" not in waiting
    assert 'data-status="queued"' in waiting.content.decode()

    consolidation.build_version(report.pk, report.task_id)

    done = client.get(status, {"was": "queued"})
    assert done["HX-Refresh"] == "true"
    assert 'data-status="ready"' in done.content.decode()
    assert "hx-get" not in done.content.decode()
    assert "HX-Refresh" not in client.get(status)
    assert "HX-Refresh" not in client.get(status, {"was": "ready"})


def test_a_stuck_build_is_failed_when_its_page_is_loaded(
    client, h1, reviewer, settings, stale_text
):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    long_ago = timezone.now() - timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS + 1)
    ConsolidatedReport.objects.filter(pk=report.pk).update(
        status=Status.BUILDING, queued_at=long_ago, started_at=long_ago
    )
    client.force_login(reviewer)

    page = client.get(report.get_absolute_url())

    report.refresh_from_db()
    assert report.status == Status.FAILED
    body = page.content.decode()
    assert 'data-status="failed"' in body
    assert escape(stale_text) in body
    assert reverse("reports:consolidated-retry", args=[report.pk]) in body


# Not "page": that name is pytest-playwright's browser page, and would make this a browser test.
@pytest.mark.parametrize("which", ["status", "period"])
def test_the_status_panel_and_the_period_page_also_fail_stuck_builds(
    client, h1, reviewer, settings, which, stale_text
):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    long_ago = timezone.now() - timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS + 1)
    ConsolidatedReport.objects.filter(pk=report.pk).update(queued_at=long_ago)
    client.force_login(reviewer)

    response = client.get(urls(report)[which], {"was": "queued"})

    report.refresh_from_db()
    assert report.status == Status.FAILED
    if which == "status":
        assert response["HX-Refresh"] == "true"
        assert escape(stale_text) in response.content.decode()


def test_a_failed_build_is_retried_from_its_page(
    client, h1, staff, reviewer, django_capture_on_commit_callbacks, vi
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    report = failed_version(h1, reviewer)
    client.force_login(reviewer)
    assert "Lỗi thử nghiệm." in client.get(report.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urls(report)["retry"])

    assert response.status_code == 302 and response.url == report.get_absolute_url()
    report.refresh_from_db()
    assert report.status == Status.READY and report.error == "" and report.pdf
    again = client.post(urls(report)["retry"], follow=True)
    assert escape(vi("Only a version whose drafting failed can be drafted again.")) in (
        again.content.decode()
    )
    assert client.get(urls(report)["retry"]).status_code == 405


def test_the_reviewer_edits_the_text_and_the_pdf_is_rendered_again(
    client, ready, reviewer, django_capture_on_commit_callbacks, vi
):
    client.force_login(reviewer)
    old_pdf = ready.pdf.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ready.get_absolute_url(),
            narrative(ready, situation="Tình hình chung do Sở viết.", directions=""),
        )

    assert response.status_code == 302 and response.url == ready.get_absolute_url()
    ready.refresh_from_db()
    assert ready.status == Status.READY
    assert ready.situation == "Tình hình chung do Sở viết."
    assert ready.edited_sections == ["situation"]
    assert ready.directions  # emptied: drafted again
    assert ready.pdf.name != old_pdf
    assert not ready.pdf.storage.exists(old_pdf)  # the replaced draft is removed
    assert ConsolidatedReport.objects.count() == 1
    page = client.get(ready.get_absolute_url()).content.decode()
    assert "Tình hình chung do Sở viết." in page
    assert page.count('class="form-control') == len(ConsolidatedReport.SECTIONS)

    too_long = client.post(ready.get_absolute_url(), narrative(ready, results="x" * 20_001))
    assert too_long.status_code == 200
    assert escape(vi("Please correct the errors below; nothing was saved.")) in (
        too_long.content.decode()
    )
    ready.refresh_from_db()
    assert "x" * 100 not in ready.results


def test_issuing_from_the_page_numbers_freezes_and_notifies(
    client, ready, reviewer, leader, django_capture_on_commit_callbacks, vi
):
    leader.email = "hung@ubnd.gov.vn"
    leader.save()
    client.force_login(reviewer)

    shown = ready.version
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urls(ready)["issue"], {"version": shown}, follow=True)

    ready.refresh_from_db()
    assert (ready.status, ready.number_display) == (Status.ISSUED, "01/BC-SNgV")
    body = response.content.decode()
    assert (
        escape(
            vi("The report was issued as number %(number)s; the leaders were notified.")
            % {"number": "01/BC-SNgV"}
        )
        in body
    )
    assert 'data-status="issued"' in body
    assert 'data-testid="narrative"' not in body and 'data-testid="issue"' not in body
    assert [m.to for m in mail.outbox] == [["hung@ubnd.gov.vn"]]

    # Issuing again, or editing the text, changes nothing.
    again = client.post(urls(ready)["issue"], {"version": shown}, follow=True)
    assert (
        escape(
            vi("This version was already issued as number %(number)s.") % {"number": "01/BC-SNgV"}
        )
        in again.content.decode()
    )
    edited = client.post(ready.get_absolute_url(), narrative(ready, situation="Sửa."), follow=True)
    assert escape(vi("An issued report cannot be changed: draft a new version.")) in (
        edited.content.decode()
    )
    ready.refresh_from_db()
    assert (ready.number, ready.situation != "Sửa.") == (1, True)
    assert len(mail.outbox) == 1


def test_issuing_from_a_page_shown_before_a_change_is_refused(
    client, h1, staff, reviewer, build_now
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    ready = build_now(h1, reviewer)
    client.force_login(reviewer)
    url = reverse("reports:consolidated-issue", args=[ready.pk])
    response = client.post(url, {"version": ready.version - 1}, follow=True)
    ready.refresh_from_db()
    assert ready.number is None
    assert "Tải lại trang" in response.content.decode()
    assert client.post(url, {}, follow=True).status_code == 200
    ready.refresh_from_db()
    assert ready.number is None


def test_a_refused_save_shows_the_current_text_so_a_second_click_cannot_overwrite_it(
    client, h1, staff, reviewer, django_capture_on_commit_callbacks, build_now
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    ready = build_now(h1, reviewer)
    seen = ready.version
    with django_capture_on_commit_callbacks(execute=True):
        consolidation.save_narrative(
            actor=reviewer, report=ready, sections={"situation": "Người khác sửa."}, version=seen
        )
    client.force_login(reviewer)
    data = {s: "Bản cũ." for s in ready.SECTIONS} | {"version": seen}
    response = client.post(ready.get_absolute_url(), data)
    assert response.status_code == 302  # back to the page as it is now
    ready.refresh_from_db()
    assert ready.situation == "Người khác sửa."
    page = client.get(ready.get_absolute_url()).content.decode()
    assert f'name="version" value="{ready.version}"' in page

    # A form shown again for its errors keeps the version its text was written against.
    too_long = data | {"results": "x" * 20_001}
    again = client.post(ready.get_absolute_url(), too_long).content.decode()
    assert f'name="version" value="{seen}"' in again


# ---------------------------------------------------------------------------- what a version offers


class _Undo(Exception):
    pass


def _allowed(move, report: ConsolidatedReport) -> bool:
    """Whether the service makes `move` on `report`; whatever it does is rolled back."""
    try:
        with transaction.atomic():
            move(report)
            raise _Undo
    except _Undo:
        return True
    except ReportError:
        return False


def _moves(reviewer) -> dict:
    """What a reviewer does with a version, through the services (the version's counter as
    its page shows it)."""
    return {
        "edit": lambda report: consolidation.save_narrative(
            actor=reviewer, report=report, sections={}, version=report.version
        ),
        "issue": lambda report: consolidation.issue_report(
            actor=reviewer, report=report, version=report.version
        ),
        "retry": lambda report: consolidation.retry_drafting(actor=reviewer, report=report),
    }


def _version(period, number: int, status: str) -> ConsolidatedReport:
    issued = status == Status.ISSUED
    return ConsolidatedReport.objects.create(
        period=period,
        draft_number=number,
        status=status,
        number=number if issued else None,
        number_year=2020 if issued else None,
        issued_on=date(2020, 7, 1) if issued else None,
    )


# the latest version's status -> what its page offers (older versions offer nothing)
OFFERS = {
    Status.READY: {"edit", "issue"},
    Status.FAILED: {"edit", "retry"},
    Status.QUEUED: set(),
    Status.BUILDING: set(),
    Status.ISSUED: set(),
}


@pytest.mark.parametrize("status", list(OFFERS))
def test_a_version_page_offers_exactly_what_the_services_allow(
    client, h1, reviewer, status, monkeypatch
):
    # The final PDF is not what this test is about; issuing renders one.
    monkeypatch.setattr(documents, "render_checked_pdf", lambda report: (b"%PDF-1.4\n", []))
    older = [_version(h1, 1, Status.READY), _version(h1, 2, Status.FAILED)]
    latest = _version(h1, 3, status)
    client.force_login(reviewer)

    for report in [*older, latest]:
        body = client.get(report.get_absolute_url()).content.decode()
        offered = {
            move
            for move, mark in [
                ("edit", 'data-testid="narrative"'),
                ("issue", 'data-testid="issue"'),
                ("retry", reverse("reports:consolidated-retry", args=[report.pk])),
            ]
            if mark in body
        }
        allowed = {move for move, make in _moves(reviewer).items() if _allowed(make, report)}
        assert offered == allowed == (OFFERS[status] if report is latest else set())
        assert ('data-testid="not-latest"' in body) == (report is not latest)
