"""Large tables into an XlsxWriter worksheet, fast.

XlsxWriter keeps every cell as an object and writes it through a generic XML
writer: about 4 µs a cell, 30 s for the district 花名册 (100,000 children × 90
columns).  :func:`write_block` writes a block of rows the way a spreadsheet
stores it — the same shared-strings table, cell styles and sheet XML that
XlsxWriter produces — but a column at a time: each distinct value of a column
is turned into its cell XML once, and the rows are assembled with numpy
object-array concatenation and one ``str.join`` per chunk of rows, while
XlsxWriter writes the sheet file.  Everything else on the sheet (header, widths,
filters, freeze panes, cells above or below the block) is still XlsxWriter's.

Values: ``str`` → shared string ('' is an empty cell); ``int``/``float`` →
number (NaN is empty, ±∞ — which a spreadsheet cannot hold — is written as text); ``bool`` → 是/否 as text; ``date``/``datetime`` → an
Excel date; ``None`` → empty.  A column marked ``iso_dates`` also writes text of
the form ``YYYY-MM-DD`` as a date (anything else in it stays text).

The shared-strings part (660,000 distinct names, numbers and addresses in a
district) is written the same way: :class:`Workbook` escapes the whole table
with three ``str.replace`` calls instead of one writer call per string.

This uses internals of XlsxWriter (the workbook's shared-string table,
``Format._get_xf_index``, the worksheet's ``_convert_date_time`` and
``_write_rows``, the packager's ``_write_shared_strings_file``), pinned by
``tests/test_bulksheet.py``, which reads the result back with two readers and
with LibreOffice.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import xl_col_to_name

CHUNK_ROWS = 4096
MAX_CELL_TEXT = 32767  # Excel's limit for a cell's text
MAX_ROWS = 1_048_576  # rows of an Excel sheet (2**20); XlsxWriter silently drops writes past them
YES_NO_TEXT = {True: "是", False: "否"}


@dataclass
class Column:
    """One column of a block: its values (one per row) and the formats to write them with."""

    values: Sequence
    text_format: object = None     # xlsxwriter Format for text
    number_format: object = None   # for numbers (defaults to text_format)
    date_format: object = None     # for dates (required when the column holds dates)
    iso_dates: bool = False
    marks: dict | None = None      # row position → format of that one cell (a highlight), empty cells too


class _Block:
    """A block of rows already turned into per-column codes and cell-XML tails."""

    def __init__(self, first_row: int, first_col: int, n_rows: int):
        self.first_row, self.first_col, self.n_rows = first_row, first_col, n_rows
        self.heads: list[str] = []               # '<c r="B' per column
        self.tails: list[np.ndarray] = []         # per column: XML after the row number, '' for empty
        self.codes: list[np.ndarray] = []         # per column: index into tails, per row

    @property
    def last_row(self) -> int:
        return self.first_row + self.n_rows - 1

    def chunks(self):
        """The block's ``<row>`` elements, a few thousand rows a string."""
        m = len(self.codes)
        for start in range(0, self.n_rows, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, self.n_rows)
            numbers = np.array([str(r + 1) for r in range(self.first_row + start, self.first_row + stop)],
                               dtype=object)
            grid = np.empty((stop - start, m + 2), dtype=object)
            grid[:, 0] = '<row r="' + numbers + '">'
            grid[:, m + 1] = "</row>"
            for j in range(m):
                codes = self.codes[j][start:stop]
                tails = self.tails[j][codes]
                cells = self.heads[j] + numbers + tails
                cells[tails == ""] = ""
                grid[:, j + 1] = cells
            yield "".join(grid.ravel().tolist())


def _style(fmt) -> str:
    return f' s="{fmt._get_xf_index()}"' if fmt is not None else ""


def _tail(value, col: Column, ws) -> tuple[str, int]:
    """The cell XML after ``<c r="A1``, and whether the value is a shared string (1) or not (0)."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return "", 0
    if isinstance(value, (bool, np.bool_)):
        value = YES_NO_TEXT[bool(value)]
    if isinstance(value, str):
        if col.iso_dates and len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                value = _dt.date.fromisoformat(value)
            except ValueError:
                pass
    if isinstance(value, (_dt.date, _dt.datetime, pd.Timestamp)):
        if col.date_format is None:
            raise ValueError("a column with dates needs a date_format")
        serial = ws._convert_date_time(value)
        return f'"{_style(col.date_format)}><v>{serial:.16G}</v></c>', 0
    if isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value):
        return f'"{_style(col.number_format or col.text_format)}><v>{float(value):.16G}</v></c>', 0
    text = str(value)[:MAX_CELL_TEXT]
    return f'"{_style(col.text_format)} t="s"><v>{ws.str_table._get_shared_string_index(text)}</v></c>', 1


def _marked(codes: np.ndarray, tails: np.ndarray, uniques, col: Column, ws) -> tuple[np.ndarray, np.ndarray]:
    """Codes and tails with the marked cells pointing at tails of their own format."""
    codes, extra = codes.copy(), []
    for pos, fmt in col.marks.items():
        code = codes[pos]
        if code < 0 or tails[code] == "":
            extra.append(f'"{_style(fmt)}/>')  # an empty cell that still shows the mark
        else:
            own = Column((), fmt, fmt, fmt, iso_dates=col.iso_dates)
            tail, shared = _tail(uniques[code], own, ws)
            ws.str_table.count -= shared  # this reference was counted with the column
            extra.append(tail)
        codes[pos] = len(tails) - 1 + len(extra) - 1
    # the '' for missing values (code -1) stays the last entry
    return codes, np.array(list(tails[:-1]) + extra + [""], dtype=object)


def write_block(worksheet, first_row: int, first_col: int, columns: list[Column]) -> int:
    """Write ``columns`` (equal length) as rows from ``first_row`` (0-based) on; returns the last row.

    Cells that XlsxWriter writes on the same sheet must lie outside the block's rows.
    One block per worksheet.
    """
    if getattr(worksheet, "_xltools_block", None) is not None:
        raise ValueError("one bulk block per worksheet")
    n = len(columns[0].values) if columns else 0
    if any(len(c.values) != n for c in columns):
        raise ValueError("all columns of a block need the same number of rows")
    if n == 0:
        return first_row - 1
    if first_row + n > MAX_ROWS:
        # Never a silent loss (XlsxWriter ignores rows past the last) nor a file Excel refuses.
        raise ValueError(f"a block of {n} rows from row {first_row} passes the sheet's last row ({MAX_ROWS})")
    sst = worksheet.str_table
    block = _Block(first_row, first_col, n)
    for j, col in enumerate(columns):
        values = np.asarray(col.values, dtype=object)
        if pd.api.types.infer_dtype(values, skipna=True) != "string":
            # factorize would take True for 1 and False for 0: bools become their text first
            values = np.array([YES_NO_TEXT[bool(v)] if isinstance(v, (bool, np.bool_)) else v for v in values],
                              dtype=object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        tails = np.empty(len(uniques) + 1, dtype=object)
        tails[-1] = ""  # code -1 (missing) indexes the last slot
        shared = np.zeros(len(uniques) + 1, dtype=np.int64)
        if not col.iso_dates and all(type(v) is str for v in uniques):
            # a column of text, the common case: shared-string indices straight from the table
            table, style = sst.string_table, _style(col.text_format)
            for i, v in enumerate(uniques):
                if v:
                    tails[i] = f'"{style} t="s"><v>{table.setdefault(v[:MAX_CELL_TEXT], len(table))}</v></c>'
                    shared[i] = 1
                else:
                    tails[i] = ""
            sst.unique_count = len(table)
            sst.count += int(shared.sum())
        else:
            for i, value in enumerate(uniques):
                tails[i], shared[i] = _tail(value, col, worksheet)
        # the shared-string table counts every reference, not only the first
        refs = np.bincount(codes[codes >= 0], minlength=len(uniques)) if len(uniques) else np.zeros(0, int)
        sst.count += int((refs * shared[:-1]).sum() - shared[:-1].sum())
        if col.marks:
            codes, tails = _marked(codes, tails, uniques, col, worksheet)
        block.heads.append(f'<c r="{xl_col_to_name(first_col + j)}')
        block.tails.append(tails)
        block.codes.append(codes.astype(np.int64))
    worksheet._check_dimensions(first_row, first_col)
    worksheet._check_dimensions(block.last_row, first_col + len(columns) - 1)
    worksheet._xltools_block = block
    worksheet._write_rows = _rows_writer(worksheet, block)
    return block.last_row


def _rows_writer(ws, block: _Block):
    """Replace the sheet's row writer: XlsxWriter's rows above the block, the block, its rows below."""
    original = ws._write_rows

    def write_rows() -> None:
        lo, hi = ws.dim_rowmin, ws.dim_rowmax
        try:
            if lo < block.first_row:
                ws.dim_rowmin, ws.dim_rowmax = lo, block.first_row - 1
                original()
            for chunk in block.chunks():
                ws.fh.write(chunk)
            if hi > block.last_row:
                ws.dim_rowmin, ws.dim_rowmax = block.last_row + 1, hi
                original()
        finally:
            ws.dim_rowmin, ws.dim_rowmax = lo, hi

    return write_rows


# Strings that need more than &, <, > escaped: control characters (written as _xHHHH_),
# text that already looks like such an escape, non-characters, rich strings.
_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|<r>")


class _FastSharedStrings(SharedStrings):
    def _write_sst_strings(self) -> None:
        strings = self.string_table.string_array
        joined = "\x01".join(strings)  # \x01 cannot be in the text: _SPECIAL rules it out
        if _SPECIAL.search(joined.replace("\x01", "")) or joined.count("\x01") != max(len(strings) - 1, 0):
            super()._write_sst_strings()
            return
        escaped = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split("\x01")
        self.fh.write("".join(
            f'<si><t xml:space="preserve">{e}</t></si>' if s[:1].isspace() or s[-1:].isspace() else f"<si><t>{e}</t></si>"
            for s, e in zip(strings, escaped)))


class _Packager(Packager):
    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = _FastSharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


class Workbook(xlsxwriter.Workbook):
    """An XlsxWriter workbook whose shared-strings table is written in one pass."""

    def _get_packager(self):
        return _Packager()
