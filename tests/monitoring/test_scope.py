"""Who monitors which agencies (monitoring/scope.py): the one rule every monitoring page
starts from, checked from both sides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from agencies import reorganisation
from agencies.models import Agency
from agencies.reorganisation import Merge
from monitoring.scope import Scope, get_scope, monitoring_scope
from tests.factories import make_activity, make_member, make_user

pytestmark = pytest.mark.django_db


def ids(*codes: str) -> frozenset[int]:
    return frozenset(Agency.objects.filter(code__in=codes).values_list("pk", flat=True))


@pytest.mark.parametrize("name", ["leader", "reviewer", "admin"])
def test_leaders_reviewers_and_superusers_monitor_the_province(name):
    scope = monitoring_scope(make_member(name))
    assert scope == Scope(None) and scope.is_province
    assert scope.covers(Agency.objects.get(code="VUNGTAU").pk)


def test_a_staff_member_monitors_only_their_agency(staff):
    scope = monitoring_scope(staff)
    assert scope == Scope(ids("SLDTBXH"))
    assert not scope.covers(Agency.objects.get(code="VUNGTAU").pk)


def test_a_manager_of_the_front_monitors_the_organisations_under_it():
    manager = make_user("mttq", "UBMTTQ", "manager")
    under = ids("UBMTTQ", "HLHPN", "TINHDOAN", "HND", "HCCB", "LDLD")
    assert len(under) == 6
    assert monitoring_scope(manager) == Scope(under)
    # …and not the organisation's parent from the other side: a member of one under the Front
    # does not monitor the Front.
    youth = make_user("doan", "TINHDOAN", "staff")
    assert monitoring_scope(youth) == Scope(ids("TINHDOAN"))


def test_an_account_of_no_agency_and_anonymous_users_monitor_nothing(outsider):
    assert monitoring_scope(outsider) is None
    assert monitoring_scope(AnonymousUser()) is None
    with pytest.raises(Http404):
        get_scope(outsider)


def test_an_inactive_account_monitors_nothing(staff):
    staff.is_active = False
    assert monitoring_scope(staff) is None


def test_the_scope_counts_only_accepted_activities_of_its_agencies(staff, manager, reviewer):
    accepted = make_activity(staff, status="accepted", reviewer=reviewer)
    make_activity(staff, status="submitted")
    make_activity(staff)  # a draft
    elsewhere = make_activity(manager, agency="VUNGTAU", status="accepted", reviewer=reviewer)
    assert list(monitoring_scope(staff).activities()) == [accepted]
    assert set(Scope(None).activities()) == {accepted, elsewhere}


def test_a_chosen_agency_narrows_the_scope_and_never_widens_it(staff):
    scope = monitoring_scope(staff)
    assert scope.narrowed(ids("VUNGTAU")) == Scope(frozenset())
    assert scope.narrowed(ids("SLDTBXH", "VUNGTAU")) == scope
    assert Scope(None).narrowed(ids("VUNGTAU")) == Scope(ids("VUNGTAU"))


def test_a_member_of_a_successor_monitors_the_agencies_whose_work_it_took_over(staff):
    # Bà Rịa merges into Vũng Tàu: Vũng Tàu's members compare their year with what Bà Rịa did.
    reorganisation.apply(
        [Merge(("BARIA",), "VUNGTAU", timezone.localdate() - timedelta(days=30))], actor=None
    )
    manager = make_user("vt", "VUNGTAU", "manager")
    assert monitoring_scope(manager) == Scope(ids("VUNGTAU", "BARIA"))
    # …not the other way round, and not for anyone else.
    assert monitoring_scope(staff) == Scope(ids("SLDTBXH"))


def test_a_scope_narrowed_to_an_agency_keeps_it_and_those_under_it_never_wider(staff):
    province = Scope(None)
    agencies = province.agencies()
    vungtau = next(a for a in agencies if a.code == "VUNGTAU")
    narrowed = province.narrowed_to(vungtau, agencies)
    assert narrowed.covers(vungtau.pk) and not narrowed.covers(next(iter(ids("SLDTBXH"))))
    own = monitoring_scope(staff)
    assert [a.code for a in own.agencies()] == ["SLDTBXH"]
    assert own.narrowed_to(vungtau, agencies).agency_ids == frozenset()
