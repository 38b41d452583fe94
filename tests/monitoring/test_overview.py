"""The overview (/monitoring/): a year beside the year before for the agencies a user
monitors, its PDF, and a fixed number of grouped queries whatever the volume."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override
from django_countries import countries

from activities.models import Activity
from activities.services import get_or_create_partner
from agencies.models import Agency
from monitoring import observances, plan
from monitoring.overview import TRADITIONAL_PARTNERS, Whose
from monitoring.scope import monitoring_scope
from tests.factories import make_activity, make_consolidated_report, make_periods, make_user

pytestmark = pytest.mark.django_db

URL = reverse("monitoring:overview")


def accepted(actor, reviewer, day: date, **fields):
    """An activity of `actor`'s agency that began on `day`, accepted by `reviewer`."""
    fields.setdefault("agency", "SLDTBXH")
    return make_activity(
        actor, status="accepted", reviewer=reviewer, start_date=day, end_date=day, **fields
    )


def overview_of(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.context["overview"], response.content.decode()


def test_the_chosen_year_beside_the_year_before_by_month_and_kind(client, staff, reviewer, leader):
    accepted(staff, reviewer, date(2020, 3, 2), participants_foreign=12)
    accepted(staff, reviewer, date(2020, 3, 20), kind="outbound", participants_vietnamese=4)
    accepted(staff, reviewer, date(2020, 3, 21), kind="outbound")  # no participants recorded
    accepted(staff, reviewer, date(2020, 11, 5), kind="training")
    accepted(staff, reviewer, date(2019, 3, 9))
    accepted(staff, reviewer, date(2018, 3, 9))  # two years before: not shown
    make_activity(staff, status="submitted")  # not accepted: not counted
    overview, html = overview_of(client, leader, year="2020")
    assert (overview.year, overview.previous) == (2020, 2019)
    assert [(m.now, m.before) for m in overview.months][2] == (3, 1)
    assert [m.now for m in overview.months] == [0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    assert (overview.total.now, overview.total.before) == (4, 1)
    assert {k.key: (k.now, k.before) for k in overview.kinds} == {
        "inbound": (1, 1),
        "outbound": (2, 0),
        "training": (1, 0),
    }
    inbound, outbound = overview.delegations
    assert (inbound.now, inbound.before, inbound.foreign_now) == (1, 1, 12)
    assert inbound.vietnamese_now is None  # not recorded
    assert (outbound.now, outbound.vietnamese_now, outbound.before) == (2, 4, 0)
    # The sums cover the delegations that recorded participants, and the page says how many.
    assert (inbound.recorded_now, inbound.recorded_before, outbound.recorded_now) == (1, 0, 1)
    assert 'data-testid="overview"' in html
    # Each chart is an image with a name, and its table follows it; the page carries each
    # in a wide and a phone layout (one shown at a time).
    assert html.count('role="img"') == 2 * 3 and html.count("<caption>") == 4
    assert html.count('class="d-sm-none d-print-none"><svg') == 3
    assert f'{reverse("monitoring:overview_pdf")}?year=2020" data-testid="overview-pdf"' in html


def test_staff_count_only_their_agencies_leaders_and_reviewers_the_province(
    client, staff, manager, reviewer, leader
):
    accepted(staff, reviewer, date(2020, 3, 2))
    accepted(manager, reviewer, date(2020, 3, 2), agency="VUNGTAU", countries=["FR"])
    accepted(manager, reviewer, date(2020, 4, 2), agency="VUNGTAU", kind="aid", aid={
        "sector": "health", "committed_vnd": 5_000_000,
    })  # fmt: skip
    totals = {
        name: overview_of(client, user, year=2020)[0].total.now
        for name, user in {
            "staff": staff,
            "manager": manager,
            "reviewer": reviewer,
            "leader": leader,
        }.items()
    }
    assert totals == {"staff": 1, "manager": 2, "reviewer": 3, "leader": 3}
    # Another agency's activities count nowhere for a staff member: not in the countries,
    # not in the aid.
    mine = overview_of(client, staff, year=2020)[0]
    assert "FR" not in {row.code for row in mine.countries} and mine.aid_total.count == 0
    assert overview_of(client, leader, year=2020)[0].aid_total.committed_vnd == 5_000_000
    assert not mine.scope.is_province
    assert overview_of(client, leader)[0].scope.is_province


def test_an_outsider_gets_404_and_an_anonymous_user_the_login_page(client, outsider):
    for url in (URL, reverse("monitoring:overview_pdf")):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response.url
    client.force_login(outsider)
    assert client.get(URL).status_code == 404
    assert client.get(reverse("monitoring:overview_pdf")).status_code == 404


@pytest.mark.parametrize(
    "value",
    ["abc", "1800", "99999999999999999999", "2020.5", "-1", "  ", "20 20", "1e3", "2017", "2019"],
)
def test_a_bad_year_shows_this_year_and_says_so(client, leader, value):
    overview, html = overview_of(client, leader, year=value)
    assert overview.year == timezone.localdate().year
    assert 'data-testid="year-error"' in html


def test_the_years_offered_are_the_plan_pages(client, leader, settings):
    # From the first reporting year (the plan's first full year) to this year: no year before
    # the plan (2017), none to come.
    this_year = timezone.localdate().year
    response = (client.force_login(leader), client.get(URL))[1]
    assert response.context["years"] == plan.years_offered(timezone.localdate())
    assert response.context["years"] == list(range(this_year, settings.REPORT_FIRST_YEAR - 1, -1))
    overview, html = overview_of(client, leader, year=str(this_year + 1))
    assert overview.year == this_year and 'data-testid="year-error"' in html
    assert '<option value="2017"' not in html and f'<option value="{this_year + 1}"' not in html
    overview, html = overview_of(client, leader, year=str(settings.REPORT_FIRST_YEAR))
    assert overview.year == settings.REPORT_FIRST_YEAR and 'data-testid="year-error"' not in html


def test_a_year_without_activities_says_so_instead_of_charts_of_zeros(
    client, staff, reviewer, leader
):
    accepted(staff, reviewer, date(2020, 3, 2), countries=["JP"])
    client.force_login(leader)
    response = client.get(URL, {"year": 2022})  # nothing in 2021 or 2022
    html = response.content.decode()
    assert response.context["overview"].total.now == response.context["overview"].total.before == 0
    assert [response.context[c] for c in ("month_chart", "kind_chart", "country_chart")] == [""] * 3
    assert 'class="chart-box' not in html
    for block in ("months", "kinds", "countries"):
        assert f'data-testid="overview-{block}-empty"' in html
        assert f'data-testid="overview-{block}"' not in html
    # 2021 beside 2020: charts, since 2020 had an activity with a partner country.
    response = client.get(URL, {"year": 2021})
    html = response.content.decode()
    assert response.context["month_chart"] and response.context["country_chart"]
    assert 'data-testid="overview-months-empty"' not in html
    assert 'data-testid="overview-countries-empty"' not in html


def test_a_repeated_year_reads_the_last_one(client, leader):
    client.force_login(leader)
    response = client.get(f"{URL}?year=2019&year=2020")
    assert response.status_code == 200 and response.context["overview"].year == 2020
    response = client.get(f"{URL}?year=2020&year=abc")
    assert response.status_code == 200 and response.context["year_error"]


def test_no_year_is_this_year_without_a_message(client, leader):
    overview, html = overview_of(client, leader)
    assert overview.year == timezone.localdate().year
    assert 'data-testid="year-error"' not in html


def test_the_top_countries_and_the_traditional_partners_even_at_zero(
    client, staff, reviewer, leader
):
    accepted(staff, reviewer, date(2020, 3, 2), countries=["US", "JP"])
    accepted(staff, reviewer, date(2020, 5, 2), countries=["US"])
    accepted(staff, reviewer, date(2019, 5, 2), countries=["LA"])
    for i, code in enumerate(["FR", "DE", "IT", "ES", "NL", "BE", "CH", "AT", "SE", "NO"]):
        for _ in range(i % 2 + 1):
            accepted(staff, reviewer, date(2020, 6, 2), countries=[code])
    overview, html = overview_of(client, leader, year=2020)
    rows = {row.code: row for row in overview.countries}
    assert set(TRADITIONAL_PARTNERS) <= set(rows)
    assert (rows["US"].now, rows["JP"].now, rows["LA"].before, rows["CU"].now) == (2, 1, 1, 0)
    assert rows["CU"].traditional and not rows["US"].traditional
    # The top ten of the year (US 2, five countries with 2, then by code) and the seven partners
    # (Japan among both).
    assert len(overview.countries) == 10 + 6
    assert "SE" not in rows or "NO" not in rows
    with override("vi"):
        assert rows["JP"].name == str(countries.name("JP"))
    assert 'data-country="CU"' in html


def test_an_activity_with_several_countries_counts_once_in_each_and_none_is_said(
    client, staff, reviewer, leader
):
    accepted(staff, reviewer, date(2020, 3, 2), countries=["LA", "KH", "US"])
    accepted(staff, reviewer, date(2020, 3, 3), countries=["LA"])
    accepted(staff, reviewer, date(2020, 3, 4), countries=[])
    accepted(staff, reviewer, date(2019, 3, 4), countries=[])
    accepted(staff, reviewer, date(2019, 3, 5), countries=[])
    overview, html = overview_of(client, leader, year=2020)
    rows = {row.code: (row.now, row.before) for row in overview.countries}
    assert (rows["LA"], rows["KH"], rows["US"]) == ((2, 0), (1, 0), (1, 0))
    assert (overview.total.now, sum(now for now, _before in rows.values())) == (3, 4)
    assert (overview.without_country.now, overview.without_country.before) == (1, 2)
    assert 'data-testid="overview-without-country"' in html


def test_aid_by_sector_and_by_donor_adds_up_to_the_total(client, staff, reviewer, leader):
    water = get_or_create_partner(name="Water for All", kind="ngo", country="US")
    friends = get_or_create_partner(name="Friends of Children", kind="ngo", country="DE")
    aid = {"kind": "aid"}
    accepted(staff, reviewer, date(2020, 3, 2), **aid, aid={
        "donor": water, "sector": "health", "currency": "USD",
        "committed_amount": Decimal(1000), "disbursed_amount": Decimal(400),
        "committed_vnd": 25_000_000,
    })  # fmt: skip
    accepted(staff, reviewer, date(2020, 4, 2), **aid, aid={
        "donor": friends, "sector": "education", "currency": "VND",
        "committed_amount": Decimal(1_234_567_000), "disbursed_amount": Decimal(1_000_000),
    })  # fmt: skip
    accepted(staff, reviewer, date(2020, 5, 2), **aid, aid={"committed_vnd": 7_000_000})
    accepted(staff, reviewer, date(2020, 6, 2), **aid, aid={"sector": "health"})  # no amount
    accepted(staff, reviewer, date(2019, 6, 2), **aid, aid={"committed_vnd": 99})  # not 2020
    overview, html = overview_of(client, leader, year=2020)
    total = overview.aid_total
    assert (total.count, total.unpriced) == (4, 1)
    assert total.committed_vnd == 25_000_000 + 1_234_567_000 + 7_000_000
    assert total.disbursed_vnd == 10_000_000 + 1_000_000  # 400 USD at 25,000 VND
    sectors = {row.label: row for row in overview.aid_by_sector}
    assert [row.not_recorded for row in overview.aid_by_sector][-1]
    assert sum(row.count for row in overview.aid_by_sector) == total.count
    assert sum(row.committed_vnd for row in overview.aid_by_sector) == total.committed_vnd
    assert sum(row.count for row in overview.aid_by_donor) == total.count
    assert sum(row.committed_vnd for row in overview.aid_by_donor) == total.committed_vnd
    assert sum(row.disbursed_vnd for row in overview.aid_by_donor) == total.disbursed_vnd
    assert overview.aid_by_donor[0].label == "Friends of Children"
    assert overview.aid_by_donor[-1].not_recorded and overview.aid_by_donor[-1].count == 2
    assert len(sectors) == 3
    assert "1.266.567.000" in html  # the committed total, grouped as Vietnamese writes it


def test_a_disbursed_amount_without_a_rate_is_left_out_and_said(client, staff, reviewer, leader):
    aid = {"kind": "aid"}
    # A foreign disbursement with no committed amount, and one whose VND committed was
    # given without the amount in the currency: neither has a rate to convert at.
    accepted(staff, reviewer, date(2020, 3, 2), **aid, aid={
        "currency": "USD", "disbursed_amount": Decimal(500),
    })  # fmt: skip
    accepted(staff, reviewer, date(2020, 3, 3), **aid, aid={
        "currency": "EUR", "disbursed_amount": Decimal(100), "committed_vnd": 9_000_000,
    })  # fmt: skip
    accepted(staff, reviewer, date(2020, 3, 4), **aid, aid={
        "currency": "VND", "disbursed_amount": Decimal(700_000),
    })  # fmt: skip
    overview, html = overview_of(client, leader, year=2020)
    total = overview.aid_total
    assert (total.count, total.unconverted, total.unpriced) == (3, 2, 2)
    assert (total.committed_vnd, total.disbursed_vnd) == (9_000_000, 700_000)
    assert sum(row.unconverted for row in overview.aid_by_donor) == 2
    assert 'data-testid="aid-unconverted"' in html


def test_more_donors_than_shown_add_up_and_another_agencys_donors_stay_hidden(
    client, staff, manager, reviewer, leader
):
    for i in range(12):
        donor = get_or_create_partner(name=f"Donor {i:02}", kind="ngo", country="US")
        accepted(staff, reviewer, date(2020, 3, 2), kind="aid", aid={
            "donor": donor, "sector": "health", "committed_vnd": 1_000_000 * (i + 1),
        })  # fmt: skip
    secret = get_or_create_partner(name="Quỹ <Bí mật> & Cộng sự", kind="ngo", country="FR")
    accepted(manager, reviewer, date(2020, 3, 2), agency="VUNGTAU", kind="aid", aid={
        "donor": secret, "sector": "education", "committed_vnd": 99_000_000,
    })  # fmt: skip
    overview, html = overview_of(client, leader, year=2020)
    donors = overview.aid_by_donor
    assert donors[0].label == "Quỹ <Bí mật> & Cộng sự" and donors[-1].count == 3  # others
    assert sum(row.committed_vnd for row in donors) == overview.aid_total.committed_vnd
    assert overview.aid_total.committed_vnd == 99_000_000 + 78_000_000
    assert "Quỹ &lt;Bí mật&gt; &amp; Cộng sự" in html and "<Bí mật>" not in html
    mine, html = overview_of(client, staff, year=2020)
    assert "Bí mật" not in html and mine.aid_total.committed_vnd == 78_000_000
    others = mine.aid_by_donor[-1]
    assert (len(mine.aid_by_donor), others.count, others.not_recorded) == (11, 2, False)


def test_the_latest_issued_reports_only_for_those_who_read_them(client, staff, reviewer, leader):
    make_periods(2019, 2020)
    issued = make_consolidated_report("2020-H1", actor=reviewer, status="issued")
    make_consolidated_report("2019", actor=reviewer, status="ready")  # a draft
    pdf = reverse("reports:consolidated-file", args=[issued.pk, "pdf"])
    for user in (leader, reviewer):
        overview, html = overview_of(client, user)
        assert [r.pk for r in overview.reports] == [issued.pk]
        assert f'href="{pdf}" data-testid="latest-report-pdf"' in html
    overview, html = overview_of(client, staff)
    assert overview.reports is None and pdf not in html


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
def test_the_pdf_holds_the_figures(client, staff, reviewer, leader, tmp_path):
    donor = get_or_create_partner(name="Quỹ Hữu nghị", kind="ngo", country="JP")
    accepted(staff, reviewer, date(2020, 3, 2), kind="aid", countries=["JP"], aid={
        "donor": donor, "sector": "health", "committed_vnd": 1_234_567_000,
    })  # fmt: skip
    client.force_login(leader)
    response = client.get(reverse("monitoring:overview_pdf"), {"year": "2020"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="tong-quan-2020.pdf"'
    assert response.content.startswith(b"%PDF-")
    path = tmp_path / "overview.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "1.234.567.000" in text and "Quỹ Hữu nghị" in text
    assert text.count("Tháng 12") == 2  # once in each chart's wide layout and its table
    with override("vi"):
        assert str(countries.name("JP")) in text and str(countries.name("CU")) in text


def test_a_narrower_scope_names_its_agencies_in_the_heading_and_the_pdfs_name(
    client, manager, leader
):
    # The Front's manager: the Front named, the five organisations under it counted.
    front = make_user("mttq", "UBMTTQ", "manager")
    agency = Agency.objects.get(code="UBMTTQ")
    client.force_login(front)
    response = client.get(URL, {"year": 2020})
    whose = response.context["whose"]
    assert whose == Whose(((agency.code, str(agency)),), 5) and whose.slug == "-ubmttq"
    assert whose.label.startswith(f"{agency} ") and "5" in whose.label
    html = response.content.decode()
    heading = html.split('data-testid="overview-heading">')[1].split("</h1>")[0]
    assert "2020" in heading and str(agency) in heading
    assert whose.label in html.split('data-testid="overview-whose">')[1].split("</span>")[0]
    pdf = client.get(reverse("monitoring:overview_pdf"), {"year": "2020"})
    assert pdf["Content-Disposition"] == 'attachment; filename="tong-quan-2020-ubmttq.pdf"'
    # A manager of an agency with nothing under it: its name alone.
    client.force_login(manager)
    vungtau = Agency.objects.get(code="VUNGTAU")
    whose = client.get(URL, {"year": 2020}).context["whose"]
    assert whose == Whose(((vungtau.code, str(vungtau)),), 0) and whose.label == str(vungtau)
    # The province's overview says so, and names no agency.
    client.force_login(leader)
    response = client.get(URL, {"year": 2020})
    assert response.context["whose"] == Whose() and response.context["whose"].slug == ""
    assert 'data-testid="overview-whose"' not in response.content.decode()


def test_whose_label_and_slug():
    assert Whose().is_province and Whose().slug == ""
    one = Whose((("UBND_VT", "UBND TP Vũng Tàu"),))
    assert one.label == "UBND TP Vũng Tàu" and one.slug == "-ubnd-vt"
    with override("en"):
        two = Whose((("A", "Alpha"), ("B", "Beta")), 2)
        assert two.label == "Alpha, Beta and 2 agencies under them or whose work they took over"
        assert Whose().label == "the whole province"


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils' pdftotext")
def test_a_managers_pdf_is_named_for_the_agency_and_marks_partners_with_a_legend(
    client, manager, staff, reviewer, tmp_path
):
    accepted(manager, reviewer, date(2020, 3, 2), agency="VUNGTAU", countries=["JP"])
    client.force_login(manager)
    response = client.get(reverse("monitoring:overview_pdf"), {"year": "2020"})
    assert response.status_code == 200
    disposition = 'attachment; filename="tong-quan-2020-vungtau.pdf"'
    assert response["Content-Disposition"] == disposition
    path = tmp_path / "overview.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert str(Agency.objects.get(code="VUNGTAU")) in " ".join(text.split())
    with override("vi"):
        partner = gettext("traditional partner")
    # ★ beside each of the seven partners and its one legend line, the section's introduction
    # ("the plan's traditional partners (marked ★)"), not a note on each row.
    assert text.count("★") == len(TRADITIONAL_PARTNERS) + 1
    assert text.count(partner) == 1 and f"({partner})" not in text


# --- a fixed number of queries -----------------------------------------------------------------


def rows_for(n: int, *, staff, manager, reviewer) -> None:
    """`n` times the records each block reads, in both years and two agencies."""
    donor = get_or_create_partner(name=f"Donor {n}", kind="ngo", country="US")
    for i in range(n):
        for year in (2019, 2020):
            accepted(staff, reviewer, date(year, i % 12 + 1, 3), countries=["JP", "US"])
            accepted(manager, reviewer, date(year, 5, 1), agency="VUNGTAU", kind="outbound")
            accepted(staff, reviewer, date(year, 6, 1), kind="aid", aid={
                "donor": donor, "sector": "health", "committed_vnd": 1000 + i,
            })  # fmt: skip
        make_activity(staff, status="submitted")


# Every signed-in page: the session, the user, the navigation's memberships, the bell's and
# the messages' unread counts (one query), the footer's plan (5); the user's agency rights
# (permissions.agency_ids, 1). A member of an agency: its lineage (monitoring.scope, 1).
# Then the overview (monitoring/overview.py): per month, per kind (with the delegations),
# the countries, aid by sector, aid by donor (5), and for leaders and reviewers the latest
# issued reports (1). The calendar's upcoming panel costs what observances.upcoming costs
# (measured below, its own helper's count).
# A member of an agency also: the names of their own agencies for the heading (1).
EXPECTED = {"leader": 5 + 1 + 5 + 1, "reviewer": 5 + 1 + 5 + 1, "staff": 5 + 1 + 1 + 5 + 1}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_overview_queries_do_not_grow_with_the_rows(
    client, cast, django_assert_num_queries, role
):
    people = {name: cast[name] for name in ("staff", "manager", "reviewer")}
    user = cast[role]
    client.force_login(user)
    counts = []
    for added in (1, 9):  # once, then ten times the rows
        rows_for(added, **people)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"year": 2020}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], (role, counts)
    scope = monitoring_scope(user)
    with CaptureQueriesContext(connection) as upcoming:
        observances.upcoming(scope, timezone.localdate(), user=user)
    with django_assert_num_queries(EXPECTED[role] + len(upcoming)):
        client.get(URL, {"year": 2020})


def test_the_pdf_queries_do_not_grow_with_the_rows(client, cast, django_assert_num_queries):
    people = {name: cast[name] for name in ("staff", "manager", "reviewer")}
    client.force_login(cast["leader"])
    url = reverse("monitoring:overview_pdf")
    rows_for(1, **people)
    # The session and the user (2), the user's agency rights (1), the overview's five
    # grouped queries and the latest issued reports (6); no navigation, no calendar panel.
    with django_assert_num_queries(2 + 1 + 6):
        assert client.get(url, {"year": 2020}).status_code == 200
    rows_for(9, **people)
    with django_assert_num_queries(2 + 1 + 6):
        assert client.get(url, {"year": 2020}).status_code == 200


def test_a_managers_pdf_costs_one_query_more_for_the_agencies_names(
    client, cast, django_assert_num_queries
):
    people = {name: cast[name] for name in ("staff", "manager", "reviewer")}
    client.force_login(cast["manager"])
    url = reverse("monitoring:overview_pdf")
    # The session and the user (2), the user's agency rights (1), the agency tree (1), the
    # names of the manager's own agencies (1), the overview's five grouped queries (5).
    for added in (1, 9):
        rows_for(added, **people)
        with django_assert_num_queries(2 + 1 + 1 + 1 + 5):
            assert client.get(url, {"year": 2020}).status_code == 200


def recount(user, year: int) -> dict:
    """The overview's figures counted again in Python, row by row, from the accepted
    activities of the agencies the user monitors."""
    scope = monitoring_scope(user)
    rows = [
        a
        for a in Activity.objects.filter(status="accepted").prefetch_related("countries")
        if scope.covers(a.agency_id) and a.start_date.year in (year, year - 1)
    ]
    now = [a for a in rows if a.start_date.year == year]
    before = [a for a in rows if a.start_date.year == year - 1]
    aid = [a for a in now if a.kind == "aid"]
    return {
        "months": [
            (
                sum(a.start_date.month == m for a in now),
                sum(a.start_date.month == m for a in before),
            )
            for m in range(1, 13)
        ],
        "kinds": {
            k: (sum(a.kind == k for a in now), sum(a.kind == k for a in before))
            for k in {a.kind for a in rows}
        },
        "countries": {
            code: (
                sum(code in {c.country for c in a.countries.all()} for a in now),
                sum(code in {c.country for c in a.countries.all()} for a in before),
            )
            for code in {c.country for a in rows for c in a.countries.all()}
        },
        "aid": (len(aid), sum(int(a.committed_vnd or 0) for a in aid)),
    }


def test_every_figure_matches_a_recount_from_the_rows(client, staff, manager, reviewer, leader):
    # The year's edges (31/12 and 1/1) and three agencies, in both years and around them.
    days = [date(2019, 1, 1), date(2019, 12, 31), date(2020, 1, 1), date(2020, 12, 31),
            date(2021, 1, 1), date(2018, 12, 31), date(2020, 6, 15)]  # fmt: skip
    kinds = ["inbound", "outbound", "aid", "training"]
    sets = [["JP"], ["LA", "KH"], [], ["US", "JP", "CU"]]
    for i, day in enumerate(days * 2):
        author, agency = [(staff, "SLDTBXH"), (manager, "VUNGTAU")][i % 2]
        kind = kinds[i % len(kinds)]
        accepted(
            author, reviewer, day, agency=agency, kind=kind, countries=sets[i % len(sets)],
            aid={"committed_vnd": 1_000_000 * (i + 1)} if kind == "aid" else {},
        )  # fmt: skip
    for user in (staff, manager, leader):
        overview = overview_of(client, user, year=2020)[0]
        expected = recount(user, 2020)
        assert [(m.now, m.before) for m in overview.months] == expected["months"]
        assert {k.key: (k.now, k.before) for k in overview.kinds} == expected["kinds"]
        shown = {c.code: (c.now, c.before) for c in overview.countries}
        # Every country of the year is shown (fewer than ten here), each with its recount.
        assert {c for c, (now, _before) in expected["countries"].items() if now} <= set(shown)
        assert all(expected["countries"].get(c, (0, 0)) == n for c, n in shown.items())
        aid = overview.aid_total
        assert (aid.count, aid.committed_vnd) == expected["aid"]
    assert overview_of(client, staff, year=2020)[0].total.now < overview.total.now
