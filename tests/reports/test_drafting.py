"""Drafting versions of the province's report: numbered versions with both files, one at a
time, by reviewers only; the reviewer's text kept across versions, on the latest one only,
with the version's figures and annex; retrying a failed version; the daily first draft."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django.utils.text import capfirst

from reports import consolidation, tasks
from reports.errors import ReportError
from reports.figures import period_figures
from reports.models import AgencyReport, ConsolidatedReport
from reports.narrative import draft
from tests.factories import make_activity

pytestmark = pytest.mark.django_db

Status = ConsolidatedReport.Status


def test_builds_make_numbered_ready_versions_with_both_files(
    dataset, h1, reviewer, build_now, stored
):
    first = build_now(h1, reviewer)

    assert (first.draft_number, first.status, first.attempts) == (1, Status.READY, 1)
    assert first.error == "" and first.finished_at and first.created_by == reviewer
    assert first.figures == period_figures(h1)
    assert Path(first.pdf.path).read_bytes().startswith(b"%PDF-")
    assert Path(first.xlsx.path).read_bytes().startswith(b"PK")
    assert first.situation and first.results and first.shortcomings and first.directions

    second = build_now(h1, reviewer)
    assert (second.draft_number, second.status) == (2, Status.READY)
    assert second.task_id != first.task_id
    assert list(h1.consolidated_reports.values_list("draft_number", "status")) == [
        (2, "ready"),
        (1, "ready"),
    ]
    assert len(stored("pdf")) == 2 and len(stored("xlsx")) == 2


def test_only_one_build_at_a_time_per_period(h1, reviewer, vi):
    consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)

    with pytest.raises(ReportError) as refused:
        consolidation.start_drafting(actor=reviewer, period=h1)
    english = "A version of this report is already being drafted; wait until it is ready."
    assert str(refused.value) == vi(english) != english  # in Vietnamese
    assert h1.consolidated_reports.count() == 1


@pytest.mark.parametrize("role", ["staff", "manager", "leader", "outsider"])
def test_only_reviewers_build(cast, h1, role, vi):
    with pytest.raises(ReportError) as refused:
        consolidation.start_drafting(actor=cast[role], period=h1)
    assert str(refused.value) == vi("Only reviewers of Sở Ngoại vụ may do this.")
    assert not ConsolidatedReport.objects.exists()


def test_edited_sections_are_kept_and_the_others_drafted_again(
    dataset,
    h1,
    staff,
    reviewer,
    django_capture_on_commit_callbacks,
    build_now,
    rendered_words,
):
    first = build_now(h1, reviewer)
    assert "tổ chức 6 hoạt động" in first.results
    with django_capture_on_commit_callbacks(execute=True):
        consolidation.save_narrative(
            actor=reviewer,
            report=first,
            sections={
                "situation": "Tình hình do chuyên viên Sở Ngoại vụ viết lại.",
                "results": first.results,  # unchanged: still drafted from the data
                "shortcomings": first.shortcomings,
                "directions": "",  # emptied: drafted again
            },
        )
    first.refresh_from_db()
    assert first.status == Status.READY and first.attempts == 2  # rendered again
    assert first.edited_sections == ["situation"]
    assert first.situation == "Tình hình do chuyên viên Sở Ngoại vụ viết lại."
    assert first.directions == draft(first.figures)["directions"]
    assert "Tình hình do chuyên viên Sở Ngoại vụ viết lại." in rendered_words()  # its new PDF

    make_activity(
        staff,
        status="accepted",
        reviewer=reviewer,
        title="Hoạt động mới",
        start_date=date(2020, 6, 1),
        end_date=date(2020, 6, 1),
    )
    second = build_now(h1, reviewer)
    assert second.edited_sections == ["situation"]
    assert second.situation == "Tình hình do chuyên viên Sở Ngoại vụ viết lại."
    assert second.figures["total"] == 7
    assert "tổ chức 7 hoạt động" in second.results  # drafted again from the new data
    assert second.results == draft(second.figures)["results"]

    # Emptying the edited section gives the drafted text back.
    with django_capture_on_commit_callbacks(execute=True):
        consolidation.save_narrative(
            actor=reviewer,
            report=second,
            sections={
                "situation": "  ",
                "results": second.results,
                "shortcomings": "",
                "directions": "",
            },
        )
    second.refresh_from_db()
    assert second.edited_sections == []
    assert second.situation == draft(second.figures)["situation"]
    assert second.status == Status.READY


def test_only_the_latest_version_takes_edits_and_a_failed_one_keeps_them(
    two_ready, reviewer, django_capture_on_commit_callbacks, h1, build_now
):
    first, second = two_ready
    with pytest.raises(ReportError):
        consolidation.save_narrative(
            actor=reviewer, report=first, sections={"situation": "Sửa v1."}
        )
    with django_capture_on_commit_callbacks(execute=True):
        consolidation.save_narrative(
            actor=reviewer, report=second, sections={"situation": "Tình hình do người sửa."}
        )
    # The next build fails; its successor still has the reviewer's text.
    failed = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    consolidation.mark_failed(failed.pk, "Lỗi thử nghiệm.")
    third = build_now(h1, reviewer)
    assert third.situation == "Tình hình do người sửa."
    assert third.edited_sections == ["situation"]


def test_saving_the_text_keeps_the_figures_and_the_annex_of_the_version(
    h1, staff, reviewer, django_capture_on_commit_callbacks, build_now
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    ready = build_now(h1, reviewer)
    annex = ready.xlsx.name
    make_activity(staff, status="accepted", reviewer=reviewer, title="Được tiếp nhận sau khi dựng")
    assert period_figures(h1)["total"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        consolidation.save_narrative(
            actor=reviewer,
            report=ready,
            sections={"results": "Kết quả do người sửa."},
            version=ready.version,
        )
    ready.refresh_from_db()
    assert ready.status == Status.READY
    assert ready.figures["total"] == 1  # what the reviewer saw, not what came later
    assert ready.xlsx.name == annex
    assert ready.results == "Kết quả do người sửa."
    # A new version counts everything again.
    assert build_now(h1, reviewer).figures["total"] == 2


def test_a_text_only_render_without_an_annex_builds_the_annex_again(
    h1, staff, reviewer, django_capture_on_commit_callbacks, build_now
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    ready = build_now(h1, reviewer)
    ConsolidatedReport.objects.filter(pk=ready.pk).update(xlsx="")
    ready.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        consolidation.save_narrative(
            actor=reviewer, report=ready, sections={"situation": "Sửa."}, version=ready.version
        )
    ready.refresh_from_db()
    assert ready.status == Status.READY and ready.xlsx


def test_an_older_failed_version_is_not_built_again_next_to_a_newer_one(h1, staff, reviewer):
    make_activity(staff, status="accepted", reviewer=reviewer)
    old = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    consolidation.mark_failed(old.pk, "Lỗi thử nghiệm.")
    newer = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    with pytest.raises(ReportError):
        consolidation.retry_drafting(actor=reviewer, report=old)
    old.refresh_from_db()
    newer.refresh_from_db()
    assert (old.status, newer.status) == (Status.FAILED, Status.QUEUED)


def test_a_stuck_build_blocks_nothing_for_long(h1, reviewer):
    stuck = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    long_ago = timezone.now() - timedelta(hours=2)
    ConsolidatedReport.objects.filter(pk=stuck.pk).update(queued_at=long_ago)
    assert consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False).draft_number == 2
    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED


def test_only_a_failed_version_is_retried(dataset, h1, reviewer, staff, vi, build_now):
    report = build_now(h1, reviewer)

    with pytest.raises(ReportError) as refused:
        consolidation.retry_drafting(actor=reviewer, report=report)
    assert str(refused.value) == vi("Only a version whose drafting failed can be drafted again.")
    ConsolidatedReport.objects.filter(pk=report.pk).update(status=Status.FAILED)
    with pytest.raises(ReportError):
        consolidation.retry_drafting(actor=staff, report=report)
    report.refresh_from_db()
    assert report.status == Status.FAILED


@pytest.mark.parametrize(
    ("section", "label"),
    [
        ("situation", "general situation"),
        ("directions", "directions and tasks for the next period"),
    ],
)
def test_a_text_too_long_is_named_as_the_reviewer_reads_it(
    h1, staff, reviewer, build_now, section, label, vi
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    ready = build_now(h1, reviewer)
    too_long = "x" * (AgencyReport.TEXT_MAX_CHARS + 1)

    with pytest.raises(ReportError) as refused:
        consolidation.save_narrative(actor=reviewer, report=ready, sections={section: too_long})

    assert str(refused.value) == vi(
        "“%(field)s” may be at most %(limit)s characters long (it has %(length)s).",
        field=capfirst(vi(label)),
        limit="20.000",
        length="20.001",
    )
    ready.refresh_from_db()
    assert too_long not in getattr(ready, section)


def test_the_narrative_cannot_change_while_building(h1, reviewer, vi):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)

    with pytest.raises(ReportError) as refused:
        consolidation.save_narrative(actor=reviewer, report=report, sections={"situation": "x"})
    assert str(refused.value) == vi("The report is being drafted; change it once it is ready.")


def test_a_first_draft_is_built_the_day_after_a_period_ends_and_only_once(
    periods, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.draft_consolidated_reports(today_iso="2020-06-14") == 0  # not over yet
        assert tasks.draft_consolidated_reports(today_iso="2020-06-15") == 1
    report = ConsolidatedReport.objects.get()
    assert (report.period.code, report.draft_number, report.status) == ("2020-H1", 1, Status.READY)
    assert report.created_by is None

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.draft_consolidated_reports(today_iso="2020-06-15") == 0
        assert tasks.draft_consolidated_reports(today_iso="2020-12-15") == 1  # the year's
    assert sorted(ConsolidatedReport.objects.values_list("period__year", "period__kind")) == [
        (2020, "half"),
        (2020, "year"),
    ]
    entry = django_settings.CELERY_BEAT_SCHEDULE["draft-consolidated-reports"]
    assert entry["task"] == "reports.tasks.draft_consolidated_reports"
