"""The column-wise sheet writer gives the same workbook a spreadsheet would: read back by
openpyxl, calamine and LibreOffice, every value, type and neighbouring cell intact."""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc

from xltools.workbooks import bulksheet

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lo import convert  # noqa: E402

TEXTS = ["张三", "500101201001011234", "", "a & b < c > d", " 前后有空格 ", "第一行\n第二行", "x" * 40000,
         "控制\x07字符", "_x0041_ 像转义", "张三"]
NUMBERS = [15, 0, None, 3.5, float("nan"), -2, 10**12, 7, True, False]
DATES = ["2016-02-29", "2024-13-01", "", dt.date(2010, 12, 31), dt.datetime(2020, 1, 2), "2024年9月1日",
         None, "2009-09-09", "2016-02-29", "1999-01-01"]


def build(path, texts=TEXTS, numbers=NUMBERS, dates=DATES, first_row=2):
    wb = bulksheet.Workbook(str(path))
    ws = wb.add_worksheet("表")
    text = wb.add_format({"num_format": "@"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    plain = wb.add_format({})
    ws.write_string(0, 0, "标题（XlsxWriter 写在块上方）")
    ws.write_string(first_row - 1, 0, "姓名")
    last = bulksheet.write_block(ws, first_row, 0, [
        bulksheet.Column(texts, text, plain, date),
        bulksheet.Column(numbers, text, plain, date),
        bulksheet.Column(dates, text, plain, date, iso_dates=True),
    ])
    ws.write_string(last + 2, 1, "表尾（XlsxWriter 写在块下方）")
    ws.autofilter(first_row - 1, 0, last, 2)
    ws.freeze_panes(first_row, 0)
    wb.close()
    return last


def reference(path, values):
    """The same values written cell by cell by XlsxWriter itself."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("表")
    for i, v in enumerate(values):
        if v:
            ws.write_string(i, 0, v)
    wb.close()
    ref = openpyxl.load_workbook(path)["表"]
    return [ref.cell(1 + i, 1).value for i in range(len(values))]


def test_text_cells_read_back_as_xlsxwriter_writes_them(tmp_path):
    path = tmp_path / "b.xlsx"
    build(path)
    ws = openpyxl.load_workbook(path)["表"]
    got = [ws.cell(3 + i, 1).value for i in range(len(TEXTS))]
    assert got == reference(tmp_path / "ref.xlsx", [t[:bulksheet.MAX_CELL_TEXT] for t in TEXTS])
    assert got[:7] == ["张三", "500101201001011234", None, "a & b < c > d", " 前后有空格 ", "第一行\n第二行",
                       "x" * bulksheet.MAX_CELL_TEXT]
    assert ws.cell(3, 1).number_format == "@"


def test_numbers_bools_and_blanks_keep_their_types(tmp_path):
    path = tmp_path / "b.xlsx"
    build(path)
    ws = openpyxl.load_workbook(path)["表"]
    got = [ws.cell(3 + i, 2).value for i in range(len(NUMBERS))]
    assert got == [15, 0, None, 3.5, None, -2, 10**12, 7, "是", "否"]


def test_iso_date_text_becomes_a_date_and_anything_else_stays_text(tmp_path):
    path = tmp_path / "b.xlsx"
    build(path)
    ws = openpyxl.load_workbook(path)["表"]
    got = [ws.cell(3 + i, 3).value for i in range(len(DATES))]
    assert got[0] == dt.datetime(2016, 2, 29)
    assert ws.cell(3, 3).number_format == "yyyy-mm-dd"
    assert got[1] == "2024-13-01"                    # not a date: written as the text it was
    assert got[2] is None and got[6] is None
    assert got[3] == dt.datetime(2010, 12, 31) and got[4] == dt.datetime(2020, 1, 2)
    assert got[5] == "2024年9月1日"
    assert got[8] == got[0]


def test_cells_xlsxwriter_writes_above_and_below_the_block_are_kept(tmp_path):
    path = tmp_path / "b.xlsx"
    last = build(path)
    ws = openpyxl.load_workbook(path)["表"]
    assert ws.cell(1, 1).value == "标题（XlsxWriter 写在块上方）"
    assert ws.cell(2, 1).value == "姓名"
    assert ws.cell(last + 3, 2).value == "表尾（XlsxWriter 写在块下方）"
    assert ws.auto_filter.ref == f"A2:C{last + 1}"
    assert ws.freeze_panes == "A3"


def test_calamine_reads_the_same_grid(tmp_path):
    path = tmp_path / "b.xlsx"
    build(path)
    grid = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表").to_python()
    col = [row[0] for row in grid[2:2 + len(TEXTS)]]
    assert col[:7] == ["张三", "500101201001011234", "", "a & b < c > d", " 前后有空格 ", "第一行\n第二行",
                       "x" * bulksheet.MAX_CELL_TEXT]
    assert grid[2][2] == dt.date(2016, 2, 29)


def test_shared_string_table_counts_every_reference(tmp_path):
    path = tmp_path / "b.xlsx"
    build(path)
    with zipfile.ZipFile(path) as z:
        sst = z.read("xl/sharedStrings.xml").decode("utf-8")
    count = int(re.search(r'count="(\d+)"', sst).group(1))
    unique = int(re.search(r'uniqueCount="(\d+)"', sst).group(1))
    assert unique == sst.count("<si>")
    # 张三 twice, 是/否, the non-date texts, the header/title/footer cells XlsxWriter wrote
    non_empty_text = sum(1 for t in TEXTS if t) + 2 + 2 + 3
    assert count == non_empty_text


def test_fast_shared_strings_escape_like_xlsxwriter(tmp_path):
    """Text without control characters goes through the one-pass writer; it must give the
    same sharedStrings.xml as XlsxWriter's own writer."""
    import xlsxwriter

    texts = ["a & b", "<tag>", " lead", "trail ", "中文", "x\ty", "plain"]
    for cls, name in ((bulksheet.Workbook, "fast.xlsx"), (xlsxwriter.Workbook, "slow.xlsx")):
        wb = cls(str(tmp_path / name))
        ws = wb.add_worksheet()
        for i, t in enumerate(texts):
            ws.write_string(i, 0, t)
        wb.close()
    read = {n: zipfile.ZipFile(tmp_path / n).read("xl/sharedStrings.xml") for n in ("fast.xlsx", "slow.xlsx")}
    assert read["fast.xlsx"] == read["slow.xlsx"]


def test_libreoffice_opens_the_block_and_sees_the_same_values(tmp_path):
    path = tmp_path / "b.xlsx"
    build(path, texts=TEXTS[:6] + ["普通"] * 4)
    out = convert(path, tmp_path / "lo")  # LibreOffice re-saves it: it parsed every cell
    ws = openpyxl.load_workbook(out)["表"]
    assert [ws.cell(3 + i, 1).value for i in range(6)] == [None if not t else t for t in TEXTS[:6]]
    assert ws.cell(3, 3).value == dt.datetime(2016, 2, 29)
    assert ws.cell(3, 2).value == 15


def test_one_block_per_sheet_and_equal_columns(tmp_path):
    wb = bulksheet.Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet()
    with pytest.raises(ValueError):
        bulksheet.write_block(ws, 0, 0, [bulksheet.Column(["a"]), bulksheet.Column(["a", "b"])])
    bulksheet.write_block(ws, 0, 0, [bulksheet.Column(["a"])])
    with pytest.raises(ValueError):
        bulksheet.write_block(ws, 5, 0, [bulksheet.Column(["b"])])
    wb.close()


def test_a_date_without_a_date_format_is_refused(tmp_path):
    wb = bulksheet.Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet()
    with pytest.raises(ValueError):
        bulksheet.write_block(ws, 0, 0, [bulksheet.Column([dt.date(2020, 1, 1)])])
    wb.close()


def test_many_rows_span_several_chunks_in_order(tmp_path):
    n = bulksheet.CHUNK_ROWS * 2 + 17
    path = tmp_path / "big.xlsx"
    wb = bulksheet.Workbook(str(path))
    ws = wb.add_worksheet()
    bulksheet.write_block(ws, 0, 0, [bulksheet.Column([f"行{i}" for i in range(n)]),
                                     bulksheet.Column(list(range(n)))])
    wb.close()
    grid = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert len(grid) == n
    assert all(grid[i][0] == f"行{i}" and grid[i][1] == i for i in (0, 4095, 4096, 8191, 8192, n - 1))
    assert not any(isinstance(v, float) and math.isnan(v) for row in grid for v in row)


def test_infinity_is_written_as_text_not_as_a_broken_number(tmp_path):
    path = tmp_path / "inf.xlsx"
    wb = bulksheet.Workbook(str(path))
    ws = wb.add_worksheet()
    bulksheet.write_block(ws, 0, 0, [bulksheet.Column([float("inf"), -float("inf"), 1.5])])
    wb.close()
    ws = openpyxl.load_workbook(path).active
    assert [ws.cell(r, 1).value for r in (1, 2, 3)] == ["inf", "-inf", 1.5]


def test_marked_cells_take_their_own_format_and_keep_their_value(tmp_path):
    path = tmp_path / "marks.xlsx"
    wb = bulksheet.Workbook(str(path))
    ws = wb.add_worksheet()
    text = wb.add_format({"num_format": "@"})
    yellow = wb.add_format({"bg_color": "#FFEB9C", "num_format": "@"})
    bulksheet.write_block(ws, 0, 0, [
        bulksheet.Column(["甲", "乙", "甲", ""], text, marks={2: yellow, 3: yellow}),
        bulksheet.Column([1, 2, 3, 4], text, marks={0: yellow}),
    ])
    wb.close()
    ws = openpyxl.load_workbook(path).active
    fills = [[ws.cell(r, c).fill.fgColor.rgb for c in (1, 2)] for r in (1, 2, 3, 4)]
    assert [ws.cell(r, 1).value for r in (1, 2, 3, 4)] == ["甲", "乙", "甲", None]
    assert [ws.cell(r, 2).value for r in (1, 2, 3, 4)] == [1, 2, 3, 4]
    assert [f[0][-6:] for f in fills] == ["000000", "000000", "FFEB9C", "FFEB9C"]  # the empty cell is marked too
    assert [f[1][-6:] for f in fills] == ["FFEB9C", "000000", "000000", "000000"]
    with zipfile.ZipFile(path) as z:
        sst = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert re.search(r'count="(\d+)"', sst).group(1) == "3" and sst.count("<si>") == 2
