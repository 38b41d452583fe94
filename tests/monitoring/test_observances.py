"""The calendar's dates (monitoring/models.py Observance, monitoring/observances.py): where
each falls in a year, which activities count as planned around it and for whom, the upcoming
ones, and the subscription links."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from agencies.models import Agency
from monitoring import observances
from monitoring.models import Observance
from monitoring.observances import feed_scope, replace_feed_token, upcoming
from monitoring.scope import Scope, monitoring_scope
from tests.factories import make_activity, make_user

pytestmark = pytest.mark.django_db

PARTNERS = {"CU", "LA", "KH", "TH", "RU", "KR", "JP"}


def seeded(title_start: str) -> Observance:
    return Observance.objects.get(title__startswith=title_start)


def of(found, observance: Observance):
    return next(o for o in found if o.observance == observance)


def around_lao_day(actor, *, country: str = "LA", start: date = date(2026, 11, 20), **fields):
    """An activity of `actor`'s agency about `country` starting on `start` (Laos' National
    Day is 2/12)."""
    return make_activity(
        actor,
        countries=[country],
        start_date=start,
        end_date=start,
        title=fields.pop("title", f"Hoạt động {country} {start:%d/%m}"),
        **fields,
    )


def test_the_seed_has_every_traditional_partners_days_with_their_sources():
    national = set(Observance.objects.filter(kind="national_day").values_list("country", flat=True))
    relations = set(Observance.objects.filter(kind="relations").values_list("country", flat=True))
    assert national == relations == PARTNERS
    assert Observance.objects.filter(kind="vietnam", country="", month=9, day=2).exists()
    assert not Observance.objects.filter(source="").exists()
    tet = Observance.objects.filter(kind="new_year_visit", country="").order_by("on_date")
    assert [o.on_date for o in tet] == [date(2026, 2, 17), date(2027, 2, 6)]
    assert all("164/KH-UBND" in o.source for o in Observance.objects.filter(kind="new_year_visit"))
    assert seeded("Quốc khánh nước CHDCND Lào").date_in(2026) == date(2026, 12, 2)


def test_a_year_lists_its_dates_in_order_numbered_from_their_first_year():
    found = observances.occurrences(2026)
    assert [o.on for o in found] == sorted(o.on for o in found)
    assert len(found) == Observance.objects.filter(month__isnull=False).count() + 1  # Tết 2026
    assert of(found, seeded("Quốc khánh nước CHDCND Lào")).ordinal == 51
    assert of(found, seeded("Quốc khánh nước Cộng hòa xã hội")).ordinal == 81
    assert of(found, seeded("Quốc khánh Vương quốc Thái Lan")).ordinal is None
    assert date(2027, 2, 6) not in {o.on for o in found}
    assert date(2027, 2, 6) in {o.on for o in observances.occurrences(2027)}


def test_an_inactive_observance_is_not_on_the_calendar():
    lao = seeded("Quốc khánh nước CHDCND Lào")
    lao.active = False
    lao.save()
    assert lao not in {o.observance for o in observances.occurrences(2026)}


def test_the_29th_of_february_falls_on_the_28th_outside_leap_years():
    leap = Observance.objects.create(
        title="Ngày 29/2", kind="other", month=2, day=29, source="Thử nghiệm"
    )
    assert leap.date_in(2027) == date(2027, 2, 28)
    assert leap.date_in(2028) == date(2028, 2, 29)
    leap.full_clean()


@pytest.mark.parametrize(
    "fields",
    [
        {"month": 4, "day": 14, "on_date": date(2026, 4, 14)},  # both
        {},  # neither
        {"month": 4, "day": None},  # half a yearly date
        {"month": 4, "day": 31},  # no 31 April
        {"month": 2, "day": 30},
    ],
)
def test_a_date_must_be_yearly_or_single_and_exist(fields):
    observance = Observance(title="Sai", kind="other", source="Thử nghiệm", **fields)
    with pytest.raises(ValidationError):
        observance.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        observance.save()


def test_the_date_errors_say_what_to_fix():
    observance = Observance(title="Sai", kind="other", source="Thử nghiệm", month=4, day=31)
    with pytest.raises(ValidationError) as raised:
        observance.full_clean()
    assert list(raised.value.message_dict) == ["day"]
    without_source = Observance(title="Sai", kind="other", month=4, day=1)
    with pytest.raises(ValidationError) as raised:
        without_source.full_clean()
    assert "source" in raised.value.message_dict


def test_activities_linked_to_the_country_within_the_window_are_planned_around_it(
    staff, reviewer, leader
):
    inside = around_lao_day(staff, status="accepted", reviewer=reviewer)
    around_lao_day(staff, country="JP", status="accepted", reviewer=reviewer)  # other country
    around_lao_day(staff, start=date(2026, 11, 1), status="accepted", reviewer=reviewer)  # 31 d
    after = around_lao_day(staff, start=date(2026, 12, 9), status="accepted", reviewer=reviewer)
    around_lao_day(staff, start=date(2026, 12, 10), status="accepted", reviewer=reviewer)  # 8 d
    found = observances.calendar_year(Scope(None), 2026, user=leader)
    assert of(found, seeded("Quốc khánh nước CHDCND Lào")).activities == [inside, after]
    # The anniversary of relations with Cuba falls on the same day: no Lao activity there.
    cuba = Observance.objects.get(kind="relations", country="CU")
    assert of(found, cuba).activities == []


def test_a_day_of_no_country_counts_the_activities_of_its_kind(staff, reviewer, leader):
    visit = make_activity(
        staff,
        kind="new_year_visit",
        countries=[],
        start_date=date(2026, 2, 10),
        end_date=date(2026, 2, 10),
        status="accepted",
        reviewer=reviewer,
    )
    make_activity(  # an inbound delegation in the same days is not a New-Year visit
        staff,
        start_date=date(2026, 2, 10),
        end_date=date(2026, 2, 10),
        status="accepted",
        reviewer=reviewer,
    )
    found = observances.calendar_year(Scope(None), 2026, user=leader)
    tet = Observance.objects.get(on_date=date(2026, 2, 17))
    assert of(found, tet).activities == [visit]


def test_members_see_their_agencies_planned_drafts_and_leaders_only_what_is_accepted(
    staff, manager, reviewer, leader
):
    draft = around_lao_day(staff, title="Nháp")
    submitted = around_lao_day(staff, title="Đã gửi", status="submitted")
    accepted = around_lao_day(staff, title="Đã tiếp nhận", status="accepted", reviewer=reviewer)
    lao = seeded("Quốc khánh nước CHDCND Lào")

    def planned(user):
        scope = monitoring_scope(user)
        return set(of(observances.calendar_year(scope, 2026, user=user), lao).activities)

    assert planned(staff) == {draft, submitted, accepted}
    assert planned(reviewer) == {submitted, accepted}
    assert planned(leader) == {accepted}
    assert planned(manager) == set()  # Vũng Tàu does not monitor the department
    # Without a user (the overview's former call) only accepted activities in scope count.
    assert of(upcoming(monitoring_scope(staff), date(2026, 11, 30)), lao).activities == [accepted]


def test_upcoming_counts_the_days_left_across_the_new_year(staff, reviewer):
    accepted = around_lao_day(staff, status="accepted", reviewer=reviewer)
    soon = upcoming(monitoring_scope(staff), date(2026, 11, 25), user=staff)
    lao = of(soon, seeded("Quốc khánh nước CHDCND Lào"))
    assert (lao.days_left, lao.activities) == (7, [accepted])
    later = upcoming(Scope(None), date(2026, 12, 20), days=30)
    assert [(o.on, o.days_left) for o in later] == [(date(2026, 12, 22), 2), (date(2027, 1, 1), 12)]
    assert later[1].ordinal == 68  # Cuba, 1959
    on_the_day = upcoming(Scope(None), date(2026, 12, 22), days=0)
    assert [o.days_left for o in on_the_day] == [0]


def test_an_activity_of_late_december_counts_for_a_date_early_in_the_next_year(staff, reviewer):
    cuban = around_lao_day(
        staff, country="CU", start=date(2026, 12, 20), status="accepted", reviewer=reviewer
    )
    cuba_day = seeded("Quốc khánh nước Cộng hòa Cuba")
    scope = monitoring_scope(staff)
    next_year = of(observances.calendar_year(scope, 2027, user=staff), cuba_day)
    assert (next_year.on, next_year.activities) == (date(2027, 1, 1), [cuban])
    this_year = of(observances.calendar_year(scope, 2026, user=staff), cuba_day)
    assert this_year.activities == []
    soon = of(upcoming(scope, date(2026, 12, 20), user=staff), cuba_day)
    assert (soon.days_left, soon.activities) == (12, [cuban])


def test_a_new_link_replaces_the_former_one(staff):
    first = replace_feed_token(actor=staff).token
    second = replace_feed_token(actor=staff).token
    assert first != second and len(second) >= 40
    assert feed_scope(first) is None
    assert feed_scope(second) == monitoring_scope(staff)


def test_a_link_stops_working_when_its_user_no_longer_monitors(staff, outsider):
    token = replace_feed_token(actor=staff).token
    staff.is_active = False
    staff.save()
    assert feed_scope(token) is None
    assert feed_scope(replace_feed_token(actor=outsider).token) is None
    assert feed_scope("") is None
    assert feed_scope("x" * 500) is None


def test_a_link_stops_working_when_its_users_membership_ends(staff):
    token = replace_feed_token(actor=staff).token
    assert feed_scope(token) is not None
    # No service ends a single membership: an administrator sets its end date in the admin.
    staff.memberships.update(ended_on=date(2020, 1, 1))
    assert feed_scope(token) is None


def test_a_link_is_found_only_by_its_whole_token(staff, reviewer):
    """Links are found by their first characters and compared whole: two links sharing
    their beginning each open their own user's scope, a guess sharing it opens none."""
    staff_token = replace_feed_token(actor=staff).token
    shared = staff_token[:20]
    reviewer_feed = replace_feed_token(actor=reviewer)
    reviewer_feed.token = shared + reviewer_feed.token[20:]
    reviewer_feed.save()
    assert feed_scope(staff_token) == monitoring_scope(staff)
    assert feed_scope(reviewer_feed.token) == monitoring_scope(reviewer)
    last = "A" if staff_token[-1] != "A" else "B"
    assert feed_scope(staff_token[:-1] + last) is None
    assert feed_scope(staff_token[:-1]) is None and feed_scope(staff_token + "A") is None
    assert feed_scope(staff_token.replace(staff_token[0], "+", 1)) is None
    assert len(staff_token) == 43


def test_a_manager_links_scope_covers_the_agencies_under_theirs():
    manager = make_user("mttq", "UBMTTQ", "manager")
    scope = feed_scope(replace_feed_token(actor=manager).token)
    assert scope is not None and scope.covers(Agency.objects.get(code="HLHPN").pk)


def admin_form(**fields) -> dict:
    return {
        "title": "Ngày Hữu nghị",
        "country": "LA",
        "kind": "other",
        "active": "on",
        "month": "",
        "day": "",
        "on_date": "",
        "since_year": "",
        "source": "Thử nghiệm",
        "notes": "",
        "change_reason": "Bổ sung theo đề nghị",
        **fields,
    }


def test_an_administrator_adds_a_date_with_its_history(client, admin_user):
    client.force_login(admin_user)
    assert (
        client.get(reverse("admin:monitoring_observance_changelist"), {"q": "Lào"}).status_code
        == 200
    )
    response = client.post(
        reverse("admin:monitoring_observance_add"), admin_form(month="7", day="18")
    )
    assert response.status_code == 302
    added = Observance.objects.get(title="Ngày Hữu nghị")
    assert (added.month, added.day) == (7, 18)
    assert added.history.get().history_change_reason == "Bổ sung theo đề nghị"
    assert (
        client.get(reverse("admin:monitoring_observance_history", args=[added.pk])).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("fields", "message", "values"),
    [
        ({"month": "4", "day": "14", "on_date": "14/04/2026"},
         "Give a yearly month and day or a single date, not both.", {}),
        ({}, "Give a month and day that come back every year, or a single date.", {}),
        ({"month": "4"}, "A yearly date needs both a month and a day.", {}),
        ({"month": "4", "day": "31"}, "Month %(month)s has no day %(day)s.",
         {"month": 4, "day": 31}),
    ],
)  # fmt: skip
def test_the_admin_refuses_a_date_that_is_not_one_with_a_clear_message(
    client, admin_user, fields, message, values
):
    client.force_login(admin_user)
    response = client.post(reverse("admin:monitoring_observance_add"), admin_form(**fields))
    assert response.status_code == 200
    # The message in the language of the page (Vietnamese), escaped as the page shows it.
    with translation.override("vi"):
        expected = translation.gettext(message) % values if values else translation.gettext(message)
    assert escape(expected) in response.content.decode()
    assert not Observance.objects.filter(title="Ngày Hữu nghị").exists()


def test_the_admin_list_filters_by_the_countries_in_use_in_a_fixed_number_of_queries(
    client, admin_user
):
    client.force_login(admin_user)
    url = reverse("admin:monitoring_observance_changelist")

    def listed() -> tuple[int, set[str]]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        codes = set(re.findall(r"[?&;]country(?:__exact)?=([A-Z]{2})", response.content.decode()))
        return len(queries), codes

    small, codes = listed()
    # the session, the user, the filtered and the full count, the page's rows, the
    # countries in use
    assert small == 6, small
    assert codes == PARTNERS  # the countries of the dates, not every country of the world
    Observance.objects.bulk_create(
        Observance(title=f"Ngày {n}", country="LA", kind="other", month=1 + n % 12,
                   day=1 + n % 28, source="Thử")
        for n in range(200)
    )  # fmt: skip
    assert listed() == (small, PARTNERS)


def test_the_admin_lists_subscription_links_without_their_secret(client, admin_user, staff):
    token = replace_feed_token(actor=staff).token
    client.force_login(admin_user)
    feed = staff.calendar_feed
    for url in (
        reverse("admin:monitoring_calendarfeed_changelist"),
        reverse("admin:monitoring_calendarfeed_change", args=[feed.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and token not in response.content.decode()


def test_a_window_with_only_days_of_no_country_still_finds_their_activities(staff, reviewer):
    visit = make_activity(
        staff,
        kind="new_year_visit",
        countries=["LA"],
        start_date=date(2027, 2, 1),
        end_date=date(2027, 2, 1),
        status="accepted",
        reviewer=reviewer,
    )
    soon = upcoming(Scope(None), date(2027, 2, 5), days=3)  # only Tết 2027 (6/2)
    assert [(o.on, o.activities) for o in soon] == [(date(2027, 2, 6), [visit])]


def test_an_activity_linked_to_two_partner_countries_is_listed_once_for_each(
    staff, reviewer, leader
):
    both = make_activity(
        staff,
        countries=["LA", "CU"],
        start_date=date(2026, 11, 25),
        end_date=date(2026, 11, 25),
        status="accepted",
        reviewer=reviewer,
    )
    found = observances.calendar_year(Scope(None), 2026, user=leader)
    lao = seeded("Quốc khánh nước CHDCND Lào")
    cuba = Observance.objects.get(kind="relations", country="CU")
    assert of(found, lao).activities == [both] and of(found, cuba).activities == [both]
