"""Split a 花名册 into one workbook per township or per department.

- By 镇街 (:func:`by_town`): each township gets its children (every column of the
  花名册), its open issues (the 问题清单 rows of its files and rows), and, for a
  reconciled roster, the verification results that concern its children
  (核实差异), so that it can correct its own records.
- By 部门 (:func:`by_department`): each department of :mod:`xltools.core.departments`
  gets only the fields it verifies plus what it needs to find the child (data
  minimisation), and per field a 核实结果 column group: the value in the 花名册,
  a dropdown 一致 / 不一致 / 查无此人 and a 更正值 column (a dropdown of the field's
  options, or a length-checked text cell).  The sheet is locked like our
  templates: only the answer cells can be edited, the workbook structure is
  protected, and a hidden ``_xltools`` sheet records the department, the roster
  file, the date and where each answer column is, so that
  :mod:`xltools.ops.reconcile` recognises the file when it comes back.

Writing goes through :func:`xltools.workbooks.privacy.save`: atomic, optionally
encrypted, never over an input; ``mask`` masks ID and phone numbers.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from xltools.workbooks import atomic, bulksheet, privacy, xlsxfinish
from xltools.workbooks.readers import META_SHEET
from xltools.core.departments import (
    ANSWERS,
    CHECK_SHEET,
    DEPARTMENTS,
    FILE_TYPE,
    H_CORRECTION,
    H_REMARK,
    H_RESULT,
    H_VALUE,
    IDENTIFY,
    Department,
)
from xltools.workbooks.roster import PROVENANCE_LABELS
from xltools.workbooks.outbook import Formats, new_workbook, table_sheets, write_frame
from xltools.workbooks.rosterread import (
    DIFFERENCES_SHEET,
    ISSUES_SHEET,
    ROSTER_SHEET,
    RosterBook,
    roster_digest,
)
from xltools.core.schema import FORM_TITLES, KIND_LABELS, TEXT_LIMIT

NO_TOWN = "未识别镇街"
TOWN_DOCUMENT = "镇街花名册"  # a township's part of the 花名册: merged back as its corrected return
LISTS_SHEET = "选项"
H_ROW_KEY = "花名册行号"
HEADER_TOP, HEADER_SUB, FIRST_DATA = 2, 3, 4   # 0-based rows
BY_TOWN, BY_DEPARTMENT = "镇街", "部门"


@dataclass
class Written:
    path: Path
    name: str       # township or department
    rows: int       # children in the file
    issues: int = 0


def safe_name(text: str) -> str:
    """A file-name-safe version of a township or department name (no leading dot: a hidden
    file is one that merge and reconcile skip).

    >>> safe_name("两路/街道: A"), safe_name("..")
    ('两路_街道_A', '未识别镇街')
    """
    return re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", text).strip("_.") or NO_TOWN


# --- by township -----------------------------------------------------------------------

def town_parts(book: RosterBook) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """township → (its children, its issues, its verification results), townships in roster order."""
    roster = book.roster
    towns = roster["town"].where(roster["town"] != "", NO_TOWN) if len(roster) else pd.Series(dtype=object)
    issue_town = _issue_towns(book, towns)
    out = {}
    for town in dict.fromkeys(towns.tolist()):
        issues = book.issues[issue_town == town] if len(book.issues) else book.issues
        diffs = book.differences
        tcol = PROVENANCE_LABELS["town"]
        if len(diffs) and tcol in diffs:
            diffs = diffs[diffs[tcol].where(diffs[tcol] != "", NO_TOWN) == town]
        out[town] = (roster[towns == town], issues, diffs)
    orphans = book.issues[issue_town == NO_TOWN] if len(book.issues) else book.issues
    if len(orphans) and NO_TOWN not in out:  # issues of files none of whose rows reached the 花名册
        out[NO_TOWN] = (roster.iloc[0:0], orphans, book.differences.iloc[0:0])
    return out


def _issue_towns(book: RosterBook, towns: pd.Series) -> pd.Series:
    """The township of each 问题清单 row: that of the roster row it is about, else the one most
    children of its file belong to."""
    issues = book.issues
    if not len(issues):
        return pd.Series(dtype=object)
    f, s, r = (PROVENANCE_LABELS[k] for k in ("source_file", "source_sheet", "source_row"))
    roster = book.roster
    by_row = {(a, b, str(c)): t for a, b, c, t in zip(roster["source_file"], roster["source_sheet"],
                                                     roster["source_row"], towns)}
    by_file = pd.Series(towns.tolist(), index=roster["source_file"].tolist()).groupby(level=0).agg(
        lambda x: x.value_counts().index[0]).to_dict() if len(roster) else {}
    return pd.Series([by_row.get((a, b, c)) or by_file.get(a) or NO_TOWN
                      for a, b, c in zip(issues.get(f, ""), issues.get(s, ""), issues.get(r, ""))],
                     index=issues.index)


def by_town(book: RosterBook, out_dir, *, mask: bool = False, password: str | None = None,
            inputs=()) -> list[Written]:
    """One workbook per township: 花名册, 问题清单 and (if any) 核实差异 of its children."""
    out_dir = Path(out_dir)
    written, taken = [], set()
    for town, (children, issues, diffs) in town_parts(book).items():
        if mask:
            children, issues, diffs = (privacy.mask_frame(children, book.kind), privacy.mask_frame(issues, book.kind),
                                       privacy.mask_frame(diffs, book.kind))
        # 两路/街道 and 两路_街道 both become 两路_街道: one township never overwrites another's file
        path = atomic.numbered(out_dir / f"{safe_name(town)}_{KIND_LABELS[book.kind]}儿童花名册.xlsx", taken.__contains__)
        taken.add(path)

        def build(tmp, children=children, issues=issues, diffs=diffs):
            wb = new_workbook(tmp, f"{town}{KIND_LABELS[book.kind]}儿童花名册")
            fmt = Formats(wb)
            table_sheets(wb, ROSTER_SHEET, fmt, book.column_list(children), children)
            write_frame(wb, fmt, ISSUES_SHEET, issues, "没有待处理的问题。")
            if len(book.differences.columns):
                write_frame(wb, fmt, DIFFERENCES_SHEET, diffs, "没有核实差异。")
            _town_meta(wb, book, town)
            wb.close()
        privacy.save(path, build, password=password, inputs=[book.path, *inputs])
        written.append(Written(path, town, len(children), len(issues)))
    return written


def _town_meta(wb, book: RosterBook, town: str) -> None:
    """The hidden sheet that lets merge and validate read a township's file back as what it is:
    its 花名册 sheet only, with the kind, profile and 统计日期 of the district 花名册."""
    ws = wb.add_worksheet(META_SHEET)
    pairs = [("document", TOWN_DOCUMENT), ("roster_sheet", ROSTER_SHEET), ("kind", book.kind),
             ("profile", book.profile), ("as_of", book.meta.get("as_of", "")), ("town", town),
             ("generator", "xltools split")]
    for i, pair in enumerate(pairs):
        ws.write_row(i, 0, pair)
    ws.hide()


# --- by department ---------------------------------------------------------------------

def department_rows(book: RosterBook, dept: Department) -> pd.DataFrame:
    """The children a department is sent (every child, or those its services concern), with
    their 花名册 row number (Excel numbering) as the key the answers come back with, and only
    the columns its file shows (data minimisation starts here, before any masking)."""
    roster = book.roster.assign(_row=range(2, len(book.roster) + 2))
    if "age" in roster:
        roster = roster[[dept.sends(a) for a in roster["age"]]]
    keep = ["_row", *IDENTIFY, *(f.key for f in dept.fields_of(_form(book)))]
    return roster[[k for k in keep if k in roster.columns]]


def by_department(book: RosterBook, out_dir, departments=None, *, mask: bool = False,
                  password: str | None = None, today: _dt.date | None = None, inputs=()) -> list[Written]:
    """One verification workbook per department (default: every department that verifies a field
    of this kind of form)."""
    form = _form(book)
    depts = [d for d in (departments or DEPARTMENTS) if d.fields_of(form)]
    paths = {d.name: Path(out_dir) / f"{safe_name(d.name)}_{KIND_LABELS[book.kind]}儿童核实表.xlsx" for d in depts}
    for dept in depts:  # before writing any: a refused run leaves the folder as it was
        if _has_answers(paths[dept.name]):
            raise privacy.OutputError(f"{paths[dept.name]} 是{dept.name}已经填写了核实结果的核实表，重新拆分会把它覆盖；"
                                      "请换一个输出文件夹（-o），或先把交回的文件移到别处。")
    written = []
    for dept in depts:
        rows = department_rows(book, dept)
        if mask:
            rows = privacy.mask_frame(rows, book.kind)
        path = paths[dept.name]
        privacy.save(path, lambda tmp, dept=dept, rows=rows: _department_book(tmp, book, dept, rows, today, mask),
                     password=password, inputs=[book.path, *inputs])
        written.append(Written(path, dept.name, len(rows)))
    return written


def _has_answers(path: Path) -> bool:
    """Whether ``path`` is a department file of ours (readable without a password) in which
    a department has already filled in an answer."""
    from xltools.workbooks.readers import ReadError, meta_of, open_workbook

    if not path.is_file():
        return False
    try:
        what, wb = open_workbook(path)
    except ReadError:  # encrypted or damaged: not one we can tell apart, written over as before
        return False
    if what != "book" or META_SHEET not in wb.sheet_names or CHECK_SHEET not in wb.sheet_names:
        return False
    meta = meta_of(wb.get_sheet_by_name(META_SHEET).to_python())
    if meta.get("type") != FILE_TYPE:
        return False
    answer_cols = [int(v) + k for key, v in meta.items() if key.startswith("field_") for k in (1, 2)]
    grid = wb.get_sheet_by_name(CHECK_SHEET).to_python(skip_empty_area=False)
    first = int(meta.get("first_data_row", FIRST_DATA + 1)) - 1
    return any(c < len(row) and str(row[c]).strip() for row in grid[first:] for c in answer_cols)


def _form(book: RosterBook):
    from xltools.core.profiles import load
    return load(book.profile).form(book.kind)


def _department_book(path, book: RosterBook, dept: Department, rows: pd.DataFrame, today, masked: bool) -> None:
    form = _form(book)
    fields = dept.fields_of(form)
    headers = dict(book.columns)
    ident = [(k, headers[k]) for k in IDENTIFY if k in headers]
    title = f"{dept.full_name}核实表：{FORM_TITLES[book.kind]}"
    wb = new_workbook(path, title)
    F = lambda **kw: wb.add_format({"font_name": "宋体", "font_size": 10, "valign": "vcenter", **kw})
    head = F(bold=True, align="center", border=1, text_wrap=True, bg_color="#DDEBF7")
    shown = F(border=1, num_format="@", bg_color="#F2F2F2")
    answer = F(border=1, locked=False, num_format="@", bg_color="#FFFFFF")
    ws = wb.add_worksheet(CHECK_SHEET)
    lists = wb.add_worksheet(LISTS_SHEET)
    meta = wb.add_worksheet(META_SHEET)

    # columns: row key, identification, per field (value, result, correction), remark
    cols: list[tuple[str, str, str]] = [("_row", "", H_ROW_KEY)] + [(k, "", h) for k, h in ident]
    field_cols = {}
    for f in fields:
        field_cols[f.key] = len(cols)
        cols += [(f.key, f.title, H_VALUE), (f.key, f.title, H_RESULT), (f.key, f.title, H_CORRECTION)]
    cols.append(("_remark", "", H_REMARK))
    last = len(cols) - 1
    n = len(rows)
    ws.merge_range(0, 0, 0, last, title, F(bold=True, font_size=14, align="center"))
    ws.merge_range(1, 0, 1, last, f"请逐行核对：信息相符选“{ANSWERS[0]}”；不相符选“{ANSWERS[1]}”，并在“{H_CORRECTION}”填写"
                                  f"正确内容；在本部门查不到此人选“{ANSWERS[2]}”。只有白色格子可以填写，请勿增删行列。",
                   F(text_wrap=True))
    ws.set_row(1, 30)
    c = 0
    while c <= last:
        key, top, sub = cols[c]
        if not top:
            ws.merge_range(HEADER_TOP, c, HEADER_SUB, c, sub, head)
            c += 1
            continue
        ws.merge_range(HEADER_TOP, c, HEADER_TOP, c + 2, top, head)
        for k in range(3):
            ws.write_string(HEADER_SUB, c + k, cols[c + k][2], head)
        c += 3
    # the answer lists on a hidden sheet (an inline list is limited to 255 characters)
    lists.write_column(0, 0, ANSWERS)
    wb.define_name("核实结果", f"='{LISTS_SHEET}'!$A$1:$A${len(ANSWERS)}")
    for i, f in enumerate(fields, 1):
        if f.is_choice:
            lists.write_column(0, i, f.options)
            letter = xl_col_to_name(i)
            wb.define_name(f"选项_{f.key}", f"='{LISTS_SHEET}'!${letter}$1:${letter}${len(f.options)}")
    first, lastrow = FIRST_DATA, FIRST_DATA + max(n, 1) - 1
    for c, (key, top, sub) in enumerate(cols):
        if sub in (H_RESULT, H_CORRECTION, H_REMARK):
            ws.set_column(c, c, 12 if sub != H_REMARK else 20, answer)
        else:
            ws.set_column(c, c, 8 if key == "_row" else 20 if key == "id_number" else 12)
    for f in fields:
        c = field_cols[f.key]
        rc = ws.data_validation(first, c + 1, lastrow, c + 1, {
            "validate": "list", "source": "=核实结果", "input_title": f"{f.title}"[:32],
            "input_message": f"{ANSWERS[0]}：与本部门掌握的一致；{ANSWERS[1]}：请在右边填写正确内容；{ANSWERS[2]}：本部门查不到此人。",
            "error_title": "请从下拉列表中选择", "error_message": f"只能选择：{'、'.join(ANSWERS)}。"})
        if f.is_choice:
            opts = {"validate": "list", "source": f"=选项_{f.key}", "input_title": f"{f.title}：{H_CORRECTION}"[:32],
                    "input_message": "核实结果为“不一致”时，从下拉列表中选择正确内容。",
                    "error_title": "不在选项内", "error_message": f"「{f.title}」只能从下拉列表中选择：{'/'.join(f.options)}"[:255]}
        else:
            limit = f.max_length or TEXT_LIMIT
            opts = {"validate": "length", "criteria": "<=", "value": limit, "input_title": f"{f.title}：{H_CORRECTION}"[:32],
                    "input_message": f"核实结果为“不一致”时填写正确内容，不超过{limit}个字。",
                    "error_title": "文字过长", "error_message": f"「{f.title}」不超过{limit}个字。"}
        rc2 = ws.data_validation(first, c + 2, lastrow, c + 2, opts)
        if rc or rc2:
            raise ValueError(f"data validation for {f.key} rejected by xlsxwriter ({rc}, {rc2})")
    blank = [""] * n  # the answer columns: empty, unlocked by their column format
    bulksheet.write_block(ws, first, 0, [
        bulksheet.Column(blank, answer) if sub in (H_RESULT, H_CORRECTION, H_REMARK) else
        bulksheet.Column(["" if v is None or v != v else str(v) for v in rows[key]] if key in rows else blank, shown)
        for key, top, sub in cols])
    ws.freeze_panes(FIRST_DATA, 1 + len(ident))
    ws.autofilter(HEADER_SUB, 0, lastrow, last)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True, "sort": False,
                    "select_locked_cells": True, "select_unlocked_cells": True})
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(HEADER_TOP, HEADER_SUB)
    ws.fit_to_pages(1, 0)
    today = today or _dt.date.today()
    pairs = [("generator", "xltools"), ("type", FILE_TYPE), ("department", dept.name), ("kind", book.kind),
             ("profile", book.profile), ("roster", Path(book.path).name), ("roster_rows", str(len(book.roster))),
             ("roster_digest", roster_digest(book.roster)), ("roster_as_of", book.as_of.isoformat() if book.as_of else ""),
             ("col_remark", str(last)),
             ("date", today.isoformat()), ("masked", "1" if masked else "0"), ("first_data_row", str(FIRST_DATA + 1)),
             ("row_key_col", "0")]
    pairs += [(f"col_{k}", str(c)) for k, c in [(k, i + 1) for i, (k, _) in enumerate(ident)]]
    pairs += [(f"field_{f.key}", str(field_cols[f.key])) for f in fields]
    for i, pair in enumerate(pairs):
        meta.write_row(i, 0, pair)
    lists.hide()
    meta.hide()
    lists.protect()
    meta.protect()
    ws.activate()
    wb.close()
    xlsxfinish.finish(Path(path))  # workbook structure protection: sheets cannot be unhidden or added
