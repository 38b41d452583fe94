"""An exported sheet comes back as it left: the XLSX export's cells are typed (text never
evaluated, real dates, real numbers), the CSV export escapes every formula start, and an
import of either is recognised row for row as the duplicate it is, or brings the same values
back into an empty agency."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from activities.exports import escape
from activities.imports import COLUMNS, import_sheet, unescape
from activities.models import Activity
from activities.services import AID_FIELDS, NewPartner
from agencies.models import Duty
from tests.factories import make_activity, make_user

pytestmark = pytest.mark.django_db

# Titles a spreadsheet would run as formulas, or that only look like them.
TITLES = [
    '=HYPERLINK("http://x.example";"Bấm vào đây")',
    "+84 912 345 678",
    "-5 độ C ở Sa Pa",
    "@SUM(A1:A9)",
    "\uff1d1+1 (dấu bằng toàn khổ)",
    "\ufe6284 (dấu cộng nhỏ)",
    "'=HYPERLINK đã có dấu nháy",
    "Hội nghị = hội thảo",
    "#N/A",  # an error code, as a title
]
FIELDS = ["title", "place", "description", "outcome", "start_date", "end_date", "kind"]


def export(client, fmt: str, language: str = "vi") -> bytes:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("activities:export", args=[fmt]), {"mine": "1"})
    assert response.status_code == 200
    return response.content


def values() -> dict[str, tuple]:
    return {
        a.title: (*(getattr(a, name) for name in [*FIELDS, *AID_FIELDS]),)
        for a in Activity.objects.all()
    }


@pytest.fixture
def exported_activities(staff) -> list[Activity]:
    """One activity of SLDTBXH per title of TITLES, with text, dates and amounts."""
    donor = NewPartner(name="Quỹ Hàn Quốc", kind="ngo", country="KR", is_donor=True)
    made = [
        make_activity(
            staff,
            title=title,
            place="-Vũng Tàu" if n % 2 else "@Bà Rịa",
            description=f"=1+{n}\nDòng hai\tcó tab",
            outcome="+ Ký biên bản",
            start_date=date(2020, 3, 2 + n),
            end_date=date(2020, 3, 3 + n),
            countries=["JP"],
        )
        for n, title in enumerate(TITLES)
    ]
    made.append(
        make_activity(
            staff,
            kind="aid",
            title="Vận động tài trợ xe lăn",
            duty=Duty.objects.get(ref="III.3.1"),
            participants_vietnamese=1234,
            participants_foreign=3,
            new_partner=donor,
            aid={
                "aid_type": "non_project",
                "sector": "social",
                "committed_amount": Decimal("1234567.50"),
                "disbursed_amount": Decimal("1000"),
                "currency": "USD",
                "committed_vnd": Decimal("31000000000"),
                "approval_number": "=123/QĐ-UBND",
                "approval_date": date(2020, 2, 20),
            },
        )
    )
    return made


def test_the_xlsx_export_writes_typed_cells(client, staff, exported_activities):
    client.force_login(staff)
    sheet = load_workbook(io.BytesIO(export(client, "xlsx"))).active
    column = {str(c.header): n for n, c in enumerate(COLUMNS, start=1)}
    rows = {r[column["Tên hoạt động"]].value: r for r in sheet.iter_rows(min_row=2)}
    assert set(rows) == {a.title for a in exported_activities}
    formula = rows[TITLES[0]][column["Tên hoạt động"]]
    assert (formula.data_type, formula.value) == ("s", TITLES[0])  # text, never evaluated
    start = rows[TITLES[0]][column["Ngày bắt đầu"]]
    assert (start.is_date, start.value.date(), start.number_format) == (
        True,
        date(2020, 3, 2),
        "dd/mm/yyyy",
    )
    aid = rows["Vận động tài trợ xe lăn"]
    shown = {
        key: (aid[column[key]].data_type, aid[column[key]].value, aid[column[key]].number_format)
        for key in column
    }
    assert shown["Giá trị cam kết"] == ("n", 1234567.5, "#,##0.00")
    assert shown["Giá trị giải ngân"] == ("n", 1000, "#,##0")
    assert shown["Giá trị cam kết quy đổi (VNĐ)"] == ("n", 31000000000, "#,##0")
    assert shown["Số người Việt Nam tham gia"] == ("n", 1234, "#,##0")
    assert shown["Số quyết định phê duyệt"] == ("s", "=123/QĐ-UBND", "General")
    assert shown["Ngày quyết định phê duyệt"][2] == "dd/mm/yyyy"


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+84",
        "-5",
        "@x",
        "\tcmd",
        "\rcmd",
        " =1",
        "   @x",
        "\uff1d1",
        "\uff0b1",
        "\uff0d1",
        "\uff20x",
        "\ufe661",
        "\ufe621",
        "\ufe631",
        "\ufe6bx",
        "'=1",  # an apostrophe already there is kept: it was not the export's
        "''+1",
    ],
)
def test_the_csv_export_escapes_every_formula_start_and_the_import_undoes_exactly_that(value):
    assert escape(value) == "'" + value
    assert unescape(escape(value)) == value


@pytest.mark.parametrize("value", ["Hội nghị", "'quoted'", "1-2", "a=b", "'", "' x", ""])
def test_text_that_is_no_formula_is_left_as_it_is_both_ways(value):
    assert escape(value) == value
    assert unescape(value) == value


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_an_export_imported_by_a_colleague_is_every_row_a_duplicate(
    client, staff, exported_activities, fmt, language
):
    # Saved around the forms, which strip it, a title may start with a space; the import
    # strips it too, and still sees the duplicate.
    exported_activities.append(
        make_activity(staff, title=" @x", start_date=date(2021, 1, 4), end_date=date(2021, 1, 4))
    )
    client.force_login(staff)
    content = export(client, fmt, language)
    colleague = make_user("dong.nghiep", "SLDTBXH", "staff")
    with translation.override("vi"):
        result = import_sheet(user=colleague, name=f"hd.{fmt}", content=content)
    assert result.created == 0
    duplicates = [e for e in result.errors if "đã tồn tại" in e.message]
    assert len(duplicates) == len(result.errors) == len(exported_activities)
    assert Activity.objects.count() == len(exported_activities)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("exported_in", "imported_in"), [("vi", "en"), ("en", "vi")])
def test_an_export_imported_into_an_empty_agency_brings_the_same_values_back(
    client, staff, exported_activities, fmt, exported_in, imported_in
):
    before = values()
    client.force_login(staff)
    content = export(client, fmt, exported_in)
    Activity.objects.all().delete()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = imported_in
    upload = SimpleUploadedFile(f"hd.{fmt}", content)
    preview = client.post(reverse("activities:import"), {"file": upload})
    assert preview.context["result"].errors == []
    client.post(reverse("activities:import-confirm", args=[preview.context["token"]]))
    assert values() == before
