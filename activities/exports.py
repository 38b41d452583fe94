"""The current list of activities as XLSX or CSV, for the rows the user may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook

from agencies.models import ActivityKind
from doingoai.xlsx import SheetWriter, cell_text

from .imports import COLUMNS, FORMULA_START, SHEET_DATE_FORMAT
from .models import Activity, ActivityCountry

EXPORT_MAX_ROWS = 20_000  # built in the request: larger lists are filtered first


class ExportTooLarge(Exception):
    """The list is too long to be built in the request; the message is for the user."""


def escape(value):
    """`value` as a CSV cell: a text that a spreadsheet would run as a formula (see
    imports.FORMULA_START) gets an apostrophe before it, which imports.unescape removes
    again; control characters a workbook refuses are dropped."""
    if isinstance(value, str):
        value = cell_text(value)
        if FORMULA_START.match(value):
            return "'" + value
    return value


# The value each column exports, read as plain rows: model instances cost a third of the
# export of 20,000 activities.
_FIELDS = {
    "agency": "agency__code",
    "kind": "kind",
    "title": "title",
    "start_date": "start_date",
    "end_date": "end_date",
    "place": "place",
    "description": "description",
    "outcome": "outcome",
    "duty": "duty__ref",
    "participants_vietnamese": "participants_vietnamese",
    "participants_foreign": "participants_foreign",
    "currency": "currency",
    "committed_amount": "committed_amount",
    "disbursed_amount": "disbursed_amount",
    "committed_vnd": "committed_vnd",
    "sector": "sector",
    "donor": "donor__name",
    "aid_type": "aid_type",
    "approval_number": "approval_number",
    "approval_date": "approval_date",
}


def export_records(activities: QuerySet[Activity]) -> Iterator[list]:
    """The header, then one row per activity in the queryset's order: its number, a value per
    COLUMNS column (text as str, dates as date, amounts as Decimal, counts as int, an empty
    cell as None; kinds, sectors and aid types as their labels, countries as "JP; KR"), and
    its status's label."""
    yield [_("Activity number"), *(str(c.header) for c in COLUMNS), _("Status")]
    countries_of: dict[int, list[str]] = {}
    for activity_id, code in (
        ActivityCountry.objects.filter(activity__in=activities.order_by().values("pk"))
        .order_by("activity_id", "country")
        .values_list("activity_id", "country")
    ):
        countries_of.setdefault(activity_id, []).append(code)
    # Labels once per export: get_FOO_display translates them again for every row.
    labels = {
        "kind": {value: str(label) for value, label in ActivityKind.choices},
        "sector": {value: str(label) for value, label in Activity.Sector.choices},
        "aid_type": {value: str(label) for value, label in Activity.AidType.choices},
    }
    statuses = {value: str(label) for value, label in Activity.Status.choices}
    keys = list(_FIELDS)
    rows = activities.values_list("pk", *_FIELDS.values(), "status")
    for pk, *fields, status in rows.iterator(chunk_size=2000):
        values = dict(zip(keys, fields, strict=True))
        values["kind"] = labels["kind"].get(values["kind"], values["kind"])
        values["sector"] = labels["sector"].get(values["sector"], "")
        values["aid_type"] = labels["aid_type"].get(values["aid_type"], "")
        values["duty"] = values["duty"] or ""
        values["donor"] = values["donor"] or ""
        values["countries"] = "; ".join(countries_of.get(pk, ()))
        yield [pk, *(values[c.key] for c in COLUMNS), statuses[status]]


def to_xlsx(activities: QuerySet[Activity]) -> bytes:
    """The activities as a workbook: text in string cells, dates in date cells (dd/mm/yyyy),
    amounts and counts in number cells (#,##0, decimals shown only where an amount has them),
    so a clerk can sort, filter and sum them (doingoai.xlsx)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Activities"))
    records = export_records(activities)
    sheet.append(next(records))
    writer = SheetWriter(sheet)
    for number, *values in records:
        sheet.append([number, *writer.cells(values)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(value) -> str | int | Decimal:
    if value is None:
        return ""
    if isinstance(value, date):
        return date_format(value, SHEET_DATE_FORMAT)
    return escape(value)


def to_csv(activities: QuerySet[Activity]) -> bytes:
    """The activities as UTF-8 CSV with a byte-order mark (so Excel opens the Vietnamese text
    correctly); dates dd/mm/yyyy, amounts as 1234.50, formulas escaped (escape)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in export_records(activities):
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class ExportFile:
    """A built export: the file's bytes, its MIME type (with the charset for CSV) and the
    name to download it as ("hoat-dong-20261130-1530.xlsx")."""

    content: bytes
    content_type: str
    filename: str


FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
    "csv": ("text/csv; charset=utf-8", to_csv),
}


def export_activities(activities: QuerySet[Activity], fmt: str) -> ExportFile:
    """`activities` (already narrowed to what the user may see) as a file in `fmt`, one of
    FORMATS, named with the local time. Raises ExportTooLarge beyond EXPORT_MAX_ROWS rows,
    KeyError for an unknown format."""
    content_type, render = FORMATS[fmt]
    if activities.order_by()[: EXPORT_MAX_ROWS + 1].count() > EXPORT_MAX_ROWS:
        raise ExportTooLarge(
            _("The list has more than %(count)s rows; filter it before downloading.")
            % {"count": number_format(EXPORT_MAX_ROWS, force_grouping=True)}
        )
    stamp = date_format(timezone.localtime(), "Ymd-Hi")
    return ExportFile(render(activities), content_type, f"hoat-dong-{stamp}.{fmt}")
