"""Every history page of the admin reads the same way (doingoai.admin.HistoryAdmin): an
empty value is "—", never Python's None, on an activity's and an agency report's history as on
an agency's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_activity

pytestmark = pytest.mark.django_db


def test_an_activitys_history_in_the_admin_reads_dash_for_empty(client, admin_user, staff):
    activity = make_activity(staff, status="submitted")  # submitted_at: empty → a time
    client.force_login(admin_user)
    response = client.get(reverse("admin:activities_activity_history", args=[activity.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "—" in page
    assert "None" not in page
