"""Who is expected to report (issue 11): an agency is expected to send its periodic report for
a period when it was in operation on the period's last day and has duties in the plan the
period follows. The 2025 scenario with made-up names: TP Vũng Tàu closes on 1/7/2025 and a
new ward, "phường Hải Đăng", takes over its work that day. 2025-H1 ends on 14/6/2025, the
year 2025 on 14/12/2025, 2026-H1 on 14/6/2026.

The reorganised state is written directly in the database (closed_on, a new agency with
assignments), not through the reorganisation service; the drafts, the completeness grid and
page, the rates, the reminders and the consolidated report's x/N must follow it.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Agency, AgencyName, Duty, DutyAssignment
from agencies.plans import load_plan
from reports import agency_reports, completeness
from reports.figures import agency_figures, period_figures
from reports.models import AgencyReport, ReportingPeriod
from reports.periods import (
    ensure_current_periods,
    ensure_periods,
    expected_agencies,
    expected_by_period,
    sync_agency_reports,
)
from tests.factories import (
    make_activity,
    make_consolidated_report,
    make_periods,
    make_user,
    write_agency_report,
)

pytestmark = pytest.mark.django_db

CLOSING = date(2025, 7, 1)
WARD = "PHUONG_MOI"
WARD_NAME = "UBND phường Hải Đăng"
REPORTING = 19  # agencies with duties in plan 164
PAGE = reverse("reports:completeness")
PLAN_99_FILE = Path(__file__).resolve().parents[1] / "data" / "plan-99-KH-UBND-2026.json"


def reorganise() -> Agency:
    """TP Vũng Tàu closes on 1/7/2025; the made-up ward begins that day with its duties."""
    vungtau = Agency.objects.get(code="VUNGTAU")
    ward = Agency.objects.create(
        code=WARD,
        name="Ủy ban nhân dân phường Hải Đăng",
        short_name=WARD_NAME,
        kind=Agency.Kind.WARD,
        established_on=CLOSING,
    )
    DutyAssignment.objects.bulk_create(
        DutyAssignment(duty_id=duty_id, agency=ward, role=role)
        for duty_id, role in vungtau.assignments.values_list("duty_id", "role")
    )
    Agency.objects.filter(pk=vungtau.pk).update(closed_on=CLOSING, successor=ward)
    return ward


@pytest.fixture
def ward(db) -> Agency:
    return reorganise()


@pytest.fixture
def periods(ward) -> dict[str, ReportingPeriod]:
    """The periods of 2025 and 2026, created after the reorganisation."""
    ensure_periods([2025, 2026])
    return {p.code: p for p in ReportingPeriod.objects.all()}


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def drafts_of(period: ReportingPeriod) -> set[str]:
    return set(period.agency_reports.values_list("agency__code", flat=True))


# ----------------------------------------------------------------------------- who is expected


def test_a_closed_agency_is_expected_until_its_last_period_and_a_new_one_from_its_first(periods):
    h1_2025, year_2025, h1_2026 = periods["2025-H1"], periods["2025"], periods["2026-H1"]
    assert "VUNGTAU" in codes(expected_agencies(h1_2025))
    assert WARD not in codes(expected_agencies(h1_2025))
    for period in (year_2025, h1_2026):
        assert "VUNGTAU" not in codes(expected_agencies(period))
        assert WARD in codes(expected_agencies(period))
    assert all(len(codes(expected_agencies(p))) == REPORTING for p in periods.values())
    # The many-periods form says the same, in two queries whatever the periods.
    every = list(periods.values())
    by_period = expected_by_period(every)
    assert {p.code: by_period[p.pk] for p in every} == {
        p.code: set(expected_agencies(p).values_list("pk", flat=True)) for p in every
    }


def test_the_drafts_are_those_of_the_expected_agencies(periods):
    assert "VUNGTAU" in drafts_of(periods["2025-H1"])
    assert WARD not in drafts_of(periods["2025-H1"])
    assert "VUNGTAU" not in drafts_of(periods["2025"])
    assert WARD in drafts_of(periods["2026-H1"])
    for period in periods.values():
        assert drafts_of(period) == codes(expected_agencies(period))


def test_an_agency_without_duty_in_the_period_s_plan_is_not_expected(db):
    """Plan 99 (a made-up plan of 2026) assigns SNGV, CONDAO, VUNGTAU and BARIA only (and the
    ward, which took over Vũng Tàu's duties): from 2026 those of them that work are the ones
    expected; 2025 still follows plan 164."""
    # Loaded before Vũng Tàu closes (a plan cannot assign an agency closed when it begins).
    load_plan(json.loads(PLAN_99_FILE.read_text(encoding="utf-8")), reason="Kế hoạch mới")
    reorganise()
    ensure_periods([2025, 2026])
    periods = {p.code: p for p in ReportingPeriod.objects.all()}
    assert codes(expected_agencies(periods["2026-H1"])) == {"SNGV", "CONDAO", "BARIA", WARD}
    assert len(codes(expected_agencies(periods["2025"]))) == REPORTING
    # The duty table and an agency's duties follow the plan of the period.
    with translation.override("en"):
        figures = period_figures(periods["2026-H1"])
    assert [row["ref"] for row in figures["duties"]] == ["III.1.1", "III.2.1", "III.2.2"]
    assert figures["submissions"]["expected"] == 4
    assert figures["agencies_in_plan"] == 5  # VUNGTAU is in the plan, closed
    own = agency_figures(periods["2026-H1"], Agency.objects.get(code="SNGV"))
    refs = [d["ref"] for d in own["duties_touched"] + own["duties_untouched"]]
    assert refs == ["III.1.1", "III.2.1", "IV.2"]
    older = period_figures(periods["2025"])
    assert (
        len(older["duties"])
        == Duty.objects.filter(plan__number="164/KH-UBND", ref__startswith="III.").count()
    )


# ----------------------------------------------------------------------------- keeping drafts


def test_sync_adds_the_new_agency_s_drafts_and_removes_only_untouched_ones(db, manager):
    made = make_periods(2025, 2026)
    h1_2025, year_2025, h1_2026 = made["2025-H1"], made["2025"], made["2026-H1"]
    # Before closing, Vũng Tàu writes its year report; its 2026-H1 draft was only reminded.
    written = write_agency_report(manager, year_2025.agency_reports.get(agency__code="VUNGTAU"))
    AgencyReport.objects.filter(period=h1_2026, agency__code="VUNGTAU").update(
        reminded_at=timezone.now()
    )
    reorganise()

    result = sync_agency_reports([h1_2025, year_2025, h1_2026])

    assert result.added == [(WARD, "2025"), (WARD, "2026-H1")]
    assert result.removed == [("VUNGTAU", "2026-H1")]
    assert "VUNGTAU" in drafts_of(h1_2025)  # still expected: kept
    kept = AgencyReport.objects.get(pk=written.pk)  # what a user wrote stays
    assert kept.results == written.results and kept.agency.code == "VUNGTAU"
    assert "VUNGTAU" not in drafts_of(h1_2026)
    # Done once: a second run changes nothing.
    again = sync_agency_reports([h1_2025, year_2025, h1_2026])
    assert (again.added, again.removed) == ([], [])


def test_sync_by_default_follows_the_periods_still_open(db):
    next_year = timezone.localdate().year + 1
    made = make_periods(2025, next_year)
    reorganise()
    result = sync_agency_reports()
    # Only the periods whose deadline has not passed: next year's two.
    assert result.added == [(WARD, f"{next_year}"), (WARD, f"{next_year}-H1")]
    assert result.removed == [("VUNGTAU", f"{next_year}"), ("VUNGTAU", f"{next_year}-H1")]
    assert WARD not in drafts_of(made["2025"])  # its deadline has passed
    assert "VUNGTAU" in drafts_of(made["2025"])


def test_a_scheduled_agency_gets_its_drafts_from_the_daily_job(db):
    today = timezone.localdate()
    ensure_current_periods(today)
    opening = date(today.year + 1, 1, 1)
    later = Agency.objects.create(
        code="XA_MOI", name="Ủy ban nhân dân xã Mới", short_name="UBND xã Mới", kind="commune"
    )
    Agency.objects.filter(pk=later.pk).update(established_on=opening)
    DutyAssignment.objects.create(duty=Duty.objects.first(), agency=later, role="support")

    ensure_current_periods(today)

    has = set(AgencyReport.objects.filter(agency=later).values_list("period__year", flat=True))
    assert has == {today.year + 1}  # this year's periods end before it begins
    assert AgencyReport.objects.filter(agency=later).count() == 2


# ----------------------------------------------------------------------------- the grid


def by_code(table: completeness.Matrix) -> dict[str, completeness.Row]:
    return {row.agency.code: row for row in table.rows}


def test_the_grid_shows_each_agency_where_it_is_expected(periods):
    shown = [periods["2025-H1"], periods["2025"], periods["2026-H1"]]
    AgencyReport.objects.filter(period=shown[0], agency__code="VUNGTAU").update(
        status="submitted", submitted_at=timezone.make_aware(datetime(2025, 6, 18, 9))
    )
    with translation.override("en"):
        table = completeness.matrix(shown, today=date(2026, 7, 1))
    rows = by_code(table)
    assert len(rows) == REPORTING + 1  # each expected somewhere
    vungtau, ward = rows["VUNGTAU"], rows[WARD]
    assert [c.state for c in vungtau.cells] == ["on_time", "", ""]
    assert vungtau.cells[1].why_not == "No longer in operation since 01/07/2025"
    assert [c.state for c in ward.cells] == ["", "missing", "missing"]
    assert ward.cells[0].why_not == "Not yet established (in operation from 01/07/2025)"
    assert vungtau.rate == 100 and ward.rate == 0  # empty cells count nowhere
    columns = table.period_rates()
    assert [c["expected"] for c in columns] == [REPORTING] * 3
    assert [c["sent"] for c in columns] == [1, 0, 0]
    assert columns[0]["rate"] == round(100 / REPORTING)
    assert [c["missing"] for c in columns] == [REPORTING - 1, REPORTING, REPORTING]
    # Vũng Tàu no longer works, but its successor (the ward) sends its report in its place:
    # counted to remind; with no successor nobody could send it, and it is not.
    AgencyReport.objects.filter(period=shown[0], agency__code="VUNGTAU").update(status="draft")
    table = completeness.matrix(shown, today=date(2026, 7, 1))
    column = table.period_rates()[0]
    assert (column["missing"], column["remindable"]) == (REPORTING, REPORTING)
    Agency.objects.filter(code="VUNGTAU").update(successor=None)
    table = completeness.matrix(shown, today=date(2026, 7, 1))
    column = table.period_rates()[0]
    assert (column["missing"], column["remindable"]) == (REPORTING, REPORTING - 1)


def test_rows_bear_the_name_of_their_last_period(periods):
    syt = Agency.objects.get(code="SYT")
    AgencyName.objects.create(
        agency=syt,
        name="Sở Y tế tỉnh Bà Rịa - Vũng Tàu",
        short_name="SYT BR-VT",
        valid_until=CLOSING,
    )
    AgencyName.objects.create(agency=syt, name=syt.name, short_name="SYT", valid_from=CLOSING)
    assert by_code(completeness.matrix([periods["2025-H1"]]))["SYT"].name == "SYT BR-VT"
    both = completeness.matrix([periods["2025-H1"], periods["2025"]])
    assert by_code(both)["SYT"].name == "SYT"
    assert by_code(both)["VUNGTAU"].name == "UBND TP Vũng Tàu"


def page_rows(html: str) -> list[tuple[str, list[str]]]:
    rows = re.findall(r'<tr data-agency="([A-Z0-9_]+)"[^>]*>(.*?)</tr>', html, re.S)
    return [(code, re.findall(r'data-state="([a-z_]*)"', cells)) for code, cells in rows]


def test_the_page_follows_who_is_expected(client, reviewer, periods):
    client.force_login(reviewer)
    html = client.get(PAGE, {"year": 2026}).content.decode()
    states = dict(page_rows(html))
    # 2025-H1, 2025, 2026-H1, 2026
    assert states["VUNGTAU"] == ["missing", "", "", ""]
    assert states[WARD][0] == "" and states[WARD][1:3] == ["missing", "missing"]
    for code in ("2025-H1", "2025", "2026-H1"):
        assert re.search(rf'data-testid="sent-{code}">0/{REPORTING}\b', html)
    row = re.search(r'<tr data-agency="VUNGTAU".*?</tr>', html, re.S).group(0)
    with translation.override("vi"):
        closed = str(
            completeness.why_not_expected(Agency.objects.get(code="VUNGTAU"), periods["2025"])
        )
    assert f'title="{closed}"' in row
    # The reminder buttons count those still to send that work today, or whose successor
    # does (Vũng Tàu's report is the ward's to send).
    assert html.count(reverse("reports:remind", args=["2025-H1"])) == 1
    table = client.get(PAGE, {"year": 2026}).context["table"]
    assert table.period_rates()[0]["remindable"] == REPORTING


def test_grouped_by_today_s_agency_a_closed_one_follows_its_successor(client, reviewer, periods):
    client.force_login(reviewer)
    html = client.get(PAGE, {"year": 2026, "group": "current"}).content.decode()
    order = [code for code, _states in page_rows(html)]
    assert order[order.index(WARD) + 1] == "VUNGTAU"
    now = re.search(r'data-testid="now-VUNGTAU">([^<]*)<', html).group(1)
    assert WARD_NAME in now
    plain = client.get(PAGE, {"year": 2026}).content.decode()
    assert 'data-testid="now-VUNGTAU"' not in plain


def more_agencies(count: int) -> None:
    """`count` agencies with a duty of plan 164, every other one closed into the next."""
    duty = Duty.objects.filter(plan__number="164/KH-UBND").first()
    previous = None
    for i in range(count):
        agency = Agency.objects.create(
            code=f"XA{i}",
            name=f"Ủy ban nhân dân xã {i}",
            short_name=f"UBND xã {i}",
            kind="commune",
        )
        DutyAssignment.objects.create(duty=duty, agency=agency, role="support")
        if previous is not None and i % 2:
            Agency.objects.filter(pk=previous.pk).update(closed_on=CLOSING, successor=agency)
            AgencyName.objects.create(
                agency=agency, name=f"Xã cũ {i}", short_name=f"Xã cũ {i}", valid_until=CLOSING
            )
            AgencyName.objects.create(
                agency=agency, name=agency.name, short_name=agency.short_name, valid_from=CLOSING
            )
        previous = agency


@pytest.mark.parametrize("group", ["", "current"])
def test_the_page_s_queries_do_not_grow_with_agencies(
    client, reviewer, periods, group, django_assert_num_queries
):
    client.force_login(reviewer)
    query = {"year": 2026, "group": group}
    client.get(PAGE, query)
    # session, user, rights, the started years, the periods, plans and assignments (who is
    # expected), reports, agencies, names, (the lineage when grouped), memberships, unread
    count = 13 + (group == "current")  # the footer's plan in force included
    with django_assert_num_queries(count):
        response = client.get(PAGE, query)
    before = len(response.context["table"].rows)
    more_agencies(30)
    sync_agency_reports(list(periods.values()))
    with django_assert_num_queries(count):
        response = client.get(PAGE, query)
    assert len(response.context["table"].rows) == before + 30


# ----------------------------------------------------------------------------- reminders


@pytest.fixture
def members(db) -> dict[str, str]:
    """A member with an address in SYT, in Vũng Tàu (before it closed) and in the ward."""
    made = {
        "SYT": make_user("syt-x", "SYT", "staff", email="syt@syt.vn"),
        "VUNGTAU": make_user("vt-x", "VUNGTAU", "staff", email="vt@vungtau.vn"),
    }
    reorganise()
    made[WARD] = make_user("pm-x", WARD, "staff", email="pm@haidang.vn")
    ensure_periods([2025, 2026])
    # Only SYT, Vũng Tàu and the ward have not sent: the others have.
    AgencyReport.objects.exclude(agency__code__in=["SYT", "VUNGTAU", WARD]).update(
        status="submitted", submitted_at=timezone.now()
    )
    return {code: user.email for code, user in made.items()}


def recipients() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox)


def reminded(period: ReportingPeriod) -> set[str]:
    return set(
        period.agency_reports.exclude(reminded_at=None).values_list("agency__code", flat=True)
    )


def test_reminders_go_to_expected_agencies_that_work_today(
    members, reviewer, django_capture_on_commit_callbacks
):
    h1_2025 = ReportingPeriod.objects.get(kind="half", year=2025)
    h1_2026 = ReportingPeriod.objects.get(kind="half", year=2026)
    # A stray draft of the ward for 2025-H1 (before it began): not expected, never reminded.
    AgencyReport.objects.create(period=h1_2025, agency=Agency.objects.get(code=WARD))
    with django_capture_on_commit_callbacks(execute=True):
        # Vũng Tàu is expected for 2025-H1 but closed: its successor's members (the ward's)
        # answer for its unsent report and are e-mailed; its former staff are not.
        assert agency_reports.remind_agencies(actor=reviewer, period=h1_2025) == 2
    assert reminded(h1_2025) == {"SYT", "VUNGTAU"}
    assert recipients() == ["pm@haidang.vn", "syt@syt.vn"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert agency_reports.remind_agencies(actor=reviewer, period=h1_2026) == 2
    assert reminded(h1_2026) == {"SYT", WARD}
    assert recipients() == ["pm@haidang.vn", "syt@syt.vn"]


def test_the_remind_button_reminds_as_many_as_it_says(
    client, members, reviewer, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    response = client.get(PAGE, {"year": 2025})
    # SYT and Vũng Tàu have not sent 2025-H1; Vũng Tàu no longer works but its successor
    # (the ward) sends its report in its place: two to remind.
    column = response.context["columns"][0]
    assert (column["period"].code, column["missing"], column["remindable"]) == ("2025-H1", 2, 2)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:remind", args=["2025-H1"]))
    assert recipients() == ["pm@haidang.vn", "syt@syt.vn"]


# ----------------------------------------------------------------------------- the consolidated x/N


def test_x_of_n_counts_the_expected_agencies_and_names_the_missing_ones(periods, reviewer):
    for code in ("2025-H1", "2026-H1"):
        AgencyReport.objects.filter(period=periods[code], agency__code="SYT").update(
            status="accepted", submitted_at=timezone.now()
        )
    h1_2025, h1_2026 = period_figures(periods["2025-H1"]), period_figures(periods["2026-H1"])
    assert (h1_2025["submissions"]["sent"], h1_2025["submissions"]["expected"]) == (1, REPORTING)
    assert "UBND TP Vũng Tàu" in h1_2025["submissions"]["missing"]
    assert WARD_NAME not in h1_2025["submissions"]["missing"]
    assert (h1_2026["submissions"]["sent"], h1_2026["submissions"]["expected"]) == (1, REPORTING)
    assert "UBND TP Vũng Tàu" not in h1_2026["submissions"]["missing"]
    assert WARD_NAME in h1_2026["submissions"]["missing"]
    assert len(h1_2026["submissions"]["missing"]) == REPORTING - 1
    # A report sent by an agency not expected counts nowhere.
    AgencyReport.objects.create(
        period=periods["2026-H1"],
        agency=Agency.objects.get(code="VUNGTAU"),
        status="submitted",
        submitted_at=timezone.now(),
    )
    assert period_figures(periods["2026-H1"])["submissions"]["sent"] == 1
    # A version drafted now keeps the same x/N.
    version = make_consolidated_report("2026-H1", actor=reviewer)
    assert version.figures["submissions"]["expected"] == REPORTING


def test_the_draft_page_names_the_agencies_that_have_not_sent(client, periods, reviewer):
    version = make_consolidated_report("2026-H1", actor=reviewer)
    client.force_login(reviewer)
    html = client.get(version.get_absolute_url()).content.decode()
    missing = re.search(r'data-testid="missing-reports">(.*?)</p>', html, re.S).group(1)
    assert WARD_NAME in missing and "UBND TP Vũng Tàu" not in missing
    assert f"0/{REPORTING}" in html


def test_a_closed_agency_s_activities_still_count_in_every_figure(
    db, manager, reviewer, django_capture_on_commit_callbacks
):
    # Recorded and accepted while Vũng Tàu worked: one in 2025-H1, one after it ended (in
    # the year 2025, for which Vũng Tàu is not expected).
    early = make_activity(
        manager,
        agency="VUNGTAU",
        status="accepted",
        reviewer=reviewer,
        start_date=date(2025, 3, 2),
        end_date=date(2025, 3, 3),
    )
    late = make_activity(
        manager,
        agency="VUNGTAU",
        status="accepted",
        reviewer=reviewer,
        start_date=date(2025, 6, 20),
        end_date=date(2025, 6, 21),
        kind="outbound",
        title="Đoàn đi Hàn Quốc",
    )
    reorganise()
    made = make_periods(2025)
    half, year = period_figures(made["2025-H1"]), period_figures(made["2025"])
    assert half["total"] == 1 and year["total"] == 2
    assert {row["code"]: row["count"] for row in year["by_agency"]} == {"VUNGTAU": 2}
    assert year["by_agency"][0]["name"] == "UBND TP Vũng Tàu"
    assert (year["delegations"]["inbound"], year["delegations"]["outbound"]) == (1, 1)
    assert year["agencies_acting"] == 1
    assert [c["code"] for c in year["by_country"]] == ["JP"]
    assert "VUNGTAU" not in codes(expected_agencies(made["2025"]))
    assert {n["title"] for n in year["notable"]} == {early.title, late.title}


def test_the_figures_name_agencies_as_they_were_at_the_period_s_end(
    db, syt_staff, reviewer, manager
):
    syt = Agency.objects.get(code="SYT")
    AgencyName.objects.create(
        agency=syt,
        name="Sở Y tế tỉnh Bà Rịa - Vũng Tàu",
        short_name="SYT BR-VT",
        valid_until=CLOSING,
    )
    AgencyName.objects.create(agency=syt, name=syt.name, short_name="SYT", valid_from=CLOSING)
    make_activity(
        syt_staff,
        agency="SYT",
        status="accepted",
        reviewer=reviewer,
        start_date=date(2025, 3, 2),
        end_date=date(2025, 3, 3),
    )
    make_activity(
        manager,
        agency="VUNGTAU",
        status="accepted",
        reviewer=reviewer,
        start_date=date(2025, 3, 9),
        end_date=date(2025, 3, 9),
        duty=Duty.objects.filter(
            plan__number="164/KH-UBND", ref__startswith="III.", assignments__agency__code="VUNGTAU"
        ).first(),
    )
    reorganise()
    AgencyName.objects.create(
        agency=Agency.objects.get(code="VUNGTAU"),
        name="Ủy ban nhân dân thành phố Vũng Tàu",
        short_name="UBND TP Vũng Tàu",
        valid_until=date(2025, 6, 1),
    )
    AgencyName.objects.create(
        agency=Agency.objects.get(code="VUNGTAU"),
        name="Ủy ban nhân dân thành phố Vũng Tàu (cuối)",
        short_name="TP Vũng Tàu cuối",
        valid_from=date(2025, 6, 1),
    )
    made = make_periods(2025)
    half, year = period_figures(made["2025-H1"]), period_figures(made["2025"])
    assert {r["code"]: r["name"] for r in half["by_agency"]} == {
        "SYT": "SYT BR-VT",
        "VUNGTAU": "TP Vũng Tàu cuối",
    }
    # The year ends after SYT's rename; Vũng Tàu closed within it: its last name.
    assert {r["code"]: r["name"] for r in year["by_agency"]} == {
        "SYT": "SYT",
        "VUNGTAU": "TP Vũng Tàu cuối",
    }
    assert {n["agency"] for n in half["notable"]} == {"SYT BR-VT", "TP Vũng Tàu cuối"}
    assert ["TP Vũng Tàu cuối"] in [row["agencies"] for row in half["duties"]]
    assert "TP Vũng Tàu cuối" in half["submissions"]["missing"]
