"""Memberships follow the organisation (issue 11): a closed agency's staff read its history
but no longer act for it, from the closing date on; a membership that ended while its agency
works takes everything of it away; e-mails go only to memberships in force in agencies in
operation; a user with no membership in force gets a page that says why and whom to ask.

States are set directly in the database (closed_on, successor, ended_on), not through the
reorganisation service.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from activities import services as activity_services
from activities.exchange.models import Message
from activities.models import Activity
from agencies import permissions
from agencies.models import Agency, Membership, Reorganisation, User
from agencies.permissions import Action
from reports.errors import ReportError
from tests.factories import (
    activity_data,
    activity_form,
    agency_report,
    make_activity,
    make_periods,
    make_user,
    message_form,
    send_message,
    write_agency_report,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def fresh(user: User) -> User:
    """The account read again: rights cached on a User object last for one request."""
    return User.objects.get(pk=user.pk)


def new_ward(code: str = "PHUONGVT", name: str = "UBND phường Vũng Tàu Mới") -> Agency:
    return Agency.objects.create(
        code=code, name=name, short_name=name.replace("UBND ", ""), kind=Agency.Kind.WARD
    )


def close(code: str, on, successor: Agency | None = None) -> Agency:
    """Close the agency `code` on `on` (its first day out of operation), its memberships
    ending that day, as a reorganisation leaves them."""
    agency = Agency.objects.get(code=code)
    agency.closed_on = on
    agency.successor = successor
    agency.save()
    for membership in agency.memberships.filter(ended_on__isnull=True):
        membership.ended_on = on
        membership.save()
    return agency


# ---------------------------------------------------------------------------- a closed agency


def test_before_the_closing_date_its_staff_act_for_it(client, manager):
    close("VUNGTAU", TODAY + timedelta(days=10), new_ward())
    manager = fresh(manager)
    assert Agency.objects.get(code="VUNGTAU").is_active
    assert "VUNGTAU" in codes(manager, Action.ACT)
    draft = make_activity(manager, agency="VUNGTAU")
    activity_services.submit_activity(actor=manager, activity=draft, version=draft.version)
    client.force_login(manager)
    response = client.post(reverse("activities:create"), activity_form(agency="VUNGTAU"))
    assert response.status_code == 302
    assert Activity.objects.filter(agency__code="VUNGTAU").count() == 2
    response = client.post(reverse("exchange:new"), message_form(sender="VUNGTAU", to=["SNGV"]))
    assert response.status_code == 302
    assert Message.objects.filter(sender_agency__code="VUNGTAU").count() == 1


@pytest.mark.parametrize("closed_days_ago", [0, 30])
def test_on_and_after_the_closing_date_its_staff_read_but_no_longer_act(
    client, manager, reviewer, closed_days_ago
):
    make_periods(2020)
    report = agency_report("2020-H1", "VUNGTAU")
    draft = make_activity(manager, agency="VUNGTAU", title="Bản nháp cũ")
    returned = make_activity(
        manager, agency="VUNGTAU", status="returned", reviewer=reviewer, title="Bị trả lại"
    )
    message = send_message(reviewer, sender="SNGV", to=["VUNGTAU"], subject="Gửi Vũng Tàu")
    close("VUNGTAU", TODAY - timedelta(days=closed_days_ago), new_ward())
    manager = fresh(manager)

    # Rights: reads, never writes.
    assert "VUNGTAU" in codes(manager, Action.VIEW)
    assert "VUNGTAU" not in codes(manager, Action.ACT) | codes(manager, Action.SUBMIT)
    assert permissions.agencies_for(manager, Action.ACT).count() == 0
    assert Agency.objects.get(code="VUNGTAU").pk in permissions.message_agency_ids(manager)
    assert not permissions.sending_agency_ids(manager)

    # The services refuse, and nothing changes.
    with pytest.raises(activity_services.ActivityError):
        activity_services.create_activity(actor=manager, data=activity_data(agency="VUNGTAU"))
    with pytest.raises(activity_services.ActivityError):
        activity_services.submit_activity(actor=manager, activity=draft, version=draft.version)
    with pytest.raises(ReportError):
        write_agency_report(manager, report)
    from activities.exchange.services import MessageError

    with pytest.raises(MessageError):
        send_message(manager, sender="VUNGTAU", to=["SNGV"])

    # The pages refuse, and nothing changes.
    client.force_login(manager)
    assert client.post(
        reverse("activities:create"), activity_form(agency="VUNGTAU")
    ).status_code in (
        200,
        404,
    )
    assert client.get(reverse("activities:edit", args=[returned.pk])).status_code == 404
    client.post(reverse("activities:submit", args=[draft.pk]))
    assert client.get(reverse("exchange:new")).status_code == 404
    client.post(reverse("exchange:new"), message_form(sender="VUNGTAU", to=["SNGV"]))
    assert Activity.objects.filter(agency__code="VUNGTAU").count() == 2
    draft.refresh_from_db()
    assert draft.status == Activity.Status.DRAFT
    assert not Message.objects.filter(sender_agency__code="VUNGTAU").exists()
    report.refresh_from_db()
    assert report.version == agency_report("2020-H1", "VUNGTAU").version

    # Reading goes on: its activities, drafts included, and its messages.
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.get(returned.get_absolute_url()).status_code == 200
    response = client.get(reverse("activities:list"), {"agency": draft.agency_id})
    assert {a.pk for a in response.context["page"].object_list} == {draft.pk, returned.pk}
    assert client.get(message.get_absolute_url()).status_code == 200
    inbox = client.get(reverse("exchange:inbox"))
    assert [m.pk for m in inbox.context["page"].object_list] == [message.pk]


@pytest.mark.parametrize("memberships_ended", [True, False])
def test_a_closed_focal_points_reviewer_reviews_nothing_and_reads_only_its_records(
    client, manager, reviewer, memberships_ended
):
    """Review: review is acting. A reviewer of a Sở Ngoại vụ that has closed (membership
    ended with it, or left in force by mistake) kept REVIEW on every agency; now only reading
    Sở Ngoại vụ's own records stays."""
    submitted = make_activity(manager, agency="VUNGTAU", status="submitted")
    sngv = Agency.objects.get(code="SNGV")
    sngv.closed_on = TODAY
    sngv.save()
    if memberships_ended:
        Membership.objects.filter(agency=sngv).update(ended_on=TODAY)
    reviewer = fresh(reviewer)
    assert codes(reviewer, Action.VIEW) == {"SNGV"}
    for action in (Action.REVIEW, Action.OVERSEE, Action.ACT, Action.SUBMIT):
        assert codes(reviewer, action) == set()
        assert not permissions.agencies_for(reviewer, action).exists()
    assert not permissions.reviews_province(reviewer)
    assert not permissions.navigation_for(reviewer).can_review
    with pytest.raises(activity_services.ActivityError):
        activity_services.accept_activity(
            actor=reviewer, activity=submitted, version=submitted.version
        )
    client.force_login(reviewer)
    assert client.post(reverse("activities:accept", args=[submitted.pk])).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Activity.Status.SUBMITTED


def test_the_focal_points_reviewer_reviews_every_agency_until_the_closing_date(manager, reviewer):
    """The other side: a reviewer in force keeps the province-wide review, also on the eve
    of the closing date."""
    total = Agency.objects.count()
    sngv = Agency.objects.get(code="SNGV")
    sngv.closed_on = TODAY + timedelta(days=1)
    sngv.save()
    reviewer = fresh(reviewer)
    assert len(permissions.agency_ids(reviewer)[Action.REVIEW]) == total
    assert permissions.agencies_for(reviewer, Action.REVIEW).count() == total
    assert permissions.navigation_for(reviewer).can_review
    submitted = make_activity(manager, agency="VUNGTAU", status="submitted")
    activity_services.accept_activity(actor=reviewer, activity=submitted, version=submitted.version)


def test_a_closed_provinces_leader_oversees_only_its_own_agency(leader):
    """Review: a former leader of a closed People's Committee no longer oversees every
    agency; reading the closed agency's own accepted records stays."""
    province = Agency.objects.get(code="UBNDTINH")
    assert len(codes(leader, Action.OVERSEE)) == Agency.objects.count()
    close("UBNDTINH", TODAY)
    assert codes(leader, Action.OVERSEE) == {province.code}
    assert not permissions.navigation_for(fresh(leader)).can_oversee


def test_a_membership_that_ended_while_the_agency_works_loses_everything_of_it(
    client, manager, reviewer
):
    draft = make_activity(manager, agency="VUNGTAU")
    message = send_message(reviewer, sender="SNGV", to=["VUNGTAU"])
    membership = manager.memberships.get()
    membership.ended_on = TODAY
    membership.save()
    manager = fresh(manager)
    assert Agency.objects.get(code="VUNGTAU").is_active
    for action in Action:
        assert codes(manager, action) == set()
        assert not permissions.agencies_for(manager, action).exists()
    assert permissions.message_agency_ids(manager) == frozenset()
    client.force_login(manager)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(message.get_absolute_url()).status_code == 404
    assert client.get(reverse("exchange:inbox")).context["page"].paginator.count == 0
    assert client.get(reverse("activities:list")).context["page"].paginator.count == 0


def test_a_membership_ends_on_its_date_without_anything_resynchronising_the_groups(manager):
    """ended_on set ahead, then the day comes: the rights go that day (the groups were kept
    by the last sync, as the membership was in force then)."""
    membership = manager.memberships.get()
    membership.ended_on = TODAY + timedelta(days=3)
    membership.save()
    assert "VUNGTAU" in codes(fresh(manager), Action.ACT)
    Membership.objects.filter(pk=membership.pk).update(ended_on=TODAY)  # no signal
    manager = fresh(manager)
    assert manager.groups.filter(name="VUNGTAU:manager").exists()
    assert codes(manager, Action.ACT) == set() and codes(manager, Action.VIEW) == set()
    assert not permissions.agencies_for(manager, Action.VIEW).exists()
    assert permissions.message_agency_ids(manager) == frozenset()


def test_a_member_of_the_successor_does_not_read_the_predecessors_drafts(client, manager, reviewer):
    draft = make_activity(manager, agency="VUNGTAU", title="Nháp")
    accepted = make_activity(
        manager, agency="VUNGTAU", status="accepted", reviewer=reviewer, title="Đã duyệt"
    )
    ward = new_ward()
    close("VUNGTAU", TODAY, ward)
    officer = make_user("canbophuong", ward.code, "staff")
    client.force_login(officer)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(accepted.get_absolute_url()).status_code == 404
    assert "VUNGTAU" not in codes(officer, Action.VIEW)
    # Moved there (a membership in the closed agency, ended with it), they read it.
    Membership.objects.create(
        user=officer, agency=Agency.objects.get(code="VUNGTAU"), role="staff", ended_on=TODAY
    )
    assert client.get(draft.get_absolute_url()).status_code == 200


# ---------------------------------------------------------------------------- e-mails


def test_emails_go_to_memberships_in_force_in_agencies_in_operation(manager, staff, reviewer):
    vungtau = Agency.objects.get(code="VUNGTAU")
    colleague = make_user("dongnghiep", "VUNGTAU", "staff")
    assert set(permissions.users_who_may(Action.ACT, vungtau)) == {manager, colleague}
    assert set(permissions.message_readers([vungtau.pk])) == {manager, colleague}
    # A colleague leaves (the agency works on): no more e-mails for them.
    Membership.objects.filter(user=colleague).update(ended_on=TODAY)
    assert set(permissions.users_who_may(Action.ACT, vungtau)) == {manager}
    assert set(permissions.message_readers([vungtau.pk])) == {manager}
    # The agency closes: its former staff read on, but get no e-mail.
    close("VUNGTAU", TODAY, new_ward())
    assert list(permissions.users_who_may(Action.ACT, vungtau)) == []
    assert list(permissions.users_who_may(Action.VIEW, vungtau)) == []
    assert list(permissions.message_readers([vungtau.pk])) == []
    assert manager not in permissions.users_who_may(Action.ACT)
    assert set(permissions.users_who_may(Action.REVIEW, vungtau)) == {reviewer}
    assert staff in permissions.users_who_may(Action.ACT)


# ---------------------------------------------------------------------------- menus and pages


def test_the_menu_follows_memberships_in_force_and_lists_the_ended_ones(manager):
    make_user("manager", "BARIA", "manager")  # a second agency
    close("VUNGTAU", TODAY, new_ward())
    nav = permissions.navigation_for(fresh(manager))
    assert [m.agency.code for m in nav.memberships] == ["BARIA"]
    assert [(m.agency.code, m.keeps_reading) for m in nav.ended] == [("VUNGTAU", True)]
    assert nav.can_act and nav.reads_records and not nav.has_no_membership_in_force


def test_the_profile_lists_memberships_in_force_and_those_that_ended(client, manager):
    make_user("manager", "BARIA", "manager")  # a second agency, in force
    vungtau = close("VUNGTAU", TODAY, new_ward())
    client.force_login(fresh(manager))  # make_user set the password again
    with override("en"):
        html = client.get(reverse("profile")).content.decode()
    in_force = html.split('data-testid="memberships-in-force"')[1].split("</ul>")[0]
    ended = html.split('data-testid="ended-memberships"')[1].split("</ul>")[0]
    assert Agency.objects.get(code="BARIA").name in in_force and vungtau.name not in in_force
    assert vungtau.name in ended and vungtau.closed_on.strftime("%d/%m/%Y") in ended
    assert 'data-testid="keeps-reading"' in ended


def test_a_user_with_no_membership_in_force_sees_why_and_whom_to_ask(
    client, manager, admin_user, django_assert_max_num_queries
):
    ward = new_ward()
    boss = make_user("chutichphuong", ward.code, "manager", full_name="Đỗ Văn Phường")
    vungtau = close("VUNGTAU", TODAY - timedelta(days=5), ward)
    reorganisation = Reorganisation.objects.create(
        kind="merge", effective_on=vungtau.closed_on, reason="Nghị quyết 1685/NQ-UBTVQH15"
    )
    reorganisation.sources.add(vungtau)
    client.force_login(manager)
    with override("en"):
        response = client.get(reverse("home"))
    html = response.content.decode()
    nav = response.context["nav"]
    assert nav.has_no_membership_in_force and nav.reads_records and not nav.can_act
    assert 'data-testid="no-membership-in-force"' in html
    assert 'data-testid="memberships-ended"' in html  # the badge in the menu
    assert vungtau.closed_on.strftime("%d/%m/%Y") in html
    assert ward.name in html and ward.get_absolute_url() in html
    assert "Nghị quyết 1685/NQ-UBTVQH15" in html
    assert f"{reverse('activities:list')}?agency={vungtau.pk}" in html
    assert reverse("exchange:inbox") in html  # messages are still in the menu and the page
    asked = response.context["successor_managers"]
    assert [m.user for m in asked] == [boss]
    assert admin_user in response.context["administrators"]
    assert str(boss) in html


def test_a_user_whose_membership_ended_while_the_agency_works_is_told_so(client, manager):
    Membership.objects.filter(user=manager).update(ended_on=TODAY - timedelta(days=1))
    client.force_login(manager)
    response = client.get(reverse("home"))
    nav = response.context["nav"]
    assert nav.has_no_membership_in_force and not nav.reads_records
    assert not nav.ended[0].keeps_reading
    html = response.content.decode()
    assert 'data-testid="no-membership-in-force"' in html
    assert f"?agency={nav.ended[0].agency_id}" not in html
    assert reverse("exchange:inbox") not in html


def test_a_user_who_never_belonged_sees_the_usual_page(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert not response.context["nav"].has_no_membership_in_force
    assert 'data-testid="no-membership-in-force"' not in response.content.decode()


def test_the_agency_page_lists_former_members_apart_to_those_who_see_members(
    client, manager, reviewer, staff
):
    leaving = make_user("nghihuu", "VUNGTAU", "staff", full_name="Lý Thị Nghỉ")
    Membership.objects.filter(user=leaving).update(ended_on=TODAY - timedelta(days=2))
    url = reverse("agencies:detail", args=["VUNGTAU"])
    client.force_login(manager)
    response = client.get(url)
    assert [m.user for m in response.context["members"]] == [manager]
    assert [m.user for m in response.context["former_members"]] == [leaving]
    assert 'data-testid="former-members"' in response.content.decode()
    client.force_login(reviewer)
    assert [m.user for m in client.get(url).context["former_members"]] == [leaving]
    client.force_login(staff)  # another agency's staff see no members at all
    response = client.get(url)
    assert response.context["members"] is None and response.context["former_members"] is None
    assert "Lý Thị Nghỉ" not in response.content.decode()


def codes(user: User, action: Action) -> set[str]:
    ids = permissions.agency_ids(fresh(user))[action]
    return set(Agency.objects.filter(pk__in=ids).values_list("code", flat=True))
