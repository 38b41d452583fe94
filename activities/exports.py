"""The current list of activities as XLSX or CSV, for the rows the user may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .imports import COLUMNS, SHEET_DATE_FORMAT
from .models import Activity, ActivityCountry

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

EXPORT_MAX_ROWS = 20_000  # built in the request: larger lists are filtered first


class ExportTooLarge(Exception):
    """The list is too long to be built in the request; the message is for the user."""


def escape(value):
    if isinstance(value, str):
        # Control characters are not allowed in a workbook; a pasted one must not break
        # everyone's export.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def _rows(activities: QuerySet[Activity]) -> Iterator[list]:
    yield [_("No."), *(str(c.header) for c in COLUMNS), _("Status")]
    queryset = activities.select_related("agency", "duty", "donor").prefetch_related(
        Prefetch("countries", queryset=ActivityCountry.objects.order_by("country"))
    )
    for activity in queryset.iterator(chunk_size=2000):
        values = {
            "agency": activity.agency.code,
            "kind": activity.get_kind_display(),
            "title": activity.title,
            "start_date": date_format(activity.start_date, SHEET_DATE_FORMAT),
            "end_date": date_format(activity.end_date, SHEET_DATE_FORMAT),
            "place": activity.place,
            "description": activity.description,
            "outcome": activity.outcome,
            "duty": activity.duty.ref if activity.duty else "",
            "countries": "; ".join(c.country.code for c in activity.countries.all()),
            "participants_vietnamese": activity.participants_vietnamese,
            "participants_foreign": activity.participants_foreign,
            "currency": activity.currency,
            "committed_amount": activity.committed_amount,
            "disbursed_amount": activity.disbursed_amount,
            "committed_vnd": activity.committed_vnd,
            "sector": activity.get_sector_display() if activity.sector else "",
            "donor": activity.donor.name if activity.donor else "",
            "aid_type": activity.get_aid_type_display() if activity.aid_type else "",
            "approval_number": activity.approval_number,
            "approval_date": date_format(activity.approval_date, SHEET_DATE_FORMAT)
            if activity.approval_date
            else "",
        }
        yield [
            activity.pk,
            *(escape(values[c.key]) for c in COLUMNS),
            activity.get_status_display(),
        ]


def to_xlsx(activities: QuerySet[Activity]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Activities"))
    for row in _rows(activities):
        sheet.append(["" if v is None else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(activities: QuerySet[Activity]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _rows(activities):
        writer.writerow(["" if v is None else v for v in row])
    # With the byte-order mark, Excel opens the Vietnamese text correctly.
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class ExportFile:
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
