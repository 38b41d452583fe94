"""What a sheet's cells mean: text normalised at the edge (one Unicode form, the field's
limit), numbers as the cell holds them, dates in either epoch, CSV in any of Excel's
separators. The files of tests/data/ are the cases reported by users; the others are built
here, one per member of the kind."""

from __future__ import annotations

import csv
import io
import time
import unicodedata
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from activities.forms import ActivityForm
from activities.imports import COLUMNS, ImportFileError, check_sheet, import_sheet, read_sheet
from activities.models import Activity
from activities.resources import ActivityResource

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent.parent / "data"
HEADERS = [str(c.header) for c in COLUMNS]
AID = {"kind": "aid", "currency": "USD", "committed_vnd": 1_000_000}


def cells(**values) -> list:
    """A row of the template's columns: an activity of SLDTBXH, changed by `values`."""
    base = {
        "agency": "SLDTBXH",
        "kind": "meeting",
        "title": "Hội nghị lao động",
        "start_date": "02/03/2020",
        "end_date": "03/03/2020",
    }
    base.update(values)
    return [base.get(c.key) for c in COLUMNS]


def xlsx(*rows: list, epoch: datetime | None = None) -> bytes:
    workbook = Workbook()
    if epoch is not None:
        workbook.epoch = epoch
    sheet = workbook.active
    sheet.append(HEADERS)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def imported(user, content: bytes, name: str = "hd.xlsx") -> list[Activity]:
    result = import_sheet(user=user, name=name, content=content)
    assert result.errors == []
    return list(Activity.objects.order_by("pk"))


def first_error(user, content: bytes, name: str = "hd.xlsx"):
    result = check_sheet(user=user, name=name, content=content)
    assert not result.ok
    return result.errors[0]


# Kind 1: text at the edge.


def test_a_title_typed_on_a_mac_is_the_duplicate_of_the_same_title_typed_on_windows(staff):
    decomposed = (DATA / "title-decomposed-nfd.xlsx").read_bytes()
    composed = (DATA / "title-composed-nfc.xlsx").read_bytes()
    [activity] = imported(staff, decomposed)
    assert activity.title == "Hội nghị hữu nghị Việt Nam - Lào thử nghiệm"
    assert unicodedata.is_normalized("NFC", activity.title)
    error = first_error(staff, composed)
    assert (error.row, error.column) == (2, "Tên hoạt động")
    assert "đã tồn tại" in error.message
    assert import_sheet(user=staff, name="hd.xlsx", content=composed).created == 0
    assert Activity.objects.count() == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (unicodedata.normalize("NFD", "Đón đoàn Chiba"), "Đón đoàn Chiba"),
        ("Ðón đoàn Chiba", "Đón đoàn Chiba"),  # the Icelandic eth for Đ
        ("Đón \u202ađoàn\u202c Chiba", "Đón đoàn Chiba"),  # an invisible direction control
        ("Đón đoàn\x00 Chiba", "Đón đoàn Chiba"),  # in a CSV file: a workbook cannot hold it
    ],
)
def test_two_rows_that_look_the_same_are_one_activity(staff, first, second):
    rows = [cells(title=first), cells(title=second)]
    files = {"x.csv": csv_bytes([HEADERS, *rows])}
    if "\x00" not in first:
        files["x.xlsx"] = xlsx(*rows)
    for name, content in files.items():
        error = first_error(staff, content, name)
        assert (error.row, "đã có ở dòng 2" in error.message) == (3, True)


def test_text_cells_are_stored_normalised_with_lines_only_where_the_field_has_lines(staff):
    [activity] = imported(
        staff,
        csv_bytes(
            [
                HEADERS,
                cells(
                    title="Đón\tđoàn\n\u202eChiba\u202c",
                    place="Vũng\x07 Tàu",
                    description="Dòng một\r\nDòng hai\rDòng ba\u2028Ðoạn cuối",
                    outcome=unicodedata.normalize("NFD", "Ký biên bản\n\tghi nhớ"),
                ),
            ]
        ),
        "hd.csv",
    )
    assert activity.title == "Đón đoàn Chiba"
    assert activity.place == "Vũng Tàu"
    assert activity.description == "Dòng một\nDòng hai\nDòng ba\nĐoạn cuối"
    assert activity.outcome == "Ký biên bản\n\tghi nhớ"


def test_the_import_export_resource_stores_text_normalised(staff):
    dataset = tablib.Dataset(
        headers=["agency", "kind", "title", "start_date", "end_date", "place", "description"]
    )
    dataset.append(
        [
            "SLDTBXH",
            "meeting",
            unicodedata.normalize("NFD", " Hội\u202e nghị\tlao động "),
            "02/03/2020",
            "03/03/2020",
            "Ðà Nẵng\x00",
            "Dòng một\r\nDòng hai",
        ]
    )
    result = ActivityResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    activity = Activity.objects.get()
    assert (activity.title, activity.place, activity.description) == (
        "Hội nghị lao động",
        "Đà Nẵng",
        "Dòng một\nDòng hai",
    )


def _limited_columns() -> list[tuple[str, str, int]]:
    limited = []
    for column in COLUMNS:
        try:
            model_field = Activity._meta.get_field(column.key)
        except Exception:
            continue
        if getattr(model_field, "max_length", None) and not model_field.choices:
            with translation.override("vi"):
                limited.append((column.key, str(column.header), model_field.max_length))
    return limited


@pytest.mark.parametrize(("key", "header", "limit"), _limited_columns())
def test_a_text_longer_than_its_field_is_refused_naming_the_limit(staff, key, header, limit):
    values = {key: "ắ" * limit, **(AID if key == "approval_number" else {})}
    assert check_sheet(user=staff, name="x.xlsx", content=xlsx(cells(**values))).ok
    values[key] = "ắ" * (limit + 1)
    error = first_error(staff, xlsx(cells(**values)))
    assert (error.column, error.message) == (header, f"Tối đa {limit} ký tự.")


def test_the_limits_cover_the_title_place_and_approval_number():
    assert {"title", "place", "approval_number"} <= {key for key, _h, _l in _limited_columns()}


# Kind 2: numbers.


def test_amounts_typed_into_number_cells_are_those_numbers_rounded_to_two_decimals(staff):
    first, second = imported(staff, (DATA / "amount-in-number-cells.xlsx").read_bytes())
    assert (first.committed_amount, first.disbursed_amount) == (Decimal("1.23"), Decimal("0.13"))
    assert first.committed_vnd == Decimal("30000")
    assert (second.committed_amount, second.disbursed_amount) == (
        Decimal("12.50"),
        Decimal("1234.57"),
    )
    assert (first.participants_vietnamese, first.participants_foreign) == (5, 4)


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("1.234", Decimal("1234.00")),  # a text cell: dots group thousands
        ("1.234.567,5", Decimal("1234567.50")),
        ("0,12", Decimal("0.12")),
        ("1.000.000 đ", Decimal("1000000.00")),
        ("VNĐ 2.500.000", Decimal("2500000.00")),
        ("3.000.000vnd", Decimal("3000000.00")),
        ("4.000.000 Đ", Decimal("4000000.00")),
        ("5.000.000₫", Decimal("5000000.00")),
        (2.675, Decimal("2.68")),  # a float just below 2.675: its shortest form is rounded
        (1234567, Decimal("1234567.00")),
        (0.005, Decimal("0.01")),  # half up, not to the even 0.00
    ],
)
def test_an_amount_cell_is_read_as_the_clerk_sees_it(staff, cell, amount):
    [activity] = imported(staff, xlsx(cells(**{**AID, "currency": "VND"}, committed_amount=cell)))
    assert activity.committed_amount == amount


@pytest.mark.parametrize(("cell", "vnd"), [(1234.5, Decimal(1235)), (2.5, Decimal(3))])
def test_an_amount_is_rounded_to_its_own_fields_decimals(staff, cell, vnd):
    [activity] = imported(staff, xlsx(cells(**{**AID, "committed_vnd": cell})))
    assert activity.committed_vnd == vnd


@pytest.mark.parametrize(("cell", "shown"), [(1e300, "1e+300"), ("12 USD", "12 USD"), (True, "")])
def test_what_is_not_an_amount_is_refused_in_vietnamese(staff, cell, shown):
    error = first_error(staff, xlsx(cells(**AID, committed_amount=cell)))
    assert error.column == "Giá trị cam kết"
    assert f"“{shown or cell}” không phải là số tiền." in error.message


# Texts the web form refuses (or reads otherwise than the clerk meant): never rounded.
REFUSED_AMOUNT_TEXTS = [
    ("committed_amount", "1,234.50"),  # an English thousands comma
    ("committed_amount", "1,234"),  # 1,234 is three decimals in Vietnamese
    ("committed_amount", "+1.000"),
    ("committed_amount", "0,125"),  # more decimals than the field has
    ("committed_amount", "1,2.5"),  # a comma before a dot
    ("committed_vnd", "1.234.567,5"),  # VND are whole numbers
    ("committed_vnd", "1,5 đ"),
]


@pytest.mark.parametrize(("key", "cell"), REFUSED_AMOUNT_TEXTS)
def test_an_amount_typed_as_text_is_refused_with_how_to_write_it_never_rounded(staff, key, cell):
    result = check_sheet(user=staff, name="x.xlsx", content=xlsx(cells(**{**AID, key: cell})))
    [error] = result.errors
    with translation.override("vi"):
        header = str(next(c.header for c in COLUMNS if c.key == key))
    assert error.column == header
    assert f"“{cell}”" in error.message
    assert "1.234.567" in error.message  # how to write it
    assert result.rows == []


@pytest.mark.parametrize(
    "text",
    [
        "1.234",
        "1.234.567,5",
        "0,12",
        "1234567.5",
        "1 234,50",
        "0,125",
        "1,234",
        "1,234.50",
        "12 USD",
        "x",
    ],
)
def test_an_amount_typed_as_text_is_read_as_the_form_reads_it(staff, text):
    form_field = ActivityForm.base_fields["committed_amount"]
    try:
        by_form = form_field.clean(text)
    except ValidationError:
        by_form = None
    result = check_sheet(
        user=staff, name="x.xlsx", content=xlsx(cells(**AID, committed_amount=text))
    )
    by_import = result.rows[0].aid["committed_amount"] if result.ok else None
    assert by_import == by_form


def infinite_in(content: bytes, placeholder: str, literal: str) -> bytes:
    """`content` with the number cell holding `placeholder` made to hold `literal` (1e999 is
    inf to a reader; openpyxl never writes one)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert f"<v>{placeholder}</v>".encode() in data
                data = data.replace(f"<v>{placeholder}</v>".encode(), f"<v>{literal}</v>".encode())
            target.writestr(info, data)
    return buffer.getvalue()


@pytest.mark.parametrize("literal", ["1e999", "-1e999"])  # nan cannot be written as a cell
@pytest.mark.parametrize(
    ("key", "extra"),
    [
        ("participants_foreign", {}),
        ("committed_amount", AID),
        ("committed_vnd", {**AID, "committed_vnd": None}),
        ("start_date", {}),
        ("approval_date", AID),
    ],
)
def test_a_number_cell_beyond_any_number_is_refused_in_vietnamese(staff, literal, key, extra):
    content = infinite_in(xlsx(cells(**{**extra, key: 123456.25})), "123456.25", literal)
    result = check_sheet(user=staff, name="x.xlsx", content=content)
    [error] = result.errors
    with translation.override("vi"):
        header = str(next(c.header for c in COLUMNS if c.key == key))
    assert error.column == header
    assert "không phải" in error.message  # "… is not a number / an amount / a date"
    assert result.rows == []


@pytest.mark.parametrize(("cell", "count"), [(5.0, 5), (5, 5), ("12", 12)])
def test_a_whole_number_of_participants_is_taken_from_a_number_or_a_text_cell(staff, cell, count):
    [activity] = imported(staff, xlsx(cells(participants_foreign=cell)))
    assert activity.participants_foreign == count


@pytest.mark.parametrize(("cell", "shown"), [(5.5, "5,5"), (-3, "-3"), ("5,0", "5,0")])
def test_a_count_that_is_not_a_whole_number_is_refused_in_vietnamese(staff, cell, shown):
    error = first_error(staff, xlsx(cells(participants_foreign=cell)))
    assert (error.column, error.message) == (
        "Số người nước ngoài tham gia",
        f"“{shown}” không phải là số nguyên.",
    )


@pytest.mark.parametrize(
    ("epoch", "serial", "shown"),
    [
        (None, 43892, date(2020, 3, 2)),
        (None, 43892.75, date(2020, 3, 2)),  # 6 pm on that day
        (CALENDAR_MAC_1904, 43892, date(2024, 3, 3)),  # the same serial on an old Mac
        (CALENDAR_MAC_1904, 42430, date(2020, 3, 2)),
    ],
)
def test_a_date_typed_as_a_serial_number_is_the_date_the_cell_shows(staff, epoch, serial, shown):
    [activity] = imported(
        staff, xlsx(cells(start_date=serial, end_date=date(2024, 12, 31)), epoch=epoch)
    )
    assert activity.start_date == shown


def test_date_cells_stay_dates(staff):
    [activity] = imported(
        staff, xlsx(cells(start_date=datetime(2020, 3, 2, 18, 30), end_date=date(2020, 3, 3)))
    )
    assert (activity.start_date, activity.end_date) == (date(2020, 3, 2), date(2020, 3, 3))


@pytest.mark.parametrize("serial", [0.5, -1, 10**9])
def test_a_number_that_is_no_date_is_refused_as_a_date(staff, serial):
    error = first_error(staff, xlsx(cells(start_date=serial)))
    assert (error.column, "không phải là ngày" in error.message) == ("Ngày bắt đầu", True)


def test_the_confirmation_saves_exactly_what_the_preview_showed(client, staff):
    content = xlsx(
        cells(**AID, title="Số", committed_amount=1.234, disbursed_amount=0.125),
        cells(title="Ngày", start_date=43892, end_date=43893, participants_foreign=5.0),
    )
    client.force_login(staff)
    preview = client.post(
        reverse("activities:import"), {"file": SimpleUploadedFile("s.xlsx", content)}
    )
    shown = {row.title: row for row in preview.context["result"].rows}
    assert shown["Số"].aid["committed_amount"] == Decimal("1.23")
    assert shown["Ngày"].start_date == date(2020, 3, 2)
    client.post(reverse("activities:import-confirm", args=[preview.context["token"]]))
    saved = {a.title: a for a in Activity.objects.all()}
    assert (saved["Số"].committed_amount, saved["Số"].disbursed_amount) == (
        Decimal("1.23"),
        Decimal("0.13"),
    )
    assert (saved["Ngày"].start_date, saved["Ngày"].participants_foreign) == (date(2020, 3, 2), 5)


# Kind 3: CSV dialects.


def csv_bytes(rows: list[list], delimiter: str = ",", encoding: str = "utf-8-sig") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    for values in rows:
        writer.writerow(["" if v is None else v for v in values])
    return text.getvalue().encode(encoding, errors="replace")


def test_a_csv_file_saved_with_semicolons_is_read(staff):
    [activity] = imported(staff, (DATA / "semicolon-separated.csv").read_bytes(), "hd.csv")
    assert activity.title == "Đón đoàn thử nghiệm CSV chấm phẩy"
    assert (activity.participants_vietnamese, activity.participants_foreign) == (5, 4)
    assert list(activity.countries.values_list("country", flat=True)) == ["JP"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_each_separator_encoding_and_header_language_is_read(staff, delimiter, encoding, language):
    with translation.override(language):
        headers = [str(c.header) for c in COLUMNS]
    title = "Hội nghị, hội thảo; tọa đàm\tvề lao động"  # every separator inside one cell
    description = 'Dòng một;\nDòng hai, có "ngoặc"'
    content = csv_bytes(
        [headers, cells(title=title, description=description, place="Vũng Tàu")],
        delimiter,
        encoding,
    )
    [activity] = imported(staff, content, "hd.csv")
    assert (activity.title, activity.description) == (
        "Hội nghị, hội thảo; tọa đàm về lao động",  # a tab in a title is a space
        description,
    )


def test_a_semicolon_file_whose_titles_hold_commas_keeps_its_columns(staff):
    rows = [HEADERS] + [cells(title=f"Hội thảo {n}, {n + 1}, {n + 2}") for n in range(3)]
    activities = imported(staff, csv_bytes(rows, ";"), "hd.csv")
    assert [a.title for a in activities] == [
        "Hội thảo 0, 1, 2",
        "Hội thảo 1, 2, 3",
        "Hội thảo 2, 3, 4",
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "cp1258", "latin-1"])
def test_a_csv_in_another_encoding_gets_the_message_it_always_got(staff, encoding):
    content = csv_bytes([HEADERS, cells(title="Hội nghị ở Đà Nẵng")], "\t", encoding)
    with pytest.raises(ImportFileError, match="không phải bảng mã UTF-8"):
        check_sheet(user=staff, name="hd.csv", content=content)


def test_the_separator_of_a_csv_header_of_a_thousand_columns_is_found_at_once(staff):
    headers = HEADERS + [f"Ghi chú {n}" for n in range(1_000)]
    content = csv_bytes([headers, cells()], ";")
    started = time.process_time()
    [activity] = imported(staff, content, "hd.csv")
    # Each header was matched against every language's labels built again: 0.7 s of CPU.
    assert time.process_time() - started < 0.3
    assert activity.title == "Hội nghị lao động"


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"], ids=["old-mac", "unix", "windows"])
def test_a_csv_file_is_read_whatever_ends_its_lines(newline):
    header = ",".join(str(c.header) for c in COLUMNS[:5])
    rows = [header, "SLDTBXH,Hội nghị,Hội nghị A,02/03/2020,03/03/2020"]
    rows.append('SLDTBXH,Hội nghị,"Hội nghị B' + newline + 'hai dòng",04/03/2020,04/03/2020')
    read = read_sheet("hd.csv", newline.join(rows).encode())
    assert [values["title"] for _number, values in read] == ["Hội nghị A", "Hội nghị B hai dòng"]


def test_a_formula_the_file_carries_no_result_of_is_named_not_read_as_empty():
    # openpyxl, like other programs that write workbooks without calculating, stores a
    # formula with an empty result: read, the amount would silently be missing.
    book = Workbook()
    book.active.append([str(c.header) for c in COLUMNS])
    book.active.append(["SLDTBXH", "Hội nghị", "Hội nghị A", "02/03/2020", "03/03/2020"])
    book.active["N2"] = "=1000*3"
    book.active["N3"] = "=N2/2"
    buffer = io.BytesIO()
    book.save(buffer)
    with translation.override("vi"), pytest.raises(ImportFileError) as refused:
        read_sheet("hd.xlsx", buffer.getvalue())
    assert "N2, N3" in str(refused.value) and "lưu lại" in str(refused.value)


def test_a_formula_saved_with_its_result_is_read_as_the_result():
    book = Workbook()
    book.active.append([str(c.header) for c in COLUMNS])
    book.active.append(["SLDTBXH", "Hội nghị", "Hội nghị A", "02/03/2020", "03/03/2020"])
    buffer = io.BytesIO()
    book.save(buffer)
    # As Excel saves it: the formula and, beside it, the value it calculated.
    content = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"</row></sheetData>",
        b'<c r="K2"><f>2+3</f><v>5</v></c><c r="L2" t="str"><f>IF(1,"","x")</f><v></v></c>'
        b"</row></sheetData>",
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    [(_number, values)] = read_sheet("hd.xlsx", out.getvalue())
    assert values["participants_vietnamese"] == 5


@pytest.mark.parametrize(
    "row",
    [
        'SLDTBXH,Hội nghị,"Hội nghị A,02/03/2020,03/03/2020',  # opened, never closed
        'SLDTBXH,Hội nghị,"Hội nghị" A,02/03/2020,03/03/2020',  # closed mid-cell
    ],
    ids=["open", "misplaced"],
)
def test_a_csv_quotation_mark_left_open_is_named_not_read_as_one_long_cell(row):
    header = ",".join(str(c.header) for c in COLUMNS[:5])
    later = "SLDTBXH,Hội nghị,Hội nghị B,04/03/2020,04/03/2020"
    content = "\r\n".join([header, row, later, later.replace("B", "C")]).encode()
    with translation.override("vi"), pytest.raises(ImportFileError, match="dấu ngoặc kép"):
        read_sheet("hd.csv", content)
