"""Several plans: which applies when, the plan pages (/plan/ and /plan/<id>/), the footer's
current plan, and the activity form's duties following the plan of the activity's date."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from activities.forms import ActivityForm
from activities.services import duties_of
from agencies.models import Agency, Duty, DutyAssignment, Plan
from agencies.plan_context import current_plan
from agencies.plans import (
    PlanCalendar,
    load_plan,
    plan_citation,
    plan_for_period,
    plan_in_force,
    plan_status,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PLAN_99_FILE = Path(__file__).resolve().parents[2] / "tests" / "data" / "plan-99-KH-UBND-2026.json"


def second_plan(**changes) -> Plan:
    data = json.loads(PLAN_99_FILE.read_text(encoding="utf-8"))
    data.update(changes)
    return load_plan(data)


def plan_164() -> Plan:
    return Plan.objects.get(number="164/KH-UBND")


def test_which_plan_applies_when():
    first = plan_164()
    second = second_plan()
    first.refresh_from_db()  # load_plan ended it the day before the second began
    assert plan_in_force(date(2020, 5, 1)) == first
    assert plan_in_force(date(2025, 12, 31)) == first
    assert plan_in_force(date(2026, 1, 1)) == second
    assert plan_in_force(date(2019, 1, 1)) is None
    assert plan_for_period(date(2025, 12, 15), date(2026, 6, 14)) == second
    assert plan_for_period(date(2019, 12, 15), date(2020, 12, 14)) == first
    assert plan_status(first, date(2026, 3, 1)) == "ended"
    assert plan_status(second, date(2025, 3, 1)) == "upcoming"
    assert plan_status(second, date(2026, 3, 1)) == "in_force"
    assert plan_citation(second) == (
        "Kế hoạch số 99/KH-UBND ngày 15/12/2025 của Ủy ban nhân dân Thành phố Hồ Chí Minh "
        "về công tác đối ngoại Nhân dân của các xã, phường, đặc khu giai đoạn 2026 - 2030"
    )


def test_the_calendar_answers_as_plan_in_force_in_one_query(django_assert_num_queries):
    second_plan()
    days = (date(2019, 1, 1), date(2020, 5, 1), date(2025, 12, 31), date(2026, 1, 1))
    expected = [plan_in_force(day) for day in days]
    with django_assert_num_queries(1):
        calendar = PlanCalendar()
    with django_assert_num_queries(0):
        assert [calendar.on(day) for day in days] == expected
    assert expected[0] is None and expected[-1].number == "99/KH-UBND"


def test_the_plan_page_shows_the_plan_in_force_and_every_plan(client, staff):
    client.force_login(staff)
    body = client.get(reverse("agencies:plan")).content.decode()
    assert "164/KH-UBND" in body and "Quyết định số 1109/QĐ-TTg" in body
    with translation.override("vi"):
        in_force = translation.gettext("in force")
    assert f'data-testid="plan-status">{in_force}<' in body
    assert body.count('data-testid="duty"') == Duty.objects.count()
    assert reverse("agencies:plan_detail", args=[plan_164().pk]) in body


def test_the_second_plan_shows_on_the_plan_page_when_in_force(client, staff):
    today = timezone.localdate()
    second = second_plan(valid_from=(today - timedelta(days=1)).isoformat())
    client.force_login(staff)
    with translation.override("en"):
        response = client.get(reverse("agencies:plan"))
    body = response.content.decode()
    assert response.context["plan"] == second
    assert body.count('data-testid="duty"') == 5
    assert "Đón tiếp đoàn nước ngoài" in body  # a duty's short form
    assert reverse("agencies:duty", args=[second.pk, "III.2.1"]) in body
    # the earlier plan is listed, ended, with its own page
    assert 'data-testid="plan-list"' in body and ">164/KH-UBND</a>" in body
    with translation.override("en"):
        earlier = client.get(plan_164().get_absolute_url())
    assert earlier.context["plan"] == plan_164()
    with translation.override("vi"):
        ended = translation.gettext("no longer in force")
    assert f'data-testid="plan-status">{ended}' in earlier.content.decode()


def test_an_upcoming_plan_has_its_page_but_the_plan_in_force_stays(client, staff):
    later = second_plan(valid_from=(timezone.localdate() + timedelta(days=30)).isoformat())
    client.force_login(staff)
    assert client.get(reverse("agencies:plan")).context["plan"] == plan_164()
    body = client.get(later.get_absolute_url()).content.decode()
    with translation.override("vi"):
        upcoming = translation.gettext("upcoming")
    assert f'data-testid="plan-status">{upcoming}<' in body


def test_a_plan_page_of_an_unknown_plan_is_404(client, staff):
    client.force_login(staff)
    assert client.get(reverse("agencies:plan_detail", args=[999999])).status_code == 404
    assert client.get(reverse("agencies:duty", args=[plan_164().pk, "IX.9"])).status_code == 404


def test_the_plan_page_without_any_plan_says_so(client, staff):
    Plan.objects.update(valid_from=timezone.localdate() + timedelta(days=10), valid_until=None)
    client.force_login(staff)
    response = client.get(reverse("agencies:plan"))
    assert response.status_code == 200
    with translation.override("vi"):
        no_plan = translation.gettext(
            "No plan is in force: the administrator loads one with the load_plan command."
        )
    assert no_plan in response.content.decode()


def bulk_plan(count: int) -> None:
    """Add `count` duties to plan 164 (one of IV.1) and `count` agencies assigned by them."""
    plan = plan_164()
    for i in range(count):
        agency = Agency.objects.create(
            code=f"Q{i}", name=f"Phòng thử {i}", short_name=f"Q{i}", kind=Agency.Kind.OTHER
        )
        duty = Duty.objects.create(
            plan=plan,
            ref=f"IV.1.{i + 10}",
            heading="Tổ chức thực hiện",
            text=f"Nhiệm vụ thử {i}.",
            recurrence="yearly",
            position=100 + i,
        )
        DutyAssignment.objects.create(duty=duty, agency=agency, role="lead")


@pytest.mark.parametrize("role", ["staff", "reviewer"])
def test_the_plan_page_query_count_does_not_grow(client, cast, role, django_assert_num_queries):
    client.force_login(cast[role])
    url = reverse("agencies:plan")
    client.get(url)
    # session, user, the plan in force, every plan, programme progress, legal bases, duties,
    # the user's agency ids (whether they evaluate), memberships for the navigation, unread
    # count
    expected = 10
    with django_assert_num_queries(expected):
        client.get(url)
    bulk_plan(25)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["duties"]) == 29 + 25
    assert response.context["programmes_total"] == 13 + 25
    # another plan in the list, in force today
    second_plan(issued_on="2019-12-31", valid_from="2020-01-01")
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert len(response.context["duties"]) == 5


def test_the_footer_plan_is_lazy_and_one_query(
    rf: RequestFactory, staff, django_assert_num_queries
):
    request = rf.get("/")
    request.user = staff
    with django_assert_num_queries(0):
        context = current_plan(request)
    with django_assert_num_queries(1):
        assert context["current_plan"].number == "164/KH-UBND"
    Plan.objects.update(valid_from=timezone.localdate() + timedelta(days=10))
    assert not current_plan(request)["current_plan"]


# --------------------------------------------------------------------------- duties by date


def test_duties_of_follow_the_plan_in_force_on_the_day():
    second = second_plan()
    vungtau = Agency.objects.get(code="VUNGTAU")
    refs_2020 = set(duties_of(vungtau, on=date(2020, 3, 1)).values_list("plan__number", flat=True))
    assert refs_2020 == {"164/KH-UBND"}
    in_2026 = duties_of(vungtau, on=date(2026, 3, 1)).distinct()
    assert {d.plan_id for d in in_2026} == {second.pk}
    assert sorted(d.ref for d in in_2026) == ["III.2.1", "III.2.2", "IV.1"]
    # without a day: every plan's (what a record dated under an earlier plan may carry)
    assert {d.plan_id for d in duties_of(vungtau)} == {second.pk, plan_164().pk}


def test_the_activity_form_offers_the_duties_of_the_plan_of_its_date():
    second = second_plan()
    manager = make_user("manager2", "VUNGTAU", "manager")
    vungtau = Agency.objects.get(code="VUNGTAU")
    old = (
        ActivityForm(data={"agency": vungtau.pk, "start_date": "02/03/2020"}, user=manager)
        .fields["duty"]
        .queryset
    )
    assert {d.plan_id for d in old} == {plan_164().pk}
    new = (
        ActivityForm(data={"agency": vungtau.pk, "start_date": "02/03/2026"}, user=manager)
        .fields["duty"]
        .queryset
    )
    assert {d.plan_id for d in new} == {second.pk}
    # no date typed: today's plan
    today = ActivityForm(initial={"agency": vungtau}, user=manager).fields["duty"].queryset
    assert {d.plan_id for d in today} == {plan_in_force().pk}


def test_the_duty_help_text_names_no_plan():
    with translation.override("en"):
        help_text = str(ActivityForm.base_fields["duty"].help_text)
    assert "164" not in help_text and "plan in force" in help_text
