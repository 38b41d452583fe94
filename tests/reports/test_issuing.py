"""Issuing a version: the next number of the year, once, the latest ready version only, as
the page showed it; nothing issued when the final PDF fails; the leaders told by e-mail;
two reviewers at once on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from notifications import delivery
from notifications.models import EmailChoice, Kind, Notification
from notifications.services import set_preferences
from reports import consolidation, documents, notifications
from reports.errors import ReportConflict, ReportError
from reports.models import ConsolidatedReport, IssueCounter, ReportingPeriod
from reports.periods import ensure_periods
from tests.factories import make_activity, make_user
from tests.support import postgres_only

pytestmark = pytest.mark.django_db

Status = ConsolidatedReport.Status


def test_issuing_numbers_reports_one_after_the_other_within_the_year(
    dataset, periods, reviewer, build_now, issue_now, rendered_words
):
    half = build_now(periods["2020-H1"], reviewer)
    year = build_now(periods["2020"], reviewer)

    half = issue_now(half, reviewer)
    year = issue_now(year, reviewer)

    today = timezone.localdate()
    assert (half.number, half.number_display) == (1, "01/BC-SNgV")
    assert (year.number, year.number_display) == (2, "02/BC-SNgV")
    assert half.number_year == year.number_year == today.year
    assert half.issued_on == today and half.issued_by == reviewer and half.issued_at
    assert half.status == year.status == Status.ISSUED
    assert IssueCounter.objects.get(year=today.year).last_number == 2
    assert "Số: 02/BC-SNgV" in rendered_words()  # the year's final PDF, rendered last


def test_a_version_is_issued_once_and_never_changes(
    dataset, h1, reviewer, vi, build_now, issue_now
):
    report = build_now(h1, reviewer)
    issue_now(report, reviewer)

    with pytest.raises(ReportError) as twice:
        consolidation.issue_report(actor=reviewer, report=report)
    assert str(twice.value) == vi("This version was already issued as number %(number)s.") % {
        "number": "01/BC-SNgV"
    }
    with pytest.raises(ReportError) as frozen:
        consolidation.save_narrative(
            actor=reviewer, report=report, sections={"situation": "Sửa sau khi ban hành"}
        )
    assert str(frozen.value) == vi("An issued report cannot be changed: draft a new version.")
    with pytest.raises(ReportError):
        consolidation.retry_drafting(actor=reviewer, report=report)
    report.refresh_from_db()
    assert (report.status, report.number, report.edited_sections) == (Status.ISSUED, 1, [])
    assert "Sửa sau khi ban hành" not in report.situation
    assert IssueCounter.objects.get().last_number == 1
    assert ConsolidatedReport.objects.filter(number__isnull=False).count() == 1

    # A new version can follow; it is a draft until issued in turn.
    newer = build_now(h1, reviewer)
    assert (newer.draft_number, newer.status, newer.number) == (2, Status.READY, None)


def test_an_issue_that_fails_to_render_takes_no_number(
    h1, reviewer, monkeypatch, django_capture_on_commit_callbacks, vi, build_now, issue_now
):
    report = build_now(h1, reviewer)

    def broken(version):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(documents, "render_pdf", broken)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ReportError) as refused,
    ):
        consolidation.issue_report(actor=reviewer, report=report)
    assert str(refused.value) == vi(
        "The final PDF could not be rendered, so nothing was issued. Try again."
    )
    assert callbacks == []  # nobody is told
    report.refresh_from_db()
    assert (report.status, report.number, report.issued_on) == (Status.READY, None, None)
    assert not IssueCounter.objects.filter(last_number__gt=0).exists()

    monkeypatch.undo()
    assert issue_now(report, reviewer).number == 1


@pytest.mark.parametrize("status", [Status.QUEUED, Status.BUILDING, Status.FAILED])
def test_only_a_ready_draft_is_issued(h1, reviewer, status, vi):
    report = consolidation.start_drafting(actor=reviewer, period=h1, enqueue=False)
    ConsolidatedReport.objects.filter(pk=report.pk).update(status=status)

    with pytest.raises(ReportError) as refused:
        consolidation.issue_report(actor=reviewer, report=report)
    assert str(refused.value) == vi("Only a ready draft can be issued.")
    assert not IssueCounter.objects.filter(last_number__gt=0).exists()


@pytest.mark.parametrize("role", ["staff", "manager", "leader", "outsider"])
def test_only_reviewers_issue(cast, h1, reviewer, role, build_now):
    report = build_now(h1, reviewer)

    with pytest.raises(ReportError):
        consolidation.issue_report(actor=cast[role], report=report)
    report.refresh_from_db()
    assert report.status == Status.READY and report.number is None


def test_an_older_version_cannot_be_issued_once_a_newer_one_exists(
    two_ready, reviewer, vi, issue_now
):
    first, second = two_ready
    with pytest.raises(ReportError) as refused:
        consolidation.issue_report(actor=reviewer, report=first)
    assert str(refused.value) == vi("A newer version (%(version)s) exists: issue that one.") % {
        "version": 2
    }
    assert issue_now(second, reviewer).number == 1
    with pytest.raises(ReportError):
        consolidation.issue_report(actor=reviewer, report=first)
    assert ConsolidatedReport.objects.filter(number__isnull=False).count() == 1


def test_a_form_from_an_older_version_changes_nothing(
    h1, staff, reviewer, django_capture_on_commit_callbacks, build_now
):
    make_activity(staff, status="accepted", reviewer=reviewer)
    ready = build_now(h1, reviewer)
    seen = ready.version
    with django_capture_on_commit_callbacks(execute=True):
        consolidation.save_narrative(
            actor=reviewer, report=ready, sections={"situation": "Người khác sửa."}, version=seen
        )
    with pytest.raises(ReportConflict):
        consolidation.save_narrative(
            actor=reviewer, report=ready, sections={"situation": "Sửa đè."}, version=seen
        )
    with pytest.raises(ReportConflict):
        consolidation.issue_report(actor=reviewer, report=ready, version=seen)
    ready.refresh_from_db()
    assert (ready.situation, ready.status, ready.number) == ("Người khác sửa.", Status.READY, None)


def test_the_leaders_are_emailed_when_a_report_is_issued(
    client, h1, reviewer, leader, staff, settings, build_now, issue_now
):
    for user, email in [
        (leader, "hung@ubnd.gov.vn"),
        (staff, "lan@sldtbxh.gov.vn"),
        (reviewer, "nam@sngv.gov.vn"),
    ]:
        user.email = email
        user.save()
    make_user("leader2", "UBNDTINH", "leader", email="an@ubnd.gov.vn")
    quiet = make_user("leader3", "UBNDTINH", "leader", email="quiet@ubnd.gov.vn")
    set_preferences(quiet, {Kind.REPORT_ISSUED: EmailChoice.NEVER})
    report = build_now(h1, reviewer)
    assert mail.outbox == []

    issue_now(report, reviewer)

    assert sorted(m.to[0] for m in mail.outbox) == ["an@ubnd.gov.vn", "hung@ubnd.gov.vn"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees the others' addresses
    assert all("01/BC-SNgV" in m.subject for m in mail.outbox)
    # The link opens the issued reports' page, which a leader may read.
    link = settings.SITE_URL.rstrip("/") + reverse("reports:issued")
    assert all(link in m.body for m in mail.outbox)
    # Every leader is told under the bell, the one who chose no e-mail too; not the
    # reviewer who issued it, nor an agency's staff.
    told = Notification.objects.filter(event=f"report-issued:{report.pk}")
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "leader",
        "leader2",
        "leader3",
    ]
    client.force_login(leader)  # what the bell links to opens for a leader
    assert client.get(told.get(recipient=leader).url).status_code == 200
    # Telling them again about a version that is not issued does nothing; about the issued
    # one, nothing either (the former task by its name, the e-mails' task retried): each
    # leader was written to once.
    draft_version = build_now(h1, reviewer)
    assert notifications.notify_leaders(draft_version.pk) == 0
    assert notifications.notify_leaders(report.pk) == 0
    assert delivery.email_event(f"report-issued:{report.pk}") == 0
    assert len(mail.outbox) == 2


def test_the_leaders_notice_says_which_report_and_where_in_the_portals_language(
    h1, reviewer, leader, settings, vi, build_now, issue_now
):
    leader.email = "hung@ubnd.gov.vn"
    leader.save()

    with translation.override("en"):  # whatever language the reviewer uses
        issue_now(build_now(h1, reviewer), reviewer)

    [message] = mail.outbox
    with translation.override("vi"):
        period = str(h1.label)
    title = vi(
        "Report %(number)s on people-to-people diplomacy, %(period)s",
        number="01/BC-SNgV",
        period=period,
    )
    assert message.subject == vi("A consolidated report was issued") + ": " + title
    link = settings.SITE_URL.rstrip("/") + reverse("reports:issued")
    assert message.body.startswith(
        vi("A consolidated report was issued")
        + ".\n\n"
        + title
        + "\n\n"
        + vi(
            "Sở Ngoại vụ issued report %(number)s on people-to-people diplomacy for %(period)s.",
            number="01/BC-SNgV",
            period=period,
        )
        + "\n\n"
        + vi("Open it in the portal: %(link)s", link=link)
        + "\n"
    )


def _issue_in_threads(report_ids: list[int], actor) -> list[tuple[str, object]]:
    barrier = threading.Barrier(len(report_ids))
    results: list[tuple[str, object]] = []

    def run(report_id: int) -> None:
        try:
            report = ConsolidatedReport.objects.get(pk=report_id)
            barrier.wait(timeout=20)
            results.append(
                ("issued", consolidation.issue_report(actor=actor, report=report).number)
            )
        except ReportError as exc:
            results.append(("refused", str(exc)))
        except Exception as exc:  # reported, not swallowed
            results.append(("crashed", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=[pk]) for pk in report_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_reviewers_issuing_the_same_version_at_once_get_one_number(reviewer, vi):
    ensure_periods([2020])
    period = ReportingPeriod.objects.get(kind="half", year=2020)
    report = consolidation.start_drafting(actor=reviewer, period=period)  # built on commit (eager)
    report.refresh_from_db()
    assert report.status == Status.READY

    results = _issue_in_threads([report.pk, report.pk], reviewer)

    assert sorted(kind for kind, _ in results) == ["issued", "refused"], results
    assert [n for kind, n in results if kind == "issued"] == [1]
    refused = next(text for kind, text in results if kind == "refused")
    assert refused == vi("This version was already issued as number %(number)s.") % {
        "number": "01/BC-SNgV"
    }
    report.refresh_from_db()
    assert (report.status, report.number) == (Status.ISSUED, 1)
    assert IssueCounter.objects.get().last_number == 1


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_versions_issued_at_once_get_numbers_one_and_two(reviewer):
    ensure_periods([2020])
    ids = []
    for period in ReportingPeriod.objects.filter(year=2020):
        report = consolidation.start_drafting(actor=reviewer, period=period)
        report.refresh_from_db()
        assert report.status == Status.READY
        ids.append(report.pk)

    results = _issue_in_threads(ids, reviewer)

    assert sorted(results) == [("issued", 1), ("issued", 2)], results
    assert sorted(ConsolidatedReport.objects.values_list("number", flat=True)) == [1, 2]
    assert IssueCounter.objects.get().last_number == 2
