"""The 1/7/2025 merger end to end, as a province's IT staff applies it: the example file
(agencies/data/reorganisations/example-2025-07-01.json, made-up commune names) through
`manage.py reorganise`, then what every user sees for 2025-H1 (ending 14/6/2025, before the
date) and 2026-H1 (after it): who is expected to report, the grid, the reminders, the
consolidated report's x/N and header, the lists grouped by today's agency, and what the staff
of a closed district may still do."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from agencies import permissions
from agencies.models import Agency, Membership
from agencies.permissions import Action
from reports import agency_reports, completeness
from reports.documents import document_header
from reports.figures import period_figures
from reports.periods import expected_agencies
from tests.factories import make_activity, make_consolidated_report, make_periods, make_user

pytestmark = pytest.mark.django_db

EXAMPLE = Path(settings.BASE_DIR) / "agencies/data/reorganisations/example-2025-07-01.json"
DISTRICTS = {"VUNGTAU", "BARIA", "PHUMY", "LONGDIEN", "DATDO", "XUYENMOC", "CHAUDUC", "CONDAO"}


@pytest.fixture
def merged(manager, reviewer):
    """Periods 2025 and 2026; Vũng Tàu's manager logged an accepted delegation in May 2025 and
    left a draft; then the example file is applied."""
    make_periods(2025, 2026)
    accepted = make_activity(
        manager,
        agency="VUNGTAU",
        status="accepted",
        reviewer=reviewer,
        title="Đón đoàn Hàn Quốc",
        start_date=date(2025, 5, 20),
        end_date=date(2025, 5, 21),
    )
    draft = make_activity(
        manager,
        agency="VUNGTAU",
        title="Dự thảo chưa gửi",
        start_date=date(2025, 6, 25),
        end_date=date(2025, 6, 25),
    )
    call_command("reorganise", str(EXAMPLE), stdout=StringIO())
    return {"accepted": accepted, "draft": draft}


def codes(agencies) -> set[str]:
    return {a.code for a in agencies}


def test_the_districts_report_for_2025_h1_and_the_new_communes_from_2026(merged):
    periods = make_periods()
    h1_2025, h1_2026 = periods["2025-H1"], periods["2026-H1"]
    before, after = codes(expected_agencies(h1_2025)), codes(expected_agencies(h1_2026))
    assert before >= DISTRICTS
    assert not DISTRICTS & after
    new = codes(Agency.objects.filter(established_on=date(2025, 7, 1)))
    assert new and new <= after and not new & before
    # The grid: a district expected in 2025-H1 only, a ward in 2026-H1 only.
    grid = completeness.matrix([h1_2025, h1_2026], today=date(2026, 11, 30))
    rows = {row.agency.code: row for row in grid.rows}
    assert rows["VUNGTAU"].cells[0].expected and not rows["VUNGTAU"].cells[1].expected
    ward = next(iter(new))
    assert not rows[ward].cells[0].expected and rows[ward].cells[1].expected
    # The consolidated report's x/N counts the agencies expected in each period.
    assert period_figures(h1_2025)["submissions"]["expected"] == len(before)
    assert period_figures(h1_2026)["submissions"]["expected"] == len(after)


def test_a_closed_districts_activities_still_count_in_2025_h1(merged):
    figures = period_figures(make_periods()["2025-H1"])
    assert sum(row["count"] for row in figures["by_kind"]) == 1
    assert [row["count"] for row in figures["by_agency"]] == [1]


def test_reminders_for_2026_reach_the_new_wards_and_not_the_closed_districts(
    merged, manager, reviewer, django_capture_on_commit_callbacks
):
    ward = Agency.objects.get(code="PHUONG_HAIDANG")
    officer = make_user("canbo.haidang", ward.code, "staff", email="haidang@hcm.vn")
    manager.email = "vungtau@brvt.vn"
    manager.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        agency_reports.remind_agencies(actor=reviewer, period=make_periods()["2026-H1"])
    addressees = {address for m in mail.outbox for address in m.to}
    assert officer.email in addressees
    assert manager.email not in addressees


def test_the_header_is_the_authority_of_the_issue_date(merged, reviewer, monkeypatch):
    """2025-H1 issued on 20/6/2025 carries Bà Rịa - Vũng Tàu; a 2026-H1 draft, made today,
    the city (the PDFs themselves are read in tests/reports/test_issuing_authority.py)."""
    real = timezone.localdate
    with monkeypatch.context() as on_day:
        on_day.setattr(
            "django.utils.timezone.localdate",
            lambda value=None, timezone=None: real(value, timezone) if value else date(2025, 6, 20),
        )
        h1_2025 = make_consolidated_report("2025-H1", actor=reviewer, status="issued")
    draft_2026 = make_consolidated_report("2026-H1", actor=reviewer)
    assert h1_2025.issued_on == date(2025, 6, 20)
    assert document_header(h1_2025)["issuer_parent"] == "UBND TỈNH BÀ RỊA - VŨNG TÀU"
    assert document_header(draft_2026)["issuer_parent"] == "UBND THÀNH PHỐ HỒ CHÍ MINH"
    assert document_header(draft_2026)["place"] == "Thành phố Hồ Chí Minh"


def test_the_closed_districts_staff_read_its_history_but_no_longer_act(merged, manager):
    vungtau = Agency.objects.get(code="VUNGTAU")
    membership = Membership.objects.get(user=manager, agency=vungtau)
    assert membership.ended_on == date(2025, 7, 1)  # kept, not deleted
    manager.__dict__.pop("_agency_ids", None)
    assert vungtau.pk in permissions.agency_ids(manager)[Action.VIEW]
    assert not permissions.agency_ids(manager)[Action.ACT]
    assert not permissions.can(manager, Action.ACT, vungtau)
    # The successor's staff act for it; the draft moved there, the accepted record stayed.
    successor = vungtau.successor
    assert successor is not None
    assert Activity.objects.get(pk=merged["draft"].pk).agency == successor
    assert Activity.objects.get(pk=merged["accepted"].pk).agency == vungtau


def test_by_todays_agency_the_successor_lists_the_districts_records(client, merged, reviewer):
    successor = Agency.objects.get(code="VUNGTAU").successor
    client.force_login(reviewer)
    url = reverse("activities:list")
    as_reported = client.get(url, {"agency": successor.pk})
    by_today = client.get(url, {"agency": successor.pk, "grouping": "today"})
    title = merged["accepted"].title
    assert title not in as_reported.content.decode()
    page = by_today.content.decode()
    assert title in page
    assert "UBND TP Vũng Tàu" in page  # the old name beside the successor's
