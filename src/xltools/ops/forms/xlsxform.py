"""Write 登记表 as an .xlsx workbook: one sheet per child, one A4 page per sheet.

The grid is :func:`xltools.ops.forms.layout.layout`'s.  Answer cells are unlocked and the
sheet is protected (no password), so in Excel or WPS only the answers can be typed;
an option box is a cell of its own that prints ☐ or ☑ and offers both in a dropdown
(a typed √ is accepted after a warning: people write ticks their own way).  A hidden
``_xltools`` sheet records kind and profile, so the readers know the form again.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from xltools.workbooks.atomic import atomic_path
from xltools.workbooks.readers import META_SHEET
from xltools.core.schema import FORM_MARKS, FORM_TITLES, SCHEMA_VERSION
from xltools.ops.forms.layout import NCOLS, Layout, answer

CREATED = _dt.datetime(2026, 1, 1)  # fixed, so that two runs give the same bytes
FONT = "宋体"
GENERATOR = "xltools 登记表"
COL_WIDTH = 1.75

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_names(names) -> list[str]:
    """Unique sheet names from children's names (Excel: ≤31 characters, no []:*?/\\)."""
    out, seen = [], set()
    for i, name in enumerate(names, 1):
        base = _BAD_SHEET_CHARS.sub("", name or "").strip("' ")[:26] or f"登记表{i}"
        cand, n = base, 1
        while cand.lower() in seen or cand == META_SHEET:
            n += 1
            cand = f"{base}（{n}）"
        seen.add(cand.lower())
        out.append(cand)
    return out


class _Styles:
    def __init__(self, wb):
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "text_wrap": True}
        box = dict(base, border=1)

        def f(**kw):
            return wb.add_format({**box, **kw})

        self.by_role = {
            "title": wb.add_format(dict(base, bold=True, font_size=16, align="center")),
            "head": wb.add_format(dict(base, align="left")),
            "sign": wb.add_format(dict(base, align="left")),
            "footer": wb.add_format(dict(base, align="left", font_size=9, italic=True)),
            "group": f(bold=True, align="center"),
            "label": f(align="center"),
            "part": f(align="center", left=0, right=0),
            "option": f(align="left", left=0, right=0),
            "fill": f(),
        }
        self.value = f(align="left", locked=False)
        self.head_value = wb.add_format(dict(base, align="left", locked=False, bottom=1))
        self.sign_fill = wb.add_format(dict(base, bottom=1, locked=False))
        self.tick = f(align="right", locked=False, right=0)
        self.date_part = f(align="center", locked=False, left=1, right=0)

    def of(self, cell, in_table: bool):
        if cell.role == "tick":
            return self.tick
        if cell.role == "value":
            if not in_table:
                return self.head_value
            return self.date_part if cell.option else self.value
        if cell.role == "fill" and not in_table:
            return self.sign_fill
        return self.by_role[cell.role]


def write_sheet(ws, lay: Layout, row: dict, footer: str, st: _Styles) -> None:
    """Draw one child's form on ``ws``."""
    ws.set_column(0, NCOLS - 1, COL_WIDTH)
    for r, h in enumerate(lay.heights):
        ws.set_row(r, h)
    first, last = lay.table_rows
    for c in lay.cells:
        text = footer if c.role == "footer" else (answer(c, row) if c.answer else c.text)
        fmt = st.of(c, first <= c.row <= last)
        if c.rows > 1 or c.cols > 1:
            ws.merge_range(c.row, c.col, c.row + c.rows - 1, c.col + c.cols - 1, text, fmt)
        else:
            ws.write_string(c.row, c.col, text, fmt)
    ticks = [c for c in lay.cells if c.role == "tick"]
    if ticks:  # one validation over every box (one per box costs a tenth of the writing time)
        ws.data_validation(ticks[0].row, ticks[0].col, ticks[0].row, ticks[0].col, {
            "validate": "list", "source": [FORM_MARKS["blank"], FORM_MARKS["ticked"]],
            "multi_range": " ".join(xl_rowcol_to_cell(c.row, c.col) for c in ticks),
            "error_type": "warning", "error_title": "勾选", "error_message": "请选 ☑（勾选）或 ☐（不选）。"})
    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.set_margins(left=0.5, right=0.5, top=0.5, bottom=0.5)
    ws.center_horizontally()
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, lay.nrows - 1, NCOLS - 1)
    ws.hide_gridlines(2)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


def write_workbook(path, lay: Layout, children: list[tuple[str, dict, str]]) -> Path:
    """Write ``children`` — (sheet name, roster row, footer text) — as one workbook at ``path``."""
    path = Path(path)
    with atomic_path(path, ".xlsx") as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                            "strings_to_urls": False})
        wb.set_properties({"created": CREATED, "title": FORM_TITLES[lay.kind], "author": "xltools"})
        st = _Styles(wb)
        for name, row, footer in children:
            write_sheet(wb.add_worksheet(name), lay, row, footer, st)
        meta = wb.add_worksheet(META_SHEET)
        for i, (k, v) in enumerate((("generator", GENERATOR), ("kind", lay.kind), ("profile", lay.profile),
                                    ("schema_version", SCHEMA_VERSION), ("shape", "form"))):
            meta.write_string(i, 0, k)
            meta.write_string(i, 1, v)
        meta.hide()
        wb.close()
    return path
