"""How many times an activity went back to its agency (Activity.return_count): counted by the
services on each return and reopen, and counted from the history by migration 0010 for the
activities returned before the field existed."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from activities import services
from activities.models import Activity
from tests.factories import activity_data, make_activity
from tests.support import postgres_only

BEFORE = [("activities", "0009_text_limits")]


def _return(activity: Activity, reviewer, *, fix=None) -> Activity:
    """Return a submitted activity, then (if `fix`, a staff member) edit and resubmit it."""
    activity = services.return_activity(
        actor=reviewer, activity=activity, version=activity.version, reason="Thiếu biên bản"
    )
    if fix is None:
        return activity
    activity = services.update_activity(
        actor=fix, activity=activity, version=activity.version, data=activity_data(title="Sửa")
    )
    return services.submit_activity(actor=fix, activity=activity, version=activity.version)


def _histories(staff, reviewer) -> dict[str, Activity]:
    """Activities with every kind of history: never returned, returned once (edited twice
    while returned), returned twice, accepted then reopened, still a draft."""
    first_time = make_activity(staff, status="accepted", reviewer=reviewer)
    once = _return(make_activity(staff, status="submitted"), reviewer)
    for title in ("Sửa 1", "Sửa 2"):  # edits of a returned activity are not returns
        once = services.update_activity(
            actor=staff, activity=once, version=once.version, data=activity_data(title=title)
        )
    twice = _return(make_activity(staff, status="submitted"), reviewer, fix=staff)
    twice = _return(twice, reviewer, fix=staff)
    twice = services.accept_activity(actor=reviewer, activity=twice, version=twice.version)
    reopened = make_activity(staff, status="accepted", reviewer=reviewer)
    reopened = services.reopen_activity(
        actor=reviewer, activity=reopened, version=reopened.version, reason="Sai ngày"
    )
    draft = make_activity(staff)
    return {
        "first_time": first_time,
        "once": once,
        "twice": twice,
        "reopened": reopened,
        "draft": draft,
    }


EXPECTED = {"first_time": 0, "once": 1, "twice": 2, "reopened": 1, "draft": 0}


def _counts(activities: dict[str, Activity]) -> dict[str, int]:
    stored = dict(
        Activity.objects.filter(pk__in=[a.pk for a in activities.values()]).values_list(
            "pk", "return_count"
        )
    )
    return {name: stored[activity.pk] for name, activity in activities.items()}


@pytest.mark.django_db
def test_each_return_and_reopen_counts_once_and_nothing_else_does(staff, reviewer):
    activities = _histories(staff, reviewer)
    assert _counts(activities) == EXPECTED
    assert activities["twice"].return_count == 2  # the service's returned instance too


@pytest.mark.django_db
def test_a_refused_return_counts_nothing(staff, reviewer):
    activity = make_activity(staff, status="submitted")
    with pytest.raises(services.ActivityError):
        services.return_activity(
            actor=staff, activity=activity, version=activity.version, reason="x"
        )
    with pytest.raises(services.ActivityError):
        services.return_activity(
            actor=reviewer, activity=activity, version=activity.version, reason="  "
        )
    activity.refresh_from_db()
    assert activity.return_count == 0


@pytest.mark.django_db
def test_the_count_is_not_a_change_in_the_history(staff, reviewer):
    activity = _return(make_activity(staff, status="submitted"), reviewer)
    entry = activity.history.latest()
    assert not hasattr(entry, "return_count")


@pytest.mark.django_db
def test_the_backfill_counts_the_history_on_any_database(staff, reviewer):
    activities = _histories(staff, reviewer)
    Activity.objects.update(return_count=0)
    module = importlib.import_module("activities.migrations.0010_activity_return_count")
    with connection.cursor() as cursor:
        editor = SimpleNamespace(quote_name=connection.ops.quote_name, execute=cursor.execute)
        module.count_returns(django_apps, editor)
    assert _counts(activities) == EXPECTED


def _migrate(targets) -> MigrationExecutor:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader reads what is applied now


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_counts_the_returns_made_before_it(staff, reviewer):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    activities = _histories(staff, reviewer)
    try:
        _migrate(BEFORE)
        with connection.cursor() as cursor:
            columns = [
                c.name
                for c in connection.introspection.get_table_description(
                    cursor, Activity._meta.db_table
                )
            ]
        assert "return_count" not in columns  # the activities are as an older portal left them

        _migrate(latest)

        assert _counts(activities) == EXPECTED
    finally:
        _migrate(latest)
