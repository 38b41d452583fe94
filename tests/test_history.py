"""The history rows the pages show (doingoai/history.py)."""

from __future__ import annotations

import pytest

from activities.models import Activity
from doingoai.history import history_rows
from tests.factories import make_activity

pytestmark = pytest.mark.django_db


def test_a_record_without_history_has_no_rows():
    assert history_rows([]) == []
    assert history_rows(Activity.history.none()) == []


def test_each_row_names_the_fields_it_changed_against_the_one_before(staff):
    activity = make_activity(staff, title="Đoàn Nhật Bản")
    activity.place = "Côn Đảo"
    activity.save()
    rows = history_rows(activity.history.order_by("-history_date", "-history_id"))
    assert [row.changed for row in rows] == [
        [str(Activity._meta.get_field("place").verbose_name)],
        [],
    ]
    assert history_rows(activity.history.all(), with_fields=False)[0].changed == []
