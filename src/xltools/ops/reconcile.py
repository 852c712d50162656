"""Take the departments' answers back into the 花名册, applying nothing silently.

Returned files are of two sorts:

- ours (written by ``xltools split --by 部门``, recognised by their hidden
  ``_xltools`` sheet): each row carries its 花名册行号; it is matched to that row
  when the 姓名 and the (possibly masked) 公民身份号码 agree, else by the ID number;
- a department's own list in its own layout (a title row, 身份证号, 核实意见, an
  更正后… column, other headers): its header row is found like any roster's,
  columns are mapped to the schema through labels and synonyms, rows are matched
  by 公民身份号码.  The department is the one its file name or title names, else
  the one whose fields the list has.

The decision rule (the README repeats it):

- **accepted automatically** (已采用): one or more answers for a child's field that
  all propose the same corrected value, and that value is valid for the field (an
  option of a choice field, in the form's wording after full-width/space
  normalisation; text within the field's length limit).  The 花名册 cell is
  changed and highlighted, and the row's 更正说明 says from what to what and which
  department said so; 重点关爱 is recomputed for the row;
- **left for a person** (待人工核实, with the reason): 查无此人; 不一致 without a
  corrected value; a corrected value not in the field's options (with the likely
  option when there is one); answers for the same field that disagree with one
  another (two departments, or two files of one department).

Every returned row is accounted for: matched to a child, or listed in 未匹配;
children a department was sent (or, for its own list, every child) that it did
not answer are listed too.  一致 answers are counted, not listed.

What departments write in words is kept: a 备注 / 情况说明 / 说明 column, and a
核实意见 that says more than the verdict ("不一致，已转学至江北区"), go into 核实差异
beside the decision (部门说明); a remark on a child with nothing to correct gets a
row of its own (部门说明，请阅).  核实汇总 also lists every department that was sent a
file (the departments named by ``sent``, else every department that verifies a field
of this form) and returned nothing.  A department file of ours records the roster it
was made from (:func:`xltools.workbooks.rosterread.roster_digest`): answers made for another
roster are warned about, in 核实汇总 and on the screen.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from xltools.core import departments as deps
from xltools.workbooks import privacy, readers, rosterbook
from xltools.core.departments import AGREE, CHECK_SHEET, DISAGREE, FILE_TYPE, H_REMARK, NOT_FOUND
from xltools.workbooks.roster import PROVENANCE_LABELS
from xltools.workbooks.outbook import Formats, new_workbook, table_sheets, write_frame
from xltools.workbooks.rosterread import (
    DIFFERENCES_SHEET,
    ISSUES_SHEET,
    ROSTER_SHEET,
    RosterBook,
    ages_date,
    id_key,
    roster_digest,
)
from xltools.core.schema import FORM_TITLES, MULTI_JOINER, Form
from xltools.workbooks.readers import META_SHEET
from xltools.core.validate import choice_verdict
from xltools.core.rowtable import split_multi

APPLIED = "已采用"
PENDING = "待人工核实"
R_NOT_FOUND = "部门查无此人：请核实身份号码，或该儿童是否仍在本地"
R_NO_VALUE = "部门答复“不一致”但未填更正值：请向部门问明正确内容"
R_INVALID = "更正值不在该栏目的选项内{hint}：请按表中选项确认后人工更正"
R_TOO_LONG = "更正值超过{limit}个字：请核对"
R_CONFLICT = "各份答复不一致（{values}）：请人工核实后更正"
REMARK_ONLY = "部门说明，请阅（无需更正）"
R_OTHER_ROSTER = ("核实表是按另一份花名册（{roster}，{rows}人{as_of}）生成的，与本次给出的花名册不同：答复可能对不上，"
                  "请确认交回的是不是本期的核实表")
NOT_RETURNED = "已发核实表，尚未交回"
REMARK_WORDS = ("备注", "情况说明", "说明", "附注", "核实说明", "其他情况")
UNMATCHED_SHEET = "未匹配"
SUMMARY_SHEET = "核实汇总"
NO_DEPARTMENT = "未识别部门"
# Plain lists: header words that mark a verdict column and a corrected-value column.
VERDICT_WORDS = ("核实意见", "核实结果", "核实情况", "核查结果", "核查意见", "比对结果", "比对情况", "反馈意见", "意见", "结果")
CORRECTION_WORDS = ("更正后的", "更正后", "核实后的", "核实后", "正确的", "正确", "实际", "更正")
MAX_HEADER_SCAN = 30


@dataclass
class Answer:
    department: str
    file: str
    row: int                      # Excel row in the returned file
    index: int                    # roster row (0-based position)
    field: str | None             # None: about the child as a whole (查无此人)
    verdict: str | None           # 一致 / 不一致 / 查无此人, or None (a value without a verdict)
    value: str = ""               # the department's (corrected) value


@dataclass
class Returned:
    path: str
    department: str
    ours: bool
    rows: int = 0                                  # data rows read (blank rows not counted)
    answers: list[Answer] = field(default_factory=list)
    matched: int = 0
    unmatched: list[dict] = field(default_factory=list)   # rows not found in the 花名册
    sent: list[int] | None = None                 # roster rows the department was sent (ours)
    unanswered: list[int] = field(default_factory=list)
    note: str = ""
    seen: set[int] = field(default_factory=set)   # roster rows the file has a row for
    remarks: list[tuple[int, int, str]] = field(default_factory=list)  # (roster row, file row, words)


@dataclass
class Reconciliation:
    book: RosterBook
    roster: pd.DataFrame              # the new roster, corrections applied
    differences: pd.DataFrame         # one row per (child, field) that is not simply 一致
    changed: set[tuple[int, str]]     # (roster row, key) cells changed
    returned: list[Returned]
    agreed: int = 0
    not_returned: list[str] = field(default_factory=list)  # departments sent a file that returned none

    @property
    def pending(self) -> int:
        return int(self.differences["decision"].str.startswith(PENDING).sum()) if len(self.differences) else 0

    @property
    def applied(self) -> int:
        return len(self.changed)

    @property
    def unmatched(self) -> int:
        return sum(len(r.unmatched) + len(r.unanswered) for r in self.returned)

    @property
    def exit_code(self) -> int:
        return 1 if self.pending or self.unmatched else 0


class ReturnedError(Exception):
    pass


# --- reading returned files --------------------------------------------------------------

def _form(book: RosterBook) -> Form:
    from xltools.core.profiles import load
    return load(book.profile).form(book.kind)


class _Index:
    """Roster lookups: ID number → row, and row checks for our files."""

    def __init__(self, book: RosterBook):
        self.book = book
        roster = book.roster
        self.names = roster["name"].tolist() if len(roster) else []
        self.ids = roster["id_number"].tolist() if len(roster) else []
        self.by_id: dict[str, int] = {}
        for i, v in enumerate(self.ids):
            k = id_key(v)
            if k and k not in self.by_id:
                self.by_id[k] = i

    def by_row_key(self, key: str, name: str, ident: str) -> int | None:
        try:
            i = int(float(key)) - 2
        except ValueError:
            return None
        if not 0 <= i < len(self.names) or self.names[i] != name:
            return None
        mine = self.ids[i]
        return i if ident == mine or ident == privacy.mask_id(mine) else None


def read_returned(path, book: RosterBook, *, password: str | None = None, index: _Index | None = None) -> Returned:
    """One returned file: ours (by its metadata) or a department's own list."""
    index = index or _Index(book)
    what, payload = readers.open_workbook(path, password)
    if what == "book":
        names = payload.sheet_names
        meta = {}
        if META_SHEET in names:
            meta = readers.meta_of(payload.get_sheet_by_name(META_SHEET).to_python())
        if meta.get("type") == FILE_TYPE:
            return _read_ours(path, payload, meta, book, index)
        if meta.get("document") == ROSTER_SHEET:
            raise ReturnedError(f"{path}：这是花名册，不是部门交回的核实表；请把它移出交回的文件夹"
                                "（或不写在交回文件中）后重试。")
        grids = [(n, payload.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in names
                 if n not in (META_SHEET,)]
    else:
        grids = [("", payload[0])]
    for name, grid in grids:
        got = _read_plain(path, name, grid, book, index)
        if got is not None:
            return got
    raise ReturnedError(f"{path}：没有找到含“公民身份号码”（身份证号）列的表头，无法与花名册对应；"
                        "请确认这是部门的核实反馈表。")


def _cell(row: list, c: int) -> str:
    return readers.cell_text(row[c]) if 0 <= c < len(row) else ""


def _read_ours(path, book_, meta: dict, book: RosterBook, index: _Index) -> Returned:
    grid = book_.get_sheet_by_name(CHECK_SHEET).to_python(skip_empty_area=False)
    dept = meta.get("department", NO_DEPARTMENT)
    out = Returned(str(path), dept, True, sent=[])
    if meta.get("kind") != book.kind:
        out.note = "核实表与花名册的表格类别不同"
    elif _other_roster(meta, book):
        as_of = meta.get("roster_as_of")
        out.note = R_OTHER_ROSTER.format(roster=meta.get("roster", "?"), rows=meta.get("roster_rows", "?"),
                                         as_of=f"，统计日期 {as_of}" if as_of else "")
    first = int(meta.get("first_data_row", "5")) - 1
    id_col, name_col = int(meta.get("col_id_number", "-1")), int(meta.get("col_name", "-1"))
    key_col = int(meta.get("row_key_col", "0"))
    fields = {k[len("field_"):]: int(v) for k, v in meta.items() if k.startswith("field_")}
    remark_col = int(meta["col_remark"]) if "col_remark" in meta else _header_col(grid, H_REMARK)
    for r in range(first, len(grid)):
        row = grid[r]
        ident, name = _cell(row, id_col), _cell(row, name_col)
        if not ident and not name:
            continue
        out.rows += 1
        i = index.by_row_key(_cell(row, key_col), name, ident)
        if i is None:
            i = index.by_id.get(id_key(ident))
        if i is None:
            out.unmatched.append({"file": str(path), "department": dept, "row": r + 1, "id_number": ident,
                                  "name": name})
            continue
        out.matched += 1
        out.sent.append(i)
        out.seen.add(i)
        remark = _cell(row, remark_col)
        if remark:
            out.remarks.append((i, r + 1, remark))
        answered = bool(remark)
        for key, c in fields.items():
            verdict, value = deps.answer(_cell(row, c + 1)), _cell(row, c + 2)
            if verdict is None and not value:
                continue
            answered = True
            if verdict == NOT_FOUND:
                out.answers.append(Answer(dept, str(path), r + 1, i, None, NOT_FOUND))
                break
            out.answers.append(Answer(dept, str(path), r + 1, i, key, verdict, value))
        if not answered:
            out.unanswered.append(i)
    return out


def _other_roster(meta: dict, book: RosterBook) -> bool:
    """Whether a department file of ours was made from another roster than ``book``."""
    if meta.get("roster_digest"):
        return meta["roster_digest"] != roster_digest(book.roster)
    return meta.get("roster_rows", str(len(book.roster))) != str(len(book.roster))  # files from before the digest


def _header_col(grid: list[list], text: str) -> int:
    for row in grid[:MAX_HEADER_SCAN]:
        for c, v in enumerate(row):
            if readers.cell_text(v) == text:
                return c
    return -1


def _strip_words(text: str, words) -> tuple[str, bool]:
    t = readers.norm_header(text)
    for w in words:
        if w in t:
            return t.replace(w, "").strip("（）()：:"), True
    return t, False


def _field_key(text: str, form: Form) -> tuple[str | None, bool]:
    """(the field a plain list's header names, whether it is a corrected value): 更正后就学情况 →
    (schooling, True); 居住登记情况 → (residence_registration, False)."""
    bare, corrected = _strip_words(text, CORRECTION_WORDS)
    for t in dict.fromkeys((bare, bare.removesuffix("情况"), bare + "情况")):
        key = readers.match_header(t, None, form) if t else None
        if key:
            return key, corrected
    return None, corrected


def _read_plain(path, sheet: str, grid: list[list], book: RosterBook, index: _Index) -> Returned | None:
    form = _form(book)
    all_fields = {k for d in deps.DEPARTMENTS for k in d.fields}
    for h in range(min(MAX_HEADER_SCAN, len(grid))):
        header = [readers.cell_text(v) for v in grid[h]]
        keys = [readers.match_header(t, None, form) if t else None for t in header]
        if "id_number" in keys:
            break
    else:
        return None
    id_col = keys.index("id_number")
    name_col = keys.index("name") if "name" in keys else -1
    verdict_col, value_cols, remark_cols = -1, {}, []
    for c, text in enumerate(header):
        if not text or c == id_col:
            continue
        key, corrected = _field_key(text, form)
        if key in all_fields and (corrected or key not in value_cols):
            value_cols[key] = c
        elif key is None and verdict_col < 0 and any(w in readers.norm_header(text) for w in VERDICT_WORDS):
            verdict_col = c
        elif key is None and any(w in readers.norm_header(text) for w in REMARK_WORDS):
            remark_cols.append(c)
    title = " ".join(readers.cell_text(v) for row in grid[:h] for v in row if v)
    dept = deps.guess(f"{Path(path).stem} {sheet} {title}")
    if dept is None and value_cols:
        dept = next((d for d in deps.DEPARTMENTS if set(value_cols) <= set(d.fields)), None)
    name = dept.name if dept else NO_DEPARTMENT
    out = Returned(str(path), name, False)
    seen = set()
    for r in range(h + 1, len(grid)):
        row = grid[r]
        ident = _cell(row, id_col)
        if not ident:
            continue
        out.rows += 1
        i = index.by_id.get(id_key(ident))
        if i is None:
            out.unmatched.append({"file": str(path), "department": name, "row": r + 1, "id_number": ident,
                                  "name": _cell(row, name_col)})
            continue
        out.matched += 1
        seen.add(i)
        said = _cell(row, verdict_col) if verdict_col >= 0 else ""
        verdict = deps.answer(said)
        words = ([said] if said and not deps.is_plain_answer(said) else []) + [_cell(row, c) for c in remark_cols]
        if any(words):
            out.remarks.append((i, r + 1, "；".join(w for w in words if w)))
        if verdict == NOT_FOUND:
            out.answers.append(Answer(name, str(path), r + 1, i, None, NOT_FOUND))
            continue
        # A blank corrected-value cell says nothing about that field (the department corrected
        # another one, or nothing); 一致 covers every field of the list.
        values = {key: _cell(row, c) for key, c in value_cols.items() if key in form}
        for key, value in values.items():
            if value or verdict == AGREE:
                out.answers.append(Answer(name, str(path), r + 1, i, key, verdict, value))
        if verdict == DISAGREE and not any(values.values()):
            out.answers.append(Answer(name, str(path), r + 1, i, None, DISAGREE))
    sent = book.roster.index.tolist()
    if dept is not None and "age" in book.roster:
        sent = [i for i, a in zip(sent, book.roster["age"].tolist()) if dept.sends(a)]
    out.unanswered = [i for i in sent if i not in seen]
    out.seen = seen
    return out


def _merge_unanswered(returned: list[Returned]) -> None:
    """A child a department answered in one of its files is not unanswered in its other files,
    and one it answered in none is listed once."""
    def who(ret):
        return ret.path if ret.department == NO_DEPARTMENT else ret.department

    covered: dict[str, set[int]] = defaultdict(set)
    for ret in returned:
        covered[who(ret)] |= ret.seen - set(ret.unanswered)
    listed: dict[str, set[int]] = defaultdict(set)
    for ret in sorted(returned, key=lambda r: not r.ours):  # under the file it was sent in, when there is one
        keep = [i for i in dict.fromkeys(ret.unanswered) if i not in covered[who(ret)] and i not in listed[who(ret)]]
        listed[who(ret)].update(keep)
        ret.unanswered = keep


# --- deciding ------------------------------------------------------------------------------

def _valid(form: Form, key: str, value: str) -> tuple[str | None, str]:
    """(the value in the form's wording, '') when valid, else (None, why)."""
    f = form[key]
    if f.is_choice:
        norm, code, params, _ = choice_verdict(f, value)
        if code is None:
            return norm, ""
        hint = f"，疑似应为“{params['suggestion']}”" if code == "option.near_miss" else ""
        return None, R_INVALID.format(hint=hint)
    limit = f.max_length
    if limit and len(value) > limit:
        return None, R_TOO_LONG.format(limit=limit)
    return value, ""


def _same(form: Form, key: str, a: str, b: str) -> bool:
    f = form[key]
    if f.type == "multi_choice":
        return sorted(split_multi(a)) == sorted(split_multi(b))
    return a.strip() == b.strip()


def reconcile(book: RosterBook, returned: list[Returned], sent: list[str] | None = None) -> Reconciliation:
    """Decide every answer by the module's rule and apply the accepted corrections.

    ``sent``: the departments that were sent a file (default: every department that verifies a
    field of this form and would be sent a child of this roster)."""
    form = _form(book)
    _merge_unanswered(returned)
    roster = book.roster.copy()
    if "corrections" not in roster:
        roster["corrections"] = ""
    by_cell: dict[tuple[int, str | None], list[Answer]] = defaultdict(list)
    for ret in returned:
        for a in ret.answers:
            by_cell[(a.index, a.field)].append(a)
    rows, changed, agreed = [], set(), 0
    notes: dict[int, list[str]] = defaultdict(list)
    for (i, key), answers in by_cell.items():
        depts = "、".join(dict.fromkeys(a.department for a in answers))
        if key is None:
            for a in answers:
                why = R_NOT_FOUND if a.verdict == NOT_FOUND else R_NO_VALUE
                rows.append(_difference(book, i, "", "", a.verdict, a.department, a.file, f"{PENDING}：{why}"))
            continue
        current = roster[key].iat[i] if key in roster else ""
        proposals, no_value, valid_errors = {}, [], []
        agree_here = 0
        for a in answers:
            if a.verdict == AGREE and not a.value or (a.value and _same(form, key, a.value, current)):
                agree_here += 1
                continue
            if not a.value:
                no_value.append(a)
                continue
            norm, why = _valid(form, key, a.value)
            if norm is None:
                valid_errors.append((a, why))
            else:
                proposals.setdefault(norm, []).append(a)
        title = form[key].title
        if not proposals and not no_value and not valid_errors:
            agreed += 1
            continue
        outcomes = len(proposals) + (1 if agree_here else 0)
        if outcomes > 1:
            values = "；".join([f"{v}（{'、'.join(x.department for x in xs)}）" for v, xs in proposals.items()]
                              + ([f"{current or '空'}（一致）"] if agree_here else []))
            shown = MULTI_JOINER.join(proposals)
            files = "、".join(dict.fromkeys(Path(a.file).name for a in answers))
            rows.append(_difference(book, i, title, current, shown, depts, files,
                                    f"{PENDING}：{R_CONFLICT.format(values=values)}"))
            continue
        for a, why in valid_errors:
            rows.append(_difference(book, i, title, current, a.value, a.department, a.file, f"{PENDING}：{why}"))
        for a in no_value:
            rows.append(_difference(book, i, title, current, "", a.department, a.file, f"{PENDING}：{R_NO_VALUE}"))
        if len(proposals) == 1 and not valid_errors and not no_value:
            value, who = next(iter(proposals.items()))
            roster.iat[i, roster.columns.get_loc(key)] = value
            changed.add((i, key))
            names = "、".join(dict.fromkeys(a.department for a in who))
            notes[i].append(f"{title}：{current or '空'}→{value}（{names}核实）")
            rows.append(_difference(book, i, title, current, value, names, who[0].file, APPLIED))
        elif proposals:  # a valid proposal next to an invalid or empty one: a person decides
            for value, who in proposals.items():
                for a in who:
                    rows.append(_difference(book, i, title, current, value, a.department, a.file,
                                            f"{PENDING}：{R_CONFLICT.format(values='有的答复无效或未填更正值')}"))
    for i, ns in notes.items():
        old = roster["corrections"].iat[i]
        roster.iat[i, roster.columns.get_loc("corrections")] = "；".join(([old] if old else []) + ns)
    _recompute_key_care(roster, {i for i, _ in changed}, book)
    _add_remarks(book, rows, returned)
    cols = ["town", "village", "name", "id_number", "field", "roster_value", "department_value", "department",
            "file", "decision", "remark"]
    out = Reconciliation(book, roster, pd.DataFrame(rows, columns=cols), changed, returned, agreed)
    out.not_returned = _not_returned(book, returned, sent)
    return out


def _add_remarks(book: RosterBook, rows: list[dict], returned: list[Returned]) -> None:
    """Each department's words about a child beside the decisions about it; a remark with no
    decision beside it gets a row of its own."""
    said: dict[tuple[int, str], list[str]] = defaultdict(list)
    files: dict[tuple[int, str], str] = {}
    for ret in returned:
        for i, _, text in ret.remarks:
            if text not in said[(i, ret.department)]:
                said[(i, ret.department)].append(text)
            files.setdefault((i, ret.department), ret.path)
    used = set()
    for row in rows:
        depts = row["department"].split("、")
        keys = [(row["_index"], d) for d in depts if (row["_index"], d) in said]
        row["remark"] = "；".join(f"{d}：{t}" if len(depts) > 1 else t for (_, d) in keys for t in said[(_, d)]) \
            if keys else ""
        used.update(keys)
    for (i, d), texts in said.items():
        if (i, d) not in used:
            row = _difference(book, i, "", "", "", d, files[(i, d)], REMARK_ONLY)
            row["remark"] = "；".join(texts)
            rows.append(row)
    for row in rows:
        row.pop("_index", None)


def sent_departments(paths) -> list[str]:
    """The departments whose files of ours are among ``paths`` (the folder split wrote)."""
    out = []
    for path in paths:
        try:
            what, payload = readers.open_workbook(path, None)
        except readers.ReadError:
            continue
        if what == "book" and META_SHEET in payload.sheet_names:
            meta = readers.meta_of(payload.get_sheet_by_name(META_SHEET).to_python())
            if meta.get("type") == FILE_TYPE and meta.get("department") not in out:
                out.append(meta["department"])
    return out


def _not_returned(book: RosterBook, returned: list[Returned], sent: list[str] | None) -> list[str]:
    """The departments sent a file that returned none."""
    if sent is None:
        form, ages = _form(book), book.roster["age"].tolist() if "age" in book.roster else [None]
        sent = [d.name for d in deps.DEPARTMENTS if d.fields_of(form) and any(d.sends(a) for a in ages)]
    back = {r.department for r in returned}
    return [d for d in sent if d not in back]


def _difference(book, i, field_title, roster_value, dept_value, department, file, decision) -> dict:
    r = book.roster
    return {"town": r["town"].iat[i], "village": r["village"].iat[i], "name": r["name"].iat[i],
            "id_number": r["id_number"].iat[i], "field": field_title or "（整条记录）", "roster_value": roster_value,
            "department_value": dept_value or "", "department": department, "file": Path(file).name,
            "decision": decision, "_index": i}


def _recompute_key_care(roster: pd.DataFrame, rows: set[int], book: RosterBook) -> None:
    """重点关爱 follows the corrected values (失学, 无户籍 and 残疾 are among its reasons)."""
    if not rows or "key_care" not in roster:
        return
    from xltools.core.validate import validate_frame

    idx = sorted(rows)
    form = _form(book)
    cols = [c for c in roster.columns if c in form.column_keys]
    # the roster's 统计日期, not today: ages (and so 失学 and the like) are those the roster shows
    as_of = book.as_of or ages_date(book.roster) or _dt.date.today()
    report = validate_frame(roster.iloc[idx][cols].reset_index(drop=True), book.kind, book.profile, as_of)
    st = report.statuses
    for pos, i in enumerate(idx):
        roster.iat[i, roster.columns.get_loc("key_care")] = bool(st.key_care[pos])
        if "key_care_reasons" in roster:
            roster.iat[i, roster.columns.get_loc("key_care_reasons")] = "、".join(st.key_care_reasons.get(pos, ()))


# --- writing ----------------------------------------------------------------------------------

DIFF_COLUMNS = [("town", PROVENANCE_LABELS["town"]), ("village", PROVENANCE_LABELS["village"]), ("name", "姓名"),
                ("id_number", "公民身份号码"), ("field", "栏目"), ("roster_value", "花名册填报值"),
                ("department_value", "部门答复值"), ("department", "部门"), ("file", "答复文件"), ("decision", "处理"),
                ("remark", "部门说明")]


def unmatched_table(rec: Reconciliation) -> pd.DataFrame:
    r = {k: rec.book.roster[k].tolist() for k in ("town", "village", "name", "id_number")} if len(rec.book.roster) \
        else {}
    rows = []
    for ret in rec.returned:
        for u in ret.unmatched:
            rows.append({"side": "部门答复中有、花名册中没有", "department": u["department"], "file": Path(u["file"]).name,
                         "row": u["row"], "town": "", "village": "", "name": u["name"], "id_number": u["id_number"]})
        for i in ret.unanswered:
            rows.append({"side": "花名册中有、部门未答复", "department": ret.department, "file": Path(ret.path).name,
                         "row": "", "town": r["town"][i], "village": r["village"][i], "name": r["name"][i],
                         "id_number": r["id_number"][i]})
    return pd.DataFrame(rows, columns=["side", "department", "file", "row", "town", "village", "name", "id_number"])


UNMATCHED_COLUMNS = [("side", "情况"), ("department", "部门"), ("file", "答复文件"), ("row", "答复文件行号"),
                     ("town", PROVENANCE_LABELS["town"]), ("village", PROVENANCE_LABELS["village"]), ("name", "姓名"),
                     ("id_number", "公民身份号码")]


def summary_table(rec: Reconciliation) -> pd.DataFrame:
    rows = []
    for ret in rec.returned:
        answers = [a for a in ret.answers]
        rows.append({"file": Path(ret.path).name, "department": ret.department,
                     "layout": "本工具核实表" if ret.ours else "部门自制表", "rows": ret.rows, "matched": ret.matched,
                     "unmatched": len(ret.unmatched), "check": "相符" if ret.rows == ret.matched + len(ret.unmatched) else "不符",
                     "answers": len(answers), "unanswered": len(ret.unanswered), "note": ret.note})
    for dept in rec.not_returned:
        rows.append({"file": "（未交回）", "department": dept, "layout": "", "rows": 0, "matched": 0, "unmatched": 0,
                     "check": "", "answers": 0, "unanswered": "", "note": NOT_RETURNED})
    return pd.DataFrame(rows, columns=["file", "department", "layout", "rows", "matched", "unmatched", "check",
                                       "answers", "unanswered", "note"])


SUMMARY_COLUMNS = [("file", "答复文件"), ("department", "部门"), ("layout", "格式"), ("rows", "读入行数"),
                   ("matched", "对上花名册"), ("unmatched", "花名册中没有"), ("check", "核对"), ("answers", "答复项数"),
                   ("unanswered", "未答复的儿童"), ("note", "说明")]


def write(rec: Reconciliation, out, *, mask: bool = False, password: str | None = None, inputs=()) -> Path:
    """The new 花名册: 花名册 (corrections highlighted, 更正说明), 核实差异, 未匹配, 核实汇总,
    问题清单 (as it was), 统计, 重点关爱台账."""
    book = rec.book
    roster, diffs, unmatched = rec.roster, rec.differences, unmatched_table(rec)
    issues = book.issues
    if mask:
        roster, diffs, unmatched, issues = (privacy.mask_frame(x, book.kind) for x in (roster, diffs, unmatched, issues))
    diffs_h = diffs.rename(columns=dict(DIFF_COLUMNS))[[h for _, h in DIFF_COLUMNS]]
    unmatched_h = unmatched.rename(columns=dict(UNMATCHED_COLUMNS))[[h for _, h in UNMATCHED_COLUMNS]]
    summary_h = summary_table(rec).rename(columns=dict(SUMMARY_COLUMNS))
    cols = book.column_list(roster)
    if "corrections" not in dict(cols):
        cols.append(("corrections", "更正说明"))
    order = {key: c for c, (key, _) in enumerate(cols)}

    def build(tmp):
        wb = new_workbook(tmp, FORM_TITLES[book.kind].replace("基本情况登记表", "监测摸排统计花名册（核实后）"))
        fmt = Formats(wb)
        fixed = wb.add_format({"font_name": "宋体", "font_size": 10, "valign": "vcenter", "bg_color": "#C6EFCE",
                               "num_format": "@"})
        table_sheets(wb, ROSTER_SHEET, fmt, cols, roster, marks={(i, k): fixed for i, k in rec.changed if k in order})
        write_frame(wb, fmt, DIFFERENCES_SHEET, diffs_h, "各部门答复均与花名册一致。")
        write_frame(wb, fmt, UNMATCHED_SHEET, unmatched_h, "全部对上。")
        write_frame(wb, fmt, SUMMARY_SHEET, summary_h)
        write_frame(wb, fmt, ISSUES_SHEET, issues, "没有问题。")
        result = book.result(roster)
        rosterbook.stats_sheet(wb, fmt, result)
        rosterbook.key_care_sheet(wb, fmt, result)
        rosterbook.meta_sheet(wb, result)  # kind, profile, 统计日期: split and diff read the new roster back as merged
        wb.close()
    return privacy.save(out, build, password=password, inputs=[book.path, *[r.path for r in rec.returned], *inputs])
