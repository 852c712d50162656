"""The Python side of the 民政摸排 ribbon buttons: one plain function per button, and :func:`dispatch`.

The add-in's VBA calls ``RunPython "import xltools.excel.ribbon; xltools.excel.ribbon.dispatch('<tag>')"``
with the button's tag; :data:`ACTIONS` maps each tag to its Chinese label, its
screentip and its function.  An action works on a
:class:`xltools.excel.workbook_adapter.WorkbookAdapter` (Excel through xlwings, or a
file through openpyxl in the tests), calls the library and returns the text
to show; :func:`dispatch` shows it, and turns any failure into a Chinese
message box — never a Python traceback.

校验本表 marks cells (fill and note) and remembers, in the hidden sheet
:data:`MARKS_SHEET`, each cell's fill and note before it was marked, so that
清除标记 puts back exactly what the user had and leaves alone what the user
changed since.  The sheets the buttons create are recorded there too.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from xltools.workbooks import atomic, readers, rosterbook
from xltools.ops import merge as merge_mod, templates
from xltools.core import stats
from xltools.workbooks.check import check_roster
from xltools.core.issues import ERROR, SEVERITY_LABELS
from xltools.core.profiles import Profile, UnknownProfile, load as load_profile
from xltools.core.schema import KIND_LABELS, parse_kind
from xltools.core.textreport import merge_text
from xltools.excel.workbook_adapter import ProtectedError, WorkbookAdapter

ISSUES_SHEET, STATS_SHEET = rosterbook.ISSUES_SHEET, rosterbook.STATS_SHEET  # the sheets the buttons write
MARKS_SHEET = "_xltools标记"
MARKS_HEADER = ["类型", "工作表", "单元格", "原填充", "标记填充", "原批注", "标记批注", "按钮"]
ERROR_FILL, WARNING_FILL = "#FFC7CE", "#FFEB9C"
NOTE_HEAD = "xltools 校验："
ISSUE_COLUMNS = [label for key, label in rosterbook.ISSUE_COLUMNS if key != "file"]  # this workbook's sheets only
PROFILE_ENV = "XLTOOLS_PROFILE"  # the locality profile when the workbook does not say
ERROR_LOG = Path(tempfile.gettempdir()) / "xltools_错误记录.txt"


@dataclass(frozen=True)
class Action:
    label: str
    description: str
    func: Callable[[WorkbookAdapter], str]


# --- helpers -------------------------------------------------------------------

def _meta(book: WorkbookAdapter) -> dict:
    """Our template's hidden metadata (kind, profile), if this workbook is one."""
    for name in book.sheets:
        if name in readers.META_SHEETS:
            return readers.meta_of(book.read_values(name))
    return {}


def _profile(meta: dict) -> Profile:
    return load_profile(meta.get("profile") or os.environ.get(PROFILE_ENV) or None)


def _marks(book: WorkbookAdapter) -> list[list[str]]:
    if MARKS_SHEET not in book.sheets:
        return []
    rows = book.read_values(MARKS_SHEET)[1:]
    return [["" if v is None else str(v) for v in r] + [""] * (len(MARKS_HEADER) - len(r))
            for r in rows if r and r[0]]


def _save_marks(book: WorkbookAdapter, rows: list[list[str]]) -> None:
    if MARKS_SHEET in book.sheets:
        book.delete_sheet(MARKS_SHEET)
    if rows:
        book.add_sheet(MARKS_SHEET, hidden=True)
        book.write_values(MARKS_SHEET, "A1", [MARKS_HEADER, *rows])


def _own_sheets(book: WorkbookAdapter) -> set[str]:
    return {r[1] for r in _marks(book) if r[0] == "工作表"} | {MARKS_SHEET}


def _fresh_sheet(book: WorkbookAdapter, wanted: str, button: str) -> str:
    """A new sheet for ``button``'s output: replaces the one it made before, never a user's sheet."""
    marks = _marks(book)
    ours = [r for r in marks if r[0] == "工作表" and r[7] == button]
    for r in ours:
        if r[1] in book.sheets:
            book.delete_sheet(r[1])
    name, n = wanted, 2
    while name in book.sheets:
        name, n = f"{wanted}{n}", n + 1
    book.add_sheet(name)
    rest = [r for r in marks if r not in ours]
    _save_marks(book, rest + [["工作表", name, "", "", "", "", "", button]])
    return name


def _roster_sheets(book: WorkbookAdapter, kind: str | None, prof: Profile):
    """(roster, reason) for every sheet that is not the buttons' own output."""
    skip = _own_sheets(book) | set(readers.META_SHEETS)
    meta = _meta(book)
    only = readers.roster_sheet_of(meta)
    found, others = [], []
    for name in book.sheets:
        if name in skip or (only and not readers.is_sheet_part(name, only)):
            continue
        try:
            found.append(readers.read_grid(book.read_values(name), merged=book.merged_ranges(name), kind=kind,
                                           profile=prof, name=name))
        except readers.ReadError:
            others.append(name)
    return found, others


# --- the actions -----------------------------------------------------------------

def check(book: WorkbookAdapter) -> str:
    """校验本表: rules on the active sheet, 问题清单, marked cells, counts."""
    sheet = book.active_sheet
    if sheet in _own_sheets(book):
        return f"「{sheet}」是本工具生成的表；请先切换到花名册工作表，再点“校验本表”。"
    meta = _meta(book)
    prof = _profile(meta)
    roster = readers.read_grid(book.read_values(sheet), merged=book.merged_ranges(sheet),
                               kind=meta.get("kind") or None, profile=prof, name=sheet)
    if not roster.kind:
        return (f"「{sheet}」：无法从表头判断是流动儿童表还是留守儿童表；请按附件1或附件2核对表头"
                "（如“离开户籍地日期”是流动儿童表才有的列）。")
    report = check_roster(roster, roster.kind, prof, readers.recorded_as_of(meta))
    _clear(book, "check")
    s = report.summary()
    cats = "、".join(f"{c} {n}人" for c, n in s["categories"].items())
    lines = [f"「{sheet}」（{KIND_LABELS[roster.kind]}儿童表，{prof.label}口径）：{s['rows']} 名儿童，"
             f"错误 {s['errors']} 个、提醒 {s['warnings']} 个，{s['rows_with_errors']} 行有错误。",
             f"类别：{cats or '无'}；重点关爱服务对象 {s['key_care']} 人。",
             f"统计日期 {report.as_of.isoformat()}（{report.as_of_source}）。"]
    if book.structure_protected() or book.sheet_protected(sheet):
        lines.append("工作簿或工作表受保护（下发的模板是这样），没有写「问题清单」、没有标记单元格；"
                     "模板最右边的“自动检查”列已列出常见问题；用“合并工作簿”汇总后，花名册的「问题清单」有全部问题。")
        return "\n".join(lines)
    issues_sheet = _fresh_sheet(book, ISSUES_SHEET, "check")
    rows = [rosterbook.issue_row("", sheet, i)[1:] for i in report.issues]  # no 来源文件: this workbook
    book.write_values(issues_sheet, "A1", [ISSUE_COLUMNS, *(rows or [["", "", "", "", "", "", "没有发现问题。"]])])
    marked = _mark(book, sheet, report.issues)
    lines.append(f"问题已列在「{issues_sheet}」表；{marked} 个单元格已标色（红：错误，黄：提醒），批注写明原因。"
                 "点“清除标记”可恢复原样。")
    return "\n".join(lines)


def _mark(book: WorkbookAdapter, sheet: str, issues) -> int:
    cells: dict[str, list] = {}
    for i in issues:
        if i.row and i.column:
            cells.setdefault(f"{i.column}{i.row}", []).append(i)
    if not cells:
        return 0
    before = {c: (book.get_fill(sheet, c), book.get_comment(sheet, c)) for c in cells}
    colour = {c: ERROR_FILL if any(i.severity == ERROR for i in found) else WARNING_FILL
              for c, found in cells.items()}
    for fill in (ERROR_FILL, WARNING_FILL):
        book.set_fill(sheet, [c for c in cells if colour[c] == fill], fill)
    rows = []
    for c, found in cells.items():
        ours = NOTE_HEAD + "\n" + "\n".join(f"{SEVERITY_LABELS[i.severity]}：{i.message}" for i in found)
        old_fill, old_note = before[c]
        note = f"{old_note}\n\n{ours}" if old_note else ours
        book.set_comment(sheet, c, note)
        rows.append(["单元格", sheet, c, old_fill, book.get_fill(sheet, c), old_note or "", note, "check"])
    _save_marks(book, _marks(book) + rows)
    return len(cells)


def _clear(book: WorkbookAdapter, button: str) -> tuple[int, int]:
    """Undo ``button``'s marks: (cells restored, cells left because the user changed them)."""
    marks = _marks(book)
    mine = [r for r in marks if r[7] == button]
    restored = kept = 0
    for kind, sheet, cell, old_fill, our_fill, old_note, our_note, _ in mine:
        if kind == "工作表":
            if sheet in book.sheets:
                book.delete_sheet(sheet)
            continue
        if sheet not in book.sheets:
            continue
        same_fill = book.get_fill(sheet, cell) == our_fill
        same_note = book.get_comment(sheet, cell) == our_note
        if same_fill:
            book.restore_fill(sheet, cell, old_fill)
        if same_note:
            book.set_comment(sheet, cell, old_note or None)
        restored += same_fill and same_note
        kept += not (same_fill and same_note)
    if mine:
        _save_marks(book, [r for r in marks if r[7] != button])
    return restored, kept


def clear(book: WorkbookAdapter) -> str:
    """清除标记: exactly what 校验本表 added."""
    if not any(r[7] == "check" for r in _marks(book)):
        return "没有需要清除的标记。"
    restored, kept = _clear(book, "check")
    text = f"已清除 {restored} 个单元格的标记，并删除了「{ISSUES_SHEET}」表。"
    if kept:
        text += f"另有 {kept} 个单元格在校验后被改过填充色或批注，已保留您改过的部分。"
    return text


def statistics(book: WorkbookAdapter) -> str:
    """生成统计: the merge's statistics tables of this workbook's rosters, into a new sheet."""
    meta = _meta(book)
    prof = _profile(meta)
    rosters, others = _roster_sheets(book, meta.get("kind") or None, prof)
    kinds = [r.kind for r in rosters if r.kind]
    if not kinds:
        return "本工作簿中没有找到花名册（附件1或附件2的表头）。" + (f"未识别的工作表：{'、'.join(others)}。" if others else "")
    kind = max(set(kinds), key=kinds.count)
    used = [r for r in rosters if r.kind == kind]
    children, folded = _children(book, used, kind, prof, readers.recorded_as_of(meta))
    name = _fresh_sheet(book, STATS_SHEET, "stats")
    rows: list[list] = [[f"{KIND_LABELS[kind]}儿童监测摸排统计（{len(children)}人，{_dt.date.today().isoformat()}生成）"], []]
    for title, table in stats.tables(children, kind, prof):
        rows += [[title], [str(c) for c in table.columns]]
        rows += [[v if isinstance(v, str) else int(v) for v in rec] for rec in table.itertuples(index=False)]
        rows.append([])
    book.write_values(name, "A1", rows)
    text = f"已生成「{name}」表：{len(children)} 名儿童，来自工作表 {'、'.join(r.sheet for r in used)}。"
    if folded:
        text += f"同一公民身份号码重复登记的 {folded} 行已合并（保留规则同“合并工作簿”）。"
    return text


def _children(book: WorkbookAdapter, rosters, kind: str, prof: Profile, as_of=None) -> tuple[pd.DataFrame, int]:
    """The merge's roster (one row per child, with status) of some sheets; rows folded as duplicates."""
    parts = [merge_mod.check_sheet(Path(book.name), r, kind, prof, as_of)[0] for r in rosters]
    kept, _ = merge_mod.combine(parts)
    return kept, sum(len(p) for p in parts) - len(kept)


def merge(book: WorkbookAdapter) -> str:
    """合并工作簿: pick a folder, merge it into a 花名册 beside it, open the result."""
    folder = book.pick_folder("请选择存放各村（社区）报送表格的文件夹")
    if not folder:
        return "没有选择文件夹，未合并。"
    src = Path(folder)
    out = atomic.numbered(src.parent / f"{src.name}_花名册.xlsx" if src.name else src / "合并花名册.xlsx", Path.exists)
    # in this process: inside Excel, Python runs as xlwings' COM server, where starting
    # worker processes has not been verified (no Excel here)
    result = merge_mod.merge([src], profile=_profile(_meta(book)), workers=0)
    if result.exit_code == 2:
        why = "；".join(f"{Path(f.path).name}：{f.reason}" for f in result.unread) or "文件夹中没有表格文件"
        return f"「{src}」中没有可以合并的花名册（{why}）。"
    rosterbook.write(result, out, [src])
    book.open(out)
    return merge_text(result, out)


def template(book: WorkbookAdapter) -> str:
    """生成模板: ask the unit and the kind, write a template beside this workbook, open it."""
    unit = book.ask("请输入填报单位（村、社区）名称：")
    if not unit or not unit.strip():
        return "没有输入单位名称，未生成模板。"
    answer = book.ask(f"表格类别（{' 或 '.join(KIND_LABELS.values())}）：", KIND_LABELS["flow"])
    if answer is None:
        return "已取消，未生成模板。"
    try:
        kind = parse_kind(answer)
    except ValueError as exc:
        return f"{exc}未生成模板。"
    prof = _profile(_meta(book))
    folder = Path(book.path).parent if book.path else Path.home()
    out = atomic.numbered(folder / templates.template_name(kind, unit.strip()), Path.exists)
    templates.build_template(out, kind, prof, unit.strip())
    book.open(out)
    return f"已生成「{unit.strip()}」的{KIND_LABELS[kind]}儿童填报模板（{prof.label}口径）：{out}"


def help_text(book: WorkbookAdapter | None = None) -> str:
    """帮助: what each button and each worksheet function does."""
    from xltools.excel import udfs

    lines = ["民政摸排 加载项（xltools）", "", "按钮："]
    lines += [f"  {a.label}：{a.description}" for a in ACTIONS.values()]
    lines += ["  导入函数：把下面的工作表函数登记到当前 Excel（装好加载项后点一次）。", "", "工作表函数（类别“民政摸排”）："]
    lines += [f"  {f.__name__}：{f.__doc__}" for f in udfs.FUNCTIONS]
    lines += ["", "一次选中整列计算（如 =XT_AGE(E5:E10004, $C$2)），比逐格填公式快得多。",
              f"地区口径取自模板；其他表格默认全国口径，可设环境变量 {PROFILE_ENV}=chongqing 改为重庆口径。",
              "详细说明见 xltools 的 README。"]
    return "\n".join(lines)


ACTIONS: dict[str, Action] = {
    "check": Action("校验本表", "按登记表规则校验当前工作表：列出问题清单，把有问题的单元格标色并加批注。", check),
    "clear": Action("清除标记", "清除“校验本表”加上的颜色、批注和问题清单，恢复表格原样。", clear),
    "stats": Action("生成统计", "按年龄、性别、就学、健康、重点关爱等统计本工作簿的儿童，写入新的“统计”表。", statistics),
    "merge": Action("合并工作簿", "选择一个文件夹，把其中各村（社区）的报送表格合并成花名册并打开。", merge),
    "template": Action("生成模板", "为一个村（社区）生成填报模板（下拉选项、自动检查）并打开。", template),
    "help": Action("帮助", "说明各按钮和工作表函数的用法。", help_text),
}


# --- the entry point ------------------------------------------------------------------

def dispatch(tag: str, book=None) -> str:
    """Run the button ``tag`` on ``book`` (an adapter, an ``xw.Book``, or Excel's calling
    workbook) and show the result; every failure becomes a Chinese message."""
    adapter = book if isinstance(book, WorkbookAdapter) else _xlwings_book(book)
    action = ACTIONS.get(tag)
    if action is None:
        text = f"未知的按钮“{tag}”：加载项与 xltools 的版本不一致；请运行 xltools addin install 重新安装加载项。"
    else:
        try:
            text = action.func(adapter)
        except (readers.ReadError, rosterbook.OutputError, ProtectedError, UnknownProfile) as exc:
            text = f"{action.label}：{getattr(exc, 'message', None) or exc}"
        except OSError as exc:
            text = f"{action.label}：无法读写文件 {exc.filename or ''}（{exc.strerror or exc}）；请检查文件是否被打开或没有写入权限。"
        except Exception as exc:  # a bug: a message and a log file, never a traceback in Excel
            text = f"{action.label}出错：{type(exc).__name__}：{exc}。\n详细信息已记录在 {_log(tag)}，请把它发给维护人员。"
    adapter.message(text)
    return text


def _log(tag: str) -> Path:
    try:
        with open(ERROR_LOG, "a", encoding="utf-8") as fh:
            fh.write(f"--- {_dt.datetime.now().isoformat(timespec='seconds')} {tag}\n{traceback.format_exc()}\n")
    except OSError:
        pass  # the message box still says what failed
    return ERROR_LOG


def _xlwings_book(book):
    from xltools.excel.workbook_adapter import XlwingsBook

    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    return XlwingsBook(book)
