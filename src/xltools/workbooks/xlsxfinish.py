"""What XlsxWriter cannot write, added to a finished .xlsx in one pass over its zip.

Our locked workbooks (the village templates, the department verification files) get
workbook structure protection, and a template's formula columns become shared formulas
(cells written with :data:`SHARED_MARK` refer to the first data row's formula).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

SHARED_MARK = "XLTOOLS_SHARED"  # a formula cell that shares its column's first formula


def finish(path: Path, sheet_part: str = "xl/worksheets/sheet1.xml") -> None:
    """Two things XlsxWriter cannot write, added to the finished file in one pass:

    - shared formulas: each formula column holds its formula once, in the first
      data row (``<f t="shared" ref=… si=…>``); the other rows refer to it.  Excel,
      WPS, LibreOffice and openpyxl read them; a template is then ~10× smaller
      and written ~10× faster than with 1,000 copies of a 5,000-character formula;
    - workbook structure protection (``<workbookProtection lockStructure="1"/>``):
      sheets cannot be added, deleted or unhidden.

    Every other part is kept byte for byte, so the output stays deterministic."""
    src = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"<bookViews>", b'<workbookProtection lockStructure="1"/><bookViews>', 1)
            elif info.filename == sheet_part:
                data = _share_formulas(data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)
    path.write_bytes(out.getvalue())


_CELL_F = re.compile(r'<c r="([A-Z]+)(\d+)"([^>]*)><f>(.*?)</f>')


def _share_formulas(xml: str) -> str:
    masters: dict[str, tuple[int, int]] = {}   # column -> (si, first row)
    last: dict[str, int] = {}
    for m in _CELL_F.finditer(xml):
        col, row, formula = m.group(1), int(m.group(2)), m.group(4)
        if formula == SHARED_MARK:
            last[col] = max(last.get(col, 0), row)
        elif col not in masters:
            masters[col] = (len(masters), row)

    def repl(m: re.Match) -> str:
        col, row, attrs, formula = m.group(1), m.group(2), m.group(3), m.group(4)
        if col not in masters or col not in last:
            return m.group(0)
        si, first = masters[col]
        if formula == SHARED_MARK:
            return f'<c r="{col}{row}"{attrs}><f t="shared" si="{si}"/>'
        if int(row) == first:
            return f'<c r="{col}{row}"{attrs}><f t="shared" ref="{col}{first}:{col}{last[col]}" si="{si}">{formula}</f>'
        return m.group(0)

    return _CELL_F.sub(repl, xml)
