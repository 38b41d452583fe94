"""An agency's report through its services and its status table: writing, sending after the
period, accepting, returning with a reason; who may do which move (a user without the right is
refused before anything about the report is told); conflicts and limits."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from django.utils import timezone

from activities.models import Activity
from agencies.models import Agency
from reports import agency_reports
from reports.agency_reports import WORKFLOW
from reports.errors import ReportConflict, ReportError, UnknownAction
from reports.models import AgencyReport
from reports.periods import ensure_periods
from tests.factories import (
    RESULTS,
    make_activity,
    make_agency_report,
    make_user,
    write_agency_report,
)

pytestmark = pytest.mark.django_db

Status = AgencyReport.Status


def test_staff_saves_the_narrative_and_the_history_says_who(staff, report, fresh):
    saved = write_agency_report(
        staff, report, difficulties="Thiếu kinh phí", proposals="Bổ sung biên chế"
    )
    row = fresh(report)
    assert (row.results, row.difficulties, row.proposals) == (
        RESULTS,
        "Thiếu kinh phí",
        "Bổ sung biên chế",
    )
    assert row.status == Status.DRAFT
    assert row.version == saved.version == 2
    record = row.history.get()
    assert record.history_user == staff
    assert record.results == RESULTS


def test_staff_cannot_submit_only_a_manager_can(staff, report, fresh):
    report = write_agency_report(staff, report)
    with pytest.raises(ReportError):
        agency_reports.submit_agency_report(actor=staff, report=report, version=report.version)
    row = fresh(report)
    assert (row.status, row.version, row.submitted_at, row.figures) == (Status.DRAFT, 2, None, {})


def test_manager_submits_and_the_figures_are_kept_as_sent(
    staff, boss, reviewer, report, period, fresh
):
    in_period = dict(start_date=date(2020, 3, 2), end_date=date(2020, 3, 3))
    make_activity(staff, status="submitted", title="Đã gửi", **in_period)
    make_activity(staff, status="accepted", reviewer=reviewer, title="Đã tiếp nhận", **in_period)
    make_activity(
        staff, status="accepted", reviewer=reviewer, kind="event", title="Sự kiện", **in_period
    )
    make_activity(staff, status="draft", title="Nháp", **in_period)
    make_activity(staff, status="returned", reviewer=reviewer, title="Bị trả", **in_period)
    make_activity(
        staff,
        status="accepted",
        reviewer=reviewer,
        title="Sau kỳ",
        start_date=date(2020, 6, 15),
        end_date=date(2020, 6, 15),
    )
    vungtau = make_user("vtstaff", "VUNGTAU", "staff")
    make_activity(vungtau, agency="VUNGTAU", status="accepted", reviewer=reviewer, **in_period)

    sent = make_agency_report(
        report.period, report.agency, status="submitted", writer=staff, sender=boss
    )
    row = fresh(report)
    assert row.status == Status.SUBMITTED
    assert (row.submitted_by, row.version) == (boss, sent.version)
    assert row.submitted_at is not None

    counted = Activity.objects.filter(
        agency__code="SLDTBXH",
        status__in=["submitted", "accepted"],
        start_date__range=(period.start_date, period.end_date),
    )
    assert row.figures["total"] == counted.count() == 3
    assert row.figures["accepted"] == counted.filter(status="accepted").count() == 2
    assert {a["title"] for a in row.figures["activities"]} == {"Đã gửi", "Đã tiếp nhận", "Sự kiện"}
    assert {k["kind"]: k["count"] for k in row.figures["by_kind"]} == {"inbound": 2, "event": 1}
    assert row.history.latest().history_user == boss

    # Work logged afterwards does not change what was sent.
    make_activity(staff, status="submitted", title="Muộn", **in_period)
    assert fresh(report).figures == row.figures


@pytest.mark.parametrize("results", ["", "   \n\t "])
def test_a_report_without_results_is_not_sent(staff, boss, report, results, fresh):
    report = write_agency_report(staff, report, results=results, difficulties="Khó khăn")
    with pytest.raises(ReportError):
        agency_reports.submit_agency_report(actor=boss, report=report, version=report.version)
    row = fresh(report)
    assert (row.status, row.version, row.difficulties) == (Status.DRAFT, 2, "Khó khăn")


def test_a_stale_version_is_a_conflict_and_nothing_changes(staff, boss, reviewer, report, fresh):
    first = write_agency_report(staff, report, results="Bản thứ nhất")
    with pytest.raises(ReportConflict):
        write_agency_report(boss, report, results="Bản cũ đè lên", version=1)
    with pytest.raises(ReportConflict):
        agency_reports.submit_agency_report(actor=boss, report=report, version=1)
    row = fresh(report)
    assert (row.results, row.version, row.status) == ("Bản thứ nhất", first.version, Status.DRAFT)
    assert row.history.count() == 1

    sent = agency_reports.submit_agency_report(actor=boss, report=row, version=row.version)
    with pytest.raises(ReportConflict):
        agency_reports.accept_agency_report(actor=reviewer, report=sent, version=sent.version - 1)
    with pytest.raises(ReportConflict):
        agency_reports.return_agency_report(
            actor=reviewer, report=sent, version=sent.version - 1, reason="Bổ sung"
        )
    assert fresh(report).status == Status.SUBMITTED
    assert fresh(report).version == sent.version


def test_reviewer_accepts(staff, boss, reviewer, report, fresh):
    sent = make_agency_report(
        report.period, report.agency, status="submitted", writer=staff, sender=boss
    )
    agency_reports.accept_agency_report(actor=reviewer, report=sent, version=sent.version)
    row = fresh(report)
    assert (row.status, row.reviewed_by) == (Status.ACCEPTED, reviewer)
    assert row.reviewed_at is not None
    assert not row.is_editable
    with pytest.raises(ReportError):
        write_agency_report(staff, row)
    with pytest.raises(ReportError):
        agency_reports.accept_agency_report(actor=reviewer, report=row, version=row.version)


def test_reviewer_returns_with_a_reason_and_the_agency_sends_it_again(
    staff, boss, reviewer, report, fresh
):
    sent = make_agency_report(
        report.period, report.agency, status="submitted", writer=staff, sender=boss
    )
    returned = agency_reports.return_agency_report(
        actor=reviewer, report=sent, version=sent.version, reason="  Thiếu số liệu viện trợ  "
    )
    row = fresh(report)
    assert (row.status, row.return_reason, row.reviewed_by) == (
        Status.RETURNED,
        "Thiếu số liệu viện trợ",
        reviewer,
    )
    assert row.history.latest().history_change_reason == "Thiếu số liệu viện trợ"
    assert row.is_editable

    edited = write_agency_report(
        staff, row, results=RESULTS + " Viện trợ 2 tỷ đồng.", version=returned.version
    )
    again = agency_reports.submit_agency_report(actor=boss, report=edited, version=edited.version)
    row = fresh(report)
    assert (row.status, row.return_reason) == (Status.SUBMITTED, "")
    assert row.results.endswith("Viện trợ 2 tỷ đồng.")
    assert row.version == again.version
    # An accepted report can be returned too.
    agency_reports.accept_agency_report(actor=reviewer, report=row, version=row.version)
    row = fresh(report)
    agency_reports.return_agency_report(
        actor=reviewer, report=row, version=row.version, reason="Sai"
    )
    assert fresh(report).status == Status.RETURNED


@pytest.mark.parametrize("reason", ["", "   ", "\x00", " \x00\n"])
def test_a_return_without_a_reason_is_refused(staff, boss, reviewer, report, reason, fresh):
    sent = make_agency_report(
        report.period, report.agency, status="submitted", writer=staff, sender=boss
    )
    with pytest.raises(ReportError):
        agency_reports.return_agency_report(
            actor=reviewer, report=sent, version=sent.version, reason=reason
        )
    row = fresh(report)
    assert (row.status, row.return_reason, row.version) == (Status.SUBMITTED, "", sent.version)


def test_a_long_reason_with_nul_bytes_is_kept_whole(staff, boss, reviewer, report, fresh):
    """The history's change reason is a short column; the reason itself is kept in full."""
    sent = make_agency_report(
        report.period, report.agency, status="submitted", writer=staff, sender=boss
    )
    reason = "Bổ sung\x00 " + "số liệu chi tiết của từng đoàn, " * 20
    agency_reports.return_agency_report(
        actor=reviewer, report=sent, version=sent.version, reason=reason
    )
    row = fresh(report)
    assert row.status == Status.RETURNED
    assert row.return_reason == reason.replace("\x00", "").strip()
    record = row.history.latest()
    assert "\x00" not in record.history_change_reason
    assert len(record.history_change_reason) <= 100
    assert record.history_change_reason.startswith("Bổ sung số liệu")


def test_draft_and_returned_reports_cannot_be_reviewed(staff, boss, reviewer, report, fresh):
    with pytest.raises(ReportError):
        agency_reports.accept_agency_report(actor=reviewer, report=report, version=report.version)
    with pytest.raises(ReportError):
        agency_reports.return_agency_report(
            actor=reviewer, report=report, version=report.version, reason="Sai"
        )
    assert fresh(report).status == Status.DRAFT
    sent = make_agency_report(
        report.period, report.agency, status="submitted", writer=staff, sender=boss
    )
    with pytest.raises(ReportError):
        agency_reports.submit_agency_report(actor=boss, report=sent, version=sent.version)


def test_a_manager_of_another_agency_cannot_touch_it(staff, boss, manager, report, fresh):
    with pytest.raises(ReportError):
        write_agency_report(manager, report)
    report = write_agency_report(staff, report)
    with pytest.raises(ReportError):
        agency_reports.submit_agency_report(actor=manager, report=report, version=report.version)
    row = fresh(report)
    assert (row.status, row.version, row.history.count()) == (Status.DRAFT, 2, 1)


def test_leader_outsider_and_reviewer_do_not_write_or_send_it(
    staff, boss, reviewer, leader, outsider, report, fresh
):
    for user in (leader, outsider, reviewer):
        with pytest.raises(ReportError):
            write_agency_report(user, report)
    report = write_agency_report(staff, report)
    for user in (leader, outsider, reviewer, staff):
        with pytest.raises(ReportError):
            agency_reports.submit_agency_report(actor=user, report=report, version=report.version)
    sent = agency_reports.submit_agency_report(actor=boss, report=report, version=report.version)
    for user in (leader, outsider, staff, boss):
        with pytest.raises(ReportError):
            agency_reports.accept_agency_report(actor=user, report=sent, version=sent.version)
        with pytest.raises(ReportError):
            agency_reports.return_agency_report(
                actor=user, report=sent, version=sent.version, reason="Sai"
            )
    row = fresh(report)
    assert (row.status, row.version, row.reviewed_by) == (Status.SUBMITTED, sent.version, None)


def test_an_inactive_agency_cannot_send(staff, boss, report, fresh):
    report = write_agency_report(staff, report)
    Agency.objects.filter(code="SLDTBXH").update(closed_on=timezone.localdate())
    with pytest.raises(ReportError):
        agency_reports.submit_agency_report(actor=boss, report=report, version=report.version)
    assert fresh(report).status == Status.DRAFT


@pytest.mark.parametrize("field", ["results", "difficulties", "proposals"])
def test_over_long_text_is_refused_and_nothing_is_saved(staff, report, field, fresh):
    write_agency_report(staff, report, results="Trước")
    row = fresh(report)
    texts = {"results": "Sau", "difficulties": "", "proposals": ""}
    texts[field] = "x" * (AgencyReport.TEXT_MAX_CHARS + 1)
    with pytest.raises(ReportError, match=r"20\.000"):
        write_agency_report(staff, row, **texts)
    after = fresh(report)
    assert (after.results, after.difficulties, after.proposals, after.version) == (
        "Trước",
        "",
        "",
        2,
    )
    texts[field] = "x" * AgencyReport.TEXT_MAX_CHARS  # exactly the limit is fine
    write_agency_report(staff, after, **texts)
    assert len(getattr(fresh(report), field)) == AgencyReport.TEXT_MAX_CHARS


def test_nul_bytes_are_stripped(staff, report, fresh):
    write_agency_report(
        staff, report, results="Kết\x00 quả\x00", difficulties="\x00", proposals=" Đề\x00 xuất "
    )
    row = fresh(report)
    assert (row.results, row.difficulties, row.proposals) == ("Kết quả", "", "Đề xuất")


def test_an_agency_sends_its_report_only_after_the_period_ends(manager):
    year = timezone.localdate().year + 1
    ensure_periods([year])
    report = AgencyReport.objects.get(
        period__kind="half", period__year=year, agency__code="VUNGTAU"
    )
    report = agency_reports.save_agency_report(
        actor=manager,
        report=report,
        version=report.version,
        results="Đã đón 3 đoàn.",
        difficulties="",
        proposals="",
    )
    with pytest.raises(ReportError) as refused:
        agency_reports.submit_agency_report(actor=manager, report=report, version=report.version)
    assert "14/06" in str(refused.value)
    report.refresh_from_db()
    assert report.status == "draft"


# role -> the moves the table offers on SLDTBXH's report of 2020-H1 (over), by status
OFFERED = {
    "staff": {},
    "boss": {"draft": ["submit"], "returned": ["submit"]},
    "manager": {},  # of VUNGTAU
    "reviewer": {"submitted": ["accept", "return"], "accepted": ["return"]},
    "leader": {},
    "outsider": {},
    "admin": {
        "draft": ["submit"],
        "returned": ["submit"],
        "submitted": ["accept", "return"],
        "accepted": ["return"],
    },
}


@pytest.mark.parametrize("role", list(OFFERED))
@pytest.mark.parametrize("status", ["draft", "submitted", "accepted", "returned"])
def test_the_status_table_offers_each_role_its_moves(cast, boss, report, role, status):
    user = boss if role == "boss" else cast[role]
    report.status = status

    offered = WORKFLOW.available(report, user)

    assert [offer.name for offer in offered] == OFFERED[role].get(status, [])
    for offer in offered:
        assert offer.url.startswith("/reports/2020-H1/agencies/SLDTBXH/")


def test_sending_waits_for_the_end_of_the_period_on_the_page_and_in_the_service(boss, vi):
    year = timezone.localdate().year + 1
    ensure_periods([year])
    report = AgencyReport.objects.get(
        period__kind="half", period__year=year, agency__code="SLDTBXH"
    )
    report = write_agency_report(boss, report)

    assert WORKFLOW.available(report, boss) == []
    day = f"14/06/{year}"
    expected = vi(
        "The period ends on %(date)s: send the report after that day, with its figures.", date=day
    )
    assert WORKFLOW["submit"].blocked(report) == expected
    with pytest.raises(ReportError) as refused:
        agency_reports.submit_agency_report(actor=boss, report=report, version=report.version)
    assert str(refused.value) == expected


def test_a_refusal_of_the_table_names_the_agency(staff, report, vi):
    report = write_agency_report(staff, report)

    with pytest.raises(ReportError) as refused:
        agency_reports.submit_agency_report(actor=staff, report=report, version=report.version)

    assert str(refused.value) == vi(
        "Only a manager of %(agency)s may send its report.", agency=report.agency
    )


# role -> the statuses of SLDTBXH's report in which it may change what the agency writes
WRITES = {
    "staff": {"draft", "returned"},
    "boss": {"draft", "returned"},
    "manager": set(),  # of VUNGTAU
    "reviewer": set(),
    "leader": set(),
    "outsider": set(),
    "admin": {"draft", "returned"},
}


@pytest.mark.parametrize("role", list(WRITES))
@pytest.mark.parametrize("status", ["draft", "submitted", "accepted", "returned"])
def test_the_page_offers_the_form_exactly_when_the_service_saves(
    cast, boss, report, role, status, fresh
):
    user = boss if role == "boss" else cast[role]
    AgencyReport.objects.filter(pk=report.pk).update(status=status)
    report = fresh(report)

    offered = agency_reports.may_write(user, report)
    try:
        write_agency_report(user, report, results="Sửa")
    except ReportError:
        saved = False
    else:
        saved = True

    assert offered == saved == (status in WRITES[role])


def test_saving_and_sending_is_one_step_or_nothing(staff, boss, report, fresh):
    with pytest.raises(ReportError) as refused:
        agency_reports.save_and_submit_agency_report(
            actor=staff,
            report=report,
            version=report.version,
            results=RESULTS,
            difficulties="Khó",
            proposals="",
        )
    assert str(report.agency) in str(refused.value)  # only a manager sends
    row = fresh(report)
    assert (row.status, row.results, row.difficulties, row.version) == (Status.DRAFT, "", "", 1)

    sent = agency_reports.save_and_submit_agency_report(
        actor=boss,
        report=row,
        version=row.version,
        results=RESULTS,
        difficulties="Khó",
        proposals="",
    )
    row = fresh(report)
    assert (row.status, row.results, row.difficulties) == (Status.SUBMITTED, RESULTS, "Khó")
    assert row.version == sent.version == 3  # saved, then sent
    assert row.submitted_by == boss and row.figures


@pytest.mark.parametrize("action", ["submit", "delete", ""])
def test_a_review_move_the_panel_does_not_offer_is_refused_before_anything_is_read(
    reviewer, report, action, fresh, django_assert_num_queries
):
    with django_assert_num_queries(0), pytest.raises(UnknownAction):
        agency_reports.review_agency_report(
            actor=reviewer, report=report, version=report.version, action=action
        )
    assert fresh(report).status == Status.DRAFT


def test_only_the_refusal_of_an_actor_is_formatted_with_the_agency(
    staff, boss, report, monkeypatch
):
    """The other messages are final: a '%' in their translation must not break them."""
    sent = make_agency_report(
        report.period, report.agency, status="submitted", writer=staff, sender=boss
    )
    wrong_state = "Báo cáo đã gửi (100 %)."  # "%)" alone would raise ValueError
    table = dict(WORKFLOW.transitions)
    table["submit"] = dataclasses.replace(table["submit"], wrong_state=wrong_state)
    monkeypatch.setattr(WORKFLOW, "transitions", table)

    with pytest.raises(ReportError) as refused:
        agency_reports.submit_agency_report(actor=boss, report=sent, version=sent.version)

    assert str(refused.value) == wrong_state


def test_before_the_period_ends_an_empty_report_is_told_the_period_first(boss, vi):
    """The table's guard (the period) comes before the service's own check (the results):
    an agency cannot send before the end whatever it wrote."""
    year = timezone.localdate().year + 1
    ensure_periods([year])
    report = AgencyReport.objects.get(
        period__kind="half", period__year=year, agency__code="SLDTBXH"
    )
    with pytest.raises(ReportError) as refused:
        agency_reports.submit_agency_report(actor=boss, report=report, version=report.version)
    assert str(refused.value) == vi(
        "The period ends on %(date)s: send the report after that day, with its figures.",
        date=f"14/06/{year}",
    )


@pytest.mark.parametrize(
    ("role", "action", "status"),
    [
        ("staff", "submit", "draft"),  # staff write, a manager sends
        ("manager", "submit", "draft"),  # a manager of another agency
        ("boss", "accept", "submitted"),  # the agency does not review itself
        ("leader", "return", "accepted"),
        ("outsider", "accept", "submitted"),
    ],
)
def test_a_user_without_the_right_is_refused_before_a_stale_version_is_told(
    cast, staff, boss, reviewer, report, fresh, role, action, status
):
    report = make_agency_report(
        report.period, report.agency, status=status, writer=staff, sender=boss, reviewer=reviewer
    )
    actor = boss if role == "boss" else cast[role]
    move = {
        "submit": agency_reports.submit_agency_report,
        "accept": agency_reports.accept_agency_report,
        "return": lambda **kwargs: agency_reports.return_agency_report(**kwargs, reason="Sai"),
    }[action]
    with pytest.raises(ReportError) as refused:
        move(actor=actor, report=report, version=report.version - 1)
    # The refusal, not the conflict: the conflict would tell the report's status.
    assert not isinstance(refused.value, ReportConflict)
    assert str(refused.value) == str(WORKFLOW[action].refused) % {"agency": report.agency}
    row = fresh(report)
    assert (row.status, row.version) == (status, report.version)


def test_a_reviewer_with_a_stale_version_is_told_of_the_conflict(staff, boss, reviewer, report):
    sent = make_agency_report(
        report.period, report.agency, status="submitted", writer=staff, sender=boss
    )
    with pytest.raises(ReportConflict):
        agency_reports.accept_agency_report(actor=reviewer, report=sent, version=sent.version - 1)


def test_a_write_by_someone_who_may_not_is_refused_before_a_stale_version_is_told(
    staff, reviewer, report, fresh, vi
):
    report = write_agency_report(staff, report, results="Bản của đơn vị")
    with pytest.raises(ReportError) as refused:
        write_agency_report(reviewer, report, results="Sửa hộ", version=report.version - 1)
    assert not isinstance(refused.value, ReportConflict)
    assert str(refused.value) == vi(
        "You may not write the report of %(agency)s.", agency=report.agency
    )
    assert fresh(report).results == "Bản của đơn vị"
