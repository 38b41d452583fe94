"""Plan implementation (monitoring/plan.py, /monitoring/plan/ and its cells): the duties of
the plan in force by half-year, each cell's accepted activities and agencies, coloured by the
duty's recurrence; who sees which agencies' figures; bad parameters; fixed query counts."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from agencies.models import Agency, Duty, DutyAssignment, Plan
from agencies.plans import load_plan
from monitoring import plan as figures
from monitoring.scope import Scope
from reports.models import ReportingPeriod
from tests.factories import make_activity, make_periods, make_user

pytestmark = pytest.mark.django_db

PLAN_URL = reverse("monitoring:plan")
CELL_URL = reverse("monitoring:plan_cell")
# Decree 09/2019 windows of 2021: 15/12/2020-14/6/2021 and 15/6/2021-14/12/2021.
IN_2021_H1 = date(2021, 3, 2)
IN_2021_H2 = date(2021, 7, 1)
IN_2020_H2 = date(2020, 9, 1)
PLAN_99_FILE = Path(__file__).resolve().parents[1] / "data" / "plan-99-KH-UBND-2026.json"


def duty(ref: str) -> Duty:
    return Duty.objects.get(plan__number="164/KH-UBND", ref=ref)


def done(actor, reviewer, ref: str, day: date, agency: str, **fields):
    """An accepted activity of `agency` carrying out duty `ref`, begun on `day`."""
    return make_activity(
        actor,
        agency=agency,
        status="accepted",
        reviewer=reviewer,
        duty=duty(ref),
        start_date=day,
        end_date=day,
        **fields,
    )


def cells(response) -> dict[tuple[str, str], figures.Cell]:
    """The page's cells by (duty ref, window code)."""
    table = response.context["table"]
    return {
        (row.duty.ref, cell.window.code): cell
        for section in table.sections
        for row in section.rows
        for cell in row.cells
    }


def refs(response) -> list[str]:
    return [row.duty.ref for s in response.context["table"].sections for row in s.rows]


def cell_url(ref: str, window: str, **more) -> str:
    params = "&".join(
        f"{k}={v}" for k, v in ({"duty": duty(ref).pk, "window": window} | more).items()
    )
    return f"{CELL_URL}?{params}"


@pytest.fixture
def year_2021(staff, manager, reviewer):
    """Two accepted III.3.1 activities of SLDTBXH in 2021-H1 and a submitted one (not
    counted), one III.3.2 in 2020-H2; VUNGTAU and BARIA on III.7.2 in 2021-H2, VUNGTAU on
    the yearly III.7.1 in 2021-H1."""
    baria = make_user("baria", "BARIA", "staff")
    done(staff, reviewer, "III.3.1", IN_2021_H1, "SLDTBXH", title="Vận động tài trợ A")
    done(staff, reviewer, "III.3.1", date(2021, 5, 5), "SLDTBXH", title="Vận động tài trợ B")
    make_activity(
        staff, status="submitted", duty=duty("III.3.1"), start_date=IN_2021_H1, end_date=IN_2021_H1
    )
    done(staff, reviewer, "III.3.2", IN_2020_H2, "SLDTBXH")
    done(manager, reviewer, "III.7.2", IN_2021_H2, "VUNGTAU", title="Hoạt động Vũng Tàu")
    done(baria, reviewer, "III.7.2", date(2021, 8, 8), "BARIA", title="Hoạt động Bà Rịa")
    done(manager, reviewer, "III.7.1", IN_2021_H1, "VUNGTAU")


# ---------------------------------------------------------------------------- the summaries


def test_every_duty_of_plan_164_has_a_short_readable_summary():
    duties = Duty.objects.filter(plan__number="164/KH-UBND")
    assert duties.count() == 29
    for d in duties:
        assert d.summary and len(d.summary) <= 90 and "dựng" not in d.summary, d.ref
        assert figures.short_form(d) == d.summary


def test_a_duty_without_summary_shows_its_first_sentence_shortened():
    d = duty("IV.2.1")
    d.summary = ""
    assert figures.short_form(d) == (
        "Giao Sở Ngoại vụ thực hiện công tác đầu mối theo dõi, tổng hợp, phối hợp, trao đổi thông…"
    )
    d.text = "Ngắn gọn. Câu thứ hai."
    assert figures.short_form(d) == "Ngắn gọn."


def test_the_summaries_migration_keeps_a_summary_an_administrator_wrote():
    migration = __import__(
        "agencies.migrations.0010_duty_summaries_164", fromlist=["set_summaries"]
    )
    Duty.objects.filter(ref="III.1.1").update(summary="Viết bởi quản trị")
    Duty.objects.filter(ref="III.1.2").update(summary="")
    migration.set_summaries(django_apps)
    assert duty("III.1.1").summary == "Viết bởi quản trị"
    assert duty("III.1.2").summary == migration.SUMMARIES["III.1.2"]


# ---------------------------------------------------------------------------- half-years


def test_half_years_follow_the_stored_periods_and_default_without_them():
    make_periods(2021)
    ReportingPeriod.objects.filter(year=2021, kind="half").update(end_date=date(2021, 6, 30))
    first, second, third, fourth = figures.half_years([2021, 2022])
    assert (first.start, first.end) == (date(2020, 12, 15), date(2021, 6, 30))
    assert (second.start, second.end) == (date(2021, 7, 1), date(2021, 12, 14))
    assert not ReportingPeriod.objects.filter(year=2022).exists()  # read, never created
    assert (third.code, third.start, third.end) == (
        "2022-H1",
        date(2021, 12, 15),
        date(2022, 6, 14),
    )
    assert (fourth.start, fourth.end) == (date(2022, 6, 15), date(2022, 12, 14))


def test_a_half_year_that_ended_before_the_plan_is_neutral(client, leader):
    client.force_login(leader)
    response = client.get(PLAN_URL, {"year": 2020})  # 164/KH-UBND is in force from 25/11/2019
    got = cells(response)
    assert got["III.1.6", "2019-H1"].state == "grey"  # ended 14/6/2019: nothing was owed
    assert got["III.1.6", "2019-H2"].state == "red"  # 15/6-14/12/2019: the plan began in it
    response = client.get(cell_url("III.1.6", "2019-H1"))
    assert response.context["detail"].cell.state == "grey"


@pytest.mark.parametrize(
    ("recurrence", "count", "year_count", "today", "state"),
    [
        ("six_monthly", 1, 1, date(2021, 7, 1), "green"),
        ("six_monthly", 0, 0, date(2021, 7, 1), "red"),  # the half ended empty
        ("six_monthly", 0, 0, date(2021, 6, 1), "open"),  # still running
        ("yearly", 0, 1, date(2022, 1, 1), "grey"),  # done in the other half
        ("yearly", 0, 0, date(2021, 7, 1), "open"),  # half ended, the year has not
        ("yearly", 0, 0, date(2021, 12, 15), "red"),  # the whole year ended empty
        ("ongoing", 0, 0, date(2021, 7, 1), "amber"),
        ("ongoing", 0, 0, date(2021, 6, 14), "open"),
        ("on_request", 0, 0, date(2022, 1, 1), "grey"),
        ("on_request", 2, 2, date(2022, 1, 1), "green"),
    ],
)
def test_a_cell_is_coloured_by_the_duty_recurrence(recurrence, count, year_count, today, state):
    window = figures.half_years([2021])[0]  # 15/12/2020-14/6/2021
    year_ended = today > date(2021, 12, 14)
    got, words = figures.cell_state(recurrence, count, window, year_count, year_ended, today)
    assert got == state and words


# ---------------------------------------------------------------------------- the page


def test_a_leader_sees_every_duty_by_section_with_counts_and_states(client, leader, year_2021):
    client.force_login(leader)
    response = client.get(PLAN_URL, {"year": 2021})
    assert response.status_code == 200
    table = response.context["table"]
    assert table.plan == Plan.objects.get(number="164/KH-UBND")
    assert [w.code for w in table.windows] == ["2020-H1", "2020-H2", "2021-H1", "2021-H2"]
    assert [s.ref for s in table.sections] == [
        "III.1", "III.2", "III.3", "III.4", "III.5", "III.6", "III.7", "IV.1", "IV.2"
    ]  # fmt: skip
    assert table.sections[2].heading == "Sở Lao động - Thương binh và Xã hội"
    assert len(refs(response)) == 29
    got = cells(response)
    assert (got["III.3.1", "2021-H1"].activities, got["III.3.1", "2021-H1"].agencies) == (2, 1)
    assert got["III.3.1", "2021-H1"].state == "green"
    assert got["III.3.2", "2020-H2"].activities == 1
    assert got["III.3.2", "2021-H1"].state == "amber"  # ongoing, nothing in an ended half
    assert got["III.1.6", "2021-H1"].state == "red"  # six-monthly, nothing
    assert got["III.1.3", "2021-H1"].state == "grey"  # on request
    assert got["III.2.1", "2021-H2"].state == "red"  # yearly, nothing in 2021
    assert got["III.7.1", "2021-H1"].state == "green"
    assert got["III.7.1", "2021-H2"].state == "grey"  # yearly, done in the first half
    assert (got["III.7.2", "2021-H2"].activities, got["III.7.2", "2021-H2"].agencies) == (2, 2)
    html = response.content.decode()
    assert html.count('data-testid="plan-cell"') == 29 * 4
    assert 'data-state="red"' in html and duty("III.2.3").summary in html


def test_a_staff_member_sees_their_agency_duties_and_counts_only(client, staff, year_2021):
    client.force_login(staff)
    response = client.get(PLAN_URL, {"year": 2021})
    # its own duties and the sections IV.1 and IV.2.2 that assign every department
    assert refs(response) == ["III.3.1", "III.3.2", "IV.1.1", "IV.1.2", "IV.2.2"]
    assert cells(response)["III.3.1", "2021-H1"].activities == 2
    assert "III.7.2" not in response.content.decode()


def test_a_manager_sees_a_duty_their_agency_acted_on_though_not_assigned(
    client, manager, reviewer, year_2021
):
    DutyAssignment.objects.filter(duty=duty("III.7.1"), agency__code="VUNGTAU").delete()
    client.force_login(manager)
    response = client.get(PLAN_URL, {"year": 2021})
    assert "III.7.1" in refs(response)  # acted on it in 2021-H1
    assert "III.3.1" not in refs(response)
    assert cells(response)["III.7.2", "2021-H2"].agencies == 1  # BARIA is not theirs


def test_the_agency_filter_narrows_to_the_agency_and_those_under_it(
    client, leader, staff, reviewer
):
    youth = make_user("doan", "TINHDOAN", "staff")
    done(youth, reviewer, "III.6.2", IN_2021_H1, "TINHDOAN")
    done(staff, reviewer, "III.3.1", IN_2021_H1, "SLDTBXH")
    client.force_login(leader)
    response = client.get(PLAN_URL, {"year": 2021, "agency": "UBMTTQ"})
    assert response.context["chosen"].code == "UBMTTQ"
    assert refs(response) == ["III.6.1", "III.6.2"]
    assert cells(response)["III.6.2", "2021-H1"].activities == 1  # the youth union's, under it
    response = client.get(PLAN_URL, {"year": 2021, "agency": "SLDTBXH"})
    assert cells(response)["III.3.1", "2021-H1"].activities == 1
    assert "agency=SLDTBXH" in response.content.decode()  # the cells keep the filter


def test_an_agency_outside_the_scope_is_refused_never_widened(client, staff, manager, year_2021):
    client.force_login(staff)
    said = set()
    for code in ("VUNGTAU", "NOSUCH", "x" * 5000, "VŨNGTÀU"):
        response = client.get(PLAN_URL, {"year": 2021, "agency": code})
        # the page of every agency the user monitors, with one message, the same for an
        # agency of another and one that does not exist (existence does not leak)
        assert response.status_code == 200 and response.context["chosen"] is None
        assert "III.7.2" not in refs(response)
        assert cells(response)["III.3.1", "2021-H1"].activities == 2
        [message] = response.context["messages"]
        said.add(str(message).replace(code[:30], "CODE"))
    assert len(said) == 1
    assert client.get(cell_url("III.7.2", "2021-H2", agency="VUNGTAU")).status_code == 404
    assert client.get(PLAN_URL, {"agency": "SLDTBXH"}).status_code == 200


@pytest.mark.parametrize(
    "year", ["abc", "1800", "99999999999999999999", "9" * 5000, "-2021", "2019", " ", "2100"]
)
def test_a_bad_year_shows_this_year_with_a_message(client, reviewer, year):
    client.force_login(reviewer)
    response = client.get(PLAN_URL, {"year": year})
    assert response.status_code == 200
    assert response.context["table"].year == timezone.localdate().year
    if year.strip():
        assert len(list(response.context["messages"])) == 1


def test_outsiders_get_404_and_anonymous_users_the_login_page(client, outsider):
    url = cell_url("III.3.1", "2021-H1")
    for target in (PLAN_URL, url):
        response = client.get(target)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(outsider)
    assert client.get(PLAN_URL).status_code == 404
    assert client.get(url).status_code == 404


def test_no_plan_in_force_says_so(client, leader):
    Plan.objects.update(valid_from=date(2030, 1, 1), valid_until=None)
    client.force_login(leader)
    response = client.get(PLAN_URL, {"year": 2021})
    assert response.status_code == 200 and response.context["table"].plan is None
    assert 'data-testid="no-plan"' in response.content.decode()


# ---------------------------------------------------------------------------- a cell


def test_a_cell_lists_its_activities_and_which_assigned_agencies_acted(client, leader, year_2021):
    client.force_login(leader)
    response = client.get(cell_url("III.7.2", "2021-H2"))
    assert response.status_code == 200
    titles = [activity.title for activity, _name, readable in response.context["rows"]]
    assert titles == ["Hoạt động Vũng Tàu", "Hoạt động Bà Rịa"]
    assert all(readable for _a, _n, readable in response.context["rows"])
    acted = {row.agency.code: row.acted for row in response.context["detail"].assigned}
    assert len(acted) == 8
    assert acted["VUNGTAU"] and acted["BARIA"] and not acted["CONDAO"]
    assert response.context["detail"].acted_count == 2
    html = response.content.decode()
    assert 'data-acted="no"' in html and reverse("activities:detail", args=[1]).rsplit("/", 2)[0]


def test_an_empty_red_cell_says_there_is_no_activity(client, leader, year_2021):
    client.force_login(leader)
    response = client.get(cell_url("III.1.6", "2021-H1"))
    assert response.context["detail"].cell.state == "red"
    assert response.context["rows"] == []
    assert 'data-testid="no-activity"' in response.content.decode()


def test_a_staff_member_never_sees_another_agency_in_a_cell(client, staff, year_2021):
    client.force_login(staff)
    response = client.get(cell_url("III.7.2", "2021-H2"))
    assert response.status_code == 200
    assert response.context["rows"] == [] and response.context["detail"].assigned == []
    html = response.content.decode()
    for name in ("Hoạt động Vũng Tàu", "Hoạt động Bà Rịa", "UBND TP Vũng Tàu", "UBND TP Bà Rịa"):
        assert name not in html


def test_a_manager_sees_only_their_agency_among_the_assigned(client, manager, year_2021):
    client.force_login(manager)
    response = client.get(cell_url("III.7.2", "2021-H2"))
    assert [(r.agency.code, r.acted) for r in response.context["detail"].assigned] == [
        ("VUNGTAU", True)
    ]
    assert "Hoạt động Bà Rịa" not in response.content.decode()


def test_a_member_sees_titles_of_the_agencies_under_theirs_unlinked_when_unreadable(
    client, reviewer
):
    # The scope rule: a member monitors the accepted activities of the agencies under theirs
    # (titles included), though they may not open them (Activity.objects.visible_to).
    youth = make_user("doan", "TINHDOAN", "staff")
    front = make_user("mttq", "UBMTTQ", "staff")
    activity = done(youth, reviewer, "III.6.2", IN_2021_H1, "TINHDOAN", title="Giao lưu thanh niên")
    client.force_login(front)
    response = client.get(cell_url("III.6.2", "2021-H1"))
    assert [(a.title, readable) for a, _n, readable in response.context["rows"]] == [
        ("Giao lưu thanh niên", False)
    ]
    assert activity.get_absolute_url() not in response.content.decode()
    client.force_login(youth)
    response = client.get(cell_url("III.6.2", "2021-H1"))
    assert activity.get_absolute_url() in response.content.decode()


def test_an_agency_acted_through_the_one_whose_work_it_took_over(client, leader, reviewer):
    baria = make_user("baria", "BARIA", "staff")
    done(baria, reviewer, "III.7.2", IN_2021_H1, "BARIA")
    # Bà Rịa's work passed to Vũng Tàu later (a merge): Vũng Tàu counts as having acted.
    Agency.objects.filter(code="BARIA").update(
        successor=Agency.objects.get(code="VUNGTAU"), closed_on=date(2025, 7, 1)
    )
    client.force_login(leader)
    response = client.get(cell_url("III.7.2", "2021-H1"))
    acted = {row.agency.code: row.acted for row in response.context["detail"].assigned}
    assert acted["VUNGTAU"] and acted["BARIA"] and not acted["PHUMY"]


def test_a_cell_pages_its_activities_by_25(client, leader, staff, reviewer):
    for n in range(26):
        done(staff, reviewer, "III.3.1", IN_2021_H1, "SLDTBXH", title=f"Hoạt động {n:02}")
    client.force_login(leader)
    first = client.get(cell_url("III.3.1", "2021-H1"))
    assert len(first.context["rows"]) == 25 and first.context["detail"].cell.activities == 26
    second = client.get(cell_url("III.3.1", "2021-H1", page=2))
    assert len(second.context["rows"]) == 1
    assert client.get(cell_url("III.3.1", "2021-H1", page="x")).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"window": "2021-H1"},
        {"window": "2021-H1", "duty": "abc"},
        {"window": "2021-H1", "duty": "-3"},
        {"window": "2021-H1", "duty": "99999999999999999999"},
        {"window": "2021-H1", "duty": "9" * 5000},
        {"window": "2021-H1", "duty": "999999"},
        {"window": "2021-H3", "duty": "DUTY"},
        {"window": "2021", "duty": "DUTY"},
        {"window": "1990-H1", "duty": "DUTY"},
        {"window": "2999-H1", "duty": "DUTY"},
        {"window": "\uff12\uff10\uff12\uff11-H1", "duty": "DUTY"},
    ],
)
def test_bad_cell_parameters_answer_404(client, leader, query):
    client.force_login(leader)
    if query.get("duty") == "DUTY":
        query["duty"] = duty("III.3.1").pk
    assert client.get(CELL_URL, query).status_code == 404


def test_a_cell_lists_only_the_assigned_agencies_working_in_its_half_year(client, leader, reviewer):
    # Bà Rịa closed on 1/7/2025 (its work passed to Vũng Tàu); Côn Đảo's record says it was
    # established on 1/7/2025: neither owed anything in a half-year it did not work in.
    Agency.objects.filter(code="BARIA").update(
        successor=Agency.objects.get(code="VUNGTAU"), closed_on=date(2025, 7, 1)
    )
    Agency.objects.filter(code="CONDAO").update(established_on=date(2025, 7, 1))
    client.force_login(leader)

    def assigned(window: str) -> set[str]:
        response = client.get(cell_url("III.7.2", window))
        return {row.agency.code for row in response.context["detail"].assigned}

    assert "BARIA" in assigned("2021-H1") and "CONDAO" not in assigned("2021-H1")
    assert {"BARIA", "CONDAO"} <= assigned("2025-H2")  # 15/6-14/12/2025: both worked in it
    assert "BARIA" not in assigned("2026-H1") and "CONDAO" in assigned("2026-H1")


def test_a_half_year_before_the_agency_existed_is_neutral_for_it(client, manager, leader):
    # Vũng Tàu's record says it was established on 1/7/2025 (as a ward created by the merger).
    Agency.objects.filter(code="VUNGTAU").update(established_on=date(2025, 7, 1))
    for user, query in ((manager, {}), (leader, {"agency": "VUNGTAU"})):
        client.force_login(user)
        got = cells(client.get(PLAN_URL, {"year": 2026} | query))
        assert got["III.7.2", "2025-H1"].state == "grey"  # ended 14/6/2025: it did not work
        assert got["III.7.2", "2025-H1"].label == gettext("No assigned agency at work")
        assert got["III.7.2", "2025-H2"].state == "amber"  # ongoing: it worked from 1/7
        assert got["III.7.1", "2025-H1"].state == "grey"
        response = client.get(cell_url("III.7.2", "2025-H1", **query))
        assert response.context["detail"].cell.state == "grey"
        assert response.context["detail"].assigned == []
    # The province's view: the other districts worked then, so the duty was owed.
    got = cells(client.get(PLAN_URL, {"year": 2026}))
    assert got["III.7.2", "2025-H1"].state == "amber"


def load_plan_99(valid_from: date) -> Plan:
    """The made-up plan 99/KH-UBND, beginning on `valid_from` (plan 164 ends the day before)."""
    data = json.loads(PLAN_99_FILE.read_text(encoding="utf-8"))
    return load_plan(data | {"valid_from": valid_from.isoformat()}, reason="Kế hoạch mới")


def test_a_plan_replaced_mid_year_can_still_be_followed_for_its_half_year(
    client, leader, staff, reviewer
):
    done(staff, reviewer, "III.3.1", date(2026, 3, 2), "SLDTBXH")
    plan_99 = load_plan_99(date(2026, 7, 1))
    plan_164 = Plan.objects.get(number="164/KH-UBND")
    client.force_login(leader)
    # The year follows the plan in force at its end, and says another was followed.
    response = client.get(PLAN_URL, {"year": 2026})
    assert response.context["table"].plan == plan_99
    assert [f.plan for f in response.context["table"].followed] == [plan_164, plan_99]
    assert 'data-testid="plan-choice"' in response.content.decode()
    got = cells(response)
    assert got["III.2.1", "2026-H1"].state == "grey"  # ended 14/6/2026: before plan 99
    assert got["III.2.1", "2026-H2"].state == "open"  # follows plan 99: owed, not ended
    # Plan 164 for the same year: its first half counted, its second half after the plan.
    response = client.get(PLAN_URL, {"year": 2026, "plan": plan_164.pk})
    table = response.context["table"]
    assert table.plan == plan_164 and table.until == date(2026, 6, 30)
    got = cells(response)
    assert (got["III.3.1", "2026-H1"].activities, got["III.3.1", "2026-H1"].state) == (1, "green")
    assert got["III.1.6", "2026-H1"].state == "red"  # six-monthly, followed then, nothing
    # 15/6-14/12/2026 ends under plan 99 and follows it, as its reporting period does
    assert got["III.1.6", "2026-H2"].state == "grey"
    assert got["III.1.6", "2026-H2"].label == gettext("After the plan")
    response = client.get(cell_url("III.1.6", "2026-H2"))
    assert response.context["detail"].cell.state == "grey"
    assert f"plan={plan_164.pk}" in response.context["back"]
    # A duty of the later plan, in a half-year before it: neutral, never red.
    later = plan_99.duties.get(ref="III.2.1")
    response = client.get(CELL_URL, {"duty": later.pk, "window": "2021-H1"})
    assert response.context["detail"].cell.label == gettext("Before the plan")
    # A year that followed one plan offers no choice; the plan of another year (the form
    # keeps ?plan= when the year is changed) gives the year's own plan, without a message.
    response = client.get(PLAN_URL, {"year": 2021, "plan": plan_99.pk})
    assert response.context["table"].plan == plan_164
    assert list(response.context["messages"]) == []
    assert 'data-testid="plan-choice"' not in response.content.decode()


@pytest.mark.parametrize("plan", ["abc", "-1", "99999999999999999999", "0", "1.5"])
def test_a_bad_plan_shows_the_year_s_plan_with_a_message(client, reviewer, plan):
    client.force_login(reviewer)
    response = client.get(PLAN_URL, {"year": 2021, "plan": plan})
    assert response.status_code == 200
    assert response.context["table"].plan.number == "164/KH-UBND"
    assert len(list(response.context["messages"])) == 1


def test_a_cell_link_names_its_duty_and_half_year_for_screen_readers(client, leader):
    client.force_login(leader)
    html = client.get(PLAN_URL, {"year": 2021}).content.decode()
    label = figures.half_years([2021])[0].label
    assert f'<span class="visually-hidden">III.1.6, {label}: </span>' in html


def test_a_cell_leads_back_to_the_year_plan_and_agency_of_the_page_it_was_opened_from(
    client, leader, year_2021
):
    client.force_login(leader)
    plan_164 = Plan.objects.get(number="164/KH-UBND")
    html = client.get(PLAN_URL, {"year": 2021, "agency": "SLDTBXH"}).content.decode()
    # the year before's cell, as the page links it
    link = re.search(r'href="([^"]*window=2020-H2[^"]*)"', html)[1].replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 200
    back = dict(parse_qsl(response.context["back"]))
    assert back == {"year": "2021", "plan": str(plan_164.pk), "agency": "SLDTBXH"}
    assert dict(parse_qsl(response.context["query"]))["year"] == "2021"  # kept on paging


@pytest.mark.parametrize("year", [None, "", "abc", "2019", "2022", "1" * 5000])
def test_a_cell_without_a_page_year_that_can_show_it_leads_back_to_its_own(
    client, leader, year_2021, year
):
    client.force_login(leader)
    params = {"duty": duty("III.3.2").pk, "window": "2020-H2"}
    response = client.get(CELL_URL, params | ({"year": year} if year is not None else {}))
    assert response.status_code == 200
    assert dict(parse_qsl(response.context["back"]))["year"] == "2020"


def test_the_table_scrolls_sideways_in_a_focusable_labelled_region(client, leader):
    client.force_login(leader)
    html = client.get(PLAN_URL, {"year": 2021}).content.decode()
    region = re.search(r'<div [^>]*data-testid="plan-region"[^>]*>', html)[0]
    assert 'tabindex="0"' in region and 'role="region"' in region
    assert 'aria-labelledby="plan-caption"' in region
    assert '<caption id="plan-caption"' in html
    assert 'data-testid="scroll-hint"' in html
    # the duty column keeps a readable width when the half-years scroll
    # (a class, not a style attribute: no inline style for the Content-Security-Policy)
    assert re.search(r'<th scope="col" class="min-w-\d+">', html) and 'style="' not in html


# ---------------------------------------------------------------------------- query counts


def many(staff, manager, reviewer, times: int) -> None:
    for n in range(times):
        done(staff, reviewer, "III.3.1", IN_2021_H1, "SLDTBXH", title=f"A{n}")
        done(manager, reviewer, "III.7.2", IN_2021_H2, "VUNGTAU", title=f"B{n}")


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["leader", "manager"])
def test_the_plan_page_makes_the_same_queries_with_ten_times_the_activities(
    client, request, staff, manager, reviewer, role
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    url = f"{PLAN_URL}?year=2021"
    many(staff, manager, reviewer, 2)
    before = count_queries(client, url)
    many(staff, manager, reviewer, 18)
    # session, user, the user's rights, (a member's agency tree), the agencies of the filter,
    # the periods, the plans, the cells' counts grouped by duty, the assignments in scope with
    # their agencies' dates, the duties; the menu's three (unread notifications and work
    # counts, memberships, the plan in force).
    assert count_queries(client, url) == before == (12 if role == "leader" else 13)


@pytest.mark.parametrize("role", ["leader", "manager"])
def test_the_cell_page_makes_the_same_queries_with_ten_times_the_activities(
    client, request, staff, manager, reviewer, role
):
    client.force_login(request.getfixturevalue(role))
    url = cell_url("III.7.2", "2021-H2")
    many(staff, manager, reviewer, 2)
    before = count_queries(client, url)
    many(staff, manager, reviewer, 18)
    # session, user, the user's rights, (a member's agency tree), the periods, the duty (and
    # the day the next plan began), the agencies of the filter, the cell's and year's counts,
    # the assignments, the agency tree, the assigned that acted, the names in force, the
    # page's count, the page, which of them the user may read; the menu's three (unread
    # notifications and work counts, memberships, the plan in force).
    assert count_queries(client, url) == before == (17 if role == "leader" else 18)


def test_the_figures_of_a_narrowed_scope_count_no_other_agency(staff, manager, reviewer):
    many(staff, manager, reviewer, 1)
    vungtau = Agency.objects.get(code="VUNGTAU").pk
    table = figures.implementation(Scope(frozenset({vungtau})), 2021, date(2022, 1, 1))
    counted = {
        (row.duty.ref, cell.window.code): cell.activities
        for section in table.sections
        for row in section.rows
        for cell in row.cells
        if cell.activities
    }
    assert counted == {("III.7.2", "2021-H2"): 1}
