"""Whatever an upload claims about itself, it is refused or read in about a second and
bounded memory: the workbook's parts are counted by a streaming pass before openpyxl builds
anything, and a CSV file meets the same limits."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.packaging.custom import StringProperty
from openpyxl.xml.constants import SHARED_STRINGS

from activities.imports import (
    COLUMNS,
    MAX_CELL_CHARS,
    MAX_OTHER_STRINGS,
    MAX_PART_ELEMENTS,
    MAX_RICH_RUNS,
    MAX_STRING_RUNS,
    MAX_STRINGS_BYTES,
    ImportFileError,
    _check_workbook,
    read_sheet,
    template_workbook,
)
from activities.management.commands.benchmark_sheets import shared_strings

DATA = Path(__file__).parent.parent / "data"
HEADERS = [str(c.header) for c in COLUMNS]
ROW = ["SLDTBXH", "meeting", "Hội nghị", "02/03/2020", "03/03/2020"]
TOO_MANY_ROWS = "Mỗi tệp chỉ được tối đa 20.000 dòng"
TOO_LARGE = "lượng dữ liệu lớn bất thường"
# What a refusal may cost in the request; a real sheet of 20,000 rows takes longer to read.
SECONDS = 1.5  # of CPU: about a second
PEAK_BYTES = 200 * 1024 * 1024


def workbook(rows: int = 1) -> bytes:
    book = Workbook()
    book.active.append(HEADERS)
    for _ in range(rows):
        book.active.append(ROW)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewritten(content: bytes, parts: dict[str, bytes | callable]) -> bytes:
    """The workbook with each part named in `parts` replaced (bytes) or changed (a function
    of the old bytes), new parts added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            change = parts.pop(item.filename, None)
            if change is not None:
                data = change(data) if callable(change) else change
            target.writestr(item.filename, data)
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def in_sheet_data(xml: bytes) -> callable:
    """A change of sheet1.xml that puts `xml` at the end of its rows."""
    return lambda sheet: sheet.replace(b"</sheetData>", xml + b"</sheetData>")


# A rich-text run with every property Font reads, and a cell format with its alignment.
RUN = (
    b'<r><rPr><b/><i/><sz val="11"/><color rgb="FF000000"/><rFont val="Arial"/>'
    b'<family val="2"/><scheme val="minor"/><u/></rPr><t>x</t></r>'
)
XF = (
    b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    b'<alignment horizontal="left"/></xf>'
)
RELATIONSHIP = b'<Relationship Id="rId%d" Type="http://x/hyperlink" Target="x.xml"/>'


def with_strings(content: bytes, items: bytes) -> bytes:
    """The workbook with shared strings holding `items` (<si> elements)."""
    return rewritten(
        content,
        {
            "[Content_Types].xml": lambda types: types.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                + SHARED_STRINGS.encode()
                + b'"/></Types>',
            ),
            "xl/sharedStrings.xml": b'<sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main">' + items + b"</sst>",
        },
    )


def with_formats(content: bytes, formats: int) -> bytes:
    """The workbook with `formats` more cell formats (two elements each) in its styles."""
    return rewritten(
        content,
        {"xl/styles.xml": lambda xml: xml.replace(b"</cellXfs>", XF * formats + b"</cellXfs>")},
    )


def measured(path: Path) -> dict:
    """Reading the file at `path` in a fresh interpreter, so its peak resident memory (VmHWM)
    is the reading's alone over what Django itself takes: {"outcome", "seconds", "peak"}.
    The seconds are the process's CPU time, which other work on the machine (the suite's
    other workers) does not stretch as it does the wall clock."""
    measure = textwrap.dedent(
        """
        import json, sys, time, django
        django.setup()
        from activities.imports import ImportFileError, read_sheet
        content = open(sys.argv[1], "rb").read()
        started = time.process_time()
        try:
            outcome = f"read {len(read_sheet(sys.argv[1], content))} rows"
        except ImportFileError as exc:
            outcome = str(exc)
        seconds = time.process_time() - started
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        peak = int(status["VmHWM"].split()[0]) * 1024
        print(json.dumps({"outcome": outcome, "seconds": seconds, "peak": peak}))
        """
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "doingoai.settings"}
    environment.setdefault("SECRET_KEY", settings.SECRET_KEY)
    done = subprocess.run(
        [sys.executable, "-c", measure, path],
        check=True,
        capture_output=True,
        cwd=settings.BASE_DIR,
        env=environment,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def refused(name: str, content: bytes, message: str) -> float:
    """The CPU seconds of refusing the file (see measured)."""
    started = time.process_time()
    with pytest.raises(ImportFileError, match=message):
        read_sheet(name, content)
    return time.process_time() - started


def test_a_sheet_without_dimension_and_16_million_rows_is_refused_in_bounded_time_and_memory(
    tmp_path,
):
    template = tmp_path / "mau.xlsx"
    template.write_bytes(template_workbook())
    sheet = tmp_path / "khong-kich-thuoc.xlsx"
    subprocess.run(
        [sys.executable, DATA / "make_sheet_without_dimension.py", template, sheet], check=True
    )
    assert sheet.stat().st_size < 200 * 1024
    figures = measured(sheet)
    assert TOO_MANY_ROWS in figures["outcome"]
    assert figures["seconds"] < SECONDS
    assert figures["peak"] < PEAK_BYTES


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        # a row numbered at the sheet's last line: openpyxl would yield every row before it
        (
            {
                "xl/worksheets/sheet1.xml": in_sheet_data(
                    b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                )
            },
            TOO_MANY_ROWS,
        ),
        # a row of 16,384 cells
        (
            {
                "xl/worksheets/sheet1.xml": in_sheet_data(
                    b'<row r="3">' + b'<c t="n"><v>1</v></c>' * 16384 + b"</row>"
                )
            },
            TOO_LARGE,
        ),
        # a cell holding more text than Excel allows, on one 50 MB line
        (
            {
                "xl/worksheets/sheet1.xml": in_sheet_data(
                    b'<row r="3"><c r="A3" t="inlineStr"><is><t>'
                    + b"x" * 50_000_000
                    + b"</t></is></c></row>"
                )
            },
            TOO_LARGE,
        ),
        # nesting a thousand deep
        ({"xl/worksheets/sheet1.xml": in_sheet_data(b"<x>" * 1000 + b"</x>" * 1000)}, TOO_LARGE),
        # three million elements that are not rows
        ({"xl/worksheets/sheet1.xml": in_sheet_data(b"<x/>" * 3_000_000)}, TOO_LARGE),
        # entities declared in a DTD (the billion laughs)
        (
            {
                "xl/worksheets/sheet1.xml": lambda xml: (
                    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + xml
                )
            },
            "bị hỏng",
        ),
        # shared strings beyond what a sheet of activities needs
        (
            {
                "[Content_Types].xml": lambda types: types.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                    + SHARED_STRINGS.encode()
                    + b'"/></Types>',
                ),
                "xl/sharedStrings.xml": b"<sst>"
                + b"<si><t>x</t></si>" * (MAX_STRINGS_BYTES // 16)
                + b"</sst>",
            },
            TOO_LARGE,
        ),
        # more strings than the sheet has string cells (700,000 for one row, 11 MB)
        (
            {
                "[Content_Types].xml": lambda types: types.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                    + SHARED_STRINGS.encode()
                    + b'"/></Types>',
                ),
                "xl/sharedStrings.xml": b"<sst>" + b"<si><t>ab</t></si>" * 700_000 + b"</sst>",
            },
            TOO_LARGE,
        ),
        # one string of more rich-text runs than a person formats by hand
        (
            {
                "[Content_Types].xml": lambda types: types.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                    + SHARED_STRINGS.encode()
                    + b'"/></Types>',
                ),
                "xl/sharedStrings.xml": b"<sst><si>"
                + b"<r><t>x</t></r>" * (MAX_STRING_RUNS + 1)
                + b"</si></sst>",
            },
            TOO_LARGE,
        ),
        # the small parts openpyxl parses into objects, each beyond what Excel writes
        (
            {
                "xl/workbook.xml": lambda xml: xml.replace(
                    b"</workbook>", b"<x/>" * 40_000 + b"</workbook>"
                )
            },
            TOO_LARGE,
        ),
        (
            {
                "xl/worksheets/_rels/sheet1.xml.rels": b'<Relationships xmlns="http://schemas.'
                b'openxmlformats.org/package/2006/relationships">'
                + b"".join(RELATIONSHIP % n for n in range(40_000))
                + b"</Relationships>"
            },
            TOO_LARGE,
        ),
        (
            {
                "docProps/core.xml": lambda xml: xml.replace(
                    b"</cp:coreProperties>", b"<x/>" * 40_000 + b"</cp:coreProperties>"
                )
            },
            TOO_LARGE,
        ),
        (
            {
                "[Content_Types].xml": lambda xml: xml.replace(
                    b"</Types>", b"<x/>" * 40_000 + b"</Types>"
                )
            },
            TOO_LARGE,
        ),
        # a second sheet without dimension and two million rows, which openpyxl would parse
        (
            {
                "xl/worksheets/sheet2.xml": b"<worksheet><sheetData>"
                + b"<row/>" * 2_000_000
                + b"</sheetData></worksheet>"
            },
            TOO_MANY_ROWS,
        ),
    ],
    ids=[
        "row-1048576",
        "16384-cells",
        "50mb-cell",
        "nested",
        "elements",
        "dtd",
        "strings",
        "strings-beyond-cells",
        "runs-in-a-string",
        "workbook",
        "sheet-relations",
        "properties",
        "manifest",
        "sheet2",
    ],
)
def test_a_workbook_passing_a_limit_is_refused_before_openpyxl_reads_it(parts, message):
    content = workbook()
    if "xl/worksheets/sheet2.xml" in parts:
        book = Workbook()
        book.active.append(HEADERS)
        book.active.append(ROW)
        book.create_sheet("Khác")
        buffer = io.BytesIO()
        book.save(buffer)
        content = buffer.getvalue()
    assert refused("hd.xlsx", rewritten(content, parts), message) < SECONDS


def test_a_cell_of_excels_own_largest_size_is_read():
    cell = b"x" * MAX_CELL_CHARS
    content = rewritten(
        workbook(),
        {
            "xl/worksheets/sheet1.xml": in_sheet_data(
                b'<row r="3"><c r="F3" t="inlineStr"><is><t>' + cell + b"</t></is></c></row>"
            )
        },
    )
    rows = read_sheet("hd.xlsx", content)
    assert len(rows[-1][1]["place"]) == MAX_CELL_CHARS


def test_a_sheet_of_twenty_thousand_rows_without_dimension_is_read():
    content = rewritten(
        workbook(20_000),
        {"xl/worksheets/sheet1.xml": lambda xml: xml.replace(b"<dimension ref=", b"<x ref=")},
    )
    assert len(read_sheet("hd.xlsx", content)) == 20_000


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (",".join(HEADERS).encode() + b"\n" * 10_000_000, TOO_MANY_ROWS),
        (",".join(HEADERS).encode() + b"\n" + b"\r\n" * 3_000_000, TOO_MANY_ROWS),
        (",".join(HEADERS).encode() + b"\n" + b"," * 5_000_000, TOO_LARGE),
        (";".join(HEADERS).encode() + b'\n"' + b"x" * 9_000_000 + b'"', "dấu ngoặc kép"),
    ],
    ids=["empty-lines", "crlf-lines", "commas", "one-field"],
)
def test_a_csv_file_meets_the_same_limits(content, message):
    assert refused("hd.csv", content, message) < SECONDS


def test_the_small_parts_are_scanned_before_openpyxl_parses_them():
    # A DTD in a part openpyxl parses whole with lxml (which would refuse it only after
    # reading it): every such part is scanned first.
    for part in (
        "xl/styles.xml",
        "xl/workbook.xml",
        "docProps/core.xml",
        "xl/_rels/workbook.xml.rels",
    ):
        content = rewritten(
            workbook(), {part: lambda xml: b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + xml}
        )
        refused("hd.xlsx", content, "bị hỏng")


def _small_workbooks() -> dict[str, tuple[bytes, str]]:
    """{label: (a small workbook, what reading it gives)}: the reviewers' cases and the
    dearest workbooks each limit lets through."""
    rich = b"<si>" + b"<r><rPr><b/></rPr><t>x</t></r>" * 370_000 + b"</si>"  # 1.48M elements
    at_runs_cap = b"".join(
        b"<si>" + RUN * MAX_STRING_RUNS + b"</si>" for _ in range(MAX_RICH_RUNS // MAX_STRING_RUNS)
    )
    return {
        "370,000 rich runs in a 32 KB file": (with_strings(workbook(), rich), TOO_LARGE),
        "rich runs at the cap": (with_strings(workbook(), at_runs_cap), "read 1 rows"),
        "strings at the cap of a 1-row sheet": (
            with_strings(workbook(), b"<si><t>ab</t></si>" * MAX_OTHER_STRINGS),
            "read 1 rows",
        ),
        "10 MB of cell formats": (
            with_formats(workbook(), 90_000),
            TOO_LARGE,
        ),  # under MAX_PART_BYTES
        "cell formats at the cap": (
            with_formats(workbook(), MAX_PART_ELEMENTS // 2 - 200),
            "read 1 rows",
        ),
    }


@pytest.mark.parametrize("label", list(_small_workbooks()))
def test_a_small_workbook_is_read_or_refused_in_about_a_second_and_bounded_memory(tmp_path, label):
    content, outcome = _small_workbooks()[label]
    path = tmp_path / "hd.xlsx"
    path.write_bytes(content)
    figures = measured(path)
    assert outcome in figures["outcome"]
    assert figures["seconds"] < SECONDS
    assert figures["peak"] < PEAK_BYTES


def test_a_sheet_saved_by_excel_with_shared_strings_is_read():
    content = shared_strings(workbook(20_000))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b't="s"' in archive.read("xl/worksheets/sheet1.xml")
    rows = read_sheet("hd.xlsx", content)
    assert len(rows) == 20_000
    assert rows[-1][1]["title"] == "Hội nghị"


def test_a_workbook_with_a_chart_sheet_before_the_activities_is_read():
    book = Workbook()
    book.active.append(HEADERS)
    book.active.append(ROW)
    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=1, min_row=1, max_row=2))
    book.create_chartsheet("Biểu đồ", 0).add_chart(chart)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        assert any(name.startswith("xl/charts/") for name in archive.namelist())
    assert len(read_sheet("hd.xlsx", buffer.getvalue())) == 1


def test_openpyxl_reads_no_part_of_a_workbook_that_was_not_scanned_first(monkeypatch):
    # _check_workbook scans the parts openpyxl 3.1 parses (ExcelReader: manifest, workbook
    # and its relations, properties, styles, shared strings, sheets and their relations,
    # chart sheets' parts; read_manifest, _find_workbook_part, parser.find_sheets and
    # package.find used as they are). A version that parses another part, or none of these
    # the same way, fails here.
    book = Workbook()
    book.active.append(HEADERS)
    book.active.append(ROW)
    book.create_sheet("Hướng dẫn").append(["Ghi chú"])
    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=1, min_row=1, max_row=2))
    book.create_chartsheet("Biểu đồ").add_chart(chart)
    book.custom_doc_props.append(StringProperty(name="Nguồn", value="Sở"))
    buffer = io.BytesIO()
    book.save(buffer)
    content = shared_strings(buffer.getvalue())
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def recording(archive, name, *args, **kwargs):
        opened.append(name if isinstance(name, str) else name.filename)
        return original(archive, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording)
    _check_workbook(content)
    scanned = set(opened)
    opened.clear()
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_links=False)
    assert len(list(workbook.worksheets[0].iter_rows(values_only=True))) == 2
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        present = set(archive.namelist())
    # The theme is kept as bytes, never parsed.
    assert (set(opened) & present) - scanned <= {"xl/theme/theme1.xml"}
    assert {"xl/styles.xml", "xl/sharedStrings.xml", "docProps/custom.xml"} <= scanned


def formatted_rows(first: int, count: int, columns: int = 21) -> bytes:
    """`count` rows from row `first` as Excel writes a template's formatted, empty rows: a
    style on each cell (borders), no value."""
    cells = b"".join(b'<c s="1"/>' for _ in range(columns))
    return b"".join(
        b'<row r="%d" s="1" customFormat="1">' % n + cells + b"</row>"
        for n in range(first, first + count)
    )


def test_rows_only_formatted_below_the_last_filled_one_do_not_count():
    # A template bordered down to row 25,002, two activities filled in.
    content = rewritten(
        workbook(2), {"xl/worksheets/sheet1.xml": in_sheet_data(formatted_rows(4, 25_000))}
    )
    started = time.process_time()
    assert [number for number, _values in read_sheet("mau.xlsx", content)] == [2, 3]
    assert time.process_time() - started < SECONDS


def test_a_csv_saved_from_a_formatted_template_is_read_as_its_filled_rows():
    lines = [",".join(HEADERS), ",".join(ROW), *([","] * 25_000), ",".join(ROW)]
    rows = read_sheet("mau.csv", "\r\n".join(lines).encode("utf-8-sig"))
    assert [number for number, _values in rows] == [2, 25_003]


@pytest.mark.parametrize(
    "sheet_data",
    [
        # one filled row too many, with no r= on any row
        b"".join(b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' for _ in range(20_000)),
        # a filled row far below the others, whatever lies between
        b'<row r="200001"><c r="A200001"><v>1</v></c></row>',
        # more rows in all than any template has, all of them empty
        b"<row/>" * 200_001,
    ],
    ids=["filled", "far-below", "empty"],
)
def test_a_sheet_past_the_row_limit_is_refused_with_the_limit(sheet_data):
    content = rewritten(workbook(1), {"xl/worksheets/sheet1.xml": in_sheet_data(sheet_data)})
    assert refused("hd.xlsx", content, TOO_MANY_ROWS) < SECONDS
