"""Typed rows for openpyxl's write-only sheets, shared by every XLSX the portal writes.

A row is a sequence of plain values, each written as the cell a clerk expects:

- ``str``: a string cell (``data_type "s"``), shown and kept exactly as written. openpyxl
  would otherwise store a text starting with "=" as a formula and "#N/A" as an error, and an
  apostrophe in front would be a character the data does not have. Only the control
  characters a workbook cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE) are dropped.
- ``datetime.date``: a date cell formatted DATE_FORMAT (dd/mm/yyyy).
- ``int``, ``Decimal``, ``float``: a number cell formatted WHOLE_FORMAT (#,##0), or
  DECIMAL_FORMAT (#,##0.00) when the value has a fractional part.
- ``None``: an empty cell.

Excel and LibreOffice show these formats with the reader's own separators: 1.234.567 and
01/03/2020 on a Vietnamese machine.

openpyxl writes a row out as soon as it is appended, so each column's cell is made and
styled once per format and given each row's value in turn: a new styled cell per value
doubled the time of writing 20,000 rows. A text openpyxl would store as a string anyway is
given to it as the plain str: openpyxl takes a cell object only after failing to convert it
(an exception per cell), which made the typed export 1.2 times slower than plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

DATE_FORMAT = "dd/mm/yyyy"
WHOLE_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"

BOLD = Font(bold=True)


def cell_text(value: str) -> str:
    """`value` without the control characters a workbook cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def number_format_for(value: object) -> str:
    """The number format of a date or number cell holding `value` (see the module)."""
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, Decimal | float) and value != int(value):
        return DECIMAL_FORMAT
    return WHOLE_FORMAT


def _read_as_other_than_text(text: str) -> bool:
    """Whether openpyxl would store `text` as a formula or an error rather than a string."""
    return (len(text) > 1 and text.startswith("=")) or text in ERROR_CODES


class SheetWriter:
    """Appends typed rows (see the module) to one write-only sheet.

    `sheet` comes from ``Workbook(write_only=True).create_sheet(title)``. Use one writer per
    sheet: its cells belong to that sheet."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self._made: dict[tuple[int, str, bool], WriteOnlyCell] = {}

    def _cell(self, column: int, number_format: str, bold: bool) -> WriteOnlyCell:
        key = (column, number_format, bold)
        cell = self._made.get(key)
        if cell is None:
            cell = self._made[key] = WriteOnlyCell(self.sheet)
            cell.number_format = number_format
            if bold:
                cell.font = BOLD
        return cell

    def cells(
        self, values: Iterable[object], *, bold: bool = False
    ) -> list[WriteOnlyCell | str | None]:
        """The cells of one row holding `values`, to be appended before the next call (the
        cells are reused; a text stored as a string anyway is left a str). Raises TypeError
        for a value of another type."""
        row: list[WriteOnlyCell | str | None] = []
        for column, value in enumerate(values):
            if value is None:
                row.append(None)
                continue
            if isinstance(value, str):
                text = cell_text(value)
                if not bold and not _read_as_other_than_text(text):
                    row.append(text)
                    continue
                cell = self._cell(column, "General", bold)
                cell.value = text
                cell.data_type = "s"
            elif isinstance(value, date | int | Decimal | float):
                cell = self._cell(column, number_format_for(value), bold)
                cell.value = value
            else:
                raise TypeError(f"No XLSX cell for {type(value).__name__}: {value!r}")
            row.append(cell)
        return row

    def append(self, values: Iterable[object], *, bold: bool = False) -> None:
        """Writes one row of `values` at the end of the sheet; `bold` for a header row."""
        self.sheet.append(self.cells(values, bold=bold))
