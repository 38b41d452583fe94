"""Who may do what on which agency: each rule from both sides."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from agencies import permissions
from agencies.models import Agency, AgencyGroupObjectPermission, Membership
from agencies.permissions import Action, agencies_for, can
from agencies.services import grant_membership

pytestmark = pytest.mark.django_db


def codes(user, action) -> set[str]:
    return set(agencies_for(user, action).values_list("code", flat=True))


def test_staff_logs_and_views_only_their_own_agency(staff):
    assert codes(staff, Action.ACT) == {"SLDTBXH"}
    assert codes(staff, Action.VIEW) == {"SLDTBXH"}
    assert codes(staff, Action.SUBMIT) == set()
    assert codes(staff, Action.REVIEW) == set()
    assert codes(staff, Action.OVERSEE) == set()


def test_manager_submits_for_their_agency_only(manager, agency):
    assert codes(manager, Action.SUBMIT) == {"VUNGTAU"}
    assert can(manager, Action.SUBMIT, agency("VUNGTAU"))
    assert not can(manager, Action.SUBMIT, agency("BARIA"))
    assert not can(manager, Action.ACT, agency("SLDTBXH"))


def test_reviewer_reviews_every_agency_but_logs_only_for_sngv(reviewer):
    assert codes(reviewer, Action.REVIEW) == set(Agency.objects.values_list("code", flat=True))
    assert codes(reviewer, Action.ACT) == {"SNGV"}
    assert codes(reviewer, Action.VIEW) == {"SNGV"}
    assert codes(reviewer, Action.SUBMIT) == set()


def test_leader_oversees_every_agency_and_changes_nothing(leader):
    assert codes(leader, Action.OVERSEE) == set(Agency.objects.values_list("code", flat=True))
    for action in (Action.VIEW, Action.ACT, Action.SUBMIT, Action.REVIEW):
        assert codes(leader, action) == set()


def test_outsider_and_inactive_users_may_do_nothing(outsider, staff):
    staff.is_active = False
    staff.save()
    for action in Action:
        assert codes(outsider, action) == set()
        assert codes(staff, action) == set()


def test_superuser_may_do_everything(admin_user):
    assert codes(admin_user, Action.SUBMIT) == set(Agency.objects.values_list("code", flat=True))


def test_agencies_for_is_one_query(staff, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(agencies_for(staff, Action.ACT))


def test_a_user_in_several_agencies_acts_for_each(staff, agency):
    grant_membership(actor=None, user=staff, agency=agency("SYT"), role="manager")
    assert codes(staff, Action.ACT) == {"SLDTBXH", "SYT"}
    assert codes(staff, Action.SUBMIT) == {"SYT"}


def test_changing_a_role_moves_the_user_between_groups(staff, agency):
    membership = staff.memberships.get()
    membership.role = Membership.Role.MANAGER
    membership.save()
    assert set(staff.groups.values_list("name", flat=True)) == {"SLDTBXH:manager"}
    assert codes(staff, Action.SUBMIT) == {"SLDTBXH"}


def test_removing_a_membership_removes_the_rights(staff):
    staff.memberships.all().delete()
    assert staff.groups.count() == 0
    assert codes(staff, Action.ACT) == set()


def test_other_groups_of_a_user_are_left_alone(staff):
    other = Group.objects.create(name="Ban biên tập")
    staff.groups.add(other)
    staff.memberships.get().delete()
    assert list(staff.groups.all()) == [other]


def test_a_new_agency_gets_its_groups_and_is_reviewed_by_sngv(reviewer, leader):
    new = Agency.objects.create(
        code="SVHTT",
        name="Sở Văn hóa, Thể thao và Du lịch",
        short_name="Sở VHTTDL",
        kind=Agency.Kind.DEPARTMENT,
    )
    assert Group.objects.filter(name__in=["SVHTT:staff", "SVHTT:manager"]).count() == 2
    assert not Group.objects.filter(name="SVHTT:reviewer").exists()
    assert can(reviewer, Action.REVIEW, new)
    assert can(leader, Action.OVERSEE, new)


def test_sync_is_idempotent_and_repairs_tampering(staff):
    before = AgencyGroupObjectPermission.objects.count()
    permissions.sync_role_permissions()
    assert AgencyGroupObjectPermission.objects.count() == before
    # A permission added by hand to a role group is taken away again: roles are the source.
    group = Group.objects.get(name="SLDTBXH:staff")
    other = Agency.objects.get(code="SYT")
    AgencyGroupObjectPermission.objects.create(
        group=group,
        permission=AgencyGroupObjectPermission.objects.filter(group=group).first().permission,
        content_object=other,
    )
    permissions.sync_role_permissions()
    assert AgencyGroupObjectPermission.objects.count() == before
    assert codes(staff, Action.VIEW) == {"SLDTBXH"}


@pytest.mark.parametrize(
    ("code", "role"),
    [("SYT", "reviewer"), ("VUNGTAU", "leader"), ("SNGV", "leader"), ("UBNDTINH", "reviewer")],
)
def test_roles_that_do_not_fit_the_agency_are_refused(staff, agency, code, role):
    from agencies.services import AccountError

    with pytest.raises(AccountError):
        grant_membership(actor=None, user=staff, agency=agency(code), role=role)
    assert staff.memberships.count() == 1


def test_get_agency_for_answers_404_without_permission(staff):
    from django.http import Http404

    assert permissions.get_agency_for(staff, "SLDTBXH", Action.ACT).code == "SLDTBXH"
    with pytest.raises(Http404):
        permissions.get_agency_for(staff, "SYT", Action.ACT)
    with pytest.raises(Http404):
        permissions.get_agency_for(staff, "NO-SUCH", Action.ACT)


def test_an_inactive_agency_is_read_but_no_longer_logged_for(staff, agency):
    sld = agency("SLDTBXH")
    sld.closed_on = timezone.localdate()
    sld.save()
    assert codes(staff, Action.ACT) == set()
    assert codes(staff, Action.VIEW) == {"SLDTBXH"}


def test_an_agency_kind_that_no_longer_fits_its_members_roles_is_refused(reviewer, agency):
    from django.core.exceptions import ValidationError

    sngv = agency("SNGV")
    sngv.kind = Agency.Kind.DEPARTMENT
    with pytest.raises(ValidationError) as exc:
        sngv.full_clean()
    assert "Chuyên viên thẩm định" in exc.value.message_dict["kind"][0]
    # Without such members the change is fine.
    syt = agency("SYT")
    syt.kind = Agency.Kind.OTHER
    syt.full_clean()


def test_a_membership_moved_to_another_user_takes_the_rights_from_the_first(staff, outsider):
    membership = staff.memberships.get()
    membership.user = outsider
    membership.save()
    assert codes(staff, Action.ACT) == set()
    assert staff.groups.count() == 0
    assert codes(outsider, Action.ACT) == {"SLDTBXH"}


def test_those_who_may_act_for_an_agency_are_its_writers_only(staff, manager, reviewer, leader):
    sldtbxh = Agency.objects.get(code="SLDTBXH")
    assert set(permissions.users_who_may(Action.ACT, sldtbxh)) == {staff}
    assert set(permissions.users_who_may(Action.ACT, Agency.objects.get(code="SNGV"))) == {reviewer}
    assert leader not in permissions.users_who_may(Action.ACT)
    assert manager in permissions.users_who_may(Action.ACT)


def test_those_who_oversee_the_province_are_its_leaders(staff, manager, reviewer, leader):
    assert list(permissions.users_who_may(Action.OVERSEE)) == [leader]
    leader.is_active = False
    leader.save()
    assert list(permissions.users_who_may(Action.OVERSEE)) == []
