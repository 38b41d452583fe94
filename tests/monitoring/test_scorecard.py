"""The agency scorecard (monitoring:agencies and its XLSX): the figures of each agency for a
period, who sees which rows, the period, agency and sort choices (bad ones included), the
sheet against the page, and a query count that does not grow with the rows."""

from __future__ import annotations

import io
import itertools
import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities import services as activity_services
from activities.exchange.models import Message
from agencies import reorganisation as reorg
from agencies.models import Agency
from monitoring import scorecard as scores
from reports.completeness import dmy
from reports.models import AgencyReport, ReportingPeriod
from reports.periods import expected_agencies
from tests.factories import (
    make_activity,
    make_periods,
    make_user,
    reply,
    send_request,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("monitoring:agencies")
XLSX = reverse("monitoring:agencies_xlsx")
H1 = {"period": "2020-H1"}


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def sent(code: str, period: str, status: str, at: datetime | None) -> None:
    """The report of `code` for `period` as sent at `at` (the deadline matters, so the date
    is set here rather than the sending day)."""
    kind, year = ("half", int(period[:4])) if period.endswith("-H1") else ("year", int(period))
    updated = AgencyReport.objects.filter(
        period__kind=kind, period__year=year, agency__code=code
    ).update(status=status, submitted_at=at)
    assert updated == 1


def overdue_request(reviewer, to: list[str], *, days: int = 3) -> Message:
    """A request of Sở Ngoại vụ to `to`, its date to answer by `days` ago."""
    message = send_request(reviewer, to=to)
    Message.objects.filter(pk=message.pk).update(
        due_date=timezone.localdate() - timedelta(days=days)
    )
    return message


@pytest.fixture
def world(staff, manager, reviewer):
    """2019 and 2020's periods; in 2020-H1 (15/12/2019 to 14/6/2020, reports due 19/6/2020):
    SLDTBXH logs four activities (one accepted at once, one accepted after a return, one
    submitted, one still returned) besides a draft and one of the next period; Vũng Tàu
    one, accepted at once. SLDTBXH's report came on time, Vũng Tàu's 3 days late (1 and 10
    days late in 2019, 100 days for the year 2020 outside the window), Sở Y tế's is missing.
    Vũng Tàu leaves one request unanswered past its date; SLDTBXH answered its copy."""
    make_periods(2019, 2020)
    in_h1 = {"start_date": date(2020, 3, 2), "end_date": date(2020, 3, 3)}
    make_activity(staff, status="accepted", reviewer=reviewer, **in_h1)
    second = make_activity(staff, status="returned", reviewer=reviewer, **in_h1)
    second = activity_services.submit_activity(actor=staff, activity=second, version=second.version)
    activity_services.accept_activity(actor=reviewer, activity=second, version=second.version)
    make_activity(staff, status="submitted", **in_h1)
    make_activity(staff, status="returned", reviewer=reviewer, **in_h1)
    make_activity(staff, **in_h1)  # a draft
    make_activity(
        staff,
        status="accepted",
        reviewer=reviewer,
        start_date=date(2020, 8, 1),
        end_date=date(2020, 8, 1),
    )
    make_activity(manager, agency="VUNGTAU", status="accepted", reviewer=reviewer, **in_h1)
    sent("SLDTBXH", "2020-H1", "submitted", local(2020, 6, 19, 23, 30))
    sent("VUNGTAU", "2020-H1", "accepted", local(2020, 6, 22, 8, 0))
    sent("VUNGTAU", "2019-H1", "accepted", local(2019, 6, 20, 8, 0))
    sent("VUNGTAU", "2019", "accepted", local(2019, 12, 29, 8, 0))
    sent("VUNGTAU", "2020", "accepted", local(2021, 3, 29, 8, 0))
    sent("SLDTBXH", "2019-H1", "accepted", local(2019, 6, 21, 8, 0))
    answered = overdue_request(reviewer, ["VUNGTAU", "SLDTBXH"])
    reply(staff, answered, agency="SLDTBXH")
    send_request(reviewer, to=["VUNGTAU"])  # not due yet


def rows_of(html: str) -> dict[str, dict[str, str]]:
    """The page's rows by agency code: each column's text (the name's included)."""
    table = re.search(r'<table[^>]*data-testid="scorecard-table".*?</table>', html, re.S)
    assert table, "no scorecard table"
    rows = {}
    for code, cells in re.findall(r'<tr data-agency="([A-Z0-9_]+)">(.*?)</tr>', table[0], re.S):
        name = re.search(r'<th scope="row"[^>]*>(.*?)(?:<span|</th>)', cells, re.S)[1]
        values = {"name": unescape(name.strip())}
        for column, text in re.findall(r'data-column="([a-z_]+)"[^>]*>(.*?)</td>', cells, re.S):
            values[column] = " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
        rows[code] = values
    return rows


def order_of(html: str) -> list[str]:
    return re.findall(r'<tr data-agency="([A-Z0-9_]+)">', html)


def get(client, user, url=PAGE, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response


# ----------------------------------------------------------------------------- the figures


def test_each_agency_s_figures_for_the_period(client, leader, world):
    response = get(client, leader, **H1)
    card = response.context["card"]
    by_code = {row.agency.code: row for row in card.rows}
    labour, vungtau, health = by_code["SLDTBXH"], by_code["VUNGTAU"], by_code["SYT"]
    assert (labour.activities, labour.accepted, labour.first_time, labour.returned) == (
        4,
        2,
        50,
        2,
    )
    assert (labour.report, labour.days_late) == ("on_time", None)
    assert (labour.late, labour.late_reports, labour.requests) == (2, 1, 0)
    assert (vungtau.activities, vungtau.first_time, vungtau.returned) == (1, 100, 0)
    assert (vungtau.report, vungtau.days_late) == ("late", 3)
    # 3, 1 and 10 days late in the window; the year 2020's report is due after this period's
    assert (vungtau.late, vungtau.late_reports, vungtau.requests) == (3, 3, 1)
    assert (health.activities, health.first_time, health.report, health.late) == (
        0,
        None,
        "missing",
        None,
    )
    # every agency expected for the period has its row, and only those (none else logged)
    expected = set(expected_agencies(card.period).values_list("code", flat=True))
    assert set(by_code) == expected

    page = rows_of(response.content.decode())
    # the share with its basis: accepted at first submission / accepted
    assert page["SLDTBXH"]["first_time"] == "50% (1/2)"
    assert page["VUNGTAU"]["first_time"] == "100% (1/1)"
    assert page["SYT"]["first_time"] == "—"
    assert page["SYT"]["late"] == "—"
    assert page["VUNGTAU"]["late"].startswith("3 ")


def test_an_agency_with_activities_but_not_expected_has_its_row(client, leader, reviewer, world):
    outside = make_user("ubnd", "UBNDTINH", "staff")
    period = ReportingPeriod.objects.get(kind="half", year=2020)
    assert not expected_agencies(period).filter(code="UBNDTINH").exists()
    make_activity(outside, agency="UBNDTINH", status="submitted")
    row = {r.agency.code: r for r in get(client, leader, **H1).context["card"].rows}["UBNDTINH"]
    assert (row.activities, row.report) == (1, "")


def test_the_median_of_an_even_number_of_late_reports_is_their_middle(client, leader, world):
    sent("SLDTBXH", "2019", "accepted", local(2019, 12, 24, 8, 0))  # 5 days late, with 2
    by_code = {r.agency.code: r for r in get(client, leader, **H1).context["card"].rows}
    assert (by_code["SLDTBXH"].late, by_code["SLDTBXH"].late_reports) == (3.5, 2)


def test_a_report_sent_after_midnight_local_time_is_a_day_late(client, leader, world):
    # 00:30 on 20/6 in Hồ Chí Minh City is still 19/6 in UTC: the local day decides
    sent("SLDTBXH", "2020-H1", "submitted", local(2020, 6, 20, 0, 30))
    row = {r.agency.code: r for r in get(client, leader, **H1).context["card"].rows}["SLDTBXH"]
    assert (row.report, row.days_late) == ("late", 1)


def test_agencies_merged_on_1_7_2025_are_expected_for_the_periods_they_worked(
    client, leader, manager, reviewer
):
    """Vũng Tàu and Bà Rịa merged into a ward on 1/7/2025: the city is expected for the first
    six months of 2025 (ending 14/6) only, the ward from the year 2025 (ending 14/12) on; the
    city's activities of 2025 keep their row in the year, as not expected."""
    make_periods(2025, 2026)
    make_activity(
        manager,
        agency="VUNGTAU",
        status="accepted",
        reviewer=reviewer,
        start_date=date(2025, 3, 2),
        end_date=date(2025, 3, 2),
    )
    ward = reorg.NewAgency(
        code="PHUONG_VT", name="Ủy ban nhân dân phường Vũng Tàu", kind="ward", parent="UBNDTINH"
    )
    reorg.apply([reorg.Merge(("VUNGTAU", "BARIA"), ward, date(2025, 7, 1))], actor=None)

    def rows(user, code):
        card = get(client, user, period=code).context["card"]
        return {r.agency.code: r for r in card.rows}

    first_half = rows(leader, "2025-H1")
    assert (first_half["VUNGTAU"].activities, first_half["VUNGTAU"].report) == (1, "missing")
    assert "BARIA" in first_half and "PHUONG_VT" not in first_half
    year = rows(leader, "2025")
    assert (year["VUNGTAU"].activities, year["VUNGTAU"].report) == (1, "")
    assert "BARIA" not in year
    assert (year["PHUONG_VT"].activities, year["PHUONG_VT"].report) == (0, "missing")
    next_half = rows(leader, "2026-H1")
    assert "PHUONG_VT" in next_half and not {"VUNGTAU", "BARIA"} & set(next_half)
    # the city's former manager still reads the city, and nothing of the ward
    former = type(manager).objects.get(pk=manager.pk)
    assert set(rows(former, "2025-H1")) == {"VUNGTAU"}
    assert not rows(former, "2026-H1")


# ----------------------------------------------------------------------------- who sees what


def test_leaders_and_reviewers_see_every_agency(client, leader, reviewer, world):
    for user in (leader, reviewer):
        codes = set(rows_of(get(client, user, **H1).content.decode()))
        assert {"SLDTBXH", "VUNGTAU", "SYT"} <= codes


def test_staff_see_only_their_agency_in_the_page_and_the_sheet(client, staff, world):
    html = get(client, staff, **H1).content.decode()
    assert set(rows_of(html)) == {"SLDTBXH"}
    assert "VUNGTAU" not in html.split('data-testid="scorecard-table"')[1]
    sheet = sheet_rows(get(client, staff, XLSX, **H1))
    assert [row[0] for row in sheet] == [Agency.objects.get(code="SLDTBXH").short_name]


def test_a_member_s_row_counts_the_same_as_the_leader_s_and_nothing_of_others(
    client, leader, staff, manager, world
):
    """Narrowing the rows to a member's agencies changes no figure of those rows: the
    requests, reports and activities of the other agencies are never added to them."""
    everyone = rows_of(get(client, leader, **H1).content.decode())
    for member, code in ((staff, "SLDTBXH"), (manager, "VUNGTAU")):
        for params in (H1, {**H1, "agency": "SYT"}, {**H1, "sort": "-requests"}):
            mine = rows_of(get(client, member, **params).content.decode())
            assert mine == {code: everyone[code]}


def test_a_manager_sees_their_agency_and_those_under_it_only(client, world):
    front = make_user("mttq", "UBMTTQ", "manager")
    codes = set(rows_of(get(client, front, **H1).content.decode()))
    under = {"UBMTTQ", "HLHPN", "TINHDOAN", "HND", "HCCB", "LDLD"}
    assert codes and codes <= under
    assert not codes & {"SLDTBXH", "VUNGTAU"}


@pytest.mark.parametrize("url", [PAGE, XLSX])
def test_an_outsider_gets_404_and_anonymous_users_the_login(client, outsider, url):
    assert client.get(url).status_code == 302
    assert reverse("login") in client.get(url)["Location"]
    client.force_login(outsider)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [PAGE, XLSX])
def test_the_pages_only_answer_get(client, leader, url):
    client.force_login(leader)
    assert client.post(url, H1).status_code == 405


# ----------------------------------------------------------------------------- choices


def test_the_page_opens_on_the_last_period_that_ended(client, leader, world):
    make_periods(timezone.localdate().year)
    periods = list(ReportingPeriod.objects.all())
    response = get(client, leader)
    assert response.context["card"].period == scores.default_period(periods, timezone.localdate())
    assert not response.context["choice"].notices


def test_the_default_period_is_the_latest_ended(db):
    periods = list(make_periods(2025, 2026).values())
    codes = {p.code: p for p in periods}
    assert scores.default_period(periods, date(2026, 12, 1)) == codes["2026-H1"]
    assert scores.default_period(periods, date(2026, 12, 15)) == codes["2026"]
    assert scores.default_period(periods, date(2025, 1, 1)) == codes["2025-H1"]  # none ended
    assert scores.default_period([], date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    "code",
    [
        "2020-H2",
        "abc",
        "1999",
        "-2020",
        "99999999999999999999",
        "2020-H1'; --",
        "٢٠٢٠",
        "2020-H1" + "x" * 5000,
    ],
)
def test_a_bad_period_says_so_and_shows_the_default(client, leader, world, code):
    for url in (PAGE, XLSX):
        response = get(client, leader, url, period=code)
    response = get(client, leader, period=code)
    assert len(response.context["choice"].notices) == 1
    assert 'data-testid="scorecard-notice"' in response.content.decode()
    periods = list(ReportingPeriod.objects.all())
    assert response.context["card"].period == scores.default_period(periods, timezone.localdate())


def test_repeated_choices_take_the_last(client, leader, world):
    client.force_login(leader)
    response = client.get(PAGE + "?period=2019-H1&period=2020-H1&sort=late&sort=-returned")
    assert response.status_code == 200
    choice = response.context["choice"]
    assert (choice.period.code, choice.sort.code) == ("2020-H1", "-returned")


def test_a_period_ahead_is_the_one_named_in_the_list(client, leader, world):
    ahead = timezone.localdate().year + 1
    make_periods(ahead)
    html = get(client, leader, period=str(ahead)).content.decode()
    select = re.search(r'<select id="period".*?</select>', html, re.S)[0]
    assert re.findall(r'<option value="([^"]+)" selected>', select) == [str(ahead)]


def test_control_characters_in_the_choices_are_no_error(client, leader, world):
    for url in (PAGE, XLSX):
        get(client, leader, url, period="\x00", agency="\x00", sort="\x00")


def test_an_agency_filter_keeps_it_and_those_under_it(client, leader, world):
    response = get(client, leader, period="2020-H1", agency="ubmttq")
    codes = set(rows_of(response.content.decode()))
    under = {"UBMTTQ", "HLHPN", "TINHDOAN", "HND", "HCCB", "LDLD"}
    assert "UBMTTQ" in codes and codes <= under
    assert response.context["choice"].agency.code == "UBMTTQ"


def test_an_agency_outside_the_scope_is_refused_like_an_unknown_one(client, staff, world):
    for code in ("VUNGTAU", "NOPE", "<b>", "SLDTBXH" * 1000):
        response = get(client, staff, period="2020-H1", agency=code)
        assert set(rows_of(response.content.decode())) == {"SLDTBXH"}
        assert len(response.context["choice"].notices) == 1


# ----------------------------------------------------------------------------- sorting


def _key(row: dict[str, str], column: str):
    text = row[column]
    if column == "name":
        return None
    if text == "—":
        return None
    return float(re.match(r"[\d.,]+", text)[0].replace(",", "."))


@pytest.mark.parametrize("column", [c for c in scores.COLUMNS if c != "report"])
@pytest.mark.parametrize("descending", [False, True])
def test_every_column_sorts_both_ways_then_by_name(client, leader, world, column, descending):
    sort = f"-{column}" if descending else column
    response = get(client, leader, period="2020-H1", sort=sort)
    html = response.content.decode()
    rows = rows_of(html)
    order = order_of(html)
    names = {code: row["name"] for code, row in rows.items()}
    if column == "name":
        folded = [scores.fold(names[c]) for c in order]
        assert folded == sorted(folded, reverse=descending)
    else:
        values = [_key(rows[c], column) for c in order]
        present = [v for v in values if v is not None]
        assert present == sorted(present, reverse=descending)
        assert values[len(present) :] == [None] * (len(values) - len(present))  # "—" last
        for a, b in itertools.pairwise(order):  # ties by name
            if _key(rows[a], column) == _key(rows[b], column):
                assert scores.fold(names[a]) <= scores.fold(names[b])
    assert re.search(
        rf'aria-sort="{"descending" if descending else "ascending"}"><a [^>]*'
        rf'data-sort="{column}"',
        html,
    )
    assert html.count("aria-sort=") == 1


def test_the_report_column_sorts_from_on_time_to_missing(client, leader, world):
    html = get(client, leader, period="2020-H1", sort="report").content.decode()
    order = order_of(html)
    assert order.index("SLDTBXH") < order.index("VUNGTAU") < order.index("SYT")
    html = get(client, leader, period="2020-H1", sort="-report").content.decode()
    order = order_of(html)
    assert order.index("SYT") < order.index("VUNGTAU") < order.index("SLDTBXH")


@pytest.mark.parametrize("sort", ["report", "-report"])
def test_an_agency_not_expected_comes_last_in_the_report_order_both_ways(
    client, leader, world, sort
):
    outside = make_user("ubnd", "UBNDTINH", "staff")
    make_activity(outside, agency="UBNDTINH", status="submitted", start_date=date(2020, 3, 2))
    order = order_of(get(client, leader, period="2020-H1", sort=sort).content.decode())
    assert order[-1] == "UBNDTINH"


@pytest.mark.parametrize(
    "sort", ["", "-", "bogus", "--name", "name;drop", "-__class__", "-1", "late" * 10_000]
)
def test_a_bad_sort_falls_back_to_the_names(client, leader, world, sort):
    response = get(client, leader, period="2020-H1", sort=sort)
    assert response.context["choice"].sort == scores.Sort()


def test_the_header_links_keep_the_choices_and_turn_the_order(client, leader, world):
    html = get(client, leader, period="2020-H1", agency="VUNGTAU", sort="late").content.decode()
    assert 'href="?period=2020-H1&amp;sort=-late&amp;agency=VUNGTAU"' in html
    assert 'href="?period=2020-H1&amp;sort=returned&amp;agency=VUNGTAU"' in html


# ----------------------------------------------------------------------------- the sheet


def sheet_rows(response) -> list[list]:
    """The data rows of the downloaded sheet (after its title and headings)."""
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = workbook.worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    return values[2:]


def test_the_sheet_has_the_page_s_rows_columns_and_order(client, leader, world):
    params = {"period": "2020-H1", "sort": "-activities"}
    page = get(client, leader, **params)
    response = get(client, leader, XLSX, **params)
    assert response["Content-Disposition"] == (
        'attachment; filename="theo-doi-co-quan-2020-H1.xlsx"'
    )
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    title, headings = list(workbook.worksheets[0].iter_rows(values_only=True, max_row=2))
    assert page.context["card"].period.label in title[0]
    assert dmy(timezone.localdate()) in title[0]  # the day the figures are as of
    assert list(headings) == [str(heading) for heading, _width in scores.SHEET_COLUMNS.values()]
    rows = sheet_rows(response)
    html_rows = rows_of(page.content.decode())
    order = order_of(page.content.decode())
    assert [row[0] for row in rows] == [html_rows[code]["name"] for code in order]
    for row, code in zip(rows, order, strict=True):
        shown = html_rows[code]
        sheet = dict(zip(scores.SHEET_COLUMNS, row, strict=True))
        assert sheet["activities"] == int(shown["activities"])
        if shown["first_time"] == "—":
            assert (sheet["first_time"], sheet["accepted"]) == (None, 0)
        else:  # "50% (1/2)"
            share, first, accepted = re.fullmatch(
                r"(\d+)% \((\d+)/(\d+)\)", shown["first_time"]
            ).groups()
            assert sheet["first_time"] == int(share) / 100
            assert (sheet["accepted_first_time"], sheet["accepted"]) == (int(first), int(accepted))
        assert sheet["returned"] == int(shown["returned"])
        assert sheet["report"] == shown["report"]
        if shown["late"] == "—":
            assert (sheet["late"], sheet["late_reports"]) == (None, None)
        else:  # "3 (3 reports)"
            late, reports = re.fullmatch(r"([\d.,]+) \((\d+) \D+\)", shown["late"]).groups()
            assert sheet["late"] == float(late.replace(",", "."))
            assert sheet["late_reports"] == int(reports)
        assert sheet["requests"] == int(shown["requests"])
    assert 'data-testid="scorecard-xlsx"' in page.content.decode()


def test_the_sheet_types_its_cells_and_keeps_a_formula_like_name_as_text(client, leader, world):
    Agency.objects.filter(code="SLDTBXH").update(short_name='=HYPERLINK("http://x.example")')
    response = get(client, leader, XLSX, period="2020-H1", sort="-activities")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    name, logged, accepted, first, share, returned, report, late, late_reports, requests = sheet[3]
    assert (name.value, name.data_type) == ('=HYPERLINK("http://x.example")', "s")
    assert (logged.value, accepted.value, first.value) == (4, 2, 1)
    assert (returned.value, late_reports.value, requests.value) == (2, 1, 0)
    assert (share.value, share.number_format) == (0.5, "0%")
    assert (late.value, late.data_type, late.number_format) == (2, "n", "#,##0")
    assert report.data_type == "s"
    assert sheet.freeze_panes == "B3"  # the headings and the names stay in view
    assert sheet.column_dimensions["A"].width >= 40


def test_the_sheet_shows_a_median_between_two_days_with_its_half(client, leader, world):
    sent("SLDTBXH", "2019", "accepted", local(2019, 12, 24, 8, 0))  # 5 days late, with 2
    response = get(client, leader, XLSX, period="2020-H1", sort="-activities")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    columns = list(scores.SHEET_COLUMNS)
    late = sheet[3][columns.index("late")]
    assert (late.value, late.number_format) == (3.5, "#,##0.0")  # not rounded to 4
    assert sheet[3][columns.index("late_reports")].value == 2


def test_the_sheet_of_a_chosen_agency_is_named_for_it(client, leader, world):
    response = get(client, leader, XLSX, period="2020-H1", agency="VUNGTAU")
    assert response["Content-Disposition"].endswith('-2020-H1-vungtau.xlsx"')
    assert [row[0] for row in sheet_rows(response)] == [
        Agency.objects.get(code="VUNGTAU").short_name
    ]


def test_the_table_scrolls_sideways_in_a_focusable_region_under_its_caption(client, leader, world):
    html = get(client, leader, **H1).content.decode()
    region = re.search(r'<div [^>]*data-testid="scorecard-region"[^>]*>', html)[0]
    assert 'tabindex="0"' in region and 'role="region"' in region
    assert 'aria-labelledby="scorecard-caption"' in region
    # the caption stands above the scrolling box, so that it wraps in the screen's width
    caption = html.index('id="scorecard-caption"')
    assert caption < html.index('data-testid="scorecard-region"')
    assert "19/06/2020" in html[caption : html.index("</p>", caption)]
    assert 'aria-labelledby="scorecard-caption"' in re.search(r"<table [^>]*>", html)[0]
    assert html.index('data-testid="scroll-hint"') < html.index('data-testid="scorecard-region"')


# ----------------------------------------------------------------------------- queries


def more_of_everything(staff, manager, reviewer) -> None:
    """Ten times the activities, reports and requests, in more agencies."""
    others = {
        code: make_user(f"u-{code.lower()}", code, "staff") for code in ("SYT", "SGDDT", "LHHN")
    }
    for index in range(10):
        in_h1 = {"start_date": date(2020, 1, 2 + index), "end_date": date(2020, 1, 2 + index)}
        make_activity(staff, status="returned", reviewer=reviewer, **in_h1)
        make_activity(manager, agency="VUNGTAU", status="accepted", reviewer=reviewer, **in_h1)
        for code, member in others.items():
            make_activity(member, agency=code, status="accepted", reviewer=reviewer, **in_h1)
        overdue_request(reviewer, ["VUNGTAU", "SYT", "SGDDT"], days=index + 1)
    for code, day in (("SYT", 25), ("SGDDT", 30), ("LHHN", 2)):
        sent(code, "2020-H1", "accepted", local(2020, 6, day, 8, 0))
        sent(code, "2019-H1", "accepted", local(2019, 6, day, 8, 0))


def test_the_page_and_the_sheet_take_the_same_queries_with_ten_times_the_rows(
    client, leader, staff, manager, reviewer, world, django_assert_num_queries
):
    client.force_login(leader)
    client.get(PAGE, H1)
    # session, user, the user's agency rights (scope), the periods, the agencies in scope,
    # the agencies expected, the activities by agency, the reports of the window, the
    # overdue requests by agency; the navigation's unread counts, memberships and the plan
    # in force
    page_queries = 12
    # the same without the navigation
    sheet_queries = 9
    with django_assert_num_queries(page_queries):
        before = client.get(PAGE, H1)
    with django_assert_num_queries(sheet_queries):
        client.get(XLSX, H1)
    activities = sum(row.activities for row in before.context["card"].rows)
    more_of_everything(staff, manager, reviewer)
    with django_assert_num_queries(page_queries):
        after = client.get(PAGE, H1)
    with django_assert_num_queries(sheet_queries):
        client.get(XLSX, H1)
    assert sum(row.activities for row in after.context["card"].rows) >= 10 * activities


def test_a_member_s_pages_take_one_more_query_for_the_agency_tree(
    client, staff, manager, reviewer, world, django_assert_num_queries
):
    # the leader's queries (above) and the agency tree of the member's scope
    client.force_login(staff)
    client.get(PAGE, H1)
    for grow in (False, True):
        if grow:
            more_of_everything(staff, manager, reviewer)
        with django_assert_num_queries(13):
            response = client.get(PAGE, {**H1, "agency": "SLDTBXH", "sort": "-report"})
        with django_assert_num_queries(10):
            client.get(XLSX, {**H1, "agency": "SLDTBXH", "sort": "-report"})
    assert response.context["card"].rows[0].activities == 14  # 4, and 10 more


def test_without_any_period_the_page_says_so_and_the_sheet_leads_to_it(client, leader):
    ReportingPeriod.objects.all().delete()
    response = get(client, leader)
    assert response.context["card"] is None
    assert 'data-testid="scorecard-table"' not in response.content.decode()
    client.force_login(leader)
    assert client.get(XLSX)["Location"] == PAGE
