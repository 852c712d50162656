"""Write a merge result as the district workbook: 花名册 and its companion sheets.

Sheets: 花名册, 问题清单, 重复记录, 未读取文件, 统计 (tables and native charts),
重点关爱台账, 对账, and a hidden ``_xltools`` sheet (kind, profile, 统计日期) that
lets :mod:`xltools.rosterread` read the workbook back.  ID numbers are written as
text, dates as dates; every sheet has a frozen header and filters; the tables go
through :mod:`xltools.bulksheet`.  The file is written to a temporary name in the
output folder and renamed when complete, so a crash never leaves half a 花名册.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pandas as pd

from . import atomic, bulksheet, privacy, stats
from .issues import SEVERITY_LABELS
from .merge import PROVENANCE_LABELS, STATUS_LABELS, MergeResult
from .profiles import load as load_profile
from .readers import META_SHEET
from .schema import FORM_TITLES, SCHEMA_VERSION
from .textreport import column_title

DATE_KEYS = ("birth_date", "left_hukou_date", "arrival_date")


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
STATS_SHEET, KEY_CARE_SHEET, ACCOUNTS_SHEET = "统计", "重点关爱台账", "对账"
SHEETS = (ROSTER_SHEET, ISSUES_SHEET, DUPLICATES_SHEET, UNREAD_SHEET, STATS_SHEET, KEY_CARE_SHEET, ACCOUNTS_SHEET)


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
        fmt = _Formats(wb)
        writers = dict(zip(SHEETS, (_roster, _issues, _duplicates, _unread, _stats, _key_care, _accounts)))
        for name in SHEETS:
            if name in sheets:
                writers[name](wb, fmt, result)
        _meta(wb, result)
        wb.close()
    return out


def new_workbook(path, title: str):
    """A workbook for our outputs: text stays text (IDs never become numbers, formulas or links),
    big tables are written column-wise (:mod:`xltools.bulksheet`)."""
    wb = bulksheet.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    wb.set_properties({"title": title, "author": "xltools"})
    return wb


def _meta(wb, result: MergeResult) -> None:
    """The hidden sheet that lets split/reconcile/diff read this workbook back without guessing."""
    ws = wb.add_worksheet(META_SHEET)
    pairs = [("document", "花名册"), ("roster_sheet", ROSTER_SHEET), ("kind", result.kind), ("profile", result.profile),
             ("as_of", result.as_of.isoformat() if result.as_of else ""), ("schema_version", SCHEMA_VERSION),
             ("generator", "xltools merge")]
    for i, pair in enumerate(pairs):
        ws.write_row(i, 0, pair)
    ws.hide()


class _Formats:
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


def _table(ws, fmt, cols: list[tuple[str, str]], df: pd.DataFrame, first_row: int = 0, marks=None) -> None:
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
    ws = wb.add_worksheet(ROSTER_SHEET)
    df = result.roster.copy()
    if "key_care" in df:
        df["key_care"] = df["key_care"].astype(bool)
    _table(ws, fmt, roster_columns(result), df)


def _issues(wb, fmt, result: MergeResult) -> None:
    ws = wb.add_worksheet(ISSUES_SHEET)
    rows = [issue_row(f, s, i) for f, s, i in result.issues]
    _table(ws, fmt, ISSUE_COLUMNS, pd.DataFrame(rows, columns=[k for k, _ in ISSUE_COLUMNS]))
    ws.set_column(7, 7, 80)


def _duplicates(wb, fmt, result: MergeResult) -> None:
    ws = wb.add_worksheet(DUPLICATES_SHEET)
    dups = result.duplicates
    ws.write_string(0, 0, "同一公民身份号码出现在多行或多个文件中。花名册保留的行：填报日期最新的；相同时取填写最完整的；"
                          "再相同时取先读到的。与保留行不同的字段标黄。", fmt.title)
    if not len(dups):
        ws.write_string(2, 0, "没有重复记录。", fmt.plain)
        return
    dups = dups.copy()
    dups["kept"] = dups["kept"].map({True: "保留", False: "已合并"})
    base = [c for c in roster_columns(result) if c[0] not in ("key_care", "reasons", "key_care_reasons")]
    cols = [("duplicate_group", "公民身份号码（重复组）"), ("kept", "处理")] + base
    differs: set[tuple[int, str]] = set()
    for _, g in dups.groupby("duplicate_group", sort=False):
        kept = g[g["kept"] == "保留"].iloc[0]
        for idx, row in g.iterrows():
            for key, _ in base:
                if key in g and key not in ("source_file", "source_sheet", "source_row") and row[key] != kept[key]:
                    differs.add((idx, key))
    pos = {idx: p for p, idx in enumerate(dups.index)}
    marks = {(pos[idx], key): fmt.diff for idx, key in differs}
    for p in range(len(dups)):
        if dups["kept"].iat[p] == "保留":
            marks.update({(p, "duplicate_group"): fmt.kept, (p, "kept"): fmt.kept})
    _table(ws, fmt, cols, dups, first_row=1, marks=marks)


def _unread(wb, fmt, result: MergeResult) -> None:
    ws = wb.add_worksheet(UNREAD_SHEET)
    rows = [{"file": f.path, "reason": f.reason, "code": f.code} for f in result.unread]
    for f in result.files:
        for sheet, why in f.other_sheets:
            rows.append({"file": f.path, "reason": f"工作表“{sheet}”未合并：{why}", "code": "sheet.not_roster"})
        for sheet, note in f.notes:  # merged, but the reader had to clean or leave cells blank
            rows.append({"file": f.path, "reason": f"工作表“{sheet}”已合并，但{note}" if sheet else f"已合并，但{note}",
                         "code": "sheet.note"})
    _table(ws, fmt, [("file", "文件"), ("reason", "原因"), ("code", "代码")],
           pd.DataFrame(rows, columns=["file", "reason", "code"]))
    if not rows:
        ws.write_string(1, 0, "全部文件都已读取。", fmt.plain)


def _stats(wb, fmt, result: MergeResult) -> None:
    ws = wb.add_worksheet(STATS_SHEET)
    prof = load_profile(result.profile)
    row = 0
    ws.write_string(row, 0, f"{FORM_TITLES[result.kind][:4]}监测摸排统计（{len(result.roster)}人）", fmt.title)
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
        if len(table) > 1 and len(table.columns) > 2:
            chart = wb.add_chart({"type": "column" if n else "bar"})
            data_rows = last - 1 if str(table.iloc[-1, 0]) == stats.TOTAL else last
            total_col = len(table.columns) - 1
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


def _key_care(wb, fmt, result: MergeResult) -> None:
    ws = wb.add_worksheet(KEY_CARE_SHEET)
    df = result.roster[result.roster["key_care"].astype(bool)] if len(result.roster) else result.roster
    wanted = ["town", "village", "name", "sex", "age", "category", "id_number", "key_care_reasons", "residence",
              "residence_detail", "father_name", "father_phone", "mother_name", "mother_phone", "guardian_name",
              "guardian_phone", "caregiver_name", "caregiver_phone", "source_file", "source_row"]
    labels = dict(roster_columns(result))
    labels.update({"residence_detail": "现居住地·详细地址", "key_care_reasons": "重点关爱原因"})
    cols = [(k, labels.get(k, column_title(result.kind, k))) for k in wanted if k in df.columns or k in labels]
    cols = [(k, h) for k, h in cols if k in df.columns]
    _table(ws, fmt, cols, df)


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
    _table(ws, fmt, cols, pd.DataFrame(rows))
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



