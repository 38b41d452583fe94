"""notifications.services.notify: each user once per event, in the deciding transaction,
e-mailed as each chose for the kind."""

from __future__ import annotations

import pytest
from django.db import transaction

from notifications.models import EmailChoice, Kind, Notification
from notifications.services import Event, notify, set_preferences
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def returned(key: str = "activity-returned:1:v2") -> Event:
    return Event(
        kind=Kind.ACTIVITY_RETURNED,
        key=key,
        title="Đón đoàn Chiba",
        url="/activities/1/",
        detail="Thiếu danh sách đoàn.",
    )


def test_each_user_is_told_once_per_event_and_the_actor_not_at_all(staff, manager, reviewer):
    assert notify([staff, manager, reviewer], returned(), actor=reviewer) == 2
    assert notify([staff, manager], returned(), actor=reviewer) == 0  # the same event again
    told = Notification.objects.order_by("recipient__username")
    assert sorted(n.recipient_id for n in told) == sorted([staff.pk, manager.pk])
    assert {n.detail for n in told} == {"Thiếu danh sách đoàn."}
    assert notify([staff], returned("activity-returned:1:v4"), actor=reviewer) == 1


def test_an_inactive_account_is_not_told(staff, manager):
    staff.is_active = False
    staff.save()
    assert notify([staff, manager], returned()) == 1
    assert not Notification.objects.filter(recipient=staff).exists()


def test_each_notification_is_emailed_as_its_user_chose_for_the_kind(staff, manager, reviewer):
    set_preferences(staff, {Kind.ACTIVITY_RETURNED: EmailChoice.DIGEST})
    set_preferences(manager, {Kind.ACTIVITY_ACCEPTED: EmailChoice.NEVER})  # another kind
    reviewer.email = ""
    reviewer.save()
    manager.email = "minh@vungtau.gov.vn"
    manager.save()
    staff.email = "lan@sld.gov.vn"
    staff.save()
    notify([staff, manager, reviewer], returned())
    chosen = dict(Notification.objects.values_list("recipient__username", "email"))
    assert chosen == {
        staff.username: EmailChoice.DIGEST,
        manager.username: EmailChoice.IMMEDIATELY,
        reviewer.username: EmailChoice.NEVER,  # no address: never e-mailed
    }


def test_a_decision_rolled_back_leaves_no_notification(staff):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([staff], returned())
        raise RuntimeError("the decision failed")
    assert not Notification.objects.exists()


def test_an_event_key_too_long_is_refused_before_anything_is_written(staff):
    with pytest.raises(ValueError):
        notify([staff], returned("x" * (Notification.EVENT_MAX_LENGTH + 1)))
    assert not Notification.objects.exists()


def test_unknown_kinds_or_choices_are_refused_and_nothing_is_saved(staff):
    with pytest.raises(ValueError):
        set_preferences(staff, {Kind.REPORT_ISSUED: "never", "no-such-kind": "never"})
    with pytest.raises(ValueError):
        set_preferences(staff, {Kind.REPORT_ISSUED: "sometimes"})
    assert not staff.email_preferences.exists()


def test_notify_takes_a_queryset_too(staff, manager):
    users = type(staff).objects.filter(pk__in=[staff.pk, manager.pk])
    assert notify(users, returned()) == 2


def test_three_queries_whatever_the_number_of_users(django_assert_num_queries, staff):
    few = [staff, *(make_user(f"u{i}", "SLDTBXH", "staff") for i in range(2))]
    many = [*few, *(make_user(f"v{i}", "SLDTBXH", "staff") for i in range(20))]
    # The users (active, with addresses), their choices for the kind, the ones already told,
    # the insert.
    with django_assert_num_queries(4):
        notify(few, returned("a"))
    with django_assert_num_queries(4):
        notify(many, returned("b"))
