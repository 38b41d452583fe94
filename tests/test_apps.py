"""The rule every model of the portal follows on save (doingoai.apps.clean_text_fields): its
text columns are cleaned whoever writes them, and only the columns saved."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from activities.models import Partner
from tests.factories import make_activity

pytestmark = pytest.mark.django_db


def test_a_save_from_the_shell_is_cleaned_too():
    partner = Partner.objects.create(
        name="Ðại sứ quán \u2067Nhật\u2069\x00", kind="embassy", country="JP"
    )
    assert Partner.objects.get(pk=partner.pk).name == "Đại sứ quán Nhật"
    assert Partner.objects.get(pk=partner.pk).search_text == "dai su quan nhat"


def test_a_save_of_some_fields_cleans_only_those(staff):
    activity = make_activity(staff)
    activity.title = "Ðoàn\x00 mới"
    activity.place = "Bà Rịa\x07"  # not saved: stays as it is in memory only
    activity.save(update_fields=["title"])
    activity.refresh_from_db()
    assert (activity.title, activity.place) == ("Đoàn mới", "Vũng Tàu")


def test_a_model_outside_the_portal_apps_is_left_as_written():
    group = Group.objects.create(name="Nhóm\u00a0A")
    assert Group.objects.get(pk=group.pk).name == "Nhóm\u00a0A"
