"""The consolidated report built by real Celery workers through Redis, on PostgreSQL.

A worker started in this process (celery.contrib.testing) builds what a committed transaction
queued, and a task delivered twice builds once; its PDFs come from the fake renderer (the
queue is under test, not WeasyPrint). A worker process killed in the middle of a build loses
nothing: the unacknowledged task goes back to the queue and the next worker builds the same
version again, end to end, with WeasyPrint itself.
"""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path

import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.db import transaction

from reports import consolidation
from reports.models import ConsolidatedReport
from tests.factories import make_activity
from tests.support import (
    redis_url,
    start_worker_process,
    stop_process,
    wait_for,
    with_real_worker,
)

Status = ConsolidatedReport.Status
TASK = "reports.tasks.build_consolidated_report"  # its name from before the cut


def status_of(report: ConsolidatedReport) -> str:
    return ConsolidatedReport.objects.values_list("status", flat=True).get(pk=report.pk)


def queued_messages(queue: str) -> int:
    return redis.Redis.from_url(redis_url()).llen(queue)


@with_real_worker
def test_a_real_worker_builds_what_a_committed_transaction_queued(
    worker_app, queue, period, staff, reviewer
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    # Rolled back: nothing is queued, no version exists.
    try:
        with transaction.atomic():
            consolidation.start_drafting(actor=reviewer, period=period)
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert not ConsolidatedReport.objects.exists()
    assert queued_messages(queue) == 0

    with start_worker(worker_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        report = consolidation.start_drafting(actor=reviewer, period=period)  # queued after commit
        result = worker_app.AsyncResult(report.task_id)
        assert result.get(timeout=60) == "ready"

    report.refresh_from_db()
    assert (report.draft_number, report.status, report.attempts) == (1, Status.READY, 1)
    assert report.figures["total"] == 1
    assert Path(report.pdf.path).read_bytes().startswith(b"%PDF-")
    assert Path(report.xlsx.path).is_file()
    assert ConsolidatedReport.objects.count() == 1


@with_real_worker
def test_the_same_task_sent_twice_to_a_real_worker_builds_one_version(
    worker_app, period, staff, reviewer, stored
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    report = consolidation.start_drafting(actor=reviewer, period=period, enqueue=False)
    finished: list[tuple[str, object]] = []

    def record(sender=None, task_id=None, retval=None, **kwargs):
        if sender is not None and sender.name == TASK:
            finished.append((task_id, retval))

    task_postrun.connect(record, weak=False)
    try:
        with start_worker(worker_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            for _ in range(2):
                consolidation.build_consolidated_report.apply_async(
                    args=[report.pk], task_id=report.task_id
                )
            wait_for(lambda: len(finished) == 2, 60, "both deliveries to run")
    finally:
        task_postrun.disconnect(record)

    assert finished == [(report.task_id, "ready"), (report.task_id, "ready")]
    report.refresh_from_db()
    assert report.status == Status.READY and report.attempts == 1
    assert ConsolidatedReport.objects.count() == 1
    assert len(stored("pdf")) == 1


# ---------------------------------------------------------------------------- kill -9

# A worker process as `celery -A doingoai worker --pool=solo` starts it, with a short
# visibility timeout so that an unacknowledged task comes back within seconds. With HANG set,
# the PDF rendering (a collaborator, not the code under test) stops to wait for the kill.
WORKER = textwrap.dedent(
    """
    import os, sys, time

    import django

    django.setup()
    from doingoai.celery import app

    app.conf.task_default_queue = os.environ["TEST_QUEUE"]
    app.conf.broker_transport_options = {
        "visibility_timeout": 1,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
    if os.environ.get("HANG"):
        from reports import documents

        def hang(report):
            open(os.environ["HANG"], "w").close()
            time.sleep(120)

        documents.render_pdf = hang
    app.worker_main(
        ["worker", "--pool=solo", "--loglevel=WARNING", "--without-heartbeat",
         "--without-gossip", "--without-mingle", "-n", os.environ["WORKER_NAME"]]
    )
    """
)


def _start_worker_process(tmp_path: Path, queue: str, name: str, hang: Path | None):
    env = {
        # its files land in tmp_path/private, where this test's storage is
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "REPORT_BUILD_STALE_SECONDS": str(django_settings.REPORT_BUILD_STALE_SECONDS),
    }
    if hang is not None:
        env["HANG"] = str(hang)
    return start_worker_process(WORKER, tmp_path=tmp_path, queue=queue, name=name, env=env)


@with_real_worker
def test_a_worker_killed_mid_build_loses_nothing_the_next_one_builds_the_version(
    worker_app, queue, period, staff, reviewer, tmp_path, stored
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    marker = tmp_path / "rendering"
    first = _start_worker_process(tmp_path, queue, "doomed", hang=marker)
    second = None
    try:
        report = consolidation.start_drafting(actor=reviewer, period=period)  # sent to Redis
        wait_for(
            lambda: marker.exists() or first.poll() is not None, 25, "the worker to start building"
        )
        assert first.poll() is None, (tmp_path / "doomed.log").read_text()
        assert status_of(report) == Status.BUILDING

        os.killpg(first.pid, signal.SIGKILL)  # the worker dies mid-build, task unacknowledged
        first.wait(10)
        time.sleep(1.5)  # past the visibility timeout
        assert status_of(report) == Status.BUILDING  # nothing failed it: it is just stuck

        second = _start_worker_process(tmp_path, queue, "rescuer", hang=None)
        wait_for(
            lambda: status_of(report) != Status.BUILDING or second.poll() is not None,
            25,
            "the task to come back and be built",
        )
    finally:
        stop_process(first, signal.SIGKILL)
        if second is not None:
            stop_process(second)
    log = (tmp_path / "rescuer.log").read_text(errors="replace")
    report.refresh_from_db()
    assert report.status == Status.READY, log
    assert report.attempts == 2  # the dead worker's attempt, then the redelivery
    assert ConsolidatedReport.objects.count() == 1
    assert Path(report.pdf.path).read_bytes().startswith(b"%PDF-")
    assert len(stored("pdf")) == 1
