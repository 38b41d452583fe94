"""Who is told of a decision, from the other side: someone who no longer works for the agency
hears nothing of its records; the text is the portal's language whatever the decider reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from activities import services as activity_services
from notifications.models import Notification
from tests.factories import make_activity

pytestmark = pytest.mark.django_db


def test_an_author_whose_membership_ended_is_not_told_of_the_decision(
    staff, manager, reviewer, django_capture_on_commit_callbacks
):
    staff.email = "lan@sld.gov.vn"
    staff.save(update_fields=["email"])
    activity = make_activity(staff, status="submitted")
    staff.memberships.update(ended_on=timezone.localdate() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.return_activity(
            actor=reviewer, activity=activity, version=activity.version, reason="Lý do mật"
        )
    assert not Notification.objects.filter(recipient=staff).exists()
    assert all("lan@sld.gov.vn" not in m.to for m in mail.outbox)


def test_the_author_still_in_the_agency_is_told(staff, reviewer):
    activity = make_activity(staff, status="submitted")
    activity_services.return_activity(
        actor=reviewer, activity=activity, version=activity.version, reason="Thiếu biên bản"
    )
    assert Notification.objects.filter(recipient=staff).exists()


def test_a_decision_taken_in_the_english_interface_is_told_in_vietnamese(
    staff, reviewer, django_capture_on_commit_callbacks
):
    staff.email = "lan@sld.gov.vn"
    staff.save(update_fields=["email"])
    activity = make_activity(staff, status="submitted")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        activity_services.accept_activity(
            actor=reviewer, activity=activity, version=activity.version
        )
    [email] = mail.outbox
    assert email.subject.startswith("Hoạt động đã được tiếp nhận:")
