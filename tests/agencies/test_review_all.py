"""Regression tests of the review of issue 11 (organisation over time): defects found in the
reorganisation engine, the expected reports and the pages that read them, each with the test
that shows it fixed. Dates are relative to today, as tests/agencies/test_reorganisation.py's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies import reorganisation as reorg
from agencies.models import Agency
from agencies.names import Lineage
from agencies.reorganisation import Merge, NewAgency
from reports import completeness
from reports.models import ReportingPeriod
from tests.factories import make_activity, make_periods

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
AHEAD = TODAY + timedelta(days=10)


def scheduled_merge(admin_user) -> Agency:
    """TP Vũng Tàu merged into a new ward in ten days (a reorganisation applied ahead)."""
    reorg.apply(
        [
            Merge(
                effective_on=AHEAD,
                sources=("VUNGTAU",),
                into=NewAgency(code="PHUONG_VT", name="UBND phường Hải Đăng", kind="ward"),
            )
        ],
        actor=admin_user,
    )
    return Agency.objects.get(code="PHUONG_VT")


def test_a_scheduled_merge_does_not_hand_over_the_work_before_its_day(admin_user):
    """The successor is recorded at once, but until closed_on (the first day out) the
    agency carries its own work: today's agency is itself, from that day the successor."""
    new = scheduled_merge(admin_user)
    vungtau = Agency.objects.get(code="VUNGTAU")
    assert vungtau.successor == new and vungtau.is_active
    assert Lineage().current(vungtau.pk) == vungtau.pk
    assert Lineage().with_predecessors(new.pk) == {new.pk}
    assert Lineage(on=AHEAD - timedelta(days=1)).current(vungtau.pk) == vungtau.pk
    assert Lineage(on=AHEAD).current(vungtau.pk) == new.pk
    assert Lineage(on=AHEAD).with_predecessors(new.pk) == {new.pk, vungtau.pk}


def test_by_todays_agency_an_agency_closing_later_keeps_its_records(client, admin_user, staff):
    new = scheduled_merge(admin_user)
    vungtau = Agency.objects.get(code="VUNGTAU")
    make_activity(admin_user, agency=vungtau, title="Vũng Tàu hôm nay")
    client.force_login(admin_user)
    url = reverse("activities:list")
    by_today_new = client.get(url, {"agency": new.pk, "grouping": "today"})
    assert list(by_today_new.context["page"].object_list) == []
    by_today_old = client.get(url, {"agency": vungtau.pk, "grouping": "today"})
    assert [a.title for a in by_today_old.context["page"].object_list] == ["Vũng Tàu hôm nay"]


def test_the_grid_grouped_by_todays_agency_waits_for_the_merge(admin_user):
    make_periods(TODAY.year)
    scheduled_merge(admin_user)
    periods = ReportingPeriod.objects.filter(year=TODAY.year)
    rows = completeness.matrix(periods, by_current=True).rows
    vungtau = next(row for row in rows if row.agency.code == "VUNGTAU")
    assert not vungtau.under_current and vungtau.current is None


def test_every_beat_job_names_a_task_registered_under_a_pinned_name():
    """The beat schedule sends tasks by name: each is registered under that name, and every
    task of the daily jobs' modules pins it in its decorator (`name="…"`), so moving or
    renaming a function cannot lose a job already queued."""
    import inspect
    import re

    from django.conf import settings

    from agencies import tasks as agency_tasks
    from doingoai.celery import app
    from reports import tasks as report_tasks

    app.loader.import_default_modules()  # every app's tasks, as a worker loads them
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
    for module in (report_tasks, agency_tasks):
        source = inspect.getsource(module)
        assert re.findall(r"@shared_task(?!\(name=)", source) == [], module.__name__


# ---------------------------------------------------------------------------- section IV.1


def test_an_agency_closed_before_recording_its_programme_is_no_longer_owed_one(
    client, leader, admin_user
):
    """Plan IV.1: the programmes page and its x/N list the agencies that work (on today, or
    the plan's last day once it ended) and those that recorded one; an agency closed without
    recording one is not "not yet" forever (its successor owes it), one that recorded it
    keeps it counted."""
    from agencies.models import DutyAssignment, ImplementingProgramme, Plan
    from agencies.plans import programme_day, programme_expected, programme_progress
    from agencies.reorganisation import Close
    from tests.factories import pdf_upload

    plan = Plan.objects.get(number="164/KH-UBND")
    assigned = list(
        DutyAssignment.objects.filter(duty__plan=plan, duty__ref__startswith="IV.1.")
        .values_list("agency__code", flat=True)
        .distinct()
        .order_by("agency__code")
    )
    gone, kept = [code for code in assigned if code != "SLDTBXH"][:2]
    before = programme_progress(plan)
    ImplementingProgramme.store(
        upload=pdf_upload("ctr.pdf"),
        content_type="application/pdf",
        actor=admin_user,
        plan=plan,
        agency=Agency.objects.get(code=kept),
        number="1/CTr",
        issued_on=plan.valid_from,
    )
    day = programme_day(plan) - timedelta(days=1)
    reorg.apply(
        [Close(effective_on=day, code=gone), Close(effective_on=day, code=kept)],
        actor=admin_user,
    )
    codes = set(programme_expected(plan).values_list("code", flat=True))
    assert gone not in codes and kept in codes
    assert programme_progress(plan) == (1, before[1] - 1)
    client.force_login(leader)
    response = client.get(reverse("agencies:programmes", args=[plan.pk]))
    shown = {row.agency.code for row in response.context["rows"]}
    assert gone not in shown and kept in shown


def test_the_day_that_says_who_owes_a_programme_stays_within_the_plan():
    from datetime import date

    from agencies.models import Plan
    from agencies.plans import programme_day

    plan = Plan(valid_from=date(2020, 1, 1), valid_until=date(2025, 12, 31))
    assert programme_day(plan, date(2026, 3, 1)) == date(2025, 12, 31)
    assert programme_day(plan, date(2019, 3, 1)) == date(2020, 1, 1)
    assert programme_day(plan, date(2024, 3, 1)) == date(2024, 3, 1)
    assert programme_day(Plan(valid_from=date(2020, 1, 1)), date(2030, 1, 1)) == date(2030, 1, 1)


# ---------------------------------------------------------------------------- issuing authority


def test_an_authority_a_report_was_issued_under_is_read_only_in_the_admin(
    client, admin_user, reviewer
):
    """Editing it would change the issuer an issued report names (its page and JSON) or move
    its date off the report's issue date; an unused record stays editable."""
    from reports.models import IssuingAuthority
    from tests.factories import make_consolidated_report

    make_periods(2025, 2026)
    issued = make_consolidated_report("2026-H1", actor=reviewer, status="issued")
    used = issued.issuing_authority
    url = reverse("admin:reports_issuingauthority_change", args=[used.pk])
    client.force_login(admin_user)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="issuer_parent"' not in page.content.decode()
    client.post(
        url,
        {
            "valid_from": "01/01/2030",
            "issuer_parent": "UBND KHÁC",
            "issuer": "SỞ KHÁC",
            "place": "Nơi khác",
            "number_suffix": "BC-KHAC",
            "signer_title": "GIÁM ĐỐC",
        },
    )
    used.refresh_from_db()
    assert used.issuer_parent != "UBND KHÁC" and used.valid_from.year != 2030
    unused = IssuingAuthority.objects.create(
        valid_from=TODAY + timedelta(days=400),
        issuer_parent="UBND",
        issuer="SỞ",
        place="Nơi",
        number_suffix="BC",
        signer_title="GIÁM ĐỐC",
    )
    page = client.get(reverse("admin:reports_issuingauthority_change", args=[unused.pk]))
    assert 'name="issuer_parent"' in page.content.decode()


# ---------------------------------------------------------------------------- "until" a day


def test_pages_write_until_the_last_day_not_the_first_day_out(client, admin_user, staff):
    """closed_on, ended_on and AgencyName.valid_until are the first day out: "until" is
    followed by the day before (a membership ended on 1/7/2025 ran until 30/06/2025), so that
    a name borne "until 30/06/2025" and the next "from 01/07/2025" do not overlap."""
    from datetime import date

    from agencies.models import Membership
    from agencies.reorganisation import Rename
    from agencies.templatetags.agency_names import last_day

    assert last_day(date(2025, 7, 1)) == date(2025, 6, 30)
    assert last_day(None) is None
    day = TODAY - timedelta(days=5)
    reorg.apply([Rename(code="SLDTBXH", name="Sở Nội vụ", effective_on=day)], actor=admin_user)
    ends = TODAY + timedelta(days=20)
    Membership.objects.filter(user=staff, agency__code="SLDTBXH").update(ended_on=ends)
    client.force_login(admin_user)
    agency = Agency.objects.get(code="SLDTBXH")
    body = client.get(agency.get_absolute_url()).content.decode()
    names = body.split('data-testid="names"')[1].split("</table>")[0]
    assert f"{day - timedelta(days=1):%d/%m/%Y}" in names
    assert f"<td>{day:%d/%m/%Y}</td><td>…</td>" in names
    assert names.count(f"{day:%d/%m/%Y}") == 1
    members = body.split('data-testid="members"')[1].split("</ul>")[0]
    assert f"{ends - timedelta(days=1):%d/%m/%Y}" in members
    assert f"{ends:%d/%m/%Y}" not in members


# ---------------------------------------------------------------------------- admin imports


def test_importing_accounts_needs_the_rights_on_users_too(client):
    """A staff member who may add and change memberships but not users imports agencies
    and partners if allowed, never accounts (the import creates users): the page and the
    confirmation both refuse."""
    from django.contrib.auth.models import Permission

    from agencies.models import User

    clerk = User.objects.create_user("thuky2", password="x", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="agencies",
            codename__in=["add_membership", "change_membership", "view_membership"],
        )
    )
    client.force_login(clerk)
    assert client.get(reverse("admin:agencies_membership_changelist")).status_code == 200
    assert client.get(reverse("admin:agencies_membership_import")).status_code == 403
    response = client.post(reverse("admin:agencies_membership_process_import"), {})
    assert response.status_code == 403
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="agencies", codename__in=["add_user", "change_user"]
        )
    )
    client.force_login(User.objects.get(pk=clerk.pk))
    assert client.get(reverse("admin:agencies_membership_import")).status_code == 200


def test_a_closed_agencys_former_staff_read_programmes_but_record_none(client, staff, admin_user):
    """Section IV.1 from the other side of a reorganisation: the staff of an agency closed
    (their membership ended with it) still read the programmes page and files, and get 404
    when recording the closed agency's programme."""
    from agencies.models import ImplementingProgramme, Plan
    from agencies.reorganisation import Close
    from tests.factories import pdf_upload

    plan = Plan.objects.get(number="164/KH-UBND")
    reorg.apply([Close(code="SLDTBXH", effective_on=TODAY - timedelta(days=3))], actor=admin_user)
    client.force_login(staff)
    page = client.get(reverse("agencies:programmes", args=[plan.pk]))
    assert page.status_code == 200
    assert not any(row.may_record for row in page.context["rows"])
    url = reverse("agencies:programme", args=[plan.pk, "SLDTBXH"])
    assert client.get(url).status_code == 404
    posted = client.post(
        url, {"number": "1/CTr", "issued_on": "10/01/2020", "file": pdf_upload("c.pdf")}
    )
    assert posted.status_code == 404
    assert not ImplementingProgramme.objects.filter(agency__code="SLDTBXH").exists()


# ---------------------------------------------------------------------------- several plans


def test_the_directory_and_an_agencys_page_count_the_duties_of_the_plan_in_force(
    client, admin_user
):
    """With a second plan loaded beside 164, the directory's lead/support counts and an
    agency's duties are those of the plan in force (today; a closed agency: its last day),
    not the sum of every plan's."""
    import json
    from datetime import date
    from pathlib import Path

    from agencies.models import Plan
    from agencies.plans import load_plan

    data = json.loads(
        (Path(__file__).resolve().parents[1] / "data" / "plan-99-KH-UBND-2026.json").read_text(
            encoding="utf-8"
        )
    )
    second = load_plan(data)
    old = Plan.objects.get(number="164/KH-UBND")

    def counts(on, code):
        agency = Agency.objects.with_duty_counts(on).get(code=code)
        plan = old if on < second.valid_from else second
        lead = plan.duties.filter(assignments__agency=agency, assignments__role="lead").count()
        return agency.lead_count, lead

    got, want = counts(date(2025, 6, 1), "SNGV")
    assert got == want and got > 0
    got, want = counts(date(2026, 6, 1), "SNGV")
    assert got == want and got > 0
    client.force_login(admin_user)
    body = client.get(Agency.objects.get(code="SNGV").get_absolute_url()).content.decode()
    shown = body.count('<td class="ref">')
    expected = second.duties.filter(assignments__agency__code="SNGV").distinct().count()
    if second.valid_from <= TODAY:
        assert shown == expected
