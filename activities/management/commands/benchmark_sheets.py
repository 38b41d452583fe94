"""Time and peak memory of reading hostile uploads, beside a real sheet of MAX_ROWS rows read
in the same run. Each file is read in a fresh interpreter, so its peak resident memory
(VmHWM) is its own. Needs no database."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from openpyxl import Workbook
from openpyxl.utils import column_index_from_string
from openpyxl.xml.constants import SHARED_STRINGS

from activities.imports import (
    COLUMNS,
    MAX_OTHER_STRINGS,
    MAX_PART_BYTES,
    MAX_PART_ELEMENTS,
    MAX_RICH_RUNS,
    MAX_ROWS,
    MAX_STRINGS_BYTES,
    ImportFileError,
    read_sheet,
    template_workbook,
)

ROW = ["SLDTBXH", "meeting", "Hội nghị", "02/03/2020", "03/03/2020", "Vũng Tàu", "Nội dung"]


_INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.S)
_STRINGS_REL = (
    b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/'
    b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


_CELL_REF = re.compile(rb'<c r="([A-Z]+)(\d+)"')
_BEFORE_DIMENSION = re.compile(rb"<sheetViews|<sheetFormatPr|<cols|<sheetData")


def _with_dimension(sheet: bytes) -> bytes:
    """`sheet` with the <dimension> Excel always writes (openpyxl's write-only mode cannot)."""
    if b"<dimension" in sheet:
        return sheet
    refs = _CELL_REF.findall(sheet)
    if not refs:
        return sheet
    last_column = max(
        (column for column, _row in refs), key=lambda c: column_index_from_string(c.decode())
    )
    last_row = max(int(row) for _column, row in refs)
    place = _BEFORE_DIMENSION.search(sheet).start()
    return b'%s<dimension ref="A1:%s%d"/>%s' % (sheet[:place], last_column, last_row, sheet[place:])


def shared_strings(content: bytes) -> bytes:
    """`content`, a workbook openpyxl wrote, as Excel writes it: its texts in shared strings
    (openpyxl writes every text as an inline string), each distinct text once in
    xl/sharedStrings.xml and each cell its index (t="s"), and each sheet's <dimension>."""
    index: dict[bytes, int] = {}

    def shared(match: re.Match) -> bytes:
        number = index.setdefault(match[3], len(index))
        return b'<c %st="s"%s><v>%d</v></c>' % (match[1], match[2], number)

    with zipfile.ZipFile(io.BytesIO(content)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    for name in parts:
        if name.startswith("xl/worksheets/sheet"):
            parts[name] = _with_dimension(_INLINE.sub(shared, parts[name]))
    items = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in index)
    parts["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'uniqueCount="%d">%s</sst>' % (len(index), items)
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
        + SHARED_STRINGS.encode()
        + b'"/></Types>',
    )
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", _STRINGS_REL)
    return _rewritten(content, parts)


def _real_sheet(rows: int) -> bytes:
    """A sheet of `rows` activities as Excel saves it: texts in shared strings."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([str(c.header) for c in COLUMNS])
    for n in range(rows):
        sheet.append([*ROW[:2], f"Hội nghị số {n}", *ROW[3:6], f"Nội dung của hội nghị số {n}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return shared_strings(buffer.getvalue())


def _real_csv(rows: int) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow([str(c.header) for c in COLUMNS])
    for n in range(rows):
        writer.writerow([*ROW[:2], f"Hội nghị số {n}", *ROW[3:]])
    return text.getvalue().encode("utf-8-sig")


def _rewritten(content: bytes, parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item.filename, parts.pop(item.filename, None) or source.read(item))
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def _sheet(rows: bytes) -> dict[str, bytes]:
    header = "".join(f'<c t="inlineStr"><is><t>{c.header}</t></is></c>' for c in COLUMNS).encode()
    return {
        "xl/worksheets/sheet1.xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1">'
        + header
        + b"</row>"
        + rows
        + b"</sheetData></worksheet>"
    }


def _strings(size: int, item: bytes = b"<si><t>" + b"x" * 1000 + b"</t></si>") -> dict[str, bytes]:
    return {
        "xl/sharedStrings.xml": b"<sst>" + item * max(1, size // len(item)) + b"</sst>",
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="rels" ContentType="application/vnd.'
        b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        b'"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings'
        b'.xml" ContentType="' + SHARED_STRINGS.encode() + b'"/></Types>',
    }


_RUN = (
    b'<r><rPr><b/><i/><sz val="11"/><color rgb="FF000000"/><rFont val="Arial"/>'
    b'<family val="2"/><scheme val="minor"/><u/></rPr><t>x</t></r>'
)
_XF = (
    b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    b'<alignment horizontal="left"/></xf>'
)


def _rich_string(runs: int) -> bytes:
    return b"<si>" + _RUN * runs + b"</si>"


def _styles(formats: int) -> bytes:
    """A styles.xml of `formats` cell formats (two elements each) beside the usual parts."""
    return (
        b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        b'<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        b'</cellStyleXfs><cellXfs count="%d">%s</cellXfs>'
        b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        b"</styleSheet>" % (formats, _XF * formats)
    )


def cases(folder: Path) -> list[tuple[str, Path]]:
    """(label, file) of each sheet measured, the baselines first."""
    template = template_workbook()
    (folder / "template.xlsx").write_bytes(template)
    made = {
        "baseline: real sheet, 20,000 rows, shared strings.xlsx": _real_sheet(MAX_ROWS),
        "baseline: real CSV, 20,000 rows.csv": _real_csv(MAX_ROWS),
        "row numbered 1048576.xlsx": _rewritten(
            template, _sheet(b'<row r="1048576"><c t="n"><v>1</v></c></row>')
        ),
        "row of 16,384 cells.xlsx": _rewritten(
            template, _sheet(b'<row r="2">' + b'<c t="n"><v>1</v></c>' * 16384 + b"</row>")
        ),
        "one 90 MB line of text.xlsx": _rewritten(
            template,
            _sheet(
                b'<row r="2"><c t="inlineStr"><is><t>' + b"x" * 90_000_000 + b"</t></is></c></row>"
            ),
        ),
        "3 million elements.xlsx": _rewritten(template, _sheet(b"<x/>" * 3_000_000)),
        "nested 100,000 deep.xlsx": _rewritten(
            template, _sheet(b"<x>" * 100_000 + b"</x>" * 100_000)
        ),
        "shared strings: 40 MB for a sheet of 1 row.xlsx": _rewritten(
            template, {**_sheet(b""), **_strings(MAX_STRINGS_BYTES - 1024)}
        ),
        "shared strings over the cap.xlsx": _rewritten(
            template, {**_sheet(b""), **_strings(MAX_STRINGS_BYTES + 1024)}
        ),
        "shared strings: 370,000 rich runs in one (32 KB).xlsx": _rewritten(
            template,
            {
                **_sheet(b""),
                **_strings(1, b"<si>" + b"<r><rPr><b/></rPr><t>x</t></r>" * 370_000 + b"</si>"),
            },
        ),
        "shared strings: rich runs at the cap (opened).xlsx": _rewritten(
            template,
            {
                **_sheet(b""),
                **_strings(1, b"".join(_rich_string(50) for _ in range(MAX_RICH_RUNS // 50))),
            },
        ),
        "shared strings: 700,000 for a sheet of 1 row.xlsx": _rewritten(
            template, {**_sheet(b""), **_strings(700_000 * 16, b"<si><t>ab</t></si>")}
        ),
        "shared strings: as many as the cap for 1 row (opened).xlsx": _rewritten(
            template,
            {**_sheet(b""), **_strings(MAX_OTHER_STRINGS * 16, b"<si><t>ab</t></si>")},
        ),
        "styles.xml of 10 MB.xlsx": _rewritten(
            template, {"xl/styles.xml": _styles((MAX_PART_BYTES - 4096) // len(_XF))}
        ),
        "styles.xml at the element cap (opened).xlsx": _rewritten(
            template, {"xl/styles.xml": _styles(MAX_PART_ELEMENTS // 2 - 200)}
        ),
        "10 million empty lines.csv": ",".join(str(c.header) for c in COLUMNS).encode()
        + b"\n" * 10_000_000,
        "one 9 MB field.csv": ",".join(str(c.header) for c in COLUMNS).encode()
        + b'\n"'
        + b"x" * 9_000_000
        + b'"',
    }
    files = []
    for label, content in made.items():
        path = folder / f"{len(files):02d}{Path(label).suffix}"
        path.write_bytes(content)
        files.append((Path(label).stem, path))
    no_dimension = folder / "no-dimension.xlsx"
    script = settings.BASE_DIR / "tests" / "data" / "make_sheet_without_dimension.py"
    subprocess.run([sys.executable, script, folder / "template.xlsx", no_dimension], check=True)
    files.append(
        ("no <dimension>, 16 million rows (make_sheet_without_dimension.py)", no_dimension)
    )
    return files


class Command(BaseCommand):
    help = "Time and peak memory of reading hostile uploads against a real 20,000-row sheet."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--read", help="read this one file and print its figures as JSON")

    def handle(self, *args, **options) -> None:
        if options["read"]:
            self.read_one(Path(options["read"]))
            return
        self.stdout.write("Reading uploads (each in a fresh interpreter; peak = VmHWM)")
        self.stdout.write(f"  {'file':62} {'size':>9} {'seconds':>8} {'peak MB':>8}  outcome")
        with tempfile.TemporaryDirectory() as folder:
            for label, path in cases(Path(folder)):
                done = subprocess.run(
                    [sys.executable, "manage.py", "benchmark_sheets", "--read", path],
                    capture_output=True,
                    check=True,
                    cwd=settings.BASE_DIR,
                    text=True,
                )
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                self.stdout.write(
                    f"  {label:62} {path.stat().st_size / 1024:7,.0f} K"
                    f" {figures['seconds']:8.2f} {figures['peak'] / 2**20:8.0f}"
                    f"  {figures['outcome']}"
                )

    def read_one(self, path: Path) -> None:
        content = path.read_bytes()
        started = time.perf_counter()
        try:
            outcome = f"read {len(read_sheet(path.name, content)):,} rows"
        except ImportFileError as exc:
            outcome = f"refused: {exc}"
        seconds = time.perf_counter() - started
        self.stdout.write(
            json.dumps({"seconds": seconds, "peak": self._peak(), "outcome": outcome})
        )

    @staticmethod
    def _peak() -> int:
        """This process's peak resident memory in bytes."""
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0
