"""doingoai.xlsx: the typed cells every XLSX of the portal is written with."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from doingoai.xlsx import DATE_FORMAT, DECIMAL_FORMAT, WHOLE_FORMAT, SheetWriter


def write(*rows: list, bold_first: bool = False):
    workbook = Workbook(write_only=True)
    writer = SheetWriter(workbook.create_sheet("Sheet"))
    for number, row in enumerate(rows):
        writer.append(row, bold=bold_first and number == 0)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return load_workbook(buffer).active


def test_texts_are_string_cells_exactly_as_written():
    texts = ['=HYPERLINK("http://x")', "#N/A", "+84 1", "@SUM(A1)", "Hà Nội", "0012"]
    sheet = write(texts)
    cells = sheet[1]
    assert [c.value for c in cells] == texts
    assert {c.data_type for c in cells} == {"s"}


def test_control_characters_a_workbook_cannot_hold_are_dropped():
    sheet = write(["a\x00b\x1fc", "line\nbreak\ttab"])
    assert [c.value for c in sheet[1]] == ["abc", "line\nbreak\ttab"]


def test_dates_are_date_cells_shown_day_month_year():
    sheet = write([date(2026, 3, 1)])
    cell = sheet["A1"]
    assert cell.value == datetime(2026, 3, 1)
    assert cell.number_format == DATE_FORMAT == "dd/mm/yyyy"


def test_numbers_are_grouped_with_decimals_only_where_present():
    sheet = write([1234567, Decimal("1234.50"), Decimal("1234.00"), None, 2.5])
    a, b, c, e, d = sheet[1]
    assert (a.value, a.number_format) == (1234567, WHOLE_FORMAT)
    assert (b.value, b.number_format) == (1234.5, DECIMAL_FORMAT)
    assert (c.value, c.number_format) == (1234, WHOLE_FORMAT)
    assert (d.value, d.number_format) == (2.5, DECIMAL_FORMAT)
    assert e.value is None


def test_each_row_keeps_its_own_values_and_formats_though_cells_are_reused():
    sheet = write(
        ["one", Decimal("1.50"), date(2026, 1, 2)],
        ["two", Decimal("3"), None],
        ["three", Decimal("4.25"), date(2026, 5, 6)],
    )
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values == [
        ["one", 1.5, datetime(2026, 1, 2)],
        ["two", 3, None],
        ["three", 4.25, datetime(2026, 5, 6)],
    ]
    assert [c.number_format for c in sheet["B"]] == [DECIMAL_FORMAT, WHOLE_FORMAT, DECIMAL_FORMAT]


def test_a_bold_header_row_is_bold_and_the_rows_after_it_are_not():
    sheet = write(["Mã", "Số lượng"], ["A", 3], bold_first=True)
    assert [c.font.b for c in sheet[1]] == [True, True]
    assert [c.font.b for c in sheet[2]] == [False, False]


def test_a_value_of_another_type_is_refused():
    with pytest.raises(TypeError):
        write([object()])


# What doingoai.xlsx relies on in openpyxl beyond its documented API (pinned <3.2 in
# pyproject.toml): a new version that changes one fails here, not in a clerk's download.


def test_openpyxl_is_the_series_whose_internals_were_checked():
    assert openpyxl.__version__.startswith("3.1.")


def test_openpyxl_writes_a_row_when_it_is_appended_so_its_cells_may_be_reused():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    cell = WriteOnlyCell(sheet)
    for value in ("first", "second"):
        cell.value = value
        sheet.append([cell])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert [row[0].value for row in load_workbook(buffer).active.iter_rows()] == [
        "first",
        "second",
    ]


def test_openpyxl_keeps_a_string_cell_typed_s_as_text_and_names_the_characters_it_refuses():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet")
    cell = WriteOnlyCell(sheet, value="=1+1")
    cell.data_type = "s"
    sheet.append([cell])
    buffer = io.BytesIO()
    workbook.save(buffer)
    written = load_workbook(buffer).active["A1"]
    assert (written.value, written.data_type) == ("=1+1", "s")
    assert ILLEGAL_CHARACTERS_RE.sub("", "a\x00\x08\x0b\x1fb\tc\n") == "ab\tc\n"
