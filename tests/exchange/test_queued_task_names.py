"""Tasks already in the queue at a deploy still find their task: the exchange's tasks keep the
names they were registered under in activities/tasks.py before the exchange became its own app
(a worker rejects a task it knows under another name, and the job is lost)."""

from __future__ import annotations

import pytest

from activities.exchange import notifications, tasks
from doingoai.celery import app

# registered name -> the task the code queues under it, and the module that defines it now
KEPT = {
    "activities.tasks.send_message_emails": (
        notifications.send_message_emails,
        "activities.exchange.notifications",
    ),
    "activities.tasks.remind_due_requests": (
        tasks.remind_due_requests,
        "activities.exchange.tasks",
    ),
}


@pytest.mark.parametrize("name", list(KEPT))
def test_tasks_queued_before_the_exchange_moved_keep_their_registered_names(name):
    task, module = KEPT[name]
    assert task.name == name
    assert app.tasks[name].__module__ == module


@pytest.mark.parametrize(
    "new_name",
    [
        "activities.exchange.notifications.send_message_emails",
        "activities.exchange.tasks.remind_due_requests",
    ],
)
def test_the_moved_tasks_are_not_registered_under_a_second_name(new_name):
    assert new_name not in app.tasks
