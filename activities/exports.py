"""The current list of activities as XLSX or CSV, for the rows the user may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .imports import COLUMNS
from .models import Activity, ActivityCountry

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
            "start_date": activity.start_date.strftime("%d/%m/%Y"),
            "end_date": activity.end_date.strftime("%d/%m/%Y"),
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
            "approval_date": activity.approval_date.strftime("%d/%m/%Y")
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
