"""Import activities from an Excel (or CSV) sheet: read, check every row, then save all or
nothing.

The checks are the same rules as the form (services.validate_activity); lookups (agencies,
duties, countries) are loaded once for the whole sheet, and the rows are written with one
bulk insert and their history, so 10,000 rows import in seconds.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries import countries
from openpyxl import Workbook, load_workbook
from openpyxl.packaging.relationship import get_rels_path
from openpyxl.reader.excel import ExcelReader, _find_workbook_part
from openpyxl.styles import Font
from openpyxl.utils.datetime import from_excel
from openpyxl.xml.constants import (
    ARC_CONTENT_TYPES,
    ARC_CORE,
    ARC_CUSTOM,
    ARC_STYLE,
    SHARED_STRINGS,
)
from simple_history.utils import bulk_create_with_history

from agencies import permissions
from agencies.models import ActivityKind, Agency, Duty, User
from agencies.permissions import Action
from doingoai.forms import MAX_INTEGER, parse_amount
from doingoai.text import clean_text, fold

from .models import CURRENCIES, Activity, ActivityCountry, Partner
from .services import ActivityData, apply_activity_data, duties_of, validate_activity

MAX_ROWS = 20_000
# Rows read in all, empty ones included: office templates are often formatted (borders,
# widths) thousands of rows below their last filled one, and Excel writes each such row, in
# a workbook and in the CSV saved from it. Skipping one costs a few microseconds; past this
# many the file is no sheet of activities. A filled row (a cell with a value) counts against
# MAX_ROWS, and none may lie beyond this row.
MAX_RAW_ROWS = 200_000
MAX_COLUMNS = 64
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # a real sheet of MAX_ROWS rows is far below this
# Excel's own limit for the text of a cell.
MAX_CELL_CHARS = 32_767
# What a row may hold, past which a sheet is not one of activities (styled empty cells beyond
# the columns are allowed for).
MAX_ROW_CELLS = 1_024
# The elements of a workbook's sheets: a sheet of MAX_ROWS rows of every column has about 0.9
# million (1.3 million in inline strings). Counting them costs about 0.5 s a million; openpyxl
# reads only the first sheet's rows, streaming.
MAX_ELEMENTS = 1_500_000
MAX_DEPTH = 64
# The other parts openpyxl parses whole into objects (manifest, workbook, relations, styles,
# properties, a chart sheet's drawings) cost it 10-25 µs an element (a 10 MB styles.xml of
# 190,000 elements took 5.7 s and 368 MB), against a few hundred to a few thousand in what
# Excel writes; all together they may hold this many (about 1 s at the dearest).
MAX_PART_ELEMENTS = 30_000
# The shared strings are loaded whole: openpyxl makes an object of each (10 µs) and a Font of
# each rich-text run (80 µs; 370,000 runs in a 32 KB file took 10.9 s and 462 MB). So there
# may be at most one string per string cell of the first sheet (about MAX_ROWS times the columns
# it uses) and MAX_OTHER_STRINGS more for the other sheets (a guide, a list), few runs each
# and few in all.
MAX_OTHER_STRINGS = 10_000
MAX_STRING_RUNS = 64
MAX_RICH_RUNS = 10_000
# The elements of one string item besides its runs (si, t, phoneticPr), and at most in a run
# (r, t, rPr and its properties, each of which Font reads once).
STRING_ELEMENTS = 3
RUN_ELEMENTS = 20
# The parts openpyxl reads whole: the shared strings, and the rest (manifest, styles, theme…).
MAX_STRINGS_BYTES = 40 * 1024 * 1024
MAX_PART_BYTES = 10 * 1024 * 1024
CSV_DELIMITERS = (",", ";", "\t")
DATE_KEYS = frozenset({"start_date", "end_date", "approval_date"})
MULTILINE_KEYS = frozenset({"description", "outcome"})
# "đ", "VNĐ", "VND" or "₫" before or after an amount typed as text.
_CURRENCY_MARK = re.compile(r"^\s*(?:vnđ|vnd|đ|₫)\s*|\s*(?:vnđ|vnd|đ|₫)\s*$", re.IGNORECASE)
# A spreadsheet runs a cell that starts with one of these, after any spaces, as a formula
# (CSV injection); the full-width and small forms count too. exports.escape puts an apostrophe
# before such a text, and before one that already starts with apostrophes and then one of
# these, so that unescape can take exactly that apostrophe away again.
FORMULA_START = re.compile(r"'*\s*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b]")
# Dates in a sheet, read and written in every language: what _parse_date reads.
SHEET_DATE_FORMAT = "d/m/Y"


@dataclass(frozen=True)
class Column:
    """A column of the sheet: `key` the ActivityData/model field it fills, `header` its title
    in the first row (translated lazily: a sheet's headers are read in every language), and
    whether a row must fill it."""

    key: str
    header: str | Promise
    required: bool = False


COLUMNS = [
    Column("agency", gettext_lazy("Agency code"), required=True),
    Column("kind", gettext_lazy("Kind of activity"), required=True),
    Column("title", gettext_lazy("Title"), required=True),
    Column("start_date", gettext_lazy("Start date"), required=True),
    Column("end_date", gettext_lazy("End date"), required=True),
    Column("place", gettext_lazy("Place")),
    Column("description", gettext_lazy("Description")),
    Column("outcome", gettext_lazy("Outcome")),
    Column("duty", gettext_lazy("Duty of the plan")),
    Column("countries", gettext_lazy("Partner countries")),
    Column("participants_vietnamese", gettext_lazy("Vietnamese participants")),
    Column("participants_foreign", gettext_lazy("Foreign participants")),
    Column("currency", gettext_lazy("Currency")),
    Column("committed_amount", gettext_lazy("Committed amount")),
    Column("disbursed_amount", gettext_lazy("Disbursed amount")),
    Column("committed_vnd", gettext_lazy("Committed amount in VND")),
    Column("sector", gettext_lazy("Sector")),
    Column("donor", gettext_lazy("Donor")),
    Column("aid_type", gettext_lazy("Aid type")),
    Column("approval_number", gettext_lazy("Approval decision number")),
    Column("approval_date", gettext_lazy("Approval decision date")),
]
AID_COLUMNS = (
    "currency",
    "committed_amount",
    "disbursed_amount",
    "committed_vnd",
    "sector",
    "donor",
    "aid_type",
    "approval_number",
    "approval_date",
)


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass
class RowError:
    """A problem of one row: `row` its number in the sheet as the user sees it (1-based, the
    header being row 1), `column` the column's header in the active language ("" when the
    problem is the row's as a whole), `message` for the user."""

    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    """What a check or an import found: the rows ready to save (ActivityData, in sheet
    order), every problem of the others, and how many activities were created (0 for a check,
    or an import refused for any error). `ok` when there are rows and no problem."""

    rows: list[ActivityData] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def template_workbook() -> bytes:
    """An empty sheet with the columns, for users to fill in."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Activities")
    sheet.append([str(c.header) + (" *" if c.required else "") for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(
        [
            "SLDTBXH",
            str(ActivityKind.INBOUND_DELEGATION.label),
            "Đón đoàn công tác tỉnh Chiba (Nhật Bản)",
            "02/03/2020",
            "03/03/2020",
            "Vũng Tàu",
            "",
            "",
            "III.3.2",
            "JP",
            5,
            4,
        ]
    )
    help_sheet = workbook.create_sheet(_("Guide"))
    help_sheet.append([_("Kinds of activity")])
    for _value, label in ActivityKind.choices:
        help_sheet.append([str(label)])
    help_sheet.append([])
    help_sheet.append(
        [
            _(
                "Dates are written dd/mm/yyyy. Countries: ISO codes (JP) or names "
                "(Nhật Bản), separated by “;”. Amounts: 1.234.567,50."
            )
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("A sheet may hold at most %(count)s rows; split the file.")
        % {"count": number_format(MAX_ROWS, force_grouping=True)}
    )


def _too_large() -> ImportFileError:
    return ImportFileError(
        _("The file unpacks to far more data than a sheet of activities; it was refused.")
    )


def _not_xlsx() -> ImportFileError:
    return ImportFileError(_("This is not an Excel (.xlsx) file. Use the template."))


def _damaged() -> ImportFileError:
    return ImportFileError(_("The Excel file is damaged and cannot be read."))


class _EnoughRead(Exception):
    """A worksheet's scan has reached its <dimension>, where openpyxl stops reading it."""


class _WorkbookScan:
    """A streaming pass over the XML parts openpyxl parses, before it parses them.

    Opening a workbook in read-only mode, openpyxl parses every worksheet up to its
    <dimension> (all of it, building a tree of every row, when there is none), and parses the
    shared strings and the small parts (manifest, workbook, relations, styles, properties)
    whole; none of it can be stopped early. So each such part is read here with expat, 64 KB
    at a time, keeping only counters, and refused at the first limit passed: nesting deeper
    than MAX_DEPTH, a run of text longer than MAX_CELL_CHARS (Excel's own limit for a cell),
    a DTD (entities); in the sheets more than MAX_RAW_ROWS rows (counted, or numbered so by
    r=), a row of more than MAX_ROW_CELLS cells, more than MAX_ELEMENTS elements in all; in
    the shared strings more items than the string cells of the first sheet and
    MAX_OTHER_STRINGS, more than MAX_STRING_RUNS runs in one or MAX_RICH_RUNS in all; more
    than MAX_PART_ELEMENTS elements in the other parts together. Raises ImportFileError.
    """

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.sheet_elements = 0
        self.other_elements = 0
        self.string_cells = 0

    def sheet(self, part: str, *, until_dimension: bool) -> int:
        """Scan a worksheet, counting its rows, cells and string cells. Returns the number of
        its last filled row (a cell with a value: <v> or an inline string), 0 for none; rows
        only formatted do not count. Raises ImportFileError (the row limit in the message)
        past MAX_ROWS + 1 filled rows (the headers' too), or a filled row or MAX_RAW_ROWS
        rows in all beyond MAX_RAW_ROWS."""
        rows = cells = filled = last_filled = number = 0
        # A formula whose result the file does not carry (written by a program that does not
        # calculate, as openpyxl itself does): read, its cell would be empty without a word.
        cell = cell_type = ""
        formula = in_value = valued = False
        uncalculated: list[str] = []

        def end_of_cell() -> None:
            # A formula that calculated an empty text is a string cell (t="str") with an
            # empty result; a number cell's result is never empty.
            if formula and not valued and cell_type != "str":
                uncalculated.append(cell)

        def start(tag: str, attributes: dict[str, str]) -> None:
            nonlocal rows, cells, filled, last_filled, number
            nonlocal cell, cell_type, formula, in_value, valued
            self.sheet_elements += 1
            if self.sheet_elements > MAX_ELEMENTS:
                raise _too_large()
            in_value = tag == "v"
            if tag == "f":
                formula = True
            if tag in ("c", "row"):
                end_of_cell()
                cell, cell_type = attributes.get("r", ""), attributes.get("t", "n")
                formula = valued = False
            if tag == "c":
                cells += 1
                if cells > MAX_ROW_CELLS:
                    raise _too_large()
                if attributes.get("t") == "s":
                    self.string_cells += 1
            elif tag in ("v", "is") and last_filled != number:
                filled += 1
                last_filled = number
                if filled > MAX_ROWS + 1 or number > MAX_RAW_ROWS:
                    raise _too_many_rows()
            elif tag == "row":
                rows += 1
                cells = 0
                given = attributes.get("r", "")
                # Without r= a row follows the one before (ECMA-376 §18.3.1.73).
                number = int(given) if given.isascii() and given.isdigit() else number + 1
                if rows > MAX_RAW_ROWS or len(given) > 9:
                    raise _too_many_rows()
            elif tag == "dimension" and until_dimension:
                raise _EnoughRead

        def text(data: str) -> None:
            nonlocal valued
            if in_value and data.strip():
                valued = True

        self._read(part, start, text)
        end_of_cell()
        if uncalculated and not until_dimension:
            raise ImportFileError(
                ngettext(
                    "Cell %(cells)s holds a formula whose result the file does not carry (it "
                    "was made by a program that does not calculate): open the file in Excel or "
                    "LibreOffice, save it, and upload it again.",
                    "Cells %(cells)s hold formulas whose results the file does not carry (it "
                    "was made by a program that does not calculate): open the file in Excel or "
                    "LibreOffice, save it, and upload it again.",
                    len(uncalculated),
                )
                % {"cells": ", ".join(uncalculated[:5]) + ("…" if len(uncalculated) > 5 else "")}
            )
        return last_filled

    def strings(self, part: str) -> None:
        """Scan the shared strings, after the sheets (whose string cells bound them)."""
        items_allowed = self.string_cells + MAX_OTHER_STRINGS
        elements_allowed = items_allowed * STRING_ELEMENTS + MAX_RICH_RUNS * RUN_ELEMENTS
        elements = items = runs = runs_here = 0

        def start(tag: str, attributes: dict[str, str]) -> None:
            nonlocal elements, items, runs, runs_here
            elements += 1
            if tag == "si":
                items += 1
                runs_here = 0
            elif tag in ("r", "rPh"):
                runs += 1
                runs_here += 1
                if runs_here > MAX_STRING_RUNS or runs > MAX_RICH_RUNS:
                    raise _too_large()
            if items > items_allowed or elements > elements_allowed:
                raise _too_large()

        self._read(part, start)

    def other(self, part: str) -> None:
        """Scan a part openpyxl parses whole into objects (styles, workbook, relations…)."""

        def start(tag: str, attributes: dict[str, str]) -> None:
            self.other_elements += 1
            if self.other_elements > MAX_PART_ELEMENTS:
                raise _too_large()

        self._read(part, start)

    def _read(
        self,
        part: str,
        on_start: Callable[[str, dict[str, str]], None],
        on_text: Callable[[str], None] | None = None,
    ) -> None:
        depth = text = 0

        def start(name: str, attributes: dict[str, str]) -> None:
            nonlocal depth, text
            depth += 1
            text = 0
            if depth > MAX_DEPTH:
                raise _too_large()
            on_start(name.rpartition(":")[2], attributes)

        def end(name: str) -> None:
            nonlocal depth, text
            depth -= 1
            text = 0

        def characters(data: str) -> None:
            nonlocal text
            text += len(data)
            if text > MAX_CELL_CHARS:
                raise _too_large()
            if on_text is not None:
                on_text(data)

        def refuse(*args) -> None:
            raise _damaged()

        parser = expat.ParserCreate()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = characters
        parser.StartDoctypeDeclHandler = refuse
        parser.EntityDeclHandler = refuse
        try:
            with self.archive.open(part) as source:
                while chunk := source.read(64 * 1024):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _EnoughRead:
            pass
        except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError):
            raise _damaged() from None


def _check_workbook(content: bytes) -> int:
    """Refuse, before openpyxl parses it, a workbook that would cost more to open than a
    sheet of MAX_ROWS rows (see _WorkbookScan): each part openpyxl parses is scanned before
    openpyxl is let near it. Returns the number of the first worksheet's last filled row (0
    for none), past which its rows are only formatted. Raises ImportFileError."""
    try:
        # External links are cached copies of other workbooks: never read (load_workbook is
        # told so too).
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise _not_xlsx() from None
    archive = reader.archive
    infos = archive.infolist()
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise _too_large()
    names = {info.filename for info in infos}
    if ARC_CONTENT_TYPES not in names:
        raise _not_xlsx()
    # The parts openpyxl parses whole besides the shared strings are small in any real
    # workbook; media and drawings it never opens in read-only mode.
    for info in infos:
        if (
            info.file_size > MAX_PART_BYTES
            and info.filename.endswith((".xml", ".rels"))
            and "/worksheets/" not in info.filename
            and not info.filename.endswith("/sharedStrings.xml")
        ):
            raise _too_large()
    scan = _WorkbookScan(archive)

    def scan_other(part: str) -> None:
        if part in names:
            scan.other(part)

    scan.other(ARC_CONTENT_TYPES)
    try:
        reader.read_manifest()
        workbook_part = _find_workbook_part(reader.package).PartName[1:]
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise _damaged() from None
    if workbook_part not in names:
        raise _not_xlsx()
    scan.other(workbook_part)
    scan_other(get_rels_path(workbook_part))
    for part in (ARC_CORE, ARC_CUSTOM, ARC_STYLE):
        scan_other(part)
    try:
        reader.read_workbook()
        sheets = [(rel.target, "chartsheet" in rel.Type) for _s, rel in reader.parser.find_sheets()]
        strings = reader.package.find(SHARED_STRINGS)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise _damaged() from None
    scanned: set[str] = set()
    charts_scanned = False
    last_filled = None
    for target, chart in sheets:
        if target not in names or target in scanned:
            continue
        scanned.add(target)
        if not chart:
            scan_other(get_rels_path(target))
            # openpyxl reads the rows of the first worksheet only, the others to <dimension>.
            if last_filled is None:
                last_filled = scan.sheet(target, until_dimension=False)
            else:
                scan.sheet(target, until_dimension=True)
        elif not charts_scanned:
            # Chart sheets are parsed whole, with their relations, drawings and charts.
            charts_scanned = True
            for name in sorted(names):
                if name.startswith(("xl/chartsheets/", "xl/drawings/", "xl/charts/")) and (
                    name.endswith((".xml", ".rels"))
                ):
                    scan.other(name)
    if strings is not None and strings.PartName[1:] in names:
        if archive.getinfo(strings.PartName[1:]).file_size > MAX_STRINGS_BYTES:
            raise _too_large()
        scan.strings(strings.PartName[1:])
    return last_filled or 0


@dataclass
class _Source:
    """The raw rows of an uploaded file, and how to read their cells: the workbook's date
    epoch (None for a CSV file, whose cells are all text), and whether text cells may carry
    the escape of exports.escape (CSV only: an XLSX export writes string cells)."""

    rows: Iterator[list]
    epoch: datetime | None = None
    escaped: bool = False


def _csv_source(content: bytes, column_keys: dict[str, str]) -> _Source:
    """The rows of a UTF-8 CSV file (a byte-order mark allowed), all cells text, separated by
    the one of CSV_DELIMITERS that finds the most known headers (`column_keys`, see
    _column_keys) in the first record. Raises ImportFileError for another encoding, a damaged
    file, or a record of more than MAX_ROW_CELLS cells (as the rows are read)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The CSV file is not in UTF-8. Save it again choosing “CSV UTF-8”, or use "
                "the Excel template."
            )
        ) from None

    # Excel writes the list separator of the machine's region, "," or ";"; a tab comes from
    # LibreOffice or a text editor (Excel's tab-separated "Unicode text" is UTF-16, refused
    # above with the message naming CSV UTF-8). The one that splits the first record into the
    # most known headers is the file's.
    def known_headers(delimiter: str) -> int:
        try:
            first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            return 0
        return sum(_header_key(cell, column_keys) is not None for cell in first[:MAX_ROW_CELLS])

    delimiter = max(CSV_DELIMITERS, key=known_headers)

    def rows() -> Iterator[list]:
        # newline="": a record ends at "\r\n", "\n" or the old Mac's "\r" alike, and a line
        # break inside quotes stays in its cell. strict: a quotation mark left open would
        # otherwise take every row after it into one cell without a word.
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        try:
            for row in reader:
                if len(row) > MAX_ROW_CELLS:
                    raise _too_large()
                yield row
        except csv.Error as exc:
            if "unexpected end of data" in str(exc) or "expected after '\"'" in str(exc):
                raise ImportFileError(
                    _(
                        "A quotation mark of the CSV file is left open or misplaced, near line "
                        '%(line)s: a text that starts with “"” must end with it.'
                    )
                    % {"line": number_format(reader.line_num, force_grouping=True)}
                ) from None
            if "field larger than field limit" in str(exc):
                # Mostly a quotation mark left open: the rest of the file is one cell.
                raise ImportFileError(
                    _(
                        "A cell of the CSV file runs past %(count)s characters, far longer "
                        "than any text of an activity: check that its quotation marks are "
                        "paired."
                    )
                    % {"count": number_format(csv.field_size_limit(), force_grouping=True)}
                ) from None
            raise ImportFileError(_("The CSV file is damaged and cannot be read.")) from None

    return _Source(rows(), escaped=True)


def _xlsx_source(content: bytes) -> _Source:
    """The rows of the workbook's first sheet, MAX_COLUMNS wide, each cell as openpyxl reads
    it in read-only data-only mode (str, int, float, datetime or None), after _check_workbook.
    Raises ImportFileError for a file that is no workbook, is damaged (also while the rows
    are read) or passes a limit."""
    if not content.startswith(b"PK\x03\x04"):
        raise _not_xlsx()
    last_filled = _check_workbook(content)
    try:
        workbook = load_workbook(
            io.BytesIO(content), read_only=True, data_only=True, keep_links=False
        )
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise _damaged() from None

    def rows() -> Iterator[list]:
        try:
            sheet = workbook.worksheets[0]
            # The sheet's own claim of its size is not trusted: a 2 KB file may declare a
            # million rows of 16,384 columns. Read the rows that exist, MAX_COLUMNS wide, up
            # to the last filled one (the rows below it are only formatted).
            sheet.reset_dimensions()
            for row in sheet.iter_rows(
                max_row=max(last_filled, 1), max_col=MAX_COLUMNS, values_only=True
            ):
                yield list(row)
        except ImportFileError:
            raise
        except Exception:  # read-only mode parses lazily: a damaged sheet fails here
            raise _damaged() from None
        finally:
            workbook.close()

    return _Source(rows(), epoch=workbook.epoch)


def _source(name: str, content: bytes, column_keys: dict[str, str]) -> _Source:
    if name.lower().endswith(".csv"):
        return _csv_source(content, column_keys)
    return _xlsx_source(content)


def in_every_language(pairs: Callable[[], Iterable[tuple[object, str]]]) -> dict[str, str]:
    """{folded label: value} of the (label, value) pairs `pairs()` gives in each language of
    settings.LANGUAGES: a sheet exported with the English pages is imported with the
    Vietnamese ones, and the reverse. Where two languages give one label different values,
    the active language wins."""
    active = translation.get_language()
    codes = sorted((code for code, _name in settings.LANGUAGES), key=lambda code: code == active)
    found: dict[str, str] = {}
    for code in codes:
        with translation.override(code):
            for label, value in pairs():
                found[fold(str(label))] = value
    return found


def _choices(choices: Iterable[tuple[str, object]]) -> Callable[[], list[tuple[object, str]]]:
    """A model's choices as (label, value) pairs, its values among the labels."""
    choices = list(choices)
    return lambda: [pair for value, label in choices for pair in ((value, value), (label, value))]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # A NUL byte cannot be stored in PostgreSQL text, and has no meaning in a sheet.
    return str(value).replace("\x00", "").strip()


class _Lookups:
    """Everything the rows refer to, loaded once per sheet."""

    def __init__(self, user: User) -> None:
        self.agencies = {a.code: a for a in permissions.agencies_for(user, Action.ACT)}
        self.known_codes = set(Agency.objects.values_list("code", flat=True))
        self.kinds = in_every_language(_choices(ActivityKind.choices))
        self.duties = {
            d.ref: d
            for d in Duty.objects.filter(
                plan=Duty.objects.order_by("-plan__issued_on").values("plan")[:1]
            )
        }
        self.duty_ids: dict[int, set[int]] = {}
        for agency in self.agencies.values():
            self.duty_ids[agency.pk] = set(duties_of(agency).values_list("pk", flat=True))
        self.countries = {code.lower(): code for code, _name in countries}
        self.countries.update(in_every_language(lambda: [(n, c) for c, n in countries]))
        self.currencies = {code for code, _label in CURRENCIES}
        self.aid_types = in_every_language(_choices(Activity.AidType.choices))
        self.partners = {p.search_text: p for p in Partner.objects.all()}
        self.sectors = in_every_language(_choices(Activity.Sector.choices))


def _parse_date(value: Cell) -> date:
    """dd/mm/yyyy; a ValueError otherwise. (strptime costs ten times more per row.)"""
    day, month, year = _text(value).split("/")
    if not (len(day) <= 2 and len(month) <= 2 and len(year) == 4):
        raise ValueError(value)
    return date(int(year), int(month), int(day))


def _is_number(value: Cell) -> bool:
    """Whether `value` is a finite number cell (a float read as inf or nan is not one)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _amount_format() -> str:
    return _(
        "Write it as the form takes it: 1.234.567,50 (dots between thousands, a comma "
        "before the decimals)."
    )


def _parse_amount(key: str, value: Cell) -> Decimal | None:
    """The amount of column `key` (None for an empty cell). A number cell is rounded half up
    to the field's decimals. A text cell follows the form's rule (doingoai.forms.AmountField)
    exactly: "1.234.567,5" as Vietnamese offices write it or "1234567.5", a "đ", "VNĐ", "VND"
    or "₫" beside it ignored; a comma before a dot, a leading "+" or more decimals than the
    field has are refused, never rounded. Raises ValueError, its message for the user."""
    model_field = Activity._meta.get_field(key)
    shown = _shown(value)
    if _is_number(value):
        # repr gives the shortest text that reads back as the same float: 1.234, not
        # 1.2339999999999999857891452847979962825775146484375.
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = _CURRENCY_MARK.sub("", _text(value))
        if not text:
            return None
        comma = text.find(",")
        try:
            if text.startswith("+") or (comma >= 0 and "." in text[comma:]):
                raise InvalidOperation
            amount = Decimal(parse_amount(text))
        except InvalidOperation:
            raise ValueError(
                _("“%(value)s” is not an amount.") % {"value": shown} + " " + _amount_format()
            ) from None
        if not amount.is_finite():
            raise ValueError(_("“%(value)s” is not an amount.") % {"value": shown})
        decimals = max(0, -amount.as_tuple().exponent)
        if decimals > model_field.decimal_places:
            if not model_field.decimal_places:
                raise ValueError(
                    _("“%(value)s” has decimals; this column takes whole numbers (1.234.567).")
                    % {"value": shown}
                )
            raise ValueError(
                _("“%(value)s” has more than %(places)d decimals.")
                % {"value": shown, "places": model_field.decimal_places}
                + " "
                + _amount_format()
            )
    limit = 10 ** (model_field.max_digits - model_field.decimal_places)
    if abs(amount) < limit:  # quantize fails beyond the context's precision
        amount = amount.quantize(Decimal(1).scaleb(-model_field.decimal_places), ROUND_HALF_UP)
    if abs(amount) >= limit:
        raise ValueError(_("“%(value)s” is not an amount.") % {"value": shown})
    return amount


def _parse_count(value: Cell) -> int:
    """A number of people: a whole number from 0 to MAX_INTEGER, in a number cell (5.0 is 5)
    or a text cell of ASCII digits. Raises ValueError otherwise."""
    if _is_number(value):
        if not (value == int(value) and 0 <= value <= MAX_INTEGER):
            raise ValueError(value)
        return int(value)
    text = _text(value)
    if not (text.isascii() and text.isdecimal() and int(text) <= MAX_INTEGER):
        raise ValueError(value)
    return int(text)


def _shown(value: Cell) -> str:
    """A cell as the user's sheet shows it, for a message: 5.5 as "5,5" in Vietnamese."""
    if _is_number(value):
        return number_format(value)
    return _text(value)


def unescape(text: str) -> str:
    """`text` without the one apostrophe exports.escape put before a dangerous start, and
    unchanged otherwise (escape and unescape are inverse: see exports.FORMULA_START)."""
    if text.startswith("'") and FORMULA_START.match(text, 1):
        return text[1:]
    return text


def _cell(key: str, value: object, source: _Source) -> Cell:
    """One cell in the JSON-safe form rows are kept in between the preview and the
    confirmation: text normalised as the portal stores it (doingoai.text.clean_text), a date
    as dd/mm/yyyy, a number cell as its int or float (an Excel serial in a date column as the
    date the cell shows, in the workbook's epoch)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return date_format(value, SHEET_DATE_FORMAT)
    if _is_number(value):
        if key in DATE_KEYS and source.epoch is not None and value >= 1:
            try:
                return date_format(from_excel(value, source.epoch).date(), SHEET_DATE_FORMAT)
            except (OverflowError, ValueError):
                pass  # beyond year 9999: refused as a date by check_rows
        return value
    text = "" if value is None else str(value)
    if source.escaped:
        text = unescape(text)
    return clean_text(text, multiline=key in MULTILINE_KEYS).strip()


Cell = str | int | float
Rows = list[tuple[int, dict[str, Cell]]]


def _column_keys() -> dict[str, str]:
    """{folded header in every language: column key}; built once per sheet (each language's
    labels cost a translation pass)."""
    return in_every_language(lambda: [(c.header, c.key) for c in COLUMNS])


def _header_key(header: object, column_keys: dict[str, str]) -> str | None:
    """The column key of a header cell, in any language ("Title *" is "title")."""
    return column_keys.get(fold(_text(header).rstrip(" *")))


def read_sheet(name: str, content: bytes) -> Rows:
    """The sheet's filled rows as (row number, {column key: cell}), each cell text, an int or a
    float (see _cell): JSON-safe, so the rows kept for the confirmation are checked as the
    preview checked them. Raises ImportFileError for a file that cannot be read or passes a
    limit (MAX_ROWS filled rows, MAX_RAW_ROWS rows in all, the workbook checks)."""
    column_keys = _column_keys()
    source = _source(name, content, column_keys)
    headers = next(source.rows, [])
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _header_key(header, column_keys)
        if key is not None:
            positions[key] = index
    missing = [str(c.header) for c in COLUMNS if c.required and c.key not in positions]
    if not headers or missing:
        raise ImportFileError(
            _("Columns missing from the first row: %(columns)s. Use the template.")
            % {"columns": ", ".join(missing or [str(c.header) for c in COLUMNS if c.required])}
        )
    read: Rows = []
    for number, raw in enumerate(source.rows, start=2):
        if number > MAX_RAW_ROWS:
            raise _too_many_rows()
        if all(cell is None or cell == "" for cell in raw):
            continue  # cheaply: a file may hold thousands of empty rows
        values = {
            key: _cell(key, raw[i] if i < len(raw) else None, source)
            for key, i in positions.items()
        }
        if all(value == "" for value in values.values()):
            continue
        if len(read) >= MAX_ROWS:
            raise _too_many_rows()
        read.append((number, values))
    if not read:
        raise ImportFileError(_("The sheet has no rows of activities."))
    return read


def _text_limits() -> dict[str, int]:
    """{column key: the most characters its model field holds}, for the text columns."""
    limits = {}
    for column in COLUMNS:
        try:
            model_field = Activity._meta.get_field(column.key)
        except FieldDoesNotExist:
            continue
        # A column of choices holds a label, not the stored value its field limits.
        text = model_field.get_internal_type() in ("CharField", "TextField")
        if text and model_field.max_length and not model_field.choices:
            limits[column.key] = model_field.max_length
    return limits


def check_sheet(*, user: User, name: str, content: bytes) -> ImportResult:
    """Read and check the sheet `content` (XLSX, or CSV when `name` ends in .csv); nothing is
    written. The result's errors name the row and the column. Raises ImportFileError for a
    file that cannot be read as a whole (see read_sheet)."""
    return check_rows(user=user, rows=read_sheet(name, content))


def check_rows(*, user: User, rows: Rows) -> ImportResult:
    """Check rows read from a sheet against the same rules as the form; nothing is written."""
    result = ImportResult()
    lookups = _Lookups(user)
    # Stored titles compared as a sheet's are read: stored cleaned (every save cleans its
    # text), but one saved around the forms keeps its spaces (" @x" is the sheet's "@x").
    existing = {
        (agency_id, title.strip(), start_date)
        for agency_id, title, start_date in Activity.objects.filter(
            agency__in=lookups.agencies.values()
        ).values_list("agency_id", "title", "start_date")
    }
    seen: dict[tuple, int] = {}
    headers_of = {c.key: str(c.header) for c in COLUMNS}
    text_limits = _text_limits()
    for number, values in rows:
        errors: list[RowError] = []

        def fail(key: str, message: str, number=number, errors=errors) -> None:
            errors.append(RowError(number, headers_of.get(key, ""), message))

        agency = lookups.agencies.get(_text(values.get("agency")).upper())
        if agency is None:
            code = _text(values.get("agency"))
            fail(
                "agency",
                _("Unknown agency code “%(code)s”.") % {"code": code}
                if code.upper() not in lookups.known_codes
                else _("You may not log activities for %(agency)s.") % {"agency": code},
            )
        kind = lookups.kinds.get(fold(_text(values.get("kind"))))
        if kind is None:
            fail(
                "kind",
                _("Unknown kind of activity “%(kind)s”.") % {"kind": _text(values.get("kind"))},
            )
        title = _text(values.get("title"))
        if not title:
            fail("title", _("The title is required."))
        for key, limit in text_limits.items():
            if len(_text(values.get(key))) > limit:
                fail(key, _("At most %(limit)d characters.") % {"limit": limit})
        parsed_dates = {}
        for key in ("start_date", "end_date"):
            try:
                parsed_dates[key] = _parse_date(values.get(key))
            except ValueError:
                fail(
                    key,
                    _("“%(value)s” is not a date written dd/mm/yyyy.")
                    % {"value": _text(values.get(key))},
                )
        duty = None
        ref = _text(values.get("duty"))
        if ref:
            duty = lookups.duties.get(ref)
            if duty is None:
                fail("duty", _("Unknown duty “%(ref)s”.") % {"ref": ref})
        row_countries = []
        for item in filter(None, (p.strip() for p in _text(values.get("countries")).split(";"))):
            code = lookups.countries.get(item.lower()) or lookups.countries.get(fold(item))
            if code is None:
                fail("countries", _("Unknown country “%(country)s”.") % {"country": item})
            else:
                row_countries.append(code)
        numbers = {}
        for key in ("participants_vietnamese", "participants_foreign"):
            if _text(values.get(key)):
                try:
                    numbers[key] = _parse_count(values[key])
                except ValueError:
                    fail(
                        key,
                        _("“%(value)s” is not a whole number.") % {"value": _shown(values[key])},
                    )
        aid = {}
        for key in ("committed_amount", "disbursed_amount", "committed_vnd"):
            try:
                aid[key] = _parse_amount(key, values.get(key, ""))
            except ValueError as error:
                fail(key, str(error))
        currency = _text(values.get("currency")).upper()
        if currency and currency not in lookups.currencies:
            fail("currency", _("Unknown currency “%(currency)s”.") % {"currency": currency})
        aid["currency"] = currency
        sector_text = _text(values.get("sector"))
        if sector_text:
            aid["sector"] = lookups.sectors.get(fold(sector_text))
            if aid["sector"] is None:
                fail("sector", _("Unknown sector “%(sector)s”.") % {"sector": sector_text})
        aid["approval_number"] = _text(values.get("approval_number"))
        aid_type = _text(values.get("aid_type"))
        if aid_type:
            aid["aid_type"] = lookups.aid_types.get(fold(aid_type))
            if aid["aid_type"] is None:
                fail("aid_type", _("Unknown aid type “%(value)s”.") % {"value": aid_type})
        if _text(values.get("approval_date")):
            try:
                aid["approval_date"] = _parse_date(values.get("approval_date"))
            except ValueError:
                fail(
                    "approval_date",
                    _("“%(value)s” is not a date written dd/mm/yyyy.")
                    % {"value": _text(values.get("approval_date"))},
                )
        donor = _text(values.get("donor"))
        if donor:
            aid["donor"] = lookups.partners.get(fold(donor))
            if aid["donor"] is None:
                fail(
                    "donor",
                    _("Unknown partner “%(name)s”: add it to an activity first.") % {"name": donor},
                )
        if kind and kind != ActivityKind.AID_MOBILISATION:
            for key in AID_COLUMNS:
                if _text(values.get(key)):
                    fail(key, _("Aid details are kept only for aid mobilisation activities."))

        if not errors:
            data = ActivityData(
                agency=agency,
                kind=kind,
                title=title,
                duty=duty,
                start_date=parsed_dates["start_date"],
                end_date=parsed_dates["end_date"],
                place=_text(values.get("place")),
                description=_text(values.get("description")),
                outcome=_text(values.get("outcome")),
                countries=row_countries,
                aid=aid,
                **numbers,
            )
            try:
                validate_activity(data, duty_ids=lookups.duty_ids[agency.pk])
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    for message in messages:
                        fail(key, message)
            key = (agency.pk, title, data.start_date)
            if key in seen:
                fail(
                    "title",
                    _("The same activity (agency, title, start date) is already on row %(row)d.")
                    % {"row": seen[key]},
                )
            elif key in existing:
                fail("title", _("This activity (agency, title, start date) already exists."))
            seen.setdefault(key, number)
        if errors:
            result.errors.extend(errors)
        else:
            result.rows.append(data)
    return result


def import_sheet(*, user: User, name: str, content: bytes) -> ImportResult:
    """Read, check and, if every row is right, save the sheet `content` (XLSX, or CSV when
    `name` ends in .csv) as draft activities of `user`, all at once; otherwise nothing is
    saved and the result lists every problem. Raises ImportFileError for a file that cannot
    be read as a whole (see read_sheet)."""
    return import_rows(user=user, rows=read_sheet(name, content))


@transaction.atomic
def import_rows(*, user: User, rows: Rows) -> ImportResult:
    """Check the rows again (the database may have changed since the preview) and, if every
    row is right, save them all as drafts at once; otherwise save nothing."""
    result = check_rows(user=user, rows=rows)
    if not result.ok:
        return result
    activities = []
    for data in result.rows:
        activity = Activity(created_by=user)
        apply_activity_data(activity, data)  # as one activity saved from the form

        activities.append(activity)
    created = bulk_create_with_history(
        activities,
        Activity,
        batch_size=1000,
        default_user=user,
        default_change_reason=_("Imported"),
    )
    ActivityCountry.objects.bulk_create(
        [
            ActivityCountry(activity=a, country=c)
            for a, data in zip(created, result.rows, strict=True)
            for c in set(data.countries)
        ],
        batch_size=2000,
    )
    result.created = len(created)
    return result


PREVIEW_KEPT = timedelta(days=1)


class PreviewGone(Exception):
    """The previewed rows are no longer kept: confirmed already, or never previewed."""


def _preview_folder(user: User) -> str:
    return f"imports/{user.pk}"


# The shape of the tokens keep_preview makes (uuid4().hex). Anything else names no preview,
# and is never made a file name: "²" passes str.isalnum(), and 300 letters are too long a name.
_TOKEN = re.compile(r"[0-9a-f]{32}")


def _preview_path(user: User, token: str) -> str:
    if not _TOKEN.fullmatch(token):
        raise PreviewGone(token)
    return f"{_preview_folder(user)}/{token}.json"


def keep_preview(*, user: User, rows: Rows) -> str:
    """Keep the rows as read, privately, for the confirmation: it checks them again against
    the database but does not read the workbook a second time. Returns the token naming them.
    Previews never confirmed are kept PREVIEW_KEPT, then removed at the user's next upload."""
    folder = _preview_folder(user)
    if default_storage.exists(folder):
        cutoff = timezone.now() - PREVIEW_KEPT
        for name in default_storage.listdir(folder)[1]:
            if default_storage.get_modified_time(f"{folder}/{name}") < cutoff:
                default_storage.delete(f"{folder}/{name}")
    token = uuid.uuid4().hex
    default_storage.save(_preview_path(user, token), ContentFile(json.dumps(rows).encode()))
    return token


def claim_preview(*, user: User, token: str) -> Rows:
    """The rows `keep_preview` kept under `token`, removed as they are read. Raises
    PreviewGone when none are kept."""
    path = _preview_path(user, token)
    # Claim the rows by renaming their file: of two confirmations at once (a double click),
    # only one finds it, so the sheet is never imported twice.
    claimed = f"{path}.{uuid.uuid4().hex}.claimed"
    try:
        os.rename(default_storage.path(path), default_storage.path(claimed))
    except FileNotFoundError:
        raise PreviewGone(token) from None
    try:
        with default_storage.open(claimed, "rb") as stored:
            return [(number, values) for number, values in json.loads(stored.read())]
    finally:
        default_storage.delete(claimed)


@dataclass(frozen=True)
class PreviewRow:
    """A row of the sheet as the preview lists it; no errors means it will be saved."""

    number: int
    title: str
    agency: str
    dates: str
    errors: list[RowError]


def preview_rows(rows: Rows, result: ImportResult) -> list[PreviewRow]:
    """Every row of the sheet with its problems."""
    problems: dict[int, list[RowError]] = {}
    for error in result.errors:
        problems.setdefault(error.row, []).append(error)
    return [
        PreviewRow(
            number=number,
            title=values.get("title", ""),
            agency=values.get("agency", ""),
            dates=f"{values.get('start_date', '')} - {values.get('end_date', '')}",
            errors=problems.get(number, []),
        )
        for number, values in rows
    ]
