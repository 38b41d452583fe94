"""Tasks already in the queue at a deploy still find their task: the reports' tasks keep the
names they were first registered under (reports/tasks.py before the app was cut at its seam,
reports/agency_reports.py for the per-agency reminder), wherever they live now and whatever
their function is called (a worker rejects a task it knows under another name, and the job is
lost).
"""

from __future__ import annotations

import pytest

from doingoai.celery import app
from reports import consolidation, notifications, tasks

# registered name -> the task the code queues under it, and the module that defines it now
KEPT = {
    "reports.tasks.build_consolidated_report": (
        consolidation.build_consolidated_report,
        "reports.consolidation",
    ),
    "reports.tasks.notify_leaders": (notifications.notify_leaders, "reports.notifications"),
    "reports.agency_reports.send_agency_report_reminder": (
        notifications.send_agency_report_reminder,
        "reports.notifications",
    ),
    # A beat job renamed for what it does: the schedule and jobs already sent keep the name.
    "reports.tasks.fail_stale_builds": (tasks.fail_stale_drafts, "reports.tasks"),
    # For one release: the reminders queued before one task per agency carried a list of ids.
    "reports.tasks.send_agency_report_reminders": (
        notifications.send_agency_report_reminders,
        "reports.notifications",
    ),
}


@pytest.mark.parametrize("name", list(KEPT))
def test_tasks_queued_before_a_move_keep_their_registered_names(name):
    task, module = KEPT[name]
    assert task.name == name
    assert app.tasks[name].__module__ == module


@pytest.mark.parametrize(
    "new_name",
    [
        "reports.consolidation.build_consolidated_report",
        "reports.consolidation.notify_leaders",
        "reports.notifications.notify_leaders",
        "reports.notifications.send_agency_report_reminder",
        "reports.notifications.send_agency_report_reminders",
        "reports.tasks.fail_stale_drafts",
    ],
)
def test_the_moved_tasks_are_not_registered_under_a_second_name(new_name):
    assert new_name not in app.tasks


def test_the_beat_jobs_are_registered():
    for name in (
        "reports.tasks.ensure_reporting_periods",
        "reports.tasks.remind_agency_reports",
        "reports.tasks.draft_consolidated_reports",
        "reports.tasks.fail_stale_builds",
    ):
        assert name in app.tasks
