"""The province's consolidated report: its figures against the database, the builds and their
documents (real WeasyPrint, read back with poppler; the XLSX annex with openpyxl), the
security of the rendering, idempotent and self-healing tasks, issuing, and build_report.

The helpers and fixtures at the top are shared with test_consolidated_pages.py and
test_report_worker.py.
"""

from __future__ import annotations

import io
import re
import threading
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from activities import exchange
from activities.models import Activity, Message
from activities.services import get_or_create_partner
from agencies.models import Agency, Duty, DutyAssignment
from reports import documents, services, tasks
from reports.figures import period_figures
from reports.models import AgencyReport, ConsolidatedReport, IssueCounter, ReportingPeriod
from reports.narrative import draft, number, vnd
from reports.periods import ensure_periods
from reports.services import ReportError
from tests.activities.conftest import make_activity
from tests.conftest import make_user, postgres_only
from tests.reports import test_pdf
from tests.reports.test_pdf import poppler, squash, words

# The local HTTP server that records every connection, and the spy on the PDF fetcher.
http_server = test_pdf.http_server
fetched = test_pdf.fetched

Built = ConsolidatedReport.Status
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SUMMARY = "Kết quả công tác đối ngoại Nhân dân 6 tháng đầu năm 2020"
H1_START, H1_END = date(2019, 12, 15), date(2020, 6, 14)  # Decree 09/2019: 15/12 to 14/6


# ---------------------------------------------------------------------------- shared helpers


def vi(message: str) -> str:
    """A message as a Vietnamese user reads it (the catalogue's text once translated)."""
    with translation.override("vi"):
        return gettext(message)


def build_failed_message(reason: str) -> str:
    return vi("%(reason)s Nothing was lost: build it again.") % {"reason": vi(reason)}


def stale_text() -> str:
    return vi(
        "The build was interrupted (the worker stopped or did not answer in time). "
        "Nothing was lost: build it again."
    )


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path) -> Path:
    """Each test stores its PDFs and XLSX files in its own folder, so they can be counted."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        },
    }
    return location


def stored(location: Path, suffix: str) -> list[Path]:
    return sorted(location.rglob(f"*.{suffix}")) if location.exists() else []


@pytest.fixture
def periods(db) -> dict[str, ReportingPeriod]:
    ensure_periods([2019, 2020])
    return {p.code: p for p in ReportingPeriod.objects.all()}


@pytest.fixture
def h1(periods) -> ReportingPeriod:
    return periods["2020-H1"]


@pytest.fixture
def syt(db):
    return make_user("sytstaff", "SYT", "staff", full_name="Võ Thị Hạnh")


def accepted(user, reviewer, agency: str, **fields) -> Activity:
    return make_activity(user, agency=agency, status="accepted", reviewer=reviewer, **fields)


def make_dataset(staff, manager, reviewer, syt) -> dict:
    """Activities of every kind that counts, and of every kind that must not: not accepted,
    outside the period; the same period of 2019; agency reports and difficulty messages."""
    duty = {ref: Duty.objects.get(ref=ref) for ref in ("III.3.1", "III.7.1")}
    water = get_or_create_partner(name="Quỹ Nước sạch Quốc tế", kind="ngo", country="US")
    friends = get_or_create_partner(name="Hội Hữu nghị Đức - Việt", kind="ngo", country="DE")
    counted = [
        accepted(
            staff,
            reviewer,
            "SLDTBXH",
            title="Đón đoàn Bộ Y tế, Lao động và Phúc lợi Nhật Bản",
            duty=duty["III.3.1"],
            participants_vietnamese=10,
            participants_foreign=5,
        ),
        accepted(
            staff,
            reviewer,
            "SLDTBXH",
            kind="outbound",
            title="Đoàn công tác sang Hàn Quốc",
            start_date=date(2020, 1, 10),
            end_date=date(2020, 1, 15),
            countries=["KR"],
            duty=duty["III.3.1"],
            participants_vietnamese=4,
        ),
        accepted(
            manager,
            reviewer,
            "VUNGTAU",
            kind="aid",
            title="Dự án nước sạch cho trường học",
            start_date=date(2020, 4, 1),
            end_date=date(2020, 4, 1),
            countries=["US"],
            duty=duty["III.7.1"],
            partners=[water],
            aid={"donor": water, "sector": "health", "committed_vnd": 1_500_000_000},
        ),
        accepted(
            manager,
            reviewer,
            "VUNGTAU",
            kind="aid",
            title="Học bổng cho học sinh nghèo",
            start_date=date(2020, 5, 20),
            end_date=date(2020, 5, 20),
            countries=["DE"],
            partners=[friends],
            aid={"donor": friends, "sector": "education", "committed_vnd": 500_000_000},
        ),
        accepted(  # the first day of the period counts
            manager,
            reviewer,
            "VUNGTAU",
            kind="event",
            title="Gặp mặt hữu nghị Việt - Nhật - Hàn",
            start_date=H1_START,
            end_date=H1_START,
            countries=["JP", "KR"],
            participants_vietnamese=100,
            participants_foreign=50,
        ),
        accepted(  # and the last day
            syt,
            reviewer,
            "SYT",
            kind="training",
            title="Tập huấn y tế cộng đồng",
            start_date=H1_END,
            end_date=H1_END,
            countries=[],
        ),
    ]
    not_counted = [
        make_activity(staff, status="submitted", title="Chờ duyệt", start_date=date(2020, 2, 2)),
        make_activity(staff, status="draft", title="Bản nháp", start_date=date(2020, 2, 3)),
        make_activity(
            manager,
            agency="VUNGTAU",
            status="returned",
            reviewer=reviewer,
            title="Bị trả lại",
            start_date=date(2020, 2, 4),
            end_date=date(2020, 2, 4),
        ),
        accepted(
            staff,
            reviewer,
            "SLDTBXH",
            title="Ngày sau kỳ",
            start_date=H1_END + timedelta(days=1),
            end_date=H1_END + timedelta(days=1),
        ),
        accepted(
            staff,
            reviewer,
            "SLDTBXH",
            title="Ngày trước kỳ",
            start_date=H1_START - timedelta(days=1),
            end_date=H1_START - timedelta(days=1),
        ),
    ]
    previous = [  # 6 months of 2019: 15/12/2018 to 14/6/2019
        accepted(
            staff,
            reviewer,
            "SLDTBXH",
            title="Đoàn Nhật Bản 2019",
            start_date=date(2019, 3, 1),
            end_date=date(2019, 3, 1),
        ),
        accepted(
            manager,
            reviewer,
            "VUNGTAU",
            kind="aid",
            title="Viện trợ 2019",
            start_date=date(2019, 2, 1),
            end_date=date(2019, 2, 1),
            countries=["US"],
            aid={"donor": water, "sector": "health", "committed_vnd": 1_000_000_000},
        ),
    ]
    make_activity(staff, status="submitted", title="2019 chưa duyệt", start_date=date(2019, 4, 1))

    period = ReportingPeriod.objects.get(kind="half", year=2020)
    vungtau = AgencyReport.objects.get(period=period, agency__code="VUNGTAU")
    vungtau = services.save_agency_report(
        actor=manager,
        report=vungtau,
        version=vungtau.version,
        results="Đã tổ chức các hoạt động theo kế hoạch.",
        difficulties="Thiếu kinh phí đón đoàn.",
        proposals="Đề nghị bổ sung kinh phí đối ngoại.",
    )
    services.submit_agency_report(actor=manager, report=vungtau, version=vungtau.version)
    # Not sent: what these agencies wrote is not the province's yet.
    AgencyReport.objects.filter(period=period, agency__code="SLDTBXH").update(
        difficulties="Bản nháp chưa gửi.", proposals="Đề xuất chưa gửi."
    )
    AgencyReport.objects.filter(period=period, agency__code="SYT").update(
        status="returned", difficulties="Báo cáo bị trả lại."
    )

    def message(kind: str, subject: str, when: datetime, **extra) -> Message:
        sent = exchange.send_message(
            actor=manager,
            sender_agency=Agency.objects.get(code="VUNGTAU"),
            recipients=list(Agency.objects.filter(code="SNGV")),
            kind=kind,
            subject=subject,
            body="Chậm cấp phép cho đoàn vào.",
            **extra,
        )
        Message.objects.filter(pk=sent.pk).update(created_at=when)
        return sent

    message("difficulty", "Vướng mắc thủ tục", datetime(2020, 3, 10, 9, 0, tzinfo=LOCAL))
    message("difficulty", "Sau kỳ báo cáo", datetime(2020, 6, 15, 9, 0, tzinfo=LOCAL))
    message("information", "Thông tin thường", datetime(2020, 3, 11, 9, 0, tzinfo=LOCAL))
    return {"counted": counted, "not_counted": not_counted, "previous": previous}


@pytest.fixture
def dataset(h1, staff, manager, reviewer, syt) -> dict:
    return make_dataset(staff, manager, reviewer, syt)


def build_now(capture, period: ReportingPeriod, actor) -> ConsolidatedReport:
    """A new version, built by the (eager) task once the transaction commits."""
    with capture(execute=True):
        report = services.start_build(actor=actor, period=period)
    report.refresh_from_db()
    return report


def issue_now(capture, report: ConsolidatedReport, actor) -> ConsolidatedReport:
    with capture(execute=True):
        issued = services.issue(actor=actor, report=report)
    issued.refresh_from_db()
    return issued


def pdf_words(report: ConsolidatedReport) -> str:
    return words(poppler("pdftotext", "-layout", report.pdf.path, "-"))


def counted_in(period: ReportingPeriod) -> list[Activity]:
    """The activities the report must count, found without the code under test."""
    return [
        a
        for a in Activity.objects.select_related("agency").order_by("pk")
        if a.status == "accepted" and period.start_date <= a.start_date <= period.end_date
    ]


# ---------------------------------------------------------------------------- figures


def test_figures_count_only_accepted_activities_of_the_period(dataset, h1):
    figures = period_figures(h1)
    counted = counted_in(h1)

    assert [a.pk for a in counted] == [a.pk for a in dataset["counted"]]
    assert figures["total"] == len(counted) == 6
    assert figures["agencies_acting"] == len({a.agency_id for a in counted}) == 3
    kinds = Counter(a.kind for a in counted)
    assert {row["kind"]: row["count"] for row in figures["by_kind"]} == dict(kinds)
    assert figures["delegations"] == {"inbound": kinds["inbound"], "outbound": kinds["outbound"]}
    assert figures["participants"] == {
        "vietnamese": sum(a.participants_vietnamese or 0 for a in counted),
        "foreign": sum(a.participants_foreign or 0 for a in counted),
    }
    assert figures["participants"] == {"vietnamese": 114, "foreign": 55}
    by_agency = Counter(a.agency.short_name for a in counted)
    assert {row["name"]: row["count"] for row in figures["by_agency"]} == dict(by_agency)
    assert figures["by_agency"][0] == {
        "code": "VUNGTAU",
        "name": "UBND TP Vũng Tàu",
        "count": 3,
    }
    by_country = Counter(
        c for a in counted for c in set(a.countries.values_list("country", flat=True))
    )
    assert {row["code"]: row["count"] for row in figures["by_country"]} == dict(by_country)
    assert {row["code"]: row["name"] for row in figures["by_country"]}["JP"] == "Nhật Bản"
    # The submitted one of the period is waiting for review; drafts and returned ones are not.
    assert figures["awaiting_review"] == 1
    assert (
        figures["awaiting_review"]
        == Activity.objects.filter(
            status="submitted", start_date__range=(h1.start_date, h1.end_date)
        ).count()
    )


def test_aid_figures_by_donor_and_sector(dataset, h1):
    aid = period_figures(h1)["aid"]
    counted_aid = [a for a in counted_in(h1) if a.kind == "aid"]

    assert aid["count"] == len(counted_aid) == 2
    assert aid["total_vnd"] == sum(int(a.committed_vnd) for a in counted_aid) == 2_000_000_000
    assert aid["by_sector"] == [
        {"sector": "health", "label": "Y tế", "amount_vnd": 1_500_000_000, "count": 1},
        {"sector": "education", "label": "Giáo dục", "amount_vnd": 500_000_000, "count": 1},
    ]
    assert [(d["name"], d["country"], d["amount_vnd"]) for d in aid["by_donor"]] == [
        ("Quỹ Nước sạch Quốc tế", "Hợp chủng quốc Hoa Kỳ", 1_500_000_000),
        ("Hội Hữu nghị Đức - Việt", "Đức", 500_000_000),
    ]


def test_every_duty_of_section_three_is_listed_and_idle_ones_are_flagged(dataset, h1):
    duties = period_figures(h1)["duties"]
    counted = counted_in(h1)

    assert [d["ref"] for d in duties] == list(
        Duty.objects.filter(ref__startswith="III.")
        .order_by("plan", "position")
        .values_list("ref", flat=True)
    )
    by_ref = {d["ref"]: d for d in duties}
    for ref, row in by_ref.items():
        acting = [a for a in counted if a.duty and a.duty.ref == ref]
        assert row["count"] == len(acting), ref
        assert row["no_activity"] is (not acting), ref
        assert row["agencies"] == sorted({a.agency.short_name for a in acting}), ref
    assert by_ref["III.3.1"]["count"] == 2
    assert by_ref["III.3.1"]["agencies"] == ["Sở Lao động - Thương binh và Xã hội"]
    assert by_ref["III.7.1"]["agencies"] == ["UBND TP Vũng Tàu"]
    idle = [ref for ref, row in by_ref.items() if row["no_activity"]]
    assert len(idle) == len(duties) - 2
    # The drafted text names them.
    assert (
        f"Còn {len(idle)} nhiệm vụ của Kế hoạch chưa có hoạt động"
        in draft(period_figures(h1))["shortcomings"]
    )


def test_comparison_with_the_same_period_of_the_previous_year(dataset, h1):
    previous = period_figures(h1)["previous"]

    before = [
        a
        for a in Activity.objects.all()
        if a.status == "accepted" and date(2018, 12, 15) <= a.start_date <= date(2019, 6, 14)
    ]
    assert previous["year"] == 2019
    assert (previous["start"], previous["end"]) == ("15/12/2018", "14/06/2019")
    assert previous["total"] == len(before) == 2
    assert previous["change_pct"] == 200.0  # 6 against 2
    assert previous["aid_total_vnd"] == 1_000_000_000
    assert previous["aid_change_pct"] == 100.0  # 2 billion against 1
    assert "tăng 200% so với cùng kỳ năm 2019" in draft(period_figures(h1))["results"]


def test_no_previous_activity_means_no_percentage(periods, staff, reviewer):
    accepted(staff, reviewer, "SLDTBXH")
    previous = period_figures(periods["2020-H1"])["previous"]

    assert previous["total"] == 0
    assert previous["change_pct"] is None and previous["aid_change_pct"] is None


def test_difficulties_and_proposals_come_from_sent_reports_and_messages(dataset, h1):
    figures = period_figures(h1)

    assert figures["difficulties"] == [
        {"agency": "UBND TP Vũng Tàu", "text": "Thiếu kinh phí đón đoàn."},
        {"agency": "UBND TP Vũng Tàu", "text": "Vướng mắc thủ tục: Chậm cấp phép cho đoàn vào."},
    ]
    assert figures["proposals"] == [
        {"agency": "UBND TP Vũng Tàu", "text": "Đề nghị bổ sung kinh phí đối ngoại."}
    ]
    reports = AgencyReport.objects.filter(period=h1)
    assert figures["submissions"] == {
        "expected": reports.count(),
        "sent": reports.filter(status__in=["submitted", "accepted"]).count(),
        "on_time": 0,  # sent today, years after the deadline
    }
    assert figures["submissions"]["sent"] == 1


def test_figures_of_an_empty_period(periods):
    figures = period_figures(periods["2020"])

    assert figures["total"] == 0 and figures["by_kind"] == [] and figures["notable"] == []
    assert figures["aid"]["total_vnd"] == 0
    assert all(d["no_activity"] for d in figures["duties"])
    assert figures["agencies_in_plan"] == (
        Agency.objects.filter(pk__in=DutyAssignment.objects.values("agency")).count()
    )
    text = draft(figures)
    assert "đã tổ chức 0 hoạt động" in text["results"]
    assert text["directions"].startswith("Trong năm 2021")


def test_vietnamese_number_formatting():
    assert number(1234567) == "1.234.567"
    assert number(1.25, 1) == "1,3"
    assert vnd(1_500_000_000) == "1,5 tỷ đồng"
    assert vnd(2_000_000_000) == "2 tỷ đồng"
    assert vnd(350_000_000) == "350 triệu đồng"
    assert vnd(12_000) == "12.000 đồng"


# ---------------------------------------------------------------------------- builds


def test_builds_make_numbered_ready_versions_with_both_files(
    dataset, h1, reviewer, private_files, django_capture_on_commit_callbacks
):
    first = build_now(django_capture_on_commit_callbacks, h1, reviewer)

    assert (first.version, first.status, first.attempts) == (1, Built.READY, 1)
    assert first.error == "" and first.finished_at and first.created_by == reviewer
    assert first.figures == period_figures(h1)
    assert Path(first.pdf.path).read_bytes().startswith(b"%PDF-")
    assert Path(first.xlsx.path).read_bytes().startswith(b"PK")
    assert first.situation and first.results and first.shortcomings and first.directions

    second = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    assert (second.version, second.status) == (2, Built.READY)
    assert second.task_id != first.task_id
    assert list(h1.consolidated_reports.values_list("version", "status")) == [
        (2, "ready"),
        (1, "ready"),
    ]
    assert len(stored(private_files, "pdf")) == 2 and len(stored(private_files, "xlsx")) == 2


def test_only_one_build_at_a_time_per_period(h1, reviewer):
    services.start_build(actor=reviewer, period=h1, enqueue=False)

    with pytest.raises(ReportError) as refused:
        services.start_build(actor=reviewer, period=h1)
    english = "A version of this report is already being built; wait until it is ready."
    assert str(refused.value) == vi(english) != english  # in Vietnamese
    assert h1.consolidated_reports.count() == 1


@pytest.mark.parametrize("role", ["staff", "manager", "leader", "outsider"])
def test_only_reviewers_build(cast, h1, role):
    with pytest.raises(ReportError) as refused:
        services.start_build(actor=cast[role], period=h1)
    assert str(refused.value) == vi("Only reviewers of Sở Ngoại vụ may do this.")
    assert not ConsolidatedReport.objects.exists()


def test_edited_sections_are_kept_and_the_others_drafted_again(
    dataset, h1, staff, reviewer, django_capture_on_commit_callbacks
):
    first = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    assert "tổ chức 6 hoạt động" in first.results
    with django_capture_on_commit_callbacks(execute=True):
        services.save_narrative(
            actor=reviewer,
            report=first,
            sections={
                "situation": "Tình hình do chuyên viên Sở Ngoại vụ viết lại.",
                "results": first.results,  # unchanged: still drafted from the data
                "shortcomings": first.shortcomings,
                "directions": "",  # emptied: drafted again
            },
        )
    first.refresh_from_db()
    assert first.status == Built.READY and first.attempts == 2  # rendered again
    assert first.edited_sections == ["situation"]
    assert first.situation == "Tình hình do chuyên viên Sở Ngoại vụ viết lại."
    assert first.directions == draft(first.figures)["directions"]
    assert "Tình hình do chuyên viên Sở Ngoại vụ viết lại." in pdf_words(first)

    accepted(
        staff,
        reviewer,
        "SLDTBXH",
        title="Hoạt động mới",
        start_date=date(2020, 6, 1),
        end_date=date(2020, 6, 1),
    )
    second = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    assert second.edited_sections == ["situation"]
    assert second.situation == "Tình hình do chuyên viên Sở Ngoại vụ viết lại."
    assert second.figures["total"] == 7
    assert "tổ chức 7 hoạt động" in second.results  # drafted again from the new data
    assert second.results == draft(second.figures)["results"]

    # Emptying the edited section gives the drafted text back.
    with django_capture_on_commit_callbacks(execute=True):
        services.save_narrative(
            actor=reviewer,
            report=second,
            sections={
                "situation": "  ",
                "results": second.results,
                "shortcomings": "",
                "directions": "",
            },
        )
    second.refresh_from_db()
    assert second.edited_sections == []
    assert second.situation == draft(second.figures)["situation"]
    assert second.status == Built.READY


def test_the_draft_pdf_says_what_the_database_says(
    dataset, h1, reviewer, django_capture_on_commit_callbacks
):
    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    text = pdf_words(report)
    total = len(counted_in(h1))

    for expected in [
        "UBND TỈNH BÀ RỊA - VŨNG TÀU",
        "SỞ NGOẠI VỤ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        SUMMARY,
        "DỰ THẢO",
        "Số: /BC-SNgV",
        "Bà Rịa - Vũng Tàu, ngày tháng năm 2020",
        "I. TÌNH HÌNH CHUNG",
        "II. KẾT QUẢ THỰC HIỆN",
        "III. TỒN TẠI, HẠN CHẾ",
        "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI",
        f"Tổng cộng {total}",
        f"Danh sách đầy đủ {total} hoạt động",
        "Đón đoàn Bộ Y tế, Lao động và Phúc lợi Nhật Bản",
        "Quỹ Nước sạch Quốc tế",
        "1.500.000.000",
        "Thiếu kinh phí đón đoàn.",
        "Đề nghị bổ sung kinh phí đối ngoại.",
        "Vướng mắc thủ tục: Chậm cấp phép cho đoàn vào.",
        "Sở Lao động - Thương binh và Xã hội",
    ]:
        assert expected in text, expected
    assert squash(f"tổ chức {total} hoạt động đối ngoại Nhân dân") in squash(text)
    for absent in ["Chờ duyệt", "Bản nháp", "Ngày sau kỳ", "Bản nháp chưa gửi", "Sau kỳ báo cáo"]:
        assert absent not in text


def test_the_issued_pdf_carries_its_number_and_date_in_the_shipped_fonts(
    dataset, h1, reviewer, django_capture_on_commit_callbacks
):
    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    report = issue_now(django_capture_on_commit_callbacks, report, reviewer)
    text = pdf_words(report)
    day = report.issued_on

    assert day == timezone.localdate()
    assert "Số: 01/BC-SNgV" in text
    assert f"Bà Rịa - Vũng Tàu, ngày {day:%d} tháng {day:%m} năm {day:%Y}" in text
    assert "DỰ THẢO" not in text
    assert SUMMARY in text and "BÁO CÁO" in text

    info = poppler("pdfinfo", report.pdf.path)
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)[1])
    assert pages >= 2
    sizes = re.findall(
        r"size:\s+([\d.]+) x ([\d.]+) pts",
        poppler("pdfinfo", "-f", "1", "-l", str(pages), report.pdf.path),
    )
    assert len(sizes) == pages
    assert all((round(float(w)), round(float(h))) == (595, 842) for w, h in sizes)  # A4

    fonts = poppler("pdffonts", report.pdf.path).splitlines()[2:]
    assert fonts
    names = set()
    for line in fonts:
        name, *_, emb, _sub, _uni, _obj, _gen = line.split()
        assert re.fullmatch(r"[A-Z]{6}\+Liberation-?Serif(-[A-Za-z-]+)?", name), line
        assert emb == "yes", line
        names.add(name.split("+", 1)[1])
    assert any("Italic" in n for n in names)  # the date line


def test_the_xlsx_annex_lists_every_counted_activity_once_and_escapes_formulas(
    dataset, h1, staff, reviewer, django_capture_on_commit_callbacks
):
    trap = '=HYPERLINK("http://evil.example/","Bấm vào")'
    partner = get_or_create_partner(name="@SUM(1+1)", kind="ngo", country="FR")
    accepted(
        staff,
        reviewer,
        "SLDTBXH",
        title=trap,
        outcome="+cmd|' /C calc'!A0",
        place="-2+3",
        partners=[partner],
        countries=["FR"],
        start_date=date(2020, 2, 20),
        end_date=date(2020, 2, 20),
    )
    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    workbook = openpyxl.load_workbook(io.BytesIO(Path(report.xlsx.path).read_bytes()))

    assert workbook.sheetnames == [
        "Tổng hợp",
        "Danh sách hoạt động",
        "Theo cơ quan",
        "Theo quốc gia",
        "Viện trợ",
        "Nhiệm vụ",
    ]
    sheet = workbook["Danh sách hoạt động"]
    rows = list(sheet.iter_rows(values_only=True))
    counted = counted_in(h1)
    assert len(rows) == len(counted) + 1 == report.figures["total"] + 1 == 8
    assert rows[0][:4] == ("STT", "Cơ quan, đơn vị", "Loại hoạt động", "Tên hoạt động")
    assert [r[0] for r in rows[1:]] == list(range(1, len(counted) + 1))
    titles = Counter(r[3] for r in rows[1:])
    expected = Counter("'" + a.title if a.title.startswith("=") else a.title for a in counted)
    assert titles == expected and all(n == 1 for n in titles.values())
    trapped = next(r for r in rows[1:] if r[3] == "'" + trap)
    assert trapped[6] == "'-2+3"
    assert trapped[8] == "'@SUM(1+1)"
    assert trapped[13] == "'+cmd|' /C calc'!A0"
    # No cell anywhere in the workbook is a formula.
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    summary = {r[0]: r[1] for r in workbook["Tổng hợp"].iter_rows(values_only=True) if r}
    assert summary["Tổng số hoạt động"] == 7
    assert summary["Viện trợ vận động (VND)"] == 2_000_000_000
    duties = list(workbook["Nhiệm vụ"].iter_rows(values_only=True))
    assert len(duties) == 1 + Duty.objects.filter(ref__startswith="III.").count()


# ---------------------------------------------------------------------------- security


def test_user_text_is_shown_and_never_fetched_or_attached(
    h1, manager, reviewer, http_server, fetched, tmp_path, django_capture_on_commit_callbacks
):
    port = http_server.server_port
    img = f'<img src="http://127.0.0.1:{port}/x">'
    metadata = "http://169.254.169.254/latest/meta-data/"
    passwd = "file:///etc/passwd"
    attach = '<link rel="attachment" href="file:///etc/passwd">'
    donor = get_or_create_partner(
        name=f'<img src="http://127.0.0.1:{port}/donor"> {attach}', kind="ngo", country="US"
    )
    accepted(
        manager,
        reviewer,
        "VUNGTAU",
        kind="aid",
        title=f"{img} Đoàn {attach}",
        place=f'<img src="{metadata}">',
        outcome=f'{metadata} <img src="{passwd}"> {attach}',
        partners=[donor],
        countries=["US"],
        aid={"donor": donor, "sector": "health", "committed_vnd": 900_000_000},
    )
    report = AgencyReport.objects.get(period=h1, agency__code="VUNGTAU")
    report = services.save_agency_report(
        actor=manager,
        report=report,
        version=report.version,
        results="Kết quả.",
        difficulties=f"{img} <style>@import url(http://127.0.0.1:{port}/css);</style>",
        proposals=f'{attach} <object data="http://127.0.0.1:{port}/o"></object>',
    )
    services.submit_agency_report(actor=manager, report=report, version=report.version)
    sent = exchange.send_message(
        actor=manager,
        sender_agency=Agency.objects.get(code="VUNGTAU"),
        recipients=[],
        kind="difficulty",
        subject=f'<img src="{metadata}">',
        body=f'<a rel="attachment" href="{passwd}">passwd</a>',
    )
    Message.objects.filter(pk=sent.pk).update(created_at=datetime(2020, 2, 1, tzinfo=LOCAL))
    first = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    narrative = f'{img}\n<svg><image href="http://127.0.0.1:{port}/svg"/></svg>\n{attach}'
    with django_capture_on_commit_callbacks(execute=True):
        services.save_narrative(
            actor=reviewer,
            report=first,
            sections={
                "situation": narrative,
                "results": first.results,
                "shortcomings": passwd,
                "directions": metadata,
            },
        )
    first.refresh_from_db()
    assert first.status == Built.READY
    draft_pdf = tmp_path / "draft.pdf"  # the issued PDF replaces the draft's file
    draft_pdf.write_bytes(Path(first.pdf.path).read_bytes())
    issued = issue_now(django_capture_on_commit_callbacks, first, reviewer)

    for path in (draft_pdf, issued.pdf.path):
        assert http_server.connections == [] and http_server.requests == []
        assert re.match(r"0 embedded files", poppler("pdfdetach", "-list", path))
        text = poppler("pdftotext", "-layout", path, "-")
        assert "root:" not in text
        assert "<img" in text  # shown as text, not interpreted
        flat = squash(text)
        for attack in [img, attach, metadata, passwd, f'<img src="{metadata}">']:
            assert squash(attack) in flat, attack
        assert squash('<svg><image href="http://127.0.0.1:') in flat
    # Escaped text asks for nothing: only the stylesheet and its fonts were loaded.
    assert fetched and all(ok for _, ok in fetched)
    assert all(url.startswith("file://") and "/static/" in url for url, _ in fetched)


# ---------------------------------------------------------------------------- reliability


def test_building_twice_leaves_one_version_and_one_pdf(dataset, h1, reviewer, private_files):
    report = services.start_build(actor=reviewer, period=h1, enqueue=False)

    built = services.build(report.pk, report.task_id)
    again = services.build(report.pk, report.task_id)

    assert built.status == again.status == Built.READY
    assert again.pdf.name == built.pdf.name and again.finished_at == built.finished_at
    assert again.attempts == 1
    assert ConsolidatedReport.objects.count() == 1
    assert len(stored(private_files, "pdf")) == 1 and len(stored(private_files, "xlsx")) == 1


def test_the_same_task_delivered_twice_builds_once(dataset, h1, reviewer, private_files):
    report = services.start_build(actor=reviewer, period=h1, enqueue=False)
    task = tasks.build_consolidated_report

    first = task.apply(args=[report.pk], task_id=report.task_id)
    second = task.apply(args=[report.pk], task_id=report.task_id)

    assert first.get() == second.get() == "ready"
    report.refresh_from_db()
    assert report.attempts == 1
    assert ConsolidatedReport.objects.count() == 1
    assert len(stored(private_files, "pdf")) == 1


def test_a_redelivered_task_leaves_ready_and_issued_versions_alone(
    dataset, h1, reviewer, private_files, django_capture_on_commit_callbacks
):
    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    before = (report.pdf.name, report.xlsx.name, report.finished_at, report.attempts)
    task = tasks.build_consolidated_report

    assert task.apply(args=[report.pk], task_id=report.task_id).get() == "ready"
    report.refresh_from_db()
    assert (report.pdf.name, report.xlsx.name, report.finished_at, report.attempts) == before

    issued = issue_now(django_capture_on_commit_callbacks, report, reviewer)
    pdf_bytes = Path(issued.pdf.path).read_bytes()
    assert task.apply(args=[issued.pk], task_id=issued.task_id).get() == "issued"
    issued.refresh_from_db()
    assert issued.status == Built.ISSUED and Path(issued.pdf.path).read_bytes() == pdf_bytes
    # The draft's PDF was replaced by the issued one; nothing else is kept.
    assert stored(private_files, "pdf") == [Path(issued.pdf.path)]
    # A task of a version that no longer exists does nothing either.
    assert task.apply(args=[issued.pk + 100], task_id="gone").get() is None


def test_a_task_with_another_task_id_does_not_build(dataset, h1, reviewer):
    report = services.start_build(actor=reviewer, period=h1, enqueue=False)

    result = tasks.build_consolidated_report.apply(args=[report.pk], task_id="an-old-task-id")

    assert result.get() == "queued"
    report.refresh_from_db()
    assert report.status == Built.QUEUED and report.attempts == 0 and not report.pdf


def test_a_build_left_building_by_a_dead_worker_is_built_again_on_redelivery(dataset, h1, reviewer):
    report = services.start_build(actor=reviewer, period=h1, enqueue=False)
    ConsolidatedReport.objects.filter(pk=report.pk).update(
        status=Built.BUILDING, attempts=1, started_at=timezone.now() - timedelta(minutes=1)
    )

    result = tasks.build_consolidated_report.apply(args=[report.pk], task_id=report.task_id)

    assert result.get() == "ready"
    report.refresh_from_db()
    assert report.status == Built.READY and report.attempts == 2 and report.pdf
    assert ConsolidatedReport.objects.count() == 1


def _age(report: ConsolidatedReport, seconds: int, **fields) -> None:
    then = timezone.now() - timedelta(seconds=seconds)
    ConsolidatedReport.objects.filter(pk=report.pk).update(queued_at=then, **fields)


def test_stuck_builds_are_failed_with_a_clear_message_and_can_be_built_again(
    dataset, periods, reviewer, settings, django_capture_on_commit_callbacks
):
    stale = settings.REPORT_BUILD_STALE_SECONDS
    stuck = services.start_build(actor=reviewer, period=periods["2020-H1"], enqueue=False)
    _age(
        stuck,
        stale + 60,
        status=Built.BUILDING,
        started_at=timezone.now() - timedelta(seconds=stale + 30),
    )
    waiting = services.start_build(actor=reviewer, period=periods["2020"], enqueue=False)
    _age(waiting, stale + 60)  # queued, never started
    recent = services.start_build(actor=reviewer, period=periods["2019"], enqueue=False)
    busy = services.start_build(actor=reviewer, period=periods["2019-H1"], enqueue=False)
    _age(busy, stale + 60, status=Built.BUILDING, started_at=timezone.now())

    assert services.mark_stale() == 2
    statuses = dict(ConsolidatedReport.objects.values_list("pk", "status"))
    assert statuses == {
        stuck.pk: "failed",
        waiting.pk: "failed",
        recent.pk: "queued",
        busy.pk: "building",
    }
    stuck.refresh_from_db()
    assert stuck.error == stale_text() and stuck.finished_at
    assert "Nothing was lost" not in stuck.error  # in Vietnamese, whatever the request's
    assert services.mark_stale() == 0

    # The worker that was thought dead finishes late: its result is dropped.
    assert services.build(stuck.pk, stuck.task_id).status == Built.FAILED
    stuck.refresh_from_db()
    assert not stuck.pdf

    with django_capture_on_commit_callbacks(execute=True):
        services.retry_build(actor=reviewer, report=stuck)
    stuck.refresh_from_db()
    assert stuck.status == Built.READY and stuck.error == "" and stuck.pdf
    assert ConsolidatedReport.objects.filter(period=stuck.period).count() == 1


def test_the_beat_task_fails_stale_builds(h1, reviewer, settings):
    report = services.start_build(actor=reviewer, period=h1, enqueue=False)
    _age(report, settings.REPORT_BUILD_STALE_SECONDS + 1)

    assert tasks.fail_stale_builds.delay().get() == 1
    report.refresh_from_db()
    assert report.status == Built.FAILED and report.error == stale_text()
    assert "fail-stale-report-builds" in settings.CELERY_BEAT_SCHEDULE
    # A period with a stuck version can be built again: the stuck one is failed first.
    _age(report, 0, status=Built.QUEUED)
    _age(report, settings.REPORT_BUILD_STALE_SECONDS + 1)
    assert services.start_build(actor=reviewer, period=h1, enqueue=False).version == 2
    report.refresh_from_db()
    assert report.status == Built.FAILED


def test_a_build_that_keeps_killing_its_worker_ends_failed_not_building_forever(
    h1, reviewer, settings, monkeypatch
):
    """Past the hard time limit the worker process is killed and (acks_late,
    reject_on_worker_lost) the task comes straight back. Each redelivery must not look like
    a fresh start, or the version is re-delivered and 'building' for ever."""

    class WorkerKilled(BaseException):
        pass

    def killed(version):
        raise WorkerKilled

    monkeypatch.setattr(documents, "render_pdf", killed)
    report = services.start_build(actor=reviewer, period=h1, enqueue=False)
    hard_limit = timedelta(seconds=settings.REPORT_BUILD_TIME_LIMIT)
    attempts = 0
    while attempts < 10:
        with pytest.raises(WorkerKilled):
            services.build(report.pk, report.task_id)  # (re)delivered
        attempts += 1
        # The time the attempt took before the kill goes by.
        ConsolidatedReport.objects.filter(pk=report.pk).update(
            queued_at=F("queued_at") - hard_limit, started_at=F("started_at") - hard_limit
        )
        if services.mark_stale():
            break

    report.refresh_from_db()
    assert report.status == Built.FAILED and report.error == stale_text()
    stale = settings.REPORT_BUILD_STALE_SECONDS
    assert attempts == report.attempts <= stale // settings.REPORT_BUILD_TIME_LIMIT + 1
    assert services.build(report.pk, report.task_id).status == Built.FAILED  # loop over


def test_a_version_failed_as_stale_while_rendering_drops_the_late_result(
    dataset, h1, reviewer, settings, monkeypatch
):
    report = services.start_build(actor=reviewer, period=h1, enqueue=False)
    real = documents.render_pdf

    def slow_render(version):
        # The page or the beat decided it had been too long meanwhile.
        later = timezone.now() + timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS + 5)
        services.mark_stale(now=later)
        return real(version)

    monkeypatch.setattr(documents, "render_pdf", slow_render)
    result = services.build(report.pk, report.task_id)

    assert result.status == Built.FAILED and result.error == stale_text()
    report.refresh_from_db()
    assert report.status == Built.FAILED and not report.pdf and not report.xlsx


@pytest.mark.parametrize(
    ("error", "reason", "attempts"),
    [
        (RuntimeError("template exploded"), "An unexpected error stopped the build.", 1),
        (SoftTimeLimitExceeded(), "The build took too long and was stopped.", 1),
        # Run in-process there is no worker to retry later: failed at once.
        (OSError("disk full"), "The database or the disk did not answer.", 1),
    ],
)
def test_a_failing_build_ends_failed_never_stuck(
    dataset,
    h1,
    reviewer,
    monkeypatch,
    django_capture_on_commit_callbacks,
    error,
    reason,
    attempts,
):
    calls = []

    def broken(version):
        calls.append(version.pk)
        raise error

    monkeypatch.setattr(documents, "render_pdf", broken)
    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)

    assert report.status == Built.FAILED
    assert report.error == build_failed_message(reason)
    assert report.finished_at and not report.pdf and not report.xlsx
    assert report.attempts == attempts == len(calls)
    assert ConsolidatedReport.objects.count() == 1

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_build(actor=reviewer, report=report)
    report.refresh_from_db()
    assert report.status == Built.READY and report.error == "" and report.pdf


def test_a_transient_error_under_a_worker_is_retried_with_backoff_then_failed(
    dataset, h1, reviewer, monkeypatch
):
    report = services.start_build(actor=reviewer, period=h1, enqueue=False)
    task = tasks.build_consolidated_report._get_current_object()
    countdowns = []

    def retry(exc=None, countdown=None, **options):
        # What Celery does under a worker: send the same task again later, same task id.
        countdowns.append(countdown)
        return Retry(exc=exc, when=countdown)

    def broken(version):
        raise OSError("disk full")

    monkeypatch.setattr(task, "retry", retry)
    monkeypatch.setattr(documents, "render_pdf", broken)
    for attempt in range(task.max_retries):
        task.push_request(id=report.task_id, retries=attempt, is_eager=False)
        try:
            with pytest.raises(Retry):
                task.run(report.pk)
        finally:
            task.pop_request()
        report.refresh_from_db()
        # Left 'building' under the same task id: the retry builds it again.
        assert (report.status, report.attempts) == (Built.BUILDING, attempt + 1)
    task.push_request(id=report.task_id, retries=task.max_retries, is_eager=False)
    try:
        assert task.run(report.pk) is None
    finally:
        task.pop_request()

    assert countdowns == [10, 20, 40]
    report.refresh_from_db()
    assert report.status == Built.FAILED and report.attempts == 4
    assert report.error == build_failed_message("The database or the disk did not answer.")


def test_a_broken_template_setting_fails_the_build(
    dataset, h1, reviewer, settings, django_capture_on_commit_callbacks
):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": False}]

    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)

    assert report.status == Built.FAILED
    assert report.error == build_failed_message("An unexpected error stopped the build.")


def test_only_a_failed_version_is_retried(
    dataset, h1, reviewer, staff, django_capture_on_commit_callbacks
):
    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)

    with pytest.raises(ReportError) as refused:
        services.retry_build(actor=reviewer, report=report)
    assert str(refused.value) == vi("Only a version whose build failed can be built again.")
    ConsolidatedReport.objects.filter(pk=report.pk).update(status=Built.FAILED)
    with pytest.raises(ReportError):
        services.retry_build(actor=staff, report=report)
    report.refresh_from_db()
    assert report.status == Built.FAILED


def test_the_narrative_cannot_change_while_building(h1, reviewer):
    report = services.start_build(actor=reviewer, period=h1, enqueue=False)

    with pytest.raises(ReportError) as refused:
        services.save_narrative(actor=reviewer, report=report, sections={"situation": "x"})
    assert str(refused.value) == vi("The report is being built; change it once it is ready.")


# ---------------------------------------------------------------------------- issuing


def test_issuing_numbers_reports_one_after_the_other_within_the_year(
    dataset, periods, reviewer, django_capture_on_commit_callbacks
):
    half = build_now(django_capture_on_commit_callbacks, periods["2020-H1"], reviewer)
    year = build_now(django_capture_on_commit_callbacks, periods["2020"], reviewer)

    half = issue_now(django_capture_on_commit_callbacks, half, reviewer)
    year = issue_now(django_capture_on_commit_callbacks, year, reviewer)

    today = timezone.localdate()
    assert (half.number, half.number_display) == (1, "01/BC-SNgV")
    assert (year.number, year.number_display) == (2, "02/BC-SNgV")
    assert half.number_year == year.number_year == today.year
    assert half.issued_on == today and half.issued_by == reviewer and half.issued_at
    assert half.status == year.status == Built.ISSUED
    assert IssueCounter.objects.get(year=today.year).last_number == 2
    assert "Số: 02/BC-SNgV" in pdf_words(year)


def test_a_version_is_issued_once_and_never_changes(
    dataset, h1, reviewer, django_capture_on_commit_callbacks
):
    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    issue_now(django_capture_on_commit_callbacks, report, reviewer)

    with pytest.raises(ReportError) as twice:
        services.issue(actor=reviewer, report=report)
    assert str(twice.value) == vi("This version was already issued as number %(number)s.") % {
        "number": "01/BC-SNgV"
    }
    with pytest.raises(ReportError) as frozen:
        services.save_narrative(
            actor=reviewer, report=report, sections={"situation": "Sửa sau khi ban hành"}
        )
    assert str(frozen.value) == vi("An issued report cannot be changed: build a new version.")
    with pytest.raises(ReportError):
        services.retry_build(actor=reviewer, report=report)
    report.refresh_from_db()
    assert (report.status, report.number, report.edited_sections) == (Built.ISSUED, 1, [])
    assert "Sửa sau khi ban hành" not in report.situation
    assert IssueCounter.objects.get().last_number == 1
    assert ConsolidatedReport.objects.filter(number__isnull=False).count() == 1

    # A new version can follow; it is a draft until issued in turn.
    newer = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    assert (newer.version, newer.status, newer.number) == (2, Built.READY, None)


def test_an_issue_that_fails_to_render_takes_no_number(
    h1, reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)

    def broken(version):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(documents, "render_pdf", broken)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.ReportError) as refused,
    ):
        services.issue(actor=reviewer, report=report)
    assert str(refused.value) == vi(
        "The final PDF could not be rendered, so nothing was issued. Try again."
    )
    assert callbacks == []  # nobody is told
    report.refresh_from_db()
    assert (report.status, report.number, report.issued_on) == (Built.READY, None, None)
    assert not IssueCounter.objects.filter(last_number__gt=0).exists()

    monkeypatch.undo()
    assert issue_now(django_capture_on_commit_callbacks, report, reviewer).number == 1


@pytest.mark.parametrize("status", [Built.QUEUED, Built.BUILDING, Built.FAILED])
def test_only_a_ready_draft_is_issued(h1, reviewer, status):
    report = services.start_build(actor=reviewer, period=h1, enqueue=False)
    ConsolidatedReport.objects.filter(pk=report.pk).update(status=status)

    with pytest.raises(ReportError) as refused:
        services.issue(actor=reviewer, report=report)
    assert str(refused.value) == vi("Only a ready draft can be issued.")
    assert not IssueCounter.objects.filter(last_number__gt=0).exists()


@pytest.mark.parametrize("role", ["staff", "manager", "leader", "outsider"])
def test_only_reviewers_issue(cast, h1, reviewer, role, django_capture_on_commit_callbacks):
    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)

    with pytest.raises(ReportError):
        services.issue(actor=cast[role], report=report)
    report.refresh_from_db()
    assert report.status == Built.READY and report.number is None


def test_the_leaders_are_emailed_when_a_report_is_issued(
    h1, reviewer, leader, staff, settings, django_capture_on_commit_callbacks
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
    quiet.email_notifications = False
    quiet.save()
    report = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    assert mail.outbox == []

    issue_now(django_capture_on_commit_callbacks, report, reviewer)

    assert sorted(m.to[0] for m in mail.outbox) == ["an@ubnd.gov.vn", "hung@ubnd.gov.vn"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees the others' addresses
    assert all("01/BC-SNgV" in m.subject for m in mail.outbox)
    link = settings.SITE_URL.rstrip("/") + reverse("reports:issued")
    assert all(link in m.body for m in mail.outbox)
    # Telling them again about a version that is not issued does nothing.
    draft_version = build_now(django_capture_on_commit_callbacks, h1, reviewer)
    assert tasks.notify_leaders(draft_version.pk) == 0
    assert tasks.notify_leaders(report.pk) == 2


def _issue_in_threads(report_ids: list[int], actor) -> list[tuple[str, object]]:
    barrier = threading.Barrier(len(report_ids))
    results: list[tuple[str, object]] = []

    def run(report_id: int) -> None:
        try:
            report = ConsolidatedReport.objects.get(pk=report_id)
            barrier.wait(timeout=20)
            results.append(("issued", services.issue(actor=actor, report=report).number))
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
def test_two_reviewers_issuing_the_same_version_at_once_get_one_number(reviewer):
    ensure_periods([2020])
    period = ReportingPeriod.objects.get(kind="half", year=2020)
    report = services.start_build(actor=reviewer, period=period)  # built on commit (eager)
    report.refresh_from_db()
    assert report.status == Built.READY

    results = _issue_in_threads([report.pk, report.pk], reviewer)

    assert sorted(kind for kind, _ in results) == ["issued", "refused"], results
    assert [n for kind, n in results if kind == "issued"] == [1]
    refused = next(text for kind, text in results if kind == "refused")
    assert refused == vi("This version was already issued as number %(number)s.") % {
        "number": "01/BC-SNgV"
    }
    report.refresh_from_db()
    assert (report.status, report.number) == (Built.ISSUED, 1)
    assert IssueCounter.objects.get().last_number == 1


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_versions_issued_at_once_get_numbers_one_and_two(reviewer):
    ensure_periods([2020])
    ids = []
    for period in ReportingPeriod.objects.filter(year=2020):
        report = services.start_build(actor=reviewer, period=period)
        report.refresh_from_db()
        assert report.status == Built.READY
        ids.append(report.pk)

    results = _issue_in_threads(ids, reviewer)

    assert sorted(results) == [("issued", 1), ("issued", 2)], results
    assert sorted(ConsolidatedReport.objects.values_list("number", flat=True)) == [1, 2]
    assert IssueCounter.objects.get().last_number == 2


# ---------------------------------------------------------------------------- daily drafts


def test_a_first_draft_is_built_the_day_after_a_period_ends_and_only_once(
    periods, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.draft_consolidated_reports(today_iso="2020-06-14") == 0  # not over yet
        assert tasks.draft_consolidated_reports(today_iso="2020-06-15") == 1
    report = ConsolidatedReport.objects.get()
    assert (report.period.code, report.version, report.status) == ("2020-H1", 1, Built.READY)
    assert report.created_by is None

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.draft_consolidated_reports(today_iso="2020-06-15") == 0
        assert tasks.draft_consolidated_reports(today_iso="2020-12-15") == 1  # the year's
    assert sorted(ConsolidatedReport.objects.values_list("period__year", "period__kind")) == [
        (2020, "half"),
        (2020, "year"),
    ]
    entry = django_settings.CELERY_BEAT_SCHEDULE["draft-consolidated-reports"]
    assert entry["task"] == "reports.tasks.draft_consolidated_reports"


# ---------------------------------------------------------------------------- the command


@pytest.mark.parametrize(("code", "kind"), [("2020-H1", "half"), ("2020", "year")])
def test_build_report_prints_the_paths_of_both_files(dataset, code, kind):
    out = io.StringIO()

    call_command("build_report", "--period", code, stdout=out)

    report = ConsolidatedReport.objects.get()
    assert (report.period.kind, report.status, report.created_by) == (kind, Built.READY, None)
    lines = out.getvalue().splitlines()
    assert lines[1:] == [report.pdf.path, report.xlsx.path]
    assert Path(lines[1]).read_bytes().startswith(b"%PDF-")
    assert Path(lines[2]).read_bytes().startswith(b"PK")


def test_build_report_refuses_a_bad_code_and_a_missing_period(periods):
    with pytest.raises(CommandError) as bad:
        call_command("build_report", "--period", "2020-H3")
    assert str(bad.value) == vi(
        "“%(code)s” is not a period: write 2020-H1 for six months or 2020 for a year."
    ) % {"code": "2020-H3"}
    with pytest.raises(CommandError) as missing:
        call_command("build_report", "--period", "2031")
    assert str(missing.value) == vi(
        "The period %(code)s does not exist yet: create it with "
        "`python manage.py create_periods --from %(year)s`."
    ) % {"code": "2031", "year": 2031}
    assert not ConsolidatedReport.objects.exists()


def test_build_report_refuses_while_a_build_is_in_progress(h1, reviewer):
    services.start_build(actor=reviewer, period=h1, enqueue=False)

    with pytest.raises(
        CommandError,
        match=re.escape(
            vi("A version of this report is already being built; wait until it is ready.")
        ),
    ):
        call_command("build_report", "--period", "2020-H1")
    assert ConsolidatedReport.objects.count() == 1


def test_build_report_that_fails_leaves_a_failed_version_not_a_stuck_one(h1, monkeypatch):
    def broken(version):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(documents, "render_pdf", broken)

    with pytest.raises(CommandError) as failed:
        call_command("build_report", "--period", "2020-H1")
    report = ConsolidatedReport.objects.get()
    assert report.status == Built.FAILED and report.finished_at
    assert report.error == build_failed_message("An unexpected error stopped the build.")
    assert str(failed.value).startswith(report.error)
    assert "template exploded" in str(failed.value)  # the operator sees the cause
