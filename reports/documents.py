"""The files of a consolidated report: the PDF leaders sign and read, and its XLSX annex.

The PDF carries summaries (tables of a few dozen rows, the notable activities as paragraphs);
the full list of activities goes to the annex. WeasyPrint needs ~25 s for a bordered table of
1,000 rows and ~113 s for 5,000 on an office machine, so a year's list never goes in the PDF.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Iterator
from typing import TypedDict

from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django_countries import countries
from openpyxl import Workbook

from activities.models import Activity, ActivityCountry
from agencies.models import ActivityKind
from doingoai.xlsx import SheetWriter

from . import pdf
from .figures import PeriodFigures, activities_between
from .models import ConsolidatedReport, IssuingAuthority
from .narrative import number, vnd
from .periods import plan_of_period

logger = logging.getLogger(__name__)


def paragraphs(text: str) -> list[str]:
    """The non-blank lines of `text`, stripped: the paragraphs the PDF prints."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def authority_for(report: ConsolidatedReport) -> IssuingAuthority | None:
    """The issuing authority whose identity `report` prints: the one issuing recorded
    (report.issuing_authority); else the one in force on its issue date; for a draft, the
    one in force today (what issuing it today would use). None when none is in force (no
    record begins on or before that day). At most one query."""
    if report.issuing_authority_id is not None:
        return report.issuing_authority
    return IssuingAuthority.objects.on(report.issued_on or timezone.localdate())


def document_header(report: ConsolidatedReport) -> dict:
    """The administrative frame of Decree 30/2020/NĐ-CP, Appendix I: the body above the
    issuer, the issuer, the number, place and date, title, recipients, signature — from the
    issuing authority in force on the report's issue date, today for a draft (authority_for;
    the record is edited in the admin, the REPORT_* settings only seeded the first). With no
    authority in force the identity's fields are empty ("authority" None): a draft still
    renders, issuing refuses (consolidation.authority_refusal)."""
    period = report.period
    authority = authority_for(report)
    return {
        "authority": authority,
        "no_authority": authority is None,
        "issuer_parent": authority.issuer_parent if authority else "",
        "issuer": authority.issuer if authority else "",
        "number": report.number_display,
        "number_suffix": report.number_suffix or (authority.number_suffix if authority else ""),
        "place": authority.place if authority else "",
        "date": report.issued_on,
        "year": report.issued_on.year if report.issued_on else period.year,
        "title": "BÁO CÁO",
        "summary": f"Kết quả công tác đối ngoại Nhân dân {period.label_vi}",
        "recipients": [*authority.recipient_lines, *filter(None, [authority.archive])]
        if authority
        else [],
        "signer_authority": authority.signer_authority if authority else "",
        "signer_title": authority.signer_title if authority else "",
        "signer_name": authority.signer_name if authority else "",
        "draft": not report.is_issued and report.number is None,
    }


def render_pdf(report: ConsolidatedReport) -> bytes:
    """The report's PDF bytes (a draft, or the issued text with its number), from its
    figures and narrative, unchecked: render_checked_pdf also names what it cannot print.
    Raises whatever WeasyPrint raises."""
    figures: PeriodFigures = report.figures
    with translation.override("vi"):
        context = {
            "doc": document_header(report),
            # The plan the period follows: the opening sentence cites it (its number, date,
            # issuer and subject come from the plan's data, never from the template).
            "plan": plan_of_period(report.period),
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


# --- characters the PDF cannot print -------------------------------------------------------

# What a page lists at most: enough to find and fix each character, bounded for any data.
MISSING_GLYPHS_LIMIT = 50
PLACES_LIMIT = 10


class MissingGlyph(TypedDict):
    """A character of the data the PDF cannot print, and where it occurs."""

    char: str  # "🫠"
    codepoint: str  # "U+1FAE0"
    name: str  # Unicode's standard (English) name, "MELTING FACE"; "" when it has none
    kind: str  # for a character without a name, what it is, in the portal's language
    where: list[str]  # ["Hoạt động “…” (SYT): tên hoạt động", …], in the portal's language


def render_checked_pdf(report: ConsolidatedReport) -> tuple[bytes, list[MissingGlyph] | None]:
    """The report's PDF (render_pdf) and the characters of its data it cannot print, in
    code point order, each with up to PLACES_LIMIT places it occurs (at most
    MISSING_GLYPHS_LIMIT characters; [] when everything prints; None when WeasyPrint said
    something about glyphs that could not be read, so nothing is known: see
    pdf.NotdefLog). Raises whatever the rendering raises.

    Two checks, either enough to list a character: WeasyPrint's own word — a glyph no
    installed font has, drawn as .notdef (an emoji without an emoji font) — and the
    character's kind — private-use and unassigned code points, which no reader can rely on
    even where some font draws something for them."""
    with pdf.notdef_characters() as notdef:
        content = render_pdf(report)
    if not notdef.readable:
        logger.error("report %s: WeasyPrint's warnings about glyphs could not be read", report.pk)
        return content, None
    with translation.override(settings.LANGUAGE_CODE):
        texts = list(_pdf_texts(report))
        found = set(notdef.characters)
        for _place, text in texts:
            found |= pdf.never_printable(text)
        return content, [_missing(char, texts) for char in sorted(found)[:MISSING_GLYPHS_LIMIT]]


def describe_glyph(glyph: MissingGlyph) -> str:
    """One character of a list, for a message in the active language:
    «“🫠” U+1FAE0 (tên Unicode: MELTING FACE)»."""
    if glyph["name"]:
        about = _("Unicode name: %(name)s") % {"name": glyph["name"]}
    else:
        about = glyph["kind"]
    return _("“%(char)s” %(codepoint)s (%(about)s)") % {
        "char": glyph["char"],
        "codepoint": glyph["codepoint"],
        "about": about,
    }


def _missing(char: str, texts: list[tuple[str, str]]) -> MissingGlyph:
    places = [place for place, text in texts if char in text][:PLACES_LIMIT]
    name = unicodedata.name(char, "")
    return {
        "char": char,
        "codepoint": f"U+{ord(char):04X}",
        "name": name,
        "kind": "" if name else _character_kind(char),
        "where": places or [_("The fixed text of the document")],
    }


def _character_kind(char: str) -> str:
    if unicodedata.category(char) == "Co":
        return _("private-use character (its picture depends on the font)")
    if unicodedata.category(char) == "Cn":
        return _("code point not assigned by Unicode")
    return _("character without a Unicode name")


def _quoted(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(60)


def _pdf_texts(report: ConsolidatedReport) -> Iterator[tuple[str, str]]:
    """(place, text) of every text from the data or the reviewer that the PDF prints; the
    place says where a reviewer finds it (labels from choices and countries are the
    portal's own and always print)."""
    figures: PeriodFigures = report.figures
    header = document_header(report)
    yield (
        _("Document header (issuer, place, signer: the issuing authority in the admin)"),
        "\n".join([*(v for v in header.values() if isinstance(v, str)), *header["recipients"]]),
    )
    for section in report.SECTIONS:
        label = capfirst(report._meta.get_field(section).verbose_name)
        yield _("Report text, section “%(section)s”") % {"section": label}, getattr(report, section)
    for row in figures["by_agency"]:
        yield _("Table of activities by agency: %(agency)s") % {"agency": row["name"]}, row["name"]
    for row in figures["by_country"][: settings.REPORT_COUNTRY_LIMIT]:
        yield _("Table of partner countries: %(country)s") % {"country": row["name"]}, row["name"]
    for row in figures["duties"]:
        place = _("Duty %(ref)s of the plan") % {"ref": row["ref"]}
        yield place, "\n".join([row["ref"], row["heading"], *row["agencies"]])
    for row in figures["aid"]["by_donor"][:10]:  # as many as the PDF's table shows
        place = _("Aid donor “%(donor)s” (%(country)s)") % {
            "donor": _quoted(row["name"]),
            "country": row["country"],
        }
        yield place, "\n".join([row["name"], row["country"]])
    for activity in figures["notable"]:
        for field in ("title", "place", "outcome"):
            yield (
                _("Activity “%(title)s” (%(agency)s): %(field)s")
                % {
                    "title": _quoted(activity["title"]),
                    "agency": activity["agency"],
                    "field": Activity._meta.get_field(field).verbose_name,
                },
                activity[field],
            )
    for quote in figures["difficulties"]:
        place = _("Difficulties reported by %(agency)s") % {"agency": quote["agency"]}
        yield place, f"{quote['agency']}\n{quote['text']}"
    for quote in figures["proposals"]:
        place = _("Proposals of %(agency)s") % {"agency": quote["agency"]}
        yield place, f"{quote['agency']}\n{quote['text']}"


# --- the XLSX annex ----------------------------------------------------------------------


def render_xlsx(report: ConsolidatedReport) -> bytes:
    """The annex: every counted activity of the period, one row each, and the summary
    tables, as XLSX bytes. Cells are typed as doingoai.xlsx writes them: texts string cells
    exactly as written (never a formula), dates date cells (dd/mm/yyyy), counts and amounts
    number cells (#,##0)."""
    figures: PeriodFigures = report.figures
    period = report.period
    workbook = Workbook(write_only=True)
    with translation.override("vi"):
        summary = SheetWriter(workbook.create_sheet("Tổng hợp"))
        summary.append([f"Phụ lục báo cáo kết quả công tác đối ngoại Nhân dân {period.label_vi}"])
        dates = figures["period"]
        summary.append([f"Từ ngày {dates['start']} đến ngày {dates['end']}"])
        summary.append([])
        summary.append(["Chỉ tiêu", "Số lượng"], bold=True)
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
        summary.append(["Loại hoạt động", "Số hoạt động"], bold=True)
        for row in figures["by_kind"]:
            summary.append([row["label"], row["count"]])

        _activities_sheet(workbook, report)

        sheet = SheetWriter(workbook.create_sheet("Theo cơ quan"))
        sheet.append(["Mã", "Cơ quan, đơn vị", "Số hoạt động"], bold=True)
        for row in figures["by_agency"]:
            sheet.append([row["code"], row["name"], row["count"]])
        sheet = SheetWriter(workbook.create_sheet("Theo quốc gia"))
        sheet.append(["Mã", "Quốc gia", "Số hoạt động"], bold=True)
        for row in figures["by_country"]:
            sheet.append([row["code"], row["name"], row["count"]])
        sheet = SheetWriter(workbook.create_sheet("Viện trợ"))
        sheet.append(["Nhà tài trợ", "Quốc gia", "Số khoản", "Giá trị cam kết (VND)"], bold=True)
        for row in figures["aid"]["by_donor"]:
            sheet.append([row["name"], row["country"], row["count"], row["amount_vnd"]])
        sheet = SheetWriter(workbook.create_sheet("Nhiệm vụ"))
        sheet.append(["Mục", "Nhiệm vụ", "Số hoạt động", "Cơ quan thực hiện"], bold=True)
        for row in figures["duties"]:
            agencies = "; ".join(row["agencies"]) or "Không có hoạt động trong kỳ"
            sheet.append([row["ref"], row["heading"], row["count"], agencies])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ACTIVITY_COLUMNS = [
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
]


def _activities_sheet(workbook: Workbook, report: ConsolidatedReport) -> None:
    period = report.period
    sheet = SheetWriter(workbook.create_sheet("Danh sách hoạt động"))
    sheet.append(ACTIVITY_COLUMNS, bold=True)
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
            [
                index,
                agency,
                kinds.get(kind, kind),
                title,
                start,
                end,
                place,
                "; ".join(countries_of.get(pk, ())),
                "; ".join(partners_of.get(pk, ())),
                duty or "",
                vn,
                foreign,
                vnd,
                outcome,
            ]
        )


def _grouped(pairs, label=str) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(label(value))
    return grouped
