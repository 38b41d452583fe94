"""A drafting that is delivered twice, killed, stuck, slow or failing: one version and one
PDF whatever happens, no version 'being drafted' for ever, a clear message and a retry."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.db.models import F
from django.utils import timezone

from reports import consolidation, documents, tasks
from reports.models import ConsolidatedReport

# Every test here drafts versions on top of the one data set, each in a savepoint of it.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_dataset")]

Status = ConsolidatedReport.Status


def test_building_twice_leaves_one_version_and_one_pdf(dataset, h1, reviewer, stored):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)

    built = consolidation.build_version(report.pk, report.task_id)
    again = consolidation.build_version(report.pk, report.task_id)

    assert built.status == again.status == Status.READY
    assert again.pdf.name == built.pdf.name and again.finished_at == built.finished_at
    assert again.attempts == 1
    assert ConsolidatedReport.objects.count() == 1
    assert len(stored("pdf")) == 1 and len(stored("xlsx")) == 1


def test_the_same_task_delivered_twice_builds_once(dataset, h1, reviewer, stored):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    task = consolidation.build_consolidated_report

    first = task.apply(args=[report.pk], task_id=report.task_id)
    second = task.apply(args=[report.pk], task_id=report.task_id)

    assert first.get() == second.get() == "ready"
    report.refresh_from_db()
    assert report.attempts == 1
    assert ConsolidatedReport.objects.count() == 1
    assert len(stored("pdf")) == 1


def test_a_redelivered_task_leaves_ready_and_issued_versions_alone(
    dataset, h1, reviewer, build_now, issue_now, stored
):
    report = build_now(h1, reviewer)
    before = (report.pdf.name, report.xlsx.name, report.finished_at, report.attempts)
    task = consolidation.build_consolidated_report

    assert task.apply(args=[report.pk], task_id=report.task_id).get() == "ready"
    report.refresh_from_db()
    assert (report.pdf.name, report.xlsx.name, report.finished_at, report.attempts) == before

    issued = issue_now(report, reviewer)
    pdf_bytes = Path(issued.pdf.path).read_bytes()
    assert task.apply(args=[issued.pk], task_id=issued.task_id).get() == "issued"
    issued.refresh_from_db()
    assert issued.status == Status.ISSUED and Path(issued.pdf.path).read_bytes() == pdf_bytes
    # The draft's PDF was replaced by the issued one; nothing else is kept.
    assert stored("pdf") == [Path(issued.pdf.path)]
    # A task of a version that no longer exists does nothing either.
    assert task.apply(args=[issued.pk + 100], task_id="gone").get() is None


def test_a_task_with_another_task_id_does_not_build(dataset, h1, reviewer):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)

    result = consolidation.build_consolidated_report.apply(
        args=[report.pk], task_id="an-old-task-id"
    )

    assert result.get() == "queued"
    report.refresh_from_db()
    assert report.status == Status.QUEUED and report.attempts == 0 and not report.pdf


def test_a_build_left_building_by_a_dead_worker_is_built_again_on_redelivery(dataset, h1, reviewer):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    ConsolidatedReport.objects.filter(pk=report.pk).update(
        status=Status.BUILDING, attempts=1, started_at=timezone.now() - timedelta(minutes=1)
    )

    result = consolidation.build_consolidated_report.apply(args=[report.pk], task_id=report.task_id)

    assert result.get() == "ready"
    report.refresh_from_db()
    assert report.status == Status.READY and report.attempts == 2 and report.pdf
    assert ConsolidatedReport.objects.count() == 1


def _age(report: ConsolidatedReport, seconds: int, **fields) -> None:
    then = timezone.now() - timedelta(seconds=seconds)
    ConsolidatedReport.objects.filter(pk=report.pk).update(queued_at=then, **fields)


def test_stuck_builds_are_failed_with_a_clear_message_and_can_be_built_again(
    dataset, periods, reviewer, settings, django_capture_on_commit_callbacks, stale_text
):
    stale = settings.REPORT_BUILD_STALE_SECONDS
    stuck = consolidation.start_drafting(actor=reviewer, period=periods["2020-H1"], enqueue=False)
    _age(
        stuck,
        stale + 60,
        status=Status.BUILDING,
        started_at=timezone.now() - timedelta(seconds=stale + 30),
    )
    waiting = consolidation.start_drafting(actor=reviewer, period=periods["2020"], enqueue=False)
    _age(waiting, stale + 60)  # queued, never started
    recent = consolidation.start_drafting(actor=reviewer, period=periods["2019"], enqueue=False)
    busy = consolidation.start_drafting(actor=reviewer, period=periods["2019-H1"], enqueue=False)
    _age(busy, stale + 60, status=Status.BUILDING, started_at=timezone.now())

    assert consolidation.mark_stale() == 2
    statuses = dict(ConsolidatedReport.objects.values_list("pk", "status"))
    assert statuses == {
        stuck.pk: "failed",
        waiting.pk: "failed",
        recent.pk: "queued",
        busy.pk: "building",
    }
    stuck.refresh_from_db()
    assert stuck.error == stale_text and stuck.finished_at
    assert "Nothing was lost" not in stuck.error  # in Vietnamese, whatever the request's
    assert consolidation.mark_stale() == 0

    # The worker that was thought dead finishes late: its result is dropped.
    assert consolidation.build_version(stuck.pk, stuck.task_id).status == Status.FAILED
    stuck.refresh_from_db()
    assert not stuck.pdf

    with django_capture_on_commit_callbacks(execute=True):
        consolidation.retry_drafting(actor=reviewer, report=stuck)
    stuck.refresh_from_db()
    assert stuck.status == Status.READY and stuck.error == "" and stuck.pdf
    assert ConsolidatedReport.objects.filter(period=stuck.period).count() == 1


def test_the_beat_task_fails_stale_builds(h1, reviewer, settings, stale_text):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    _age(report, settings.REPORT_BUILD_STALE_SECONDS + 1)

    assert tasks.fail_stale_drafts.delay().get() == 1
    report.refresh_from_db()
    assert report.status == Status.FAILED and report.error == stale_text
    assert "fail-stale-report-builds" in settings.CELERY_BEAT_SCHEDULE
    # A period with a stuck version can be built again: the stuck one is failed first.
    _age(report, 0, status=Status.QUEUED)
    _age(report, settings.REPORT_BUILD_STALE_SECONDS + 1)
    assert consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False).draft_number == 2
    report.refresh_from_db()
    assert report.status == Status.FAILED


def test_a_build_that_keeps_killing_its_worker_ends_failed_not_building_forever(
    h1, reviewer, settings, monkeypatch, stale_text
):
    """Past the hard time limit the worker process is killed and (acks_late,
    reject_on_worker_lost) the task comes straight back. Each redelivery must not look like
    a fresh start, or the version is re-delivered and 'building' for ever."""

    class WorkerKilled(BaseException):
        pass

    def killed(version):
        raise WorkerKilled

    monkeypatch.setattr(documents, "render_pdf", killed)
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    hard_limit = timedelta(seconds=settings.REPORT_BUILD_TIME_LIMIT)
    attempts = 0
    while attempts < 10:
        with pytest.raises(WorkerKilled):
            consolidation.build_version(report.pk, report.task_id)  # (re)delivered
        attempts += 1
        # The time the attempt took before the kill goes by.
        ConsolidatedReport.objects.filter(pk=report.pk).update(
            queued_at=F("queued_at") - hard_limit, started_at=F("started_at") - hard_limit
        )
        if consolidation.mark_stale():
            break

    report.refresh_from_db()
    assert report.status == Status.FAILED and report.error == stale_text
    stale = settings.REPORT_BUILD_STALE_SECONDS
    assert attempts == report.attempts <= stale // settings.REPORT_BUILD_TIME_LIMIT + 1
    assert (
        consolidation.build_version(report.pk, report.task_id).status == Status.FAILED
    )  # loop over


def test_a_version_failed_as_stale_while_rendering_drops_the_late_result(
    dataset, h1, reviewer, settings, monkeypatch, stale_text
):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    real = documents.render_pdf

    def slow_render(version):
        # The page or the beat decided it had been too long meanwhile.
        later = timezone.now() + timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS + 5)
        consolidation.mark_stale(now=later)
        return real(version)

    monkeypatch.setattr(documents, "render_pdf", slow_render)
    result = consolidation.build_version(report.pk, report.task_id)

    assert result.status == Status.FAILED and result.error == stale_text
    report.refresh_from_db()
    assert report.status == Status.FAILED and not report.pdf and not report.xlsx


@pytest.mark.parametrize(
    ("error", "reason", "attempts"),
    [
        (RuntimeError("template exploded"), "An unexpected error stopped the drafting.", 1),
        (SoftTimeLimitExceeded(), "The drafting took too long and was stopped.", 1),
        # Run in-process there is no worker to retry later: failed at once.
        (OSError("disk full"), "The database or the disk did not answer.", 1),
    ],
)
def test_a_failing_build_ends_failed_never_stuck(
    dataset,
    h1,
    reviewer,
    monkeypatch,
    django_capture_on_commit_callbacks,
    error,
    reason,
    attempts,
    build_now,
    failed_message,
):
    calls = []

    def broken(version):
        calls.append(version.pk)
        raise error

    monkeypatch.setattr(documents, "render_pdf", broken)
    report = build_now(h1, reviewer)

    assert report.status == Status.FAILED
    assert report.error == failed_message(reason)
    assert report.finished_at and not report.pdf and not report.xlsx
    assert report.attempts == attempts == len(calls)
    assert ConsolidatedReport.objects.count() == 1

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        consolidation.retry_drafting(actor=reviewer, report=report)
    report.refresh_from_db()
    assert report.status == Status.READY and report.error == "" and report.pdf


def test_a_transient_error_under_a_worker_is_retried_with_backoff_then_failed(
    dataset, h1, reviewer, monkeypatch, failed_message
):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    task = consolidation.build_consolidated_report._get_current_object()
    countdowns = []

    def retry(exc=None, countdown=None, **options):
        # What Celery does under a worker: send the same task again later, same task id.
        countdowns.append(countdown)
        return Retry(exc=exc, when=countdown)

    def broken(version):
        raise OSError("disk full")

    monkeypatch.setattr(task, "retry", retry)
    monkeypatch.setattr(documents, "render_pdf", broken)
    for attempt in range(task.max_retries):
        task.push_request(id=report.task_id, retries=attempt, is_eager=False)
        try:
            with pytest.raises(Retry):
                task.run(report.pk)
        finally:
            task.pop_request()
        report.refresh_from_db()
        # Left 'building' under the same task id: the retry builds it again.
        assert (report.status, report.attempts) == (Status.BUILDING, attempt + 1)
    task.push_request(id=report.task_id, retries=task.max_retries, is_eager=False)
    try:
        assert task.run(report.pk) is None
    finally:
        task.pop_request()

    assert countdowns == [10, 20, 40]
    report.refresh_from_db()
    assert report.status == Status.FAILED and report.attempts == 4
    assert report.error == failed_message("The database or the disk did not answer.")


def test_a_broken_template_setting_fails_the_build(
    dataset, h1, reviewer, settings, build_now, failed_message
):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": False}]

    report = build_now(h1, reviewer)

    assert report.status == Status.FAILED
    assert report.error == failed_message("An unexpected error stopped the drafting.")
