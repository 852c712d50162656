"""A 花名册 longer than an Excel sheet continues on 花名册（2）…, and every reader reads all parts.

Excel sheets hold 1,048,576 rows; XlsxWriter silently ignores rows past the last.  The tests
make the limit small (the writer reads it from ``bulksheet.MAX_ROWS``) so the input is quick
to generate; one test pins the real constant and one writes right at the real last row.
"""

from __future__ import annotations

import datetime as dt
import random

import openpyxl
import pytest
from click.testing import CliRunner

from xltools.workbooks import bulksheet, readers, rosterread
from xltools.core import synthetic
from xltools.ops import templates
from xltools.cli.commands import main

AS_OF = dt.date(2026, 9, 30)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture()
def village_of_25(tmp_path):
    rng = random.Random(7)
    rows = [synthetic.child(rng, "flow", "chongqing", AS_OF, township="两路街道") for _ in range(25)]
    path = templates.build_template(tmp_path / "村.xlsx", "flow", "chongqing", "两路街道双龙社区", rows=30,
                                    report_date=AS_OF, data=rows)
    return path, {r["id_number"] for r in rows}


@pytest.fixture()
def ten_per_sheet(monkeypatch):
    monkeypatch.setattr(bulksheet, "MAX_ROWS", 11)  # a header and 10 children a sheet


def test_a_sheet_holds_1048575_children_below_its_header():
    assert bulksheet.MAX_ROWS == 2 ** 20 == 1_048_576
    assert readers.sheet_part("花名册", 2) == "花名册（2）"


def test_a_roster_longer_than_a_sheet_continues_on_numbered_sheets_with_the_header(village_of_25, tmp_path,
                                                                                     ten_per_sheet):
    src, ids = village_of_25
    out = tmp_path / "花名册.xlsx"
    res = run("merge", src, "-o", out, "--as-of", "2026-09-30")
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out, read_only=True)
    parts = [n for n in wb.sheetnames if readers.is_sheet_part(n, "花名册")]
    assert parts == ["花名册", "花名册（2）", "花名册（3）"]
    sheets = [list(wb[n].iter_rows(values_only=True)) for n in parts]
    assert [len(s) - 1 for s in sheets] == [10, 10, 5]
    assert sheets[0][0] == sheets[1][0] == sheets[2][0]  # each part has the header
    id_col = sheets[0][0].index("公民身份号码")
    assert {r[id_col] for s in sheets for r in s[1:]} == ids


def test_our_roster_reader_reads_every_part_back(village_of_25, tmp_path, ten_per_sheet):
    src, ids = village_of_25
    out = tmp_path / "花名册.xlsx"
    assert run("merge", src, "-o", out, "--as-of", "2026-09-30").exit_code == 0
    book = rosterread.read(out)
    assert len(book.roster) == 25 and set(book.roster["id_number"]) == ids


def test_the_file_readers_take_every_part_of_our_roster_and_no_other_sheet(village_of_25, tmp_path, ten_per_sheet):
    src, ids = village_of_25
    out = tmp_path / "花名册.xlsx"
    assert run("merge", src, "-o", out, "--as-of", "2026-09-30").exit_code == 0
    rosters, _ = readers.read_rosters(out)
    assert [r.sheet for r in rosters] == ["花名册", "花名册（2）", "花名册（3）"]
    assert sum(len(r.frame) for r in rosters) == 25


def test_split_and_diff_see_every_child_of_a_long_roster(village_of_25, tmp_path, ten_per_sheet):
    src, ids = village_of_25
    out = tmp_path / "花名册.xlsx"
    assert run("merge", src, "-o", out, "--as-of", "2026-09-30").exit_code == 0
    res = run("split", out, "--by", "镇街", "-o", tmp_path / "拆分")
    assert res.exit_code == 0 and "两路街道：25 人" in res.output, res.output
    res = run("diff", out, out, "-o", tmp_path / "变化.xlsx")
    assert res.exit_code == 0, res.output


def test_issues_longer_than_a_sheet_continue_too(tmp_path, ten_per_sheet):
    rng = random.Random(8)
    rows = [synthetic.child(rng, "flow", "chongqing", AS_OF, township="两路街道") for _ in range(15)]
    for r in rows:
        r["guardian_phone"] = "123"  # one issue a child
    src = templates.build_template(tmp_path / "村.xlsx", "flow", "chongqing", "两路街道双龙社区", rows=20,
                                   report_date=AS_OF, data=rows)
    out = tmp_path / "花名册.xlsx"
    res = run("merge", src, "-o", out, "--as-of", "2026-09-30")
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out, read_only=True)
    parts = [n for n in wb.sheetnames if readers.is_sheet_part(n, "问题清单")]
    total = sum(len(list(wb[n].iter_rows(values_only=True))) - 1 for n in parts)
    assert len(parts) >= 2 and total == len(rosterread.read(out).issues) >= 15


def test_the_sheet_writer_refuses_rows_past_the_last_instead_of_dropping_them(tmp_path):
    wb = bulksheet.Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet()
    with pytest.raises(ValueError, match="last row"):
        bulksheet.write_block(ws, bulksheet.MAX_ROWS - 2, 0, [bulksheet.Column(["甲", "乙", "丙"])])
    ws2 = wb.add_worksheet()
    assert bulksheet.write_block(ws2, bulksheet.MAX_ROWS - 2, 0, [bulksheet.Column(["甲", "乙"])]) == 2 ** 20 - 1
    wb.close()
    last = openpyxl.load_workbook(tmp_path / "x.xlsx", read_only=True).worksheets[1]
    assert last.max_row == 2 ** 20


def test_sheet_parts_are_recognised_by_name_only_when_numbered():
    assert readers.is_sheet_part("花名册（12）", "花名册")
    for other in ("花名册（备份）", "花名册2", "花名册（0）", "旧花名册"):
        assert not readers.is_sheet_part(other, "花名册")
