"""Our output workbooks: how every table we write looks and is laid out.

:func:`new_workbook` opens a workbook in which text stays text (ID numbers never become
numbers, formulas or links) and big tables are written column-wise
(:mod:`xltools.workbooks.bulksheet`); :class:`Formats` are the cell formats all outputs share;
:func:`write_table` writes a header row and a frame below it, :func:`table_sheets` continues
a table too long for one sheet on ``name（2）``, ``name（3）`` …, and :func:`write_frame`
writes a frame whose columns are already its Chinese headers.  The 花名册
(:mod:`xltools.workbooks.rosterbook`), the township and department files (split), the reconciled
roster and the quarter's changes (diff) are all written with these.
"""

from __future__ import annotations

import pandas as pd

from xltools.workbooks import bulksheet, readers

DATE_KEYS = ("birth_date", "left_hukou_date", "arrival_date")  # written as dates, not text


def new_workbook(path, title: str):
    """A workbook for our outputs: text stays text (IDs never become numbers, formulas or links),
    big tables are written column-wise (:mod:`xltools.workbooks.bulksheet`)."""
    wb = bulksheet.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    wb.set_properties({"title": title, "author": "xltools"})
    return wb


class Formats:
    """The cell formats every output shares (宋体 10, a header row, text, dates, highlights)."""

    def __init__(self, wb):
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.head = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                   "align": "center"})
        self.text = wb.add_format({**base, "num_format": "@"})
        self.date = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.plain = wb.add_format(base)
        self.title = wb.add_format({**base, "bold": True, "font_size": 12})
        self.diff = wb.add_format({**base, "bg_color": "#FFEB9C", "num_format": "@"})
        self.kept = wb.add_format({**base, "bold": True, "num_format": "@"})
        self.bad = wb.add_format({**base, "font_color": "#C00000", "bold": True})


def _width(header: str, values) -> float:
    longest = max([len(str(v)) for v in values[:200]] + [len(header)]) if len(values) else len(header)
    return max(6, min(40, longest * 1.8 + 2))


def write_table(ws, fmt, cols: list[tuple[str, str]], df: pd.DataFrame, first_row: int = 0, marks=None) -> None:
    """A header row and ``df``'s columns below it; ``marks``: {(row position, column key): format}
    for the few cells that are highlighted."""
    for c, (_, header) in enumerate(cols):
        ws.write_string(first_row, c, header, fmt.head)
    by_key: dict[str, dict] = {}
    for (pos, key), f in (marks or {}).items():
        by_key.setdefault(key, {})[pos] = f
    columns = []
    for c, (key, header) in enumerate(cols):
        values = df[key].tolist() if key in df else [""] * len(df)
        ws.set_column(c, c, _width(header, values))
        columns.append(bulksheet.Column(values, fmt.text, fmt.plain, fmt.date, iso_dates=key in DATE_KEYS,
                                        marks=by_key.get(key)))
    if columns:
        # written a column at a time (the 花名册 has millions of cells)
        bulksheet.write_block(ws, first_row + 1, 0, columns)
    ws.freeze_panes(first_row + 1, 0)
    if cols:
        ws.autofilter(first_row, 0, first_row + max(len(df), 1), len(cols) - 1)


def table_sheets(wb, name: str, fmt, cols: list[tuple[str, str]], df: pd.DataFrame, marks=None) -> list[str]:
    """:func:`write_table` on sheet ``name``, continued on ``name（2）``, ``name（3）`` … (each with the
    header) when ``df`` has more rows than a sheet holds; returns the sheet names written."""
    per_sheet = bulksheet.MAX_ROWS - 1  # below the header row
    names = []
    for n, start in enumerate(range(0, max(len(df), 1), per_sheet), 1):
        part = df.iloc[start:start + per_sheet]
        part_marks = {(p - start, k): f for (p, k), f in (marks or {}).items() if start <= p < start + len(part)}
        names.append(readers.sheet_part(name, n))
        write_table(wb.add_worksheet(names[-1]), fmt, cols, part, marks=part_marks)
    return names


def write_frame(wb, fmt, name: str, df: pd.DataFrame, empty_note: str = "") -> None:
    """A sheet holding a table whose columns are its Chinese headers."""
    table_sheets(wb, name, fmt, [(c, c) for c in df.columns], df)
    if not len(df) and empty_note:
        wb.get_worksheet_by_name(name).write_string(1, 0, empty_note, fmt.plain)
