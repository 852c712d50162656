"""A copy of a checked workbook with its problem cells marked: red fill for an error, yellow for a
reminder, and a note (comment) saying what is wrong and what to do.

For a file the user keeps working in (validate's "marked copy" in the web pages).  The
input is never modified: the copy goes to another path, atomically.  Only .xlsx/.xlsm can be
marked in place of their own layout (through openpyxl); note that openpyxl drops cross-sheet
dropdown lists (see FACTS), so the copy is for finding the problems, and the corrections are
best typed into the original file.
"""

from __future__ import annotations

import io
from pathlib import Path

from xltools.workbooks import atomic, privacy
from xltools.core.issues import ERROR, SEVERITY_LABELS

ERROR_FILL, WARNING_FILL = "FFC7CE", "FFEB9C"  # Excel's own "bad" and "neutral" cell styles
NOTE_HEAD = "xltools 校验："
MARKABLE = (".xlsx", ".xlsm")


class MarkError(Exception):
    """The file cannot be marked (its format); ``message`` says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def mark_copy(src, out, sheet: str, issues, *, password: str | None = None) -> Path:
    """Write ``src`` to ``out`` with the cells of ``issues`` (row, column letter) on ``sheet`` marked.

    An encrypted ``src`` (opened with ``password``) gives a copy encrypted with the same password."""
    import openpyxl
    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    src, out = Path(src), Path(out)
    if src.suffix.lower() not in MARKABLE:
        raise MarkError(f"{src.name}：只能为 .xlsx/.xlsm 文件生成标记副本；请用 Excel 或 WPS 另存为 .xlsx 后再校验。")
    privacy.refuse_input(out, [src])
    data = src.read_bytes()
    if password and data[:4] != b"PK\x03\x04":
        data = privacy.decrypt_bytes(data, password)
    wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=src.suffix.lower() == ".xlsm")
    ws = wb[sheet] if sheet in wb.sheetnames else wb.worksheets[0]
    cells: dict[str, list] = {}
    for i in issues:
        if i.row and i.column:
            cells.setdefault(f"{i.column}{i.row}", []).append(i)
    fills = {sev: PatternFill(fill_type="solid", start_color=c, end_color=c)
             for sev, c in ((ERROR, ERROR_FILL), ("warning", WARNING_FILL))}
    for ref, found in cells.items():
        cell = ws[ref]
        if isinstance(cell, MergedCell):  # inside a merged range: the range's first cell carries the mark
            rng = next(r for r in ws.merged_cells.ranges if ref in r)
            cell = ws.cell(rng.min_row, rng.min_col)
        cell.fill = fills[ERROR if any(i.severity == ERROR for i in found) else "warning"]
        note = NOTE_HEAD + "\n" + "\n".join(f"{SEVERITY_LABELS[i.severity]}：{i.message}" for i in found)
        cell.comment = Comment(note, "xltools", width=360, height=120)
    buf = io.BytesIO()
    wb.save(buf)
    body = buf.getvalue()
    if password:
        body = privacy.encrypt_bytes(body, password)
    return atomic.write_bytes(out, body)
