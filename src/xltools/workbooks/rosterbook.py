"""Write a merge result as the district workbook: 花名册 and its companion sheets.

Sheets: 花名册, 问题清单, 重复记录, 未读取文件, 统计 (tables and native charts),
重点关爱台账, 对账, and a hidden ``_xltools`` sheet (kind, profile, 统计日期) that
lets :mod:`xltools.workbooks.rosterread` read the workbook back.  ID numbers are written as
text, dates as dates; every sheet has a frozen header and filters; the tables go
through :mod:`xltools.workbooks.bulksheet`.  The file is written to a temporary name in the
output folder and renamed when complete, so a crash never leaves half a 花名册.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pandas as pd

from xltools.workbooks import atomic, bulksheet, privacy, readers
from xltools.core import stats
from xltools.workbooks.outbook import DATE_KEYS, Formats, new_workbook, table_sheets, write_table
from xltools.core.issues import SEVERITY_LABELS
from xltools.core.profiles import load as load_profile
from xltools.workbooks.readers import META_SHEET
from xltools.workbooks.roster import PROVENANCE_LABELS, STATUS_LABELS, MergeResult
from xltools.core.schema import FORM_TITLES, SCHEMA_VERSION
from xltools.core.textreport import column_title

OutputError = privacy.OutputError  # an output that would overwrite an input


def roster_columns(result: MergeResult) -> list[tuple[str, str]]:
    """(key, Chinese header) of the 花名册, in form order, for the columns that have data."""
    form = load_profile(result.profile).form(result.kind)
    present = set(result.roster.columns)
    cols = [("town", "镇街"), ("village", "村社区")]
    for f in form:
        keys = [f.key] + list(f.part_keys)
        for k in keys:
            if k == f.key or k in present:
                if k in present or f.type != "address":
                    cols.append((k, column_title(result.kind, k)))
    cols += [(k, STATUS_LABELS[k]) for k in ("age", "category", "reasons", "key_care", "key_care_reasons",
                                             "errors", "warnings")]
    cols += [(k, PROVENANCE_LABELS[k]) for k in ("source_file", "source_sheet", "source_row")]
    return cols


ISSUE_COLUMNS = [("file", "来源文件"), ("sheet", "工作表"), ("row", "行号"), ("column", "列"), ("field", "字段"),
                 ("severity", "严重程度"), ("title", "问题类型"), ("message", "说明")]
ROSTER_SHEET, ISSUES_SHEET, DUPLICATES_SHEET, UNREAD_SHEET = "花名册", "问题清单", "重复记录", "未读取文件"
STATS_SHEET, KEY_CARE_SHEET, ACCOUNTS_SHEET, COLUMNS_SHEET = "统计", "重点关爱台账", "对账", "列对应"
SHEETS = (ROSTER_SHEET, ISSUES_SHEET, DUPLICATES_SHEET, UNREAD_SHEET, STATS_SHEET, KEY_CARE_SHEET, ACCOUNTS_SHEET,
          COLUMNS_SHEET)


def issue_row(file: str, sheet: str, issue) -> list:
    """One 问题清单 row, in :data:`ISSUE_COLUMNS` order."""
    return [file, sheet, issue.row or "", issue.column, issue.label, SEVERITY_LABELS[issue.severity], issue.title,
            issue.message]


def write(result: MergeResult, out: Path, inputs: list[Path] = (), sheets: tuple[str, ...] = SHEETS) -> Path:
    """Write the workbook; ``sheets`` selects which (``("统计",)`` gives a statistics-only
    file with no names or ID numbers in it)."""
    out = Path(out)
    privacy.refuse_input(out, [f.path for f in result.files] + list(inputs))
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic.atomic_path(out) as tmp:
        wb = new_workbook(tmp, FORM_TITLES[result.kind].replace("基本情况登记表", "监测摸排统计花名册"))
        fmt = Formats(wb)
        writers = dict(zip(SHEETS, (_roster, _issues, _duplicates, _unread, stats_sheet, key_care_sheet, _accounts,
                                    _columns)))
        for name in SHEETS:
            if name in sheets:
                writers[name](wb, fmt, result)
        meta_sheet(wb, result)
        wb.close()
    return out


def recorded_date(result: MergeResult) -> str:
    """The 统计日期 the 花名册 records: ``--as-of``, else the date most of its files were
    checked at (their 填报日期), so that reading it back checks it at the same date."""
    if result.as_of:
        return result.as_of.isoformat()
    dates = [f.as_of for f in result.files if f.as_of]
    return max(sorted(set(dates)), key=dates.count) if dates else ""


def meta_sheet(wb, result: MergeResult) -> None:
    """The hidden sheet that lets split/reconcile/diff read this workbook back without guessing."""
    ws = wb.add_worksheet(META_SHEET)
    pairs = [("document", "花名册"), ("roster_sheet", ROSTER_SHEET), ("kind", result.kind), ("profile", result.profile),
             ("as_of", recorded_date(result)), ("schema_version", SCHEMA_VERSION),
             ("generator", "xltools merge")]
    for i, pair in enumerate(pairs):
        ws.write_row(i, 0, pair)
    ws.hide()


def _cell(ws, r, c, key, v, fmt):
    """One cell outside a table block (the few rows under 对账)."""
    if v is None or (isinstance(v, float) and v != v) or v == "":
        return
    if isinstance(v, bool):
        ws.write_string(r, c, "是" if v else "否", fmt.plain)
    elif isinstance(v, (int, float)):
        ws.write_number(r, c, v, fmt.plain)
    elif key in DATE_KEYS and isinstance(v, str) and len(v) == 10 and v[4] == "-":
        try:
            ws.write_datetime(r, c, _dt.datetime.fromisoformat(v), fmt.date)
        except ValueError:
            ws.write_string(r, c, v, fmt.text)
    else:
        ws.write_string(r, c, str(v), fmt.text)


def _roster(wb, fmt, result: MergeResult) -> None:
    df = result.roster.copy()
    if "key_care" in df:
        df["key_care"] = df["key_care"].astype(bool)
    table_sheets(wb, ROSTER_SHEET, fmt, roster_columns(result), df)


def _issues(wb, fmt, result: MergeResult) -> None:
    rows = [issue_row(f, s, i) for f, s, i in result.issues]
    for name in table_sheets(wb, ISSUES_SHEET, fmt, ISSUE_COLUMNS,
                             pd.DataFrame(rows, columns=[k for k, _ in ISSUE_COLUMNS])):
        wb.get_worksheet_by_name(name).set_column(7, 7, 80)


def _duplicates(wb, fmt, result: MergeResult) -> None:
    ws = wb.add_worksheet(DUPLICATES_SHEET)
    dups = result.duplicates
    ws.write_string(0, 0, "同一儿童登记了不止一次（规则见“判断依据”和“确定程度”）：号码有效且相同的、号码有误但写法相同且姓名相同的，"
                          "以及姓名和出生日期相同（村社区相同或未填）、没有可比有效号码的，花名册只计一次；保留有效号码的一行，"
                          "再取填报日期最新、填写最完整、先读到的。标“未合并，待核实”的两行都在花名册中，请核实。与保留行不同的字段标黄。",
                   fmt.title)
    if not len(dups):
        ws.write_string(2, 0, "没有重复记录。", fmt.plain)
        return
    base = [c for c in roster_columns(result) if c[0] not in ("key_care", "reasons", "key_care_reasons")]
    cols = [("duplicate_group", "重复组"), ("dup_action", "处理"), ("dup_rule", "判断依据"),
            ("dup_confidence", "确定程度")] + base
    differs: set[tuple[int, str]] = set()
    for _, g in dups.groupby(["duplicate_group", "dup_rule"], sort=False):
        kept = g.iloc[0]  # the kept row comes first in its group
        for idx, row in g.iterrows():
            for key, _ in base:
                if key in g and key not in ("source_file", "source_sheet", "source_row") and row[key] != kept[key]:
                    differs.add((idx, key))
    pos = {idx: p for p, idx in enumerate(dups.index)}
    marks = {(pos[idx], key): fmt.diff for idx, key in differs}
    for p in range(len(dups)):
        if dups["dup_action"].iat[p] == "保留":
            marks.update({(p, "duplicate_group"): fmt.kept, (p, "dup_action"): fmt.kept})
    write_table(ws, fmt, cols, dups, first_row=1, marks=marks)


def _unread(wb, fmt, result: MergeResult) -> None:
    ws = wb.add_worksheet(UNREAD_SHEET)
    rows = [{"file": f.path, "reason": f.reason, "code": f.code} for f in result.unread]
    for f in result.files:
        for sheet, why in f.other_sheets:
            rows.append({"file": f.path, "reason": f"工作表“{sheet}”未合并：{why}", "code": "sheet.not_roster"})
        for sheet, note in f.notes:  # merged, but the reader had to clean or leave cells blank
            rows.append({"file": f.path, "reason": f"工作表“{sheet}”已合并，但{note}" if sheet else f"已合并，但{note}",
                         "code": "sheet.note"})
    write_table(ws, fmt, [("file", "文件"), ("reason", "原因"), ("code", "代码")],
           pd.DataFrame(rows, columns=["file", "reason", "code"]))
    if not rows:
        ws.write_string(1, 0, "全部文件都已读取。", fmt.plain)


def stats_sheet(wb, fmt, result: MergeResult) -> None:
    ws = wb.add_worksheet(STATS_SHEET)
    prof = load_profile(result.profile)
    row = 0
    ws.write_string(row, 0, stats.heading(result.roster, FORM_TITLES[result.kind][:4]), fmt.title)
    for line in stats_about(result):
        row += 1
        ws.write_string(row, 0, line, fmt.plain)
    row += 2
    ws.set_column(0, 0, 22)
    ws.set_column(1, 8, 14)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)  # tables and their charts side by side on A4
    for n, (title, table) in enumerate(stats.tables(result.roster, result.kind, prof)):
        ws.write_string(row, 0, title, fmt.title)
        top = row + 1
        ws.set_row(top, 30)
        for c, name in enumerate(table.columns):
            ws.write_string(top, c, str(name), fmt.head)
        for r, rec in enumerate(table.itertuples(index=False), top + 1):
            for c, v in enumerate(rec):
                if isinstance(v, str):
                    ws.write_string(r, c, v, fmt.plain)
                else:
                    ws.write_number(r, c, int(v), fmt.plain)
        last = top + len(table)
        if len(table) > 1 and len(table.columns) > 2 and stats.TOTAL in table.columns \
                and pd.api.types.is_numeric_dtype(table.iloc[:, 1]):  # one label column: chart it
            chart = wb.add_chart({"type": "column" if n else "bar"})
            data_rows = last - 1 if str(table.iloc[-1, 0]) == stats.TOTAL else last
            total_col = list(table.columns).index(stats.TOTAL)
            chart.add_series({"name": title, "categories": [STATS_SHEET, top + 1, 0, data_rows, 0],
                              "values": [STATS_SHEET, top + 1, total_col, data_rows, total_col],
                              "data_labels": {"value": True}})
            chart.set_title({"name": title, "name_font": {"size": 11}})
            chart.set_legend({"none": True})
            chart.set_size({"width": 520, "height": 260})
            ws.insert_chart(top, len(table.columns) + 1, chart)
            row = max(last, top + 13) + 2
        else:
            row = last + 2


def _columns(wb, fmt, result: MergeResult) -> None:
    """列对应: every header column of every file, the field it filled, or 未使用 — so that a
    column the tool did not recognise is seen before its field shows as 未填写 in 统计."""
    rows = [{"file": f.path, **c, "field": c["field"] or "未使用"} for f in result.files for c in f.columns]
    cols = [("file", "来源文件"), ("sheet", "工作表"), ("column", "列"), ("header", "表头"), ("field", "对应栏目")]
    names = table_sheets(wb, COLUMNS_SHEET, fmt, cols,
                         pd.DataFrame(rows, columns=["file", "sheet", "column", "header", "field"]))
    ws = wb.get_worksheet_by_name(names[-1])
    r = (len(rows) % (bulksheet.MAX_ROWS - 1) or len(rows) and bulksheet.MAX_ROWS - 1) + 2
    if r >= bulksheet.MAX_ROWS:  # the last part is full: the note goes on a part of its own
        ws, r = wb.add_worksheet(readers.sheet_part(COLUMNS_SHEET, len(names) + 1)), 0
    ws.write_string(r, 0, "“未使用”的列没有进入花名册。如果它其实是登记表的某个栏目，请把表头改为栏目名称，"
                          "或在收件文件夹旁的 xltools.toml 的 [synonyms] 中写 \"表头\" = \"栏目\"，再合并一次。", fmt.plain)


def stats_about(result: MergeResult) -> list[str]:
    """What the statistics are of: unit, 统计日期, profile, tool version (a report sent upward
    stands on its own)."""
    from xltools import __version__

    if result.as_of:
        when = f"{result.as_of.isoformat()}（--as-of）"
    else:
        dates = sorted({f.as_of for f in result.files if f.as_of})
        when = "、".join(dates) + "（各表填报日期）" if dates else "未注明"
    towns = sorted({t for t in result.roster.get("town", pd.Series(dtype=object)) if t}) if len(result.roster) else []
    unit = result.unit or ("、".join(towns[:5]) + ("等" if len(towns) > 5 else "") if towns else "未注明")
    return [f"填报单位：{unit}", f"统计日期：{when}",
            f"地区口径：{load_profile(result.profile).label}　类别：{result.kind and FORM_TITLES[result.kind][:4]}",
            f"生成工具：xltools {__version__}（登记表版本 {SCHEMA_VERSION}）"]


def key_care_sheet(wb, fmt, result: MergeResult) -> None:
    ws = wb.add_worksheet(KEY_CARE_SHEET)
    df = result.roster[result.roster["key_care"].astype(bool)] if len(result.roster) else result.roster
    wanted = ["town", "village", "name", "sex", "age", "category", "id_number", "key_care_reasons", "residence",
              "residence_detail", "father_name", "father_phone", "mother_name", "mother_phone", "guardian_name",
              "guardian_phone", "caregiver_name", "caregiver_phone", "source_file", "source_row"]
    labels = dict(roster_columns(result))
    labels.update({"residence_detail": "现居住地·详细地址", "key_care_reasons": "重点关爱原因"})
    cols = [(k, labels.get(k, column_title(result.kind, k))) for k in wanted if k in df.columns or k in labels]
    cols = [(k, h) for k, h in cols if k in df.columns]
    write_table(ws, fmt, cols, df)


def _accounts(wb, fmt, result: MergeResult) -> None:
    ws = wb.add_worksheet(ACCOUNTS_SHEET)
    rows = []
    for f in result.files:
        rows.append({"file": f.path, "status": "已合并" if f.status == "merged" else "未读取", "read": f.read,
                     "kept": f.kept, "folded": f.folded, "rejected": f.rejected,
                     "check": "相符" if f.balanced else "不符",
                     "why": "；".join(f"{k}：{v}" for k, v in f.rejected_reasons.items()) or f.reason})
    t = result.totals()
    rows.append({"file": "合计", "status": "", "read": t["read"], "kept": t["kept"], "folded": t["folded"],
                 "rejected": t["rejected"], "check": "相符" if t["read"] == t["kept"] + t["folded"] + t["rejected"] else "不符",
                 "why": ""})
    cols = [("file", "文件"), ("status", "状态"), ("read", "读入行数"), ("kept", "进入花名册"),
            ("folded", "重复已合并"), ("rejected", "未采用"), ("check", "核对"), ("why", "未采用原因")]
    write_table(ws, fmt, cols, pd.DataFrame(rows))
    r = len(rows) + 2
    ws.write_string(r, 0, "读入行数 = 进入花名册 + 重复已合并 + 未采用（空行、合计行、表尾签字不计入读入行数，见问题清单和读取报告）。",
                    fmt.plain)
    if len(result.rejected):
        ws.write_string(r + 2, 0, "未采用的行", fmt.title)
        rej = [("source_file", "来源文件"), ("source_sheet", "工作表"), ("source_row", "行号"), ("reason", "原因")]
        for c, (_, h) in enumerate(rej):
            ws.write_string(r + 3, c, h, fmt.head)
        for i, rec in enumerate(result.rejected.itertuples(index=False), r + 4):
            d = rec._asdict()
            for c, (k, _) in enumerate(rej):
                _cell(ws, i, c, k, d[k], fmt)



