"""The activities' status table (activities/workflow.py), row by row through its service: every
move from every status it does not start from is refused with the row's message; a user
without the right is refused before anything about the activity is told; the review queue's
bulk moves are rows of the table."""

from __future__ import annotations

import re

import pytest

from activities import services
from activities.models import Activity
from activities.workflow import BULK_MOVES, WORKFLOW
from agencies.permissions import Action
from tests.factories import activity_data, make_activity

pytestmark = pytest.mark.django_db

STATUSES = list(Activity.Status.values)


@pytest.mark.parametrize("name", list(WORKFLOW.transitions))
def test_each_activity_move_is_refused_from_every_other_status(staff, reviewer, name):
    transition = WORKFLOW[name]
    actor = staff if transition.permission == Action.ACT else reviewer
    for status in STATUSES:
        if status in transition.sources:
            continue
        activity = make_activity(staff, status=status, reviewer=reviewer, title=f"{name} {status}")
        with pytest.raises(services.ActivityError, match=re.escape(str(transition.wrong_state))):
            services.move_activity(
                actor=actor, activity=activity, version=activity.version, action=name, reason="Sai"
            )
        activity.refresh_from_db()
        assert activity.status == status


def test_the_activity_table_reads_as_the_rules_say():
    rows = {
        name: (set(t.sources), t.target, t.permission, t.needs_reason)
        for name, t in WORKFLOW.transitions.items()
    }
    S = Activity.Status
    assert rows == {
        "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED, Action.ACT, False),
        "accept": ({S.SUBMITTED}, S.ACCEPTED, Action.REVIEW, False),
        "return": ({S.SUBMITTED}, S.RETURNED, Action.REVIEW, True),
        "reopen": ({S.ACCEPTED}, S.RETURNED, Action.REVIEW, True),
    }


def test_the_review_queue_accepts_and_returns_in_bulk_and_nothing_else():
    assert [move.name for move in BULK_MOVES] == ["accept", "return"]
    for move in BULK_MOVES:
        assert move is WORKFLOW[move.name]
        assert move.bulk.label and "%(count)d" in str(move.bulk.done)


@pytest.mark.parametrize(
    ("role", "name", "status"),
    [
        ("staff", "accept", "submitted"),  # staff do not review
        ("manager", "submit", "draft"),  # a manager of another agency
        ("leader", "reopen", "accepted"),
        ("outsider", "return", "submitted"),
    ],
)
def test_a_user_without_the_right_is_refused_before_a_stale_version_is_told(
    cast, staff, reviewer, role, name, status
):
    activity = make_activity(staff, status=status, reviewer=reviewer)
    transition = WORKFLOW[name]
    with pytest.raises(services.ActivityError) as refused:
        services.move_activity(
            actor=cast[role],
            activity=activity,
            version=activity.version - 1,
            action=name,
            reason="Sai",
        )
    # The refusal, not the conflict: the conflict would tell the activity's status.
    assert not isinstance(refused.value, services.ActivityConflict)
    assert str(refused.value) == str(transition.refused)
    activity.refresh_from_db()
    assert activity.status == status


def test_a_reviewer_with_a_stale_version_is_told_of_the_conflict(staff, reviewer):
    activity = make_activity(staff, status="submitted")
    with pytest.raises(services.ActivityConflict):
        services.accept_activity(actor=reviewer, activity=activity, version=activity.version - 1)


def test_an_edit_by_someone_who_may_not_is_refused_before_a_stale_version_is_told(staff, manager):
    activity = make_activity(staff)
    with pytest.raises(services.ActivityError) as refused:
        services.update_activity(
            actor=manager,
            activity=activity,
            version=activity.version - 1,
            data=activity_data(title="Đổi tên"),
        )
    assert str(refused.value) == f"Bạn không được sửa hoạt động của {activity.agency}."
    activity.refresh_from_db()
    assert activity.title == "Đoàn công tác Nhật Bản"
