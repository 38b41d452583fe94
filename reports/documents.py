"""The files of a consolidated report: the PDF leaders sign and read, and its XLSX annex.

The PDF carries summaries (tables of a few dozen rows, the notable activities as paragraphs);
the full list of activities goes to the annex. WeasyPrint needs ~25 s for a bordered table of
1,000 rows and ~113 s for 5,000 on an office machine, so a year's list never goes in the PDF.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import translation
from django_countries import countries
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from activities.exports import escape
from activities.models import Activity, ActivityCountry
from agencies.models import ActivityKind

from . import pdf
from .figures import PeriodFigures, activities_between, dmy
from .models import ConsolidatedReport
from .narrative import number, vnd


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def document_header(report: ConsolidatedReport) -> dict:
    """The administrative frame of Decree 30/2020: issuer, number, place and date, title,
    recipients, signature. Set in settings (REPORT_*), the same for every report."""
    period = report.period
    return {
        "issuer_parent": settings.REPORT_ISSUER_PARENT,
        "issuer": settings.REPORT_ISSUER,
        "number": report.number_display,
        "number_suffix": settings.REPORT_NUMBER_SUFFIX,
        "place": settings.REPORT_PLACE,
        "date": report.issued_on,
        "year": report.issued_on.year if report.issued_on else period.year,
        "title": "BÁO CÁO",
        "summary": f"Kết quả công tác đối ngoại Nhân dân {period.label_vi}",
        "recipients": [*settings.REPORT_RECIPIENTS, settings.REPORT_ARCHIVE],
        "signer_authority": settings.REPORT_SIGNER_AUTHORITY,
        "signer_title": settings.REPORT_SIGNER_TITLE,
        "signer_name": settings.REPORT_SIGNER_NAME,
        "draft": not report.is_issued and report.number is None,
    }


def render_pdf(report: ConsolidatedReport) -> bytes:
    """The report's PDF (a draft, or the issued text with its number), from its figures and
    narrative."""
    figures: PeriodFigures = report.figures
    with translation.override("vi"):
        context = {
            "doc": document_header(report),
            "report": report,
            "f": figures,
            "sections": {s: paragraphs(getattr(report, s)) for s in report.SECTIONS},
            "kind_chart": pdf.bar_chart_svg(
                [(row["label"], row["count"]) for row in figures["by_kind"]],
                title="Số hoạt động theo loại",
            )
            if figures["by_kind"]
            else "",
            "countries_top": figures["by_country"][: settings.REPORT_COUNTRY_LIMIT],
            "countries_rest": figures["by_country"][settings.REPORT_COUNTRY_LIMIT :],
            "total": number(figures["total"]),
            "aid_total": vnd(figures["aid"]["total_vnd"]),
        }
        return pdf.render_pdf("reports/pdf/consolidated.html", context)


# --- the XLSX annex ----------------------------------------------------------------------

BOLD = Font(bold=True)


def _header(sheet, *titles: str) -> None:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = BOLD
        cells.append(cell)
    sheet.append(cells)


def _clean(values) -> list:
    return ["" if v is None else escape(v) for v in values]


def render_xlsx(report: ConsolidatedReport) -> bytes:
    """Every counted activity of the period, one row each, and the summary tables."""
    figures: PeriodFigures = report.figures
    period = report.period
    workbook = Workbook(write_only=True)
    with translation.override("vi"):
        summary = workbook.create_sheet("Tổng hợp")
        summary.append(
            _clean([f"Phụ lục báo cáo kết quả công tác đối ngoại Nhân dân {period.label_vi}"])
        )
        summary.append(
            _clean([f"Từ ngày {figures['period']['start']} đến ngày {figures['period']['end']}"])
        )
        summary.append([])
        _header(summary, "Chỉ tiêu", "Số lượng")
        summary.append(["Tổng số hoạt động", figures["total"]])
        summary.append(["Đoàn vào", figures["delegations"]["inbound"]])
        summary.append(["Đoàn ra", figures["delegations"]["outbound"]])
        summary.append(["Viện trợ vận động (VND)", figures["aid"]["total_vnd"]])
        summary.append(
            [
                f"Cùng kỳ năm {figures['previous']['year']}: số hoạt động",
                figures["previous"]["total"],
            ]
        )
        summary.append([])
        _header(summary, "Loại hoạt động", "Số hoạt động")
        for row in figures["by_kind"]:
            summary.append(_clean([row["label"], row["count"]]))

        _activities_sheet(workbook, report)

        sheet = workbook.create_sheet("Theo cơ quan")
        _header(sheet, "Mã", "Cơ quan, đơn vị", "Số hoạt động")
        for row in figures["by_agency"]:
            sheet.append(_clean([row["code"], row["name"], row["count"]]))
        sheet = workbook.create_sheet("Theo quốc gia")
        _header(sheet, "Mã", "Quốc gia", "Số hoạt động")
        for row in figures["by_country"]:
            sheet.append(_clean([row["code"], row["name"], row["count"]]))
        sheet = workbook.create_sheet("Viện trợ")
        _header(sheet, "Nhà tài trợ", "Quốc gia", "Số khoản", "Giá trị cam kết (VND)")
        for row in figures["aid"]["by_donor"]:
            sheet.append(_clean([row["name"], row["country"], row["count"], row["amount_vnd"]]))
        sheet = workbook.create_sheet("Nhiệm vụ")
        _header(sheet, "Mục", "Nhiệm vụ", "Số hoạt động", "Cơ quan thực hiện")
        for row in figures["duties"]:
            sheet.append(
                _clean(
                    [
                        row["ref"],
                        row["heading"],
                        row["count"],
                        "; ".join(row["agencies"]) or "Không có hoạt động trong kỳ",
                    ]
                )
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _activities_sheet(workbook: Workbook, report: ConsolidatedReport) -> None:
    period = report.period
    sheet = workbook.create_sheet("Danh sách hoạt động")
    _header(
        sheet,
        "STT",
        "Cơ quan, đơn vị",
        "Loại hoạt động",
        "Tên hoạt động",
        "Từ ngày",
        "Đến ngày",
        "Địa điểm",
        "Quốc gia đối tác",
        "Đối tác",
        "Nhiệm vụ",
        "Người Việt Nam",
        "Người nước ngoài",
        "Viện trợ cam kết (VND)",
        "Kết quả",
    )
    activities = activities_between(period.start_date, period.end_date)
    ids = activities.values("pk")
    # Plain rows, not model instances: three queries and no per-row objects for 5,000 rows.
    country_names = {code: str(name) for code, name in countries}
    countries_of = _grouped(
        ActivityCountry.objects.filter(activity__in=ids)
        .order_by("country")
        .values_list("activity_id", "country"),
        lambda code: country_names.get(code, code),
    )
    partners_of = _grouped(
        Activity.partners.through.objects.filter(activity__in=ids)
        .order_by("partner__name")
        .values_list("activity_id", "partner__name"),
    )
    kinds = {kind: str(label) for kind, label in ActivityKind.choices}
    rows = activities.order_by("start_date", "pk").values_list(
        "pk",
        "agency__short_name",
        "kind",
        "title",
        "start_date",
        "end_date",
        "place",
        "duty__ref",
        "participants_vietnamese",
        "participants_foreign",
        "committed_vnd",
        "outcome",
    )
    for index, row in enumerate(rows.iterator(chunk_size=2000), start=1):
        pk, agency, kind, title, start, end, place, duty, vn, foreign, vnd, outcome = row
        sheet.append(
            _clean(
                [
                    index,
                    agency,
                    kinds.get(kind, kind),
                    title,
                    dmy(start),
                    dmy(end),
                    place,
                    "; ".join(countries_of.get(pk, ())),
                    "; ".join(partners_of.get(pk, ())),
                    duty or "",
                    vn,
                    foreign,
                    int(vnd) if vnd else None,
                    outcome,
                ]
            )
        )


def _grouped(pairs, label=str) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(label(value))
    return grouped
