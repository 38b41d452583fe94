"""Reporting periods: the cut-off dates of Decree 09/2019 and of calendar halves, period codes,
creating periods (function, command, beat task) and the agencies' drafts that come with them."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from agencies.models import Agency, Duty, DutyAssignment
from reports import periods
from reports.figures import LISTED, activities_between, agency_figures
from reports.models import AgencyReport, ReportingPeriod
from reports.periods import Bounds, PeriodError, bounds, ensure_periods, get_period, parse_code
from tests.factories import make_activity

pytestmark = pytest.mark.django_db

HALF, YEAR = ReportingPeriod.Kind.HALF_YEAR, ReportingPeriod.Kind.YEAR

# The agencies of plan 164 that have duties: every one but the provincial People's Committee.
REPORTING = 19


def reporting_codes() -> set[str]:
    return set(
        Agency.objects.filter(assignments__isnull=False).values_list("code", flat=True).distinct()
    )


# ------------------------------------------------------------------------- the dates


@pytest.mark.parametrize(
    ("kind", "year", "expected"),
    [
        (HALF, 2020, Bounds(date(2019, 12, 15), date(2020, 6, 14), date(2020, 6, 19))),
        (YEAR, 2020, Bounds(date(2019, 12, 15), date(2020, 12, 14), date(2020, 12, 19))),
        (HALF, 2021, Bounds(date(2020, 12, 15), date(2021, 6, 14), date(2021, 6, 19))),
        (YEAR, 2024, Bounds(date(2023, 12, 15), date(2024, 12, 14), date(2024, 12, 19))),
    ],
)
def test_decree_09_cuts_off_on_the_14th(kind, year, expected):
    assert bounds(kind, year, "decree09") == expected


def test_the_default_scheme_is_decree_09_and_the_deadline_follows_the_setting(settings):
    assert settings.REPORT_PERIOD_SCHEME == "decree09"
    assert bounds(HALF, 2020).end == date(2020, 6, 14)
    settings.REPORT_DEADLINE_DAYS = 20
    assert bounds(HALF, 2020).deadline == date(2020, 7, 4)
    assert bounds(YEAR, 2020).deadline == date(2021, 1, 3)  # across the new year


def test_calendar_scheme_uses_calendar_halves(settings):
    settings.REPORT_PERIOD_SCHEME = "calendar"
    assert bounds(HALF, 2020) == Bounds(date(2020, 1, 1), date(2020, 6, 30), date(2020, 7, 5))
    assert bounds(YEAR, 2020) == Bounds(date(2020, 1, 1), date(2020, 12, 31), date(2021, 1, 5))
    ensure_periods([2021])
    half = ReportingPeriod.objects.get(kind=HALF, year=2021)
    assert (half.start_date, half.end_date, half.deadline) == (
        date(2021, 1, 1),
        date(2021, 6, 30),
        date(2021, 7, 5),
    )


def test_changing_the_scheme_later_does_not_move_existing_periods(settings):
    ensure_periods([2020])
    settings.REPORT_PERIOD_SCHEME = "calendar"
    ensure_periods([2020, 2021])
    half_2020 = ReportingPeriod.objects.get(kind=HALF, year=2020)
    assert (half_2020.start_date, half_2020.end_date) == (date(2019, 12, 15), date(2020, 6, 14))
    assert ReportingPeriod.objects.get(kind=HALF, year=2021).start_date == date(2021, 1, 1)


def test_an_unknown_scheme_is_refused():
    with pytest.raises(PeriodError):
        bounds(HALF, 2020, "lunar")


def test_activities_count_by_their_first_day_around_the_cut_off(staff, reviewer):
    ensure_periods([2019, 2020])
    h1_2020 = ReportingPeriod.objects.get(kind=HALF, year=2020)
    year_2019 = ReportingPeriod.objects.get(kind=YEAR, year=2019)
    year_2020 = ReportingPeriod.objects.get(kind=YEAR, year=2020)

    def on(day: date, status: str = "submitted") -> Activity:
        return make_activity(
            staff,
            status=status,
            reviewer=reviewer,
            title=f"Ngày {day}",
            start_date=day,
            end_date=day,
        )

    last_of_h1 = on(date(2020, 6, 14))
    first_after_h1 = on(date(2020, 6, 15), status="accepted")
    last_of_2019 = on(date(2019, 12, 14), status="accepted")
    first_of_2020 = on(date(2019, 12, 15))

    def ids(period: ReportingPeriod) -> set[int]:
        found = activities_between(period.start_date, period.end_date, LISTED)
        return set(found.values_list("pk", flat=True))

    assert ids(h1_2020) == {last_of_h1.pk, first_of_2020.pk}
    assert ids(year_2020) == {last_of_h1.pk, first_after_h1.pk, first_of_2020.pk}
    assert ids(year_2019) == {last_of_2019.pk}

    sldtbxh = Agency.objects.get(code="SLDTBXH")
    h1 = agency_figures(h1_2020, sldtbxh)
    assert (h1["total"], h1["accepted"]) == (2, 0)
    assert [a["start"] for a in h1["activities"]] == ["15/12/2019", "14/06/2020"]
    assert agency_figures(year_2019, sldtbxh)["total"] == 1
    assert (
        agency_figures(year_2020, sldtbxh)["total"],
        agency_figures(year_2020, sldtbxh)["accepted"],
    ) == (3, 1)


def test_an_activity_that_starts_in_the_period_and_ends_after_it_counts_once(staff, reviewer):
    ensure_periods([2020])
    h1 = ReportingPeriod.objects.get(kind=HALF, year=2020)
    make_activity(
        staff, status="submitted", start_date=date(2020, 6, 13), end_date=date(2020, 6, 20)
    )
    make_activity(
        staff, status="submitted", start_date=date(2019, 12, 10), end_date=date(2019, 12, 16)
    )
    assert agency_figures(h1, Agency.objects.get(code="SLDTBXH"))["total"] == 1


# ------------------------------------------------------------------------- the codes


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2020-H1", (HALF, 2020)),
        ("2020-h1", (HALF, 2020)),
        ("2020", (YEAR, 2020)),
        (" 2021 ", (YEAR, 2021)),
    ],
)
def test_parse_code(code, expected):
    assert parse_code(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        "",
        "20",
        "2020-H2",
        "2020-H1x",
        "H1-2020",
        "2020/H1",
        "2020-",
        "\uff12\uff10\uff12\uff10",
        "\u0662\u0660\u0662\u0660-H1",
    ],
)
def test_a_bad_code_is_a_period_error(code):
    with pytest.raises(PeriodError):
        parse_code(code)


def test_get_period_finds_the_row_or_says_how_to_create_it():
    ensure_periods([2020])
    assert get_period("2020-H1") == ReportingPeriod.objects.get(kind=HALF, year=2020)
    assert get_period("2020").kind == YEAR
    with pytest.raises(PeriodError, match="create_periods --from 2031"):
        get_period("2031-H1")


def test_code_and_labels():
    ensure_periods([2020])
    half = ReportingPeriod.objects.get(kind=HALF, year=2020)
    year = ReportingPeriod.objects.get(kind=YEAR, year=2020)
    assert (half.code, year.code) == ("2020-H1", "2020")
    assert (half.label_vi, year.label_vi) == ("6 tháng đầu năm 2020", "năm 2020")
    assert parse_code(half.code) == (half.kind, half.year)


# ------------------------------------------------------------------------- creating periods


def test_ensure_periods_creates_both_periods_with_a_draft_for_every_reporting_agency():
    created = ensure_periods([2020])
    assert sorted(p.code for p in created) == ["2020", "2020-H1"]
    for period in created:
        reports = period.agency_reports.all()
        assert reports.count() == REPORTING
        assert {r.agency.code for r in reports} == reporting_codes()
        assert {r.status for r in reports} == {AgencyReport.Status.DRAFT}
    # UBND tỉnh, the leaders' agency, has no duty in the plan and reports nothing.
    assert "UBNDTINH" not in reporting_codes()
    assert not AgencyReport.objects.filter(agency__code="UBNDTINH").exists()


def test_ensure_periods_is_idempotent_and_never_moves_an_existing_period():
    ensure_periods([2020])
    half = ReportingPeriod.objects.get(kind=HALF, year=2020)
    half.start_date, half.end_date, half.deadline = (
        date(2020, 1, 1),
        date(2020, 6, 30),
        date(2020, 7, 10),
    )
    half.save()
    report = half.agency_reports.get(agency__code="SLDTBXH")
    AgencyReport.objects.filter(pk=report.pk).update(results="Đã viết", status="submitted")

    assert ensure_periods([2020]) == []
    half.refresh_from_db()
    assert (half.start_date, half.end_date, half.deadline) == (
        date(2020, 1, 1),
        date(2020, 6, 30),
        date(2020, 7, 10),
    )
    assert ReportingPeriod.objects.count() == 2
    assert AgencyReport.objects.count() == 2 * REPORTING
    report.refresh_from_db()
    assert (report.status, report.results) == ("submitted", "Đã viết")


def test_ensure_periods_adds_the_missing_drafts_only():
    year = timezone.localdate().year + 1  # still open: a late joiner reports for it
    ensure_periods([year])
    half = ReportingPeriod.objects.get(kind=HALF, year=year)
    half.agency_reports.filter(agency__code="SYT").delete()
    kept = half.agency_reports.get(agency__code="SLDTBXH")

    new = Agency.objects.create(
        code="SNN", name="Sở Nông nghiệp", short_name="Sở NN", kind="department"
    )
    DutyAssignment.objects.create(duty=Duty.objects.first(), agency=new, role="support")
    Agency.objects.create(code="SXD", name="Sở Xây dựng", short_name="Sở XD", kind="department")

    assert ensure_periods([year]) == []
    codes = set(half.agency_reports.values_list("agency__code", flat=True))
    assert codes == reporting_codes() | {"SNN"}
    assert "SYT" in codes and "SXD" not in codes  # SXD has no duty
    assert half.agency_reports.get(agency__code="SLDTBXH").pk == kept.pk


def test_an_agency_that_no_longer_works_gets_no_draft():
    # Closed before 2020-H1 ended (14/6/2020): expected for neither period of 2020.
    Agency.objects.filter(code="CONDAO").update(closed_on=date(2020, 6, 1))
    ensure_periods([2020])
    assert AgencyReport.objects.count() == 2 * (REPORTING - 1)
    assert not AgencyReport.objects.filter(agency__code="CONDAO").exists()


@pytest.mark.parametrize("years", [[1999], [2020, 2101]])
def test_ensure_periods_refuses_a_year_out_of_range_and_creates_nothing(years):
    with pytest.raises(PeriodError):
        ensure_periods(years)
    assert not ReportingPeriod.objects.exists()
    assert not AgencyReport.objects.exists()


def test_create_periods_command_prints_what_it_created():
    out = StringIO()
    call_command("create_periods", "--from", "2020", "--to", "2021", stdout=out)
    assert sorted(ReportingPeriod.objects.values_list("year", "kind")) == [
        (2020, HALF),
        (2020, YEAR),
        (2021, HALF),
        (2021, YEAR),
    ]
    assert AgencyReport.objects.count() == 4 * REPORTING
    text = out.getvalue()
    assert "2020-H1: 15/12/2019 - 14/06/2020" in text
    assert "2020: 15/12/2019 - 14/12/2020" in text
    assert "2021-H1: 15/12/2020 - 14/06/2021" in text
    assert "19/06/2020" in text  # the deadline
    assert "4" in text.splitlines()[-1] and "2020-2021" in text.splitlines()[-1]

    again = StringIO()
    call_command("create_periods", "--from", "2020", "--to", "2021", stdout=again)
    assert len(again.getvalue().splitlines()) == 1
    assert "0" in again.getvalue() and "2020-H1" not in again.getvalue()
    assert ReportingPeriod.objects.count() == 4


def test_create_periods_defaults_to_the_first_year_until_next_year(settings):
    settings.REPORT_FIRST_YEAR = timezone.localdate().year - 1
    call_command("create_periods", stdout=StringIO())
    this_year = timezone.localdate().year
    assert set(ReportingPeriod.objects.values_list("year", flat=True)) == {
        this_year - 1,
        this_year,
        this_year + 1,
    }


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2021", "--to", "2020"],
        ["--from", "1990", "--to", "1991"],
        ["--from", "2100", "--to", "2101"],
    ],
)
def test_create_periods_with_a_bad_range_is_a_command_error(args):
    with pytest.raises(CommandError):
        call_command("create_periods", *args, stdout=StringIO())
    assert not ReportingPeriod.objects.exists()


def test_beat_task_creates_this_and_next_years_periods():
    from reports.tasks import ensure_reporting_periods

    this_year = timezone.localdate().year
    assert ensure_reporting_periods.delay().get() == 4
    assert sorted(ReportingPeriod.objects.values_list("year", "kind")) == [
        (this_year, HALF),
        (this_year, YEAR),
        (this_year + 1, HALF),
        (this_year + 1, YEAR),
    ]
    assert AgencyReport.objects.count() == 4 * REPORTING
    assert ensure_reporting_periods() == 0
    assert AgencyReport.objects.count() == 4 * REPORTING


def test_ensure_current_periods_follows_the_given_day():
    created = periods.ensure_current_periods(today=date(2022, 12, 31))
    assert sorted(p.code for p in created) == ["2022", "2022-H1", "2023", "2023-H1"]


def test_beat_schedule_runs_the_reports_tasks():
    from doingoai.celery import app

    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (
        "reports.tasks.ensure_reporting_periods",
        "reports.tasks.remind_agency_reports",
        "reports.tasks.draft_consolidated_reports",
        "reports.tasks.fail_stale_builds",
    ):
        assert task in scheduled
        assert task in app.tasks  # the name in the schedule is a registered task


def test_an_agency_that_joins_later_reports_only_for_periods_still_open():
    ensure_periods([2020])
    this_year = timezone.localdate().year
    ensure_periods([this_year + 1])
    agency = Agency.objects.create(
        code="SKHCN", name="Sở Khoa học và Công nghệ", short_name="Sở KH&CN", kind="department"
    )
    DutyAssignment.objects.create(duty=Duty.objects.first(), agency=agency, role="support")
    ensure_periods([2020, this_year + 1])
    assert not AgencyReport.objects.filter(agency=agency, period__year=2020).exists()
    assert AgencyReport.objects.filter(agency=agency, period__year=this_year + 1).count() == 2


def test_a_period_corrected_in_the_admin_keeps_its_deadline_after_its_end(client, admin_user):
    ensure_periods([2020])
    period = ReportingPeriod.objects.get(kind=HALF, year=2020)
    client.force_login(admin_user)
    url = f"/admin/reports/reportingperiod/{period.pk}/change/"
    data = {"start_date": "15/12/2019", "end_date": "14/06/2020", "deadline": "14/06/2020"}
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "Hạn gửi phải sau ngày kết thúc của kỳ" in response.content.decode()
    period.refresh_from_db()
    assert period.deadline == date(2020, 6, 19)
    data["deadline"] = "30/06/2020"
    assert client.post(url, data).status_code == 302
    period.refresh_from_db()
    assert period.deadline == date(2020, 6, 30)


def test_a_deadline_of_zero_days_still_falls_after_the_end(settings):
    settings.REPORT_DEADLINE_DAYS = 0
    assert bounds(HALF, 2020, "decree09").deadline == date(2020, 6, 15)


def test_periods_are_not_added_by_hand_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:reports_reportingperiod_add")).status_code == 403
