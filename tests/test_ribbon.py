"""The ribbon buttons' Python side, end to end on real .xlsx files through the openpyxl
adapter (standing in for Excel's object model): what each button writes, marks,
creates and opens, that 清除标记 restores the sheet exactly, and that no failure
reaches the user as a traceback.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from factories import children, write_xlsx
from xltools.workbooks import check as check_mod, readers, rosterbook
from xltools.ops import merge, templates
from xltools.excel import ribbon, udfs
from xltools.core import stats, synthetic
from xltools.core.profiles import load as load_profile
from xltools.core.textreport import column_title
from xltools.excel.workbook_adapter import OpenpyxlBook, _address_groups

USER_FILL = PatternFill(fill_type="solid", start_color="FF00B0F0", end_color="FF00B0F0")


@pytest.fixture(autouse=True)
def chongqing(monkeypatch, tmp_path):
    """The synthetic children live in Chongqing; bugs are logged under the test's folder."""
    monkeypatch.setenv(ribbon.PROFILE_ENV, "chongqing")
    monkeypatch.setattr(ribbon, "ERROR_LOG", tmp_path / "错误记录.txt")


def roster(path: Path, n: int = 30, seed: int = 4, kind: str = "flow") -> Path:
    """A hand-made roster (title row, one header row) with a few children broken on purpose."""
    rows = children(n, kind, seed=seed)
    rng = random.Random(seed)
    for i, code in ((2, "id.checksum"), (5, "phone.format"), (9, "date.month_only"), (12, "option.near_miss")):
        if i < n:
            synthetic.inject_error(rng, rows[i], code)
    keys = list(rows[0])
    grid = [[f"两路街道{'流动' if kind == 'flow' else '留守'}儿童花名册"], [column_title(kind, k) for k in keys]]
    grid += [[r[k] for k in keys] for r in rows]
    return write_xlsx(path, grid)


def snapshot(path: Path) -> dict:
    """Every sheet's values, fills and comments, to compare a workbook before and after."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                value = None if c.value == "" else c.value  # openpyxl saves an empty string as no value
                cells[c.coordinate] = (value, c.fill.fill_type, c.fill.start_color.rgb,
                                       c.comment.text if c.comment else None)
        out[ws.title] = cells
    return out


def engine_report(path: Path):
    return check_mod.check_file(path, profile="chongqing").report


# --- 校验本表 ------------------------------------------------------------------------

def test_check_lists_every_issue_marks_the_cells_and_reports_the_counts(tmp_path):
    src = roster(tmp_path / "花名册.xlsx")
    book = OpenpyxlBook(src)
    text = ribbon.dispatch("check", book)
    report = engine_report(src)
    s = report.summary()
    assert f"{s['rows']} 名儿童" in text and f"错误 {s['errors']} 个" in text and f"提醒 {s['warnings']} 个" in text
    assert book.messages == [text]
    listed = book.read_values("问题清单")
    assert listed[0] == ribbon.ISSUE_COLUMNS
    assert [r[1:4] + [r[6]] for r in listed[1:]] == \
        [[i.row or None, i.column or None, i.label, i.message] for i in report.issues]
    ws = book.wb["花名册"]
    for i in report.issues:
        cell = ws[f"{i.column}{i.row}"]
        assert cell.fill.start_color.rgb.endswith(("FFC7CE" if i.severity == "error" else "FFEB9C"))
        assert i.message in cell.comment.text
    assert book.sheets == ["花名册", "问题清单", ribbon.MARKS_SHEET]
    assert book.wb[ribbon.MARKS_SHEET].sheet_state == "hidden"


def test_check_survives_saving_and_the_input_file_is_untouched(tmp_path):
    src = roster(tmp_path / "花名册.xlsx")
    before = src.read_bytes()
    book = OpenpyxlBook(src)
    ribbon.dispatch("check", book)
    out = book.save(tmp_path / "已校验.xlsx")
    assert src.read_bytes() == before
    again = OpenpyxlBook(out)
    text = ribbon.dispatch("clear", again)
    assert text.startswith("已清除") and "问题清单" in text
    assert snapshot(again.save(tmp_path / "已清除.xlsx")) == snapshot(src)


def test_clear_after_check_restores_the_users_own_fills_and_comments(tmp_path):
    src = roster(tmp_path / "花名册.xlsx")
    wb = openpyxl.load_workbook(src)
    ws = wb["花名册"]
    bad = next(i for i in engine_report(src).issues if i.code == "id.checksum")
    ws[f"{bad.column}{bad.row}"].fill = USER_FILL             # a cell we will mark
    ws[f"{bad.column}{bad.row}"].comment = Comment("已电话核实", "村干部")
    ws["A3"].comment = Comment("本行新增", "村干部")          # a cell we will not mark
    ws["B4"].fill = USER_FILL
    wb.save(tmp_path / "原表.xlsx")
    original = snapshot(tmp_path / "原表.xlsx")
    book = OpenpyxlBook(tmp_path / "原表.xlsx")
    ribbon.dispatch("check", book)
    marked = book.get_comment("花名册", f"{bad.column}{bad.row}")
    assert marked.startswith("已电话核实") and bad.message in marked
    ribbon.dispatch("clear", book)
    assert snapshot(book.save(tmp_path / "清除后.xlsx")) == original


def test_checking_twice_replaces_the_first_checks_marks(tmp_path):
    src = roster(tmp_path / "花名册.xlsx")
    book = OpenpyxlBook(src)
    ribbon.dispatch("check", book)
    first = book.read_values("问题清单")
    ribbon.dispatch("check", book)
    assert book.sheets == ["花名册", "问题清单", ribbon.MARKS_SHEET]
    assert book.read_values("问题清单") == first
    ws = book.wb["花名册"]
    assert all(ws[c].comment.text.count(ribbon.NOTE_HEAD) == 1 for c in {f"{r[2]}{r[1]}" for r in first[1:] if r[1]})
    ribbon.dispatch("clear", book)
    assert snapshot(book.save(tmp_path / "b.xlsx")) == snapshot(src)


def test_clear_leaves_a_mark_the_user_changed_after_the_check(tmp_path):
    src = roster(tmp_path / "花名册.xlsx")
    book = OpenpyxlBook(src)
    ribbon.dispatch("check", book)
    cell = book.read_values("问题清单")[1]
    address = f"{cell[2]}{cell[1]}"
    book.set_fill("花名册", [address], "#00B050")
    text = ribbon.dispatch("clear", book)
    assert "1 个单元格" in text and "保留" in text
    assert book.get_fill("花名册", address) != ""
    assert book.get_comment("花名册", address) is None  # the note was still ours: removed


def test_a_users_own_sheet_named_like_ours_is_never_overwritten(tmp_path):
    src = roster(tmp_path / "花名册.xlsx")
    wb = openpyxl.load_workbook(src)
    wb.create_sheet("问题清单")["A1"] = "我的记录"
    wb.save(tmp_path / "有同名表.xlsx")
    book = OpenpyxlBook(tmp_path / "有同名表.xlsx")
    book.wb.active = 0
    text = ribbon.dispatch("check", book)
    assert "「问题清单2」" in text and book.read_values("问题清单") == [["我的记录"]]
    ribbon.dispatch("clear", book)
    assert book.sheets == ["花名册", "问题清单"] and book.read_values("问题清单") == [["我的记录"]]


def test_clear_without_a_check_says_there_is_nothing_to_clear(tmp_path):
    book = OpenpyxlBook(roster(tmp_path / "花名册.xlsx"))
    assert ribbon.dispatch("clear", book) == "没有需要清除的标记。"


def test_check_on_a_protected_template_reports_counts_and_changes_nothing(tmp_path):
    rows = children(8, seed=2, profile="national", structured=True)
    synthetic.inject_error(random.Random(2), rows[3], "id.checksum")
    path = templates.build_template(tmp_path / "模板.xlsx", "flow", "national", "某社区", rows=10, data=rows)
    book = OpenpyxlBook(path)
    before = list(book.sheets)
    text = ribbon.dispatch("check", book)
    assert "8 名儿童" in text and "错误 1 个" in text and "全国通用口径" in text  # the template's own profile
    assert "受保护" in text and book.sheets == before
    assert "受保护" in ribbon.dispatch("stats", book) and book.sheets == before


def test_check_on_a_sheet_that_is_not_a_roster_says_so(tmp_path):
    path = write_xlsx(tmp_path / "其他.xlsx", [["会议纪要"], ["时间", "地点"]])
    text = ribbon.dispatch("check", OpenpyxlBook(path))
    assert text.startswith("校验本表：") and "没有找到登记表的表头" in text and "Traceback" not in text


# --- 生成统计 ------------------------------------------------------------------------------

def test_stats_writes_the_merges_statistics_tables_into_a_new_sheet(tmp_path):
    src = roster(tmp_path / "花名册.xlsx", n=40)
    book = OpenpyxlBook(src)
    text = ribbon.dispatch("stats", book)
    result = merge.merge([src], profile="chongqing")
    assert f"{len(result.roster)} 名儿童" in text
    values = book.read_values("统计")
    expected = []
    for title, table in stats.tables(result.roster, result.kind, load_profile("chongqing")):
        expected += [[title], list(map(str, table.columns))] + [list(r) for r in table.itertuples(index=False)] + [[]]
    assert [[v for v in r if v is not None] for r in values[2:]] == expected[:-1]
    ribbon.dispatch("stats", book)
    assert book.sheets.count("统计") == 1 and "统计2" not in book.sheets


def test_stats_folds_a_child_registered_twice(tmp_path):
    rows = children(5, seed=6)
    keys = list(rows[0])
    header = [column_title("flow", k) for k in keys]
    body = [[r[k] for k in keys] for r in rows]
    path = write_xlsx(tmp_path / "两村.xlsx", [header, *body[:3]],
                      extra_sheets=[("一村", [header, body[2], *body[3:]])])
    text = ribbon.dispatch("stats", OpenpyxlBook(path))
    assert "5 名儿童" in text and "重复登记的 1 行已合并" in text


def test_stats_and_check_on_a_merged_roster_read_only_its_roster_sheet_at_its_reference_date(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    rows = children(12, seed=3)
    rows[1]["family_hardship"] = "低保家庭"  # on 重点关爱台账 too
    keys = list(rows[0])
    header = [column_title("flow", k) for k in keys]
    write_xlsx(inbox / "甲社区.xlsx", [header] + [[r[k] for k in keys] for r in rows[:7]])
    write_xlsx(inbox / "乙社区.xlsx", [header] + [[r[k] for k in keys] for r in rows[5:]])  # two on 重复记录
    result = merge.merge([inbox], profile="chongqing", as_of=dt.date(2026, 6, 30))
    assert len(result.roster) == 12 and result.roster["key_care"].any()
    out = rosterbook.write(result, tmp_path / "花名册.xlsx", [inbox])
    book = OpenpyxlBook(out)
    text = ribbon.dispatch("stats", book)
    assert f"{len(result.roster)} 名儿童，来自工作表 花名册。" in text and "重复登记" not in text
    book.wb.active = 0
    assert "统计日期 2026-06-30" in ribbon.dispatch("check", book)  # the date the roster records


# --- 合并工作簿 / 生成模板 ---------------------------------------------------------------------

def test_merge_asks_for_a_folder_writes_the_roster_beside_it_and_opens_it(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    roster(inbox / "甲社区.xlsx", n=10, seed=1)
    roster(inbox / "乙社区.xlsx", n=12, seed=2)
    book = OpenpyxlBook(roster(tmp_path / "当前.xlsx", n=3), folder=inbox)
    text = ribbon.dispatch("merge", book)
    out = tmp_path / "收件_花名册.xlsx"
    assert book.opened == [out] and out.exists()
    assert "读取 2 个文件" in text and str(out) in text
    assert len(readers.read_roster(out, sheet="花名册").frame) == 22
    ribbon.dispatch("merge", book)
    assert book.opened[-1] == tmp_path / "收件_花名册（2）.xlsx"  # never overwrites an earlier result


def test_merge_without_a_folder_or_without_rosters_explains(tmp_path):
    book = OpenpyxlBook(roster(tmp_path / "当前.xlsx", n=3))
    assert ribbon.dispatch("merge", book) == "没有选择文件夹，未合并。"
    empty = tmp_path / "空"
    empty.mkdir()
    book.folder = str(empty)
    assert "没有可以合并的花名册" in ribbon.dispatch("merge", book) and book.opened == []


def test_template_asks_for_the_unit_and_kind_builds_it_beside_the_workbook_and_opens_it(tmp_path):
    book = OpenpyxlBook(roster(tmp_path / "当前.xlsx", n=3), answers=["两路街道XX社区", "留守"])
    text = ribbon.dispatch("template", book)
    out = tmp_path / templates.template_name("left", "两路街道XX社区")
    assert book.opened == [out] and "两路街道XX社区" in text
    made = readers.read_roster(out)
    assert made.kind == "left" and made.meta["unit"] == "两路街道XX社区" and made.meta["profile"] == "chongqing"


def test_template_cancelled_or_with_an_unknown_kind_builds_nothing(tmp_path):
    book = OpenpyxlBook(roster(tmp_path / "当前.xlsx", n=3), answers=[])
    assert "未生成模板" in ribbon.dispatch("template", book)
    book.answers = ["某村", "大人"]
    assert "未知的表格类别" in ribbon.dispatch("template", book)
    assert book.opened == [] and sorted(p.name for p in tmp_path.glob("*.xlsx")) == ["当前.xlsx"]


# --- 帮助 and dispatch -------------------------------------------------------------------------

def test_the_buttons_are_the_agreed_tags_and_labels():
    assert {t: a.label for t, a in ribbon.ACTIONS.items()} == {
        "check": "校验本表", "clear": "清除标记", "stats": "生成统计", "merge": "合并工作簿",
        "template": "生成模板", "help": "帮助"}
    assert all(a.description.endswith("。") for a in ribbon.ACTIONS.values())


def test_help_names_every_button_and_every_function(tmp_path):
    text = ribbon.dispatch("help", OpenpyxlBook(roster(tmp_path / "a.xlsx", n=2)))
    assert all(a.label in text for a in ribbon.ACTIONS.values())
    assert all(f.__name__ in text for f in udfs.FUNCTIONS)


def test_an_unknown_button_gives_a_chinese_message(tmp_path):
    book = OpenpyxlBook(roster(tmp_path / "a.xlsx", n=2))
    ribbon.dispatch("import_udfs", book)
    assert book.messages == ["未知的按钮“import_udfs”：加载项与 xltools 的版本不一致；"
                             "请运行 xltools addin install 重新安装加载项。"]


def test_a_bug_in_an_action_becomes_a_message_and_a_log_entry_not_a_traceback(tmp_path, monkeypatch):
    def broken(book):
        raise KeyError("列")
    monkeypatch.setitem(ribbon.ACTIONS, "check", ribbon.Action("校验本表", "…", broken))
    book = OpenpyxlBook(roster(tmp_path / "a.xlsx", n=2))
    text = ribbon.dispatch("check", book)
    assert text.startswith("校验本表出错：KeyError") and "Traceback" not in text
    assert str(ribbon.ERROR_LOG) in text and "Traceback" in ribbon.ERROR_LOG.read_text(encoding="utf-8")


def test_excel_range_addresses_are_grouped_within_excels_limit():
    cells = [f"E{r}" for r in range(5, 400)]
    groups = _address_groups(cells)
    assert all(len(g) <= 255 for g in groups) and ",".join(groups).split(",") == cells
