"""The documents of a version, read back: the draft and the issued PDF (real WeasyPrint,
read with poppler) say what the database says in the layout of Decree 30 and the shipped
fonts; user text is shown and never fetched or attached; the XLSX annex lists every counted
activity once, its texts string cells exactly as written (never formulas)."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from activities.exchange.models import Message
from activities.services import get_or_create_partner
from agencies.models import Duty
from reports import consolidation
from reports.models import ConsolidatedReport
from tests.factories import LOCAL, make_activity, make_agency_report, report_difficulty

pytestmark = pytest.mark.django_db

Status = ConsolidatedReport.Status
SUMMARY = "Kết quả công tác đối ngoại Nhân dân 6 tháng đầu năm 2020"


def squash(text: str) -> str:
    """Text without whitespace: line breaks and justification do not matter."""
    return re.sub(r"\s+", "", text)


def test_the_draft_pdf_says_what_the_database_says(
    dataset, h1, reviewer, build_now, counted_in, pdf_words, real_renderer
):
    report = build_now(h1, reviewer)
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
    dataset, h1, reviewer, build_now, issue_now, pdf_words, poppler, real_renderer
):
    report = build_now(h1, reviewer)
    report = issue_now(report, reviewer)
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


def test_the_xlsx_annex_lists_every_counted_activity_once_its_texts_string_cells_as_written(
    dataset, h1, staff, reviewer, build_now, counted_in
):
    trap = '=HYPERLINK("http://evil.example/","Bấm vào")'
    partner = get_or_create_partner(name="@SUM(1+1)", kind="ngo", country="FR")
    make_activity(
        staff,
        status="accepted",
        reviewer=reviewer,
        title=trap,
        outcome="+cmd|' /C calc'!A0",
        place="-2+3",
        partners=[partner],
        countries=["FR"],
        start_date=date(2020, 2, 20),
        end_date=date(2020, 2, 20),
    )
    report = build_now(h1, reviewer)
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
    assert titles == Counter(a.title for a in counted) and all(n == 1 for n in titles.values())
    # Text as written, no apostrophe added: a string cell is shown, never evaluated.
    trapped = next(r for r in sheet.iter_rows(min_row=2) if r[3].value == trap)
    assert [trapped[i].value for i in (6, 8, 13)] == ["-2+3", "@SUM(1+1)", "+cmd|' /C calc'!A0"]
    assert all(trapped[i].data_type == "s" for i in (3, 6, 8, 13))
    # No cell anywhere in the workbook is a formula.
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    summary = {r[0]: r[1] for r in workbook["Tổng hợp"].iter_rows(values_only=True) if r}
    assert summary["Tổng số hoạt động"] == 7
    assert summary["Viện trợ vận động (VND)"] == 2_000_000_000
    duties = list(workbook["Nhiệm vụ"].iter_rows(values_only=True))
    assert len(duties) == 1 + Duty.objects.filter(ref__startswith="III.").count()


def test_user_text_is_shown_and_never_fetched_or_attached(
    h1,
    manager,
    reviewer,
    http_server,
    fetched,
    tmp_path,
    django_capture_on_commit_callbacks,
    build_now,
    issue_now,
    poppler,
    real_renderer,
):
    port = http_server.server_port
    img = f'<img src="http://127.0.0.1:{port}/x">'
    metadata = "http://169.254.169.254/latest/meta-data/"
    passwd = "file:///etc/passwd"
    attach = '<link rel="attachment" href="file:///etc/passwd">'
    donor = get_or_create_partner(
        name=f'<img src="http://127.0.0.1:{port}/donor"> {attach}', kind="ngo", country="US"
    )
    make_activity(
        manager,
        agency="VUNGTAU",
        status="accepted",
        reviewer=reviewer,
        kind="aid",
        title=f"{img} Đoàn {attach}",
        place=f'<img src="{metadata}">',
        outcome=f'{metadata} <img src="{passwd}"> {attach}',
        partners=[donor],
        countries=["US"],
        aid={"donor": donor, "sector": "health", "committed_vnd": 900_000_000},
    )
    make_agency_report(
        h1,
        "VUNGTAU",
        status="submitted",
        sender=manager,
        results="Kết quả.",
        difficulties=f"{img} <style>@import url(http://127.0.0.1:{port}/css);</style>",
        proposals=f'{attach} <object data="http://127.0.0.1:{port}/o"></object>',
    )
    sent = report_difficulty(
        manager,
        sender="VUNGTAU",
        subject=f'<img src="{metadata}">',
        body=f'<a rel="attachment" href="{passwd}">passwd</a>',
    )
    Message.objects.filter(pk=sent.pk).update(created_at=datetime(2020, 2, 1, tzinfo=LOCAL))
    first = build_now(h1, reviewer)
    narrative = f'{img}\n<svg><image href="http://127.0.0.1:{port}/svg"/></svg>\n{attach}'
    with django_capture_on_commit_callbacks(execute=True):
        consolidation.save_narrative(
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
    assert first.status == Status.READY
    draft_pdf = tmp_path / "draft.pdf"  # the issued PDF replaces the draft's file
    draft_pdf.write_bytes(Path(first.pdf.path).read_bytes())
    issued = issue_now(first, reviewer)

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


def test_the_xlsx_annex_writes_dates_as_dates_and_amounts_as_numbers(
    h1, staff, reviewer, build_now
):
    donor = get_or_create_partner(name="Quỹ Hữu nghị", kind="ngo", country="FR")
    make_activity(
        staff,
        status="accepted",
        reviewer=reviewer,
        kind="aid",
        title="Hội thảo",
        start_date=date(2020, 3, 1),
        end_date=date(2020, 3, 12),
        partners=[donor],
        aid={"donor": donor, "sector": "health", "committed_vnd": 1_234_567},
        participants_vietnamese=1200,
    )
    report = build_now(h1, reviewer)
    workbook = openpyxl.load_workbook(io.BytesIO(Path(report.xlsx.path).read_bytes()))
    header, row = workbook["Danh sách hoạt động"].iter_rows(max_row=2)
    cells = {title.value: cell for title, cell in zip(header, row, strict=True)}

    # A clerk sorts, filters and sums them: real date and number cells, shown dd/mm/yyyy and
    # with grouped thousands.
    start, end = cells["Từ ngày"], cells["Đến ngày"]
    assert (start.value, end.value) == (datetime(2020, 3, 1), datetime(2020, 3, 12))
    assert start.is_date and start.number_format == end.number_format == "dd/mm/yyyy"
    amount, people = cells["Viện trợ cam kết (VND)"], cells["Người Việt Nam"]
    assert (amount.value, amount.data_type, amount.number_format) == (1_234_567, "n", "#,##0")
    assert (people.value, people.data_type) == (1200, "n")
    assert cells["Tên hoạt động"].data_type == "s"
    donors = list(workbook["Viện trợ"].iter_rows(min_row=2))
    assert donors and all(r[3].data_type == "n" and r[3].number_format == "#,##0" for r in donors)
