"""The issuing authority by date (issue 11): the header of the province's report (the body above
the issuer, the issuer), the place in the date line, the number's suffix and the signature
come from the IssuingAuthority record in force on the issue date; a draft shows, and prints,
the one in force today. The first record is seeded from the REPORT_* settings (Bà Rịa - Vũng
Tàu); a made-up record of Hồ Chí Minh City takes over on 1/7/2025.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from reports.consolidation import issue_report
from reports.errors import ReportError
from reports.models import ConsolidatedReport, IssueCounter, IssuingAuthority
from reports.periods import ensure_periods
from tests.factories import make_consolidated_report, make_periods
from tests.support import postgres_only

pytestmark = pytest.mark.django_db

OLD_PARENT = "UBND TỈNH BÀ RỊA - VŨNG TÀU"
NEW_PARENT = "UBND THÀNH PHỐ HỒ CHÍ MINH"
NO_AUTHORITY = (
    "No issuing authority is in force today, so the report cannot be issued: an "
    "administrator must first record one (issuer, place, number suffix, signer) in "
    "force from today or earlier in the administration, under Issuing authorities. "
    "Nothing was issued."
)


@pytest.fixture
def hcm(db) -> IssuingAuthority:
    """Hồ Chí Minh City's Sở Ngoại vụ from 1/7/2025 (Resolution 202/2025/QH15)."""
    return IssuingAuthority.objects.create(
        valid_from=date(2025, 7, 1),
        issuer_parent=NEW_PARENT,
        issuer="SỞ NGOẠI VỤ",
        place="Thành phố Hồ Chí Minh",
        number_suffix="BC-SNgV-HCM",
        recipients="- Bộ Ngoại giao (Cục Ngoại vụ);\n- Thường trực Thành ủy;",
        archive="- Lưu: VT, P.HTQT.",
        signer_authority="KT. GIÁM ĐỐC",
        signer_title="PHÓ GIÁM ĐỐC",
        signer_name="Trần Thị Mai",
    )


@pytest.fixture
def periods(db) -> dict:
    return make_periods(2025, 2026)


@pytest.fixture
def on_day(monkeypatch) -> Callable[[date], None]:
    """Make "today" (django.utils.timezone.localdate without a value) the given day: the day
    a report is issued on."""
    real = timezone.localdate

    def set_day(day: date) -> None:
        def localdate(value=None, timezone=None):
            return real(value, timezone) if value is not None else day

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return set_day


def test_the_record_in_force_on_a_day(hcm):
    seeded = IssuingAuthority.objects.exclude(pk=hcm.pk).get()
    assert seeded.issuer_parent == OLD_PARENT
    assert IssuingAuthority.objects.on(date(2025, 6, 30)) == seeded
    assert IssuingAuthority.objects.on(date(2025, 7, 1)) == hcm
    assert IssuingAuthority.objects.on(date(2019, 1, 1)) is None


def test_each_report_prints_the_authority_of_its_issue_date(
    hcm, periods, reviewer, on_day, pdf_words, real_renderer
):
    old_half = make_consolidated_report("2025-H1", actor=reviewer, real_pdf=True)
    new_half = make_consolidated_report("2026-H1", actor=reviewer, real_pdf=True)

    on_day(date(2025, 6, 20))
    old = issue_report(actor=reviewer, report=old_half)
    on_day(date(2026, 7, 2))
    new = issue_report(actor=reviewer, report=new_half)

    old_text, new_text = pdf_words(old), pdf_words(new)
    assert OLD_PARENT in old_text and NEW_PARENT not in old_text
    assert "Bà Rịa - Vũng Tàu, ngày 20 tháng 6 năm 2025" in old_text
    assert "Số: 01/BC-SNgV " in old_text
    assert NEW_PARENT in new_text and OLD_PARENT not in new_text
    assert "Thành phố Hồ Chí Minh, ngày 02 tháng 7 năm 2026" in new_text
    assert "Số: 01/BC-SNgV-HCM" in new_text
    assert "Trần Thị Mai" in new_text and "Thường trực Thành ủy" in new_text
    assert (old.issuing_authority.issuer_parent, new.issuing_authority) == (OLD_PARENT, hcm)


def test_an_issued_report_keeps_the_authority_and_number_it_was_issued_under(
    hcm, periods, reviewer
):
    issued = make_consolidated_report("2026-H1", actor=reviewer, status="issued")
    assert (issued.issuing_authority, issued.number_display) == (hcm, "01/BC-SNgV-HCM")
    # A later record, and a corrected suffix, do not change what was issued.
    IssuingAuthority.objects.create(
        valid_from=timezone.localdate(),
        issuer_parent="UBND KHÁC",
        issuer="SỞ NGOẠI VỤ",
        place="Nơi khác",
        number_suffix="BC-KHAC",
        signer_title="GIÁM ĐỐC",
    )
    IssuingAuthority.objects.filter(pk=hcm.pk).update(number_suffix="BC-SUA")
    again = ConsolidatedReport.objects.get(pk=issued.pk)
    assert (again.issuing_authority_id, again.number_display) == (hcm.pk, "01/BC-SNgV-HCM")
    # The record a report was issued under cannot be deleted.
    with pytest.raises(ProtectedError):
        hcm.delete()


def test_the_draft_page_says_which_authority_it_will_use(client, hcm, periods, reviewer):
    draft = make_consolidated_report("2026-H1", actor=reviewer)
    client.force_login(reviewer)
    html = client.get(draft.get_absolute_url()).content.decode()
    said = re.search(r'data-testid="authority">(.*?)</p>', html, re.S).group(1)
    assert NEW_PARENT in said and "SỞ NGOẠI VỤ" in said and "01/07/2025" in said
    change = reverse("admin:reports_issuingauthority_change", args=[hcm.pk])
    assert change not in html  # only staff are sent to the admin
    assert 'data-testid="issue"' in html
    type(reviewer).objects.filter(pk=reviewer.pk).update(is_staff=True)
    assert change in client.get(draft.get_absolute_url()).content.decode()


def test_the_draft_prints_the_authority_in_force_today(hcm, periods, reviewer, rendered_words):
    make_consolidated_report("2025-H1", actor=reviewer)
    words = rendered_words()
    # Drafted today: Hồ Chí Minh City's, even for a period of Bà Rịa - Vũng Tàu's time.
    assert NEW_PARENT in words and "Thành phố Hồ Chí Minh, ngày" in words
    assert "/BC-SNgV-HCM" in words


def test_no_authority_in_force_refuses_issuing_and_changes_nothing(
    client, periods, reviewer, vi, rendered_words
):
    # The only record begins after today: none is in force.
    IssuingAuthority.objects.update(valid_from=date(2099, 1, 1))
    draft = make_consolidated_report("2026-H1", actor=reviewer)
    assert "CHƯA CÓ CƠ QUAN BAN HÀNH CÓ HIỆU LỰC" in rendered_words()
    client.force_login(reviewer)
    html = client.get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="no-authority"' in html and 'data-testid="issue"' not in html

    with pytest.raises(ReportError) as refused:
        issue_report(actor=reviewer, report=draft, version=draft.version)
    assert str(refused.value) == vi(NO_AUTHORITY)
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.issuing_authority_id) == ("ready", None, None)
    assert not IssueCounter.objects.filter(last_number__gt=0).exists()
    # The page's own post is refused the same way.
    response = client.post(
        reverse("reports:consolidated-issue", args=[draft.pk]),
        {"version": draft.version},
        follow=True,
    )
    assert vi(NO_AUTHORITY) in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "ready"


def test_the_export_for_the_ministry_names_the_authority_issued_under(
    client, hcm, periods, reviewer
):
    issued = make_consolidated_report("2026-H1", actor=reviewer, status="issued")
    client.force_login(reviewer)
    data = client.get(reverse("reports:consolidated-json", args=[issued.pk])).json()
    assert data["issuer"] == {"parent": NEW_PARENT, "name": "SỞ NGOẠI VỤ"}
    assert data["number"] == "01/BC-SNgV-HCM"


# ----------------------------------------------------------------------------- the admin


ADD = reverse("admin:reports_issuingauthority_add")


def authority_form(**changes) -> dict:
    return {
        "valid_from": "01/07/2025",
        "issuer_parent": NEW_PARENT,
        "issuer": "SỞ NGOẠI VỤ",
        "place": "Thành phố Hồ Chí Minh",
        "number_suffix": "BC-SNgV",
        "recipients": "- Bộ Ngoại giao;",
        "archive": "- Lưu: VT.",
        "signer_authority": "KT. GIÁM ĐỐC",
        "signer_title": "PHÓ GIÁM ĐỐC",
        "signer_name": "",
        "change_reason": "Nghị quyết 202/2025/QH15",
        **changes,
    }


def test_an_administrator_records_an_authority_with_its_reason(client, admin_user):
    client.force_login(admin_user)
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, authority_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    made = IssuingAuthority.objects.get(valid_from=date(2025, 7, 1))
    assert made.issuer_parent == NEW_PARENT
    [entry] = made.history.all()
    assert (entry.history_user, entry.history_change_reason) == (
        admin_user,
        "Nghị quyết 202/2025/QH15",
    )
    history = reverse("admin:reports_issuingauthority_history", args=[made.pk])
    assert client.get(history).status_code == 200
    listing = client.get(reverse("admin:reports_issuingauthority_changelist"))
    assert NEW_PARENT in listing.content.decode()


def test_two_records_cannot_begin_the_same_day(client, admin_user, hcm):
    client.force_login(admin_user)
    response = client.post(ADD, authority_form())
    assert response.status_code == 200  # the form again, with the error
    assert IssuingAuthority.objects.filter(valid_from=date(2025, 7, 1)).count() == 1


@pytest.mark.parametrize("role", ["reviewer", "leader", "staff"])
def test_only_administrators_edit_authorities(client, cast, role):
    client.force_login(cast[role])
    response = client.get(ADD)
    assert response.status_code in (302, 403)
    assert client.post(ADD, authority_form()).status_code in (302, 403)
    assert not IssuingAuthority.objects.filter(valid_from=date(2025, 7, 1)).exists()


# ----------------------------------------------------------------------------- the migration

BEFORE = [("reports", "0010_issuing_authority_data")]


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reports_issued_before_get_the_authority_of_their_issue_date():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    ensure_periods([2025])
    try:
        MigrationExecutor(connection).migrate(BEFORE)
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        Authority = old.get_model("reports", "IssuingAuthority")
        Authority.objects.create(
            valid_from=date(2025, 7, 1),
            issuer_parent=NEW_PARENT,
            issuer="SỞ NGOẠI VỤ",
            place="Thành phố Hồ Chí Minh",
            number_suffix="BC-SNgV-HCM",
            signer_title="PHÓ GIÁM ĐỐC",
        )
        Report = old.get_model("reports", "ConsolidatedReport")
        Period = old.get_model("reports", "ReportingPeriod")
        made = {}
        for kind, issued_on, number in (("half", date(2025, 6, 20), 1), ("year", None, None)):
            made[kind] = Report.objects.create(
                period=Period.objects.get(kind=kind, year=2025),
                draft_number=1,
                status="issued" if issued_on else "ready",
                number=number,
                number_year=2025 if number else None,
                issued_on=issued_on,
            ).pk
        MigrationExecutor(connection).migrate(latest)

        issued = ConsolidatedReport.objects.get(pk=made["half"])
        assert issued.issuing_authority.issuer_parent == OLD_PARENT
        assert issued.number_display == "01/BC-SNgV"
        draft = ConsolidatedReport.objects.get(pk=made["year"])
        assert (draft.issuing_authority_id, draft.number_suffix) == (None, "")
    finally:
        MigrationExecutor(connection).migrate(latest)
