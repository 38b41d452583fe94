"""Time and peak memory of reading hostile uploads, beside a real sheet of MAX_ROWS rows read
in the same run. Each file is read in a fresh interpreter, so its peak resident memory
(VmHWM) is its own. Needs no database."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from openpyxl import Workbook
from openpyxl.xml.constants import SHARED_STRINGS

from activities.imports import (
    COLUMNS,
    MAX_ROWS,
    MAX_STRINGS_BYTES,
    ImportFileError,
    read_sheet,
    template_workbook,
)

ROW = ["SLDTBXH", "meeting", "Hội nghị", "02/03/2020", "03/03/2020", "Vũng Tàu", "Nội dung"]


def _real_sheet(rows: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([str(c.header) for c in COLUMNS])
    for n in range(rows):
        sheet.append([*ROW[:2], f"Hội nghị số {n}", *ROW[3:]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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


def _strings(size: int) -> dict[str, bytes]:
    strings = b"<si><t>" + b"x" * 1000 + b"</t></si>"
    return {
        "xl/sharedStrings.xml": b"<sst>" + strings * (size // len(strings)) + b"</sst>",
        "[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="rels" ContentType="application/vnd.'
        b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        b'"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings'
        b'.xml" ContentType="' + SHARED_STRINGS.encode() + b'"/></Types>',
    }


def cases(folder: Path) -> list[tuple[str, Path]]:
    """(label, file) of each sheet measured, the baselines first."""
    template = template_workbook()
    (folder / "template.xlsx").write_bytes(template)
    made = {
        "baseline: real sheet, 20,000 rows.xlsx": _real_sheet(MAX_ROWS),
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
        "shared strings at the cap (read).xlsx": _rewritten(
            template, {**_sheet(b""), **_strings(MAX_STRINGS_BYTES - 1024)}
        ),
        "shared strings over the cap.xlsx": _rewritten(
            template, {**_sheet(b""), **_strings(MAX_STRINGS_BYTES + 1024)}
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
