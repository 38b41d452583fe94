"""History in the admin: every change to agencies, memberships, plans and duties is recorded
with who made it and why (the "reason for the change" field), readable and never reverted;
the admin's filters for agencies in operation, memberships in force and users with none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Agency, AgencyName, Duty, DutyAssignment, Membership, Plan, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_en(client, admin_user, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(admin_user)
    with translation.override("en"):
        yield client


def agency_form(agency: Agency, **changes) -> dict:
    data = {
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "parent": agency.parent_id or "",
        "position": agency.position,
        "established_on": agency.established_on.strftime("%d/%m/%Y")
        if agency.established_on
        else "",
        "closed_on": "",
        "successor": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_an_agency_change_is_in_its_history_with_who_and_why(admin_client_en, admin_user):
    agency = Agency.objects.get(code="SYT")
    response = admin_client_en.post(
        reverse("admin:agencies_agency_change", args=[agency.pk]),
        agency_form(
            agency,
            short_name="Sở Y tế tỉnh",
            change_reason="  Quyết định 12/QĐ-UBND   ngày 2/1/2025 ",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = agency.history.latest()
    assert record.history_type == "~"
    assert record.history_user == admin_user
    assert record.history_change_reason == "Quyết định 12/QĐ-UBND ngày 2/1/2025"
    assert record.short_name == "Sở Y tế tỉnh"

    page = admin_client_en.get(reverse("admin:agencies_agency_history", args=[agency.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Quyết định 12/QĐ-UBND ngày 2/1/2025" in html
    assert "Sở Y tế tỉnh" in html  # what changed
    assert str(admin_user) in html  # who


def test_the_reason_is_optional_and_bounded(admin_client_en):
    agency = Agency.objects.get(code="SYT")
    url = reverse("admin:agencies_agency_change", args=[agency.pk])
    response = admin_client_en.post(url, agency_form(agency, short_name="SYT"))
    assert response.status_code == 302
    assert agency.history.latest().history_change_reason is None
    response = admin_client_en.post(url, agency_form(agency, change_reason="x" * 101))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["change_reason"]


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:agencies_agency_add",
        "admin:agencies_membership_add",
        "admin:agencies_plan_add",
        "admin:agencies_duty_add",
        "admin:agencies_planevaluation_add",
    ],
)
def test_the_change_forms_carry_the_reason_field(admin_client_en, url_name):
    html = admin_client_en.get(reverse(url_name)).content.decode()
    assert 'name="change_reason"' in html


def test_a_membership_ended_in_the_admin_keeps_its_reason(admin_client_en, staff, admin_user):
    membership = staff.memberships.get()
    ended = timezone.localdate()
    response = admin_client_en.post(
        reverse("admin:agencies_membership_change", args=[membership.pk]),
        {
            "user": staff.pk,
            "agency": membership.agency_id,
            "role": membership.role,
            "ended_on": ended.strftime("%d/%m/%Y"),
            "change_reason": "Nghỉ hưu",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = membership.history.latest()
    assert (record.ended_on, record.history_user, record.history_change_reason) == (
        ended,
        admin_user,
        "Nghỉ hưu",
    )


def test_a_duty_and_its_assignments_saved_together_share_the_reason(admin_client_en):
    duty = Duty.objects.get(ref="III.2.6")
    assignments = list(duty.assignments.order_by("pk"))
    data = {
        "plan": duty.plan_id,
        "ref": duty.ref,
        "heading": duty.heading,
        "summary": "Vận động viện trợ",
        "text": duty.text,
        "recurrence": duty.recurrence,
        "activity_kinds": duty.activity_kinds,
        "position": duty.position,
        "coordinating_agencies": [a.pk for a in duty.coordinating_agencies.all()],
        "change_reason": "Kế hoạch bổ sung",
        "assignments-TOTAL_FORMS": str(len(assignments)),
        "assignments-INITIAL_FORMS": str(len(assignments)),
    }
    for i, assignment in enumerate(assignments):
        data[f"assignments-{i}-id"] = assignment.pk
        data[f"assignments-{i}-duty"] = duty.pk
        data[f"assignments-{i}-agency"] = assignment.agency_id
        data[f"assignments-{i}-role"] = "support" if i == 0 else assignment.role
    response = admin_client_en.post(reverse("admin:agencies_duty_change", args=[duty.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert duty.history.latest().history_change_reason == "Kế hoạch bổ sung"
    changed = DutyAssignment.history.filter(id=assignments[0].pk).latest()
    assert (changed.role, changed.history_change_reason) == ("support", "Kế hoạch bổ sung")
    # The assignment's own history page.
    page = admin_client_en.get(
        reverse("admin:agencies_dutyassignment_history", args=[assignments[0].pk])
    )
    assert "Kế hoạch bổ sung" in page.content.decode()


@pytest.mark.parametrize(
    ("model", "get"),
    [
        ("agency", lambda: Agency.objects.get(code="SYT")),
        ("plan", lambda: Plan.objects.first()),
        ("duty", lambda: Duty.objects.first()),
        ("legalbasis", lambda: Plan.objects.first().legal_bases.first()),
    ],
)
def test_history_pages_are_read_only(admin_client_en, model, get):
    obj = get()
    record = obj.history.earliest()
    url = reverse(f"admin:agencies_{model}_simple_history", args=[obj.pk, record.pk])
    page = admin_client_en.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client_en.post(url, {}).status_code == 403


def test_history_pages_are_closed_to_non_staff(client, staff):
    agency = Agency.objects.get(code="SLDTBXH")
    client.force_login(staff)
    response = client.get(reverse("admin:agencies_agency_history", args=[agency.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_agency_names_are_shown_read_only_with_their_history(admin_client_en):
    agency = Agency.objects.get(code="VUNGTAU")
    AgencyName.objects.create(
        agency=agency,
        name="UBND thành phố Vũng Tàu",
        short_name="TP Vũng Tàu",
        valid_until=timezone.localdate(),
    )
    html = admin_client_en.get(
        reverse("admin:agencies_agency_change", args=[agency.pk])
    ).content.decode()
    assert "UBND thành phố Vũng Tàu" in html
    name = agency.names.get()
    assert (
        admin_client_en.get(
            reverse("admin:agencies_agencyname_history", args=[name.pk])
        ).status_code
        == 200
    )
    response = admin_client_en.post(
        reverse("admin:agencies_agencyname_change", args=[name.pk]), {"name": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:agencies_implementingprogramme_changelist",
        "admin:agencies_planevaluation_changelist",
        "admin:agencies_legalbasis_changelist",
        "admin:agencies_dutyassignment_changelist",
        "admin:agencies_agencyname_changelist",
    ],
)
def test_the_history_capable_lists_open(admin_client_en, url_name):
    assert admin_client_en.get(reverse(url_name)).status_code == 200


# Filters --------------------------------------------------------------------------------------


def test_agencies_filter_by_operation(admin_client_en):
    today = timezone.localdate()
    Agency.objects.filter(code="VUNGTAU").update(closed_on=today)
    Agency.objects.create(
        code="PHUONG_MOI",
        name="UBND phường Mới",
        short_name="Phường Mới",
        kind=Agency.Kind.WARD,
        established_on=today + timedelta(days=30),
    )
    url = reverse("admin:agencies_agency_changelist")

    def codes(value: str) -> set[str]:
        response = admin_client_en.get(url, {"operation": value})
        return {a.code for a in response.context["cl"].result_list}

    assert codes("closed") == {"VUNGTAU"}
    assert codes("scheduled") == {"PHUONG_MOI"}
    in_operation = codes("in_operation")
    assert "VUNGTAU" not in in_operation and "PHUONG_MOI" not in in_operation
    assert in_operation == set(Agency.objects.in_operation().values_list("code", flat=True))
    html = admin_client_en.get(url).content.decode()
    assert "Ward People&#x27;s Committee" in html or "Ward People's Committee" in html


def test_the_closed_on_field_points_to_the_reorganisation_page(admin_client_en):
    agency = Agency.objects.get(code="SYT")
    html = admin_client_en.get(
        reverse("admin:agencies_agency_change", args=[agency.pk])
    ).content.decode()
    assert "reorganisation page" in html


def test_users_with_no_membership_in_force_are_found(admin_client_en, staff, manager, outsider):
    Membership.objects.filter(user=manager).update(ended_on=timezone.localdate())
    retired = make_user("nghihuu", "SYT", "staff")
    Membership.objects.filter(user=retired).update(ended_on=timezone.localdate())
    User.objects.filter(pk=retired.pk).update(is_active=False)
    url = reverse("admin:agencies_user_changelist")

    def usernames(value: str) -> set[str]:
        response = admin_client_en.get(url, {"memberships": value})
        return {u.username for u in response.context["cl"].result_list}

    assert usernames("none_in_force") == {manager.username}
    assert staff.username in usernames("in_force")
    assert manager.username not in usernames("in_force")
    html = admin_client_en.get(url).content.decode()
    assert "SLDTBXH (Agency staff)" in html


def test_memberships_filter_in_force_and_ended(admin_client_en, staff, manager):
    Membership.objects.filter(user=manager).update(ended_on=timezone.localdate())
    url = reverse("admin:agencies_membership_changelist")

    def users(value: str) -> set[str]:
        response = admin_client_en.get(url, {"in_force": value})
        return {m.user.username for m in response.context["cl"].result_list}

    assert users("no") == {manager.username}
    assert staff.username in users("yes") and manager.username not in users("yes")
    assert "column-ended_on" in admin_client_en.get(url).content.decode()


def test_memberships_changed_on_the_user_page_keep_the_reason(admin_client_en, staff):
    membership = staff.memberships.get()
    ended = timezone.localdate()
    response = admin_client_en.post(
        reverse("admin:agencies_user_change", args=[staff.pk]),
        {
            "username": staff.username,
            "first_name": staff.first_name,
            "last_name": staff.last_name,
            "email": staff.email,
            "position": "",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": staff.date_joined.strftime("%d/%m/%Y"),
            "date_joined_1": "08:00:00",
            "change_reason": "Chuyển công tác",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": membership.pk,
            "memberships-0-user": staff.pk,
            "memberships-0-agency": membership.agency_id,
            "memberships-0-role": membership.role,
            "memberships-0-ended_on": ended.strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.errors for f in response.context["inline_admin_formsets"][0].formset],
    )
    record = membership.history.latest()
    assert (record.ended_on, record.history_change_reason) == (ended, "Chuyển công tác")


def test_the_membership_inline_shows_the_end_date(admin_client_en, staff):
    html = admin_client_en.get(
        reverse("admin:agencies_user_change", args=[staff.pk])
    ).content.decode()
    assert 'name="memberships-0-ended_on"' in html


# Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["admin:agencies_user_changelist", "admin:agencies_membership_changelist"],
)
def test_the_account_lists_keep_their_query_count_as_rows_grow(
    admin_client_en, url_name, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse(url_name)
    admin_client_en.get(url)
    with CaptureQueriesContext(connection) as before:
        admin_client_en.get(url)
    for n in range(15):
        make_user(f"them{n:02d}", "SYT" if n % 2 else "SLDTBXH", "staff")
    with django_assert_num_queries(len(before.captured_queries)):
        admin_client_en.get(url)


def test_the_agency_list_keeps_its_query_count_as_agencies_grow(
    admin_client_en, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:agencies_agency_changelist")
    admin_client_en.get(url)
    with CaptureQueriesContext(connection) as before:
        admin_client_en.get(url)
    parent = Agency.objects.get(code="UBNDTINH")
    for n in range(10):
        Agency.objects.create(
            code=f"XA_{n}",
            name=f"UBND xã {n}",
            short_name=f"Xã {n}",
            kind=Agency.Kind.COMMUNE,
            parent=parent,
            successor=parent,
        )
    with django_assert_num_queries(len(before.captured_queries)):
        admin_client_en.get(url)


def test_an_account_is_still_added_in_the_admin(admin_client_en):
    response = admin_client_en.post(
        reverse("admin:agencies_user_add"),
        {
            "username": "moi01",
            "usable_password": "true",
            "password1": "Mat-khau-moi-2025",
            "password2": "Mat-khau-moi-2025",
            "change_reason": "Cán bộ mới",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(username="moi01").check_password("Mat-khau-moi-2025")
