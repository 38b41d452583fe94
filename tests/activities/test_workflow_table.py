"""The activities' status table (activities/workflow.py), row by row through its service: every
move from every status it does not start from is refused with the row's message; the review
queue's bulk moves are rows of the table."""

from __future__ import annotations

import re

import pytest

from activities import services
from activities.models import Activity
from activities.workflow import BULK_MOVES, WORKFLOW
from agencies.permissions import Action

pytestmark = pytest.mark.django_db

STATUSES = list(Activity.Status.values)


@pytest.mark.parametrize("name", list(WORKFLOW.transitions))
def test_each_activity_move_is_refused_from_every_other_status(
    activity_factory, staff, reviewer, name
):
    transition = WORKFLOW[name]
    actor = staff if transition.permission == Action.ACT else reviewer
    for status in STATUSES:
        if status in transition.sources:
            continue
        activity = activity_factory(
            staff, status=status, reviewer=reviewer, title=f"{name} {status}"
        )
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
