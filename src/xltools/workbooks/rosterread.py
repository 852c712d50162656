"""Read our own 花名册 back, faithfully: the roster the merge (or reconcile) wrote.

Every column of the 花名册 sheet is mapped by its exact header, the one
:func:`xltools.workbooks.rosterbook.roster_columns` writes, to its column key; values come
back as the merge had them: text (ID numbers as text, dates as ``YYYY-MM-DD``),
年龄/错误数/提醒数/行号 as integers, 重点关爱 as a bool.  Provenance (镇街, 村社区,
来源文件, 工作表, 行号) and status columns are kept; a column we do not know is kept
under its header and listed in ``unknown``.  The 问题清单 and, in a reconciled
roster, the 核实差异 sheet are kept as they are (Chinese headers as columns).

The kind (流动/留守) is the one whose headers match; the locality profile is the
one recorded in a metadata sheet, else the one whose option wording the choice
columns use (Chongqing's 已参保 against the national 纳入户籍地医保 …).

Reading uses calamine (:mod:`xltools.workbooks.readers`), not openpyxl: a 100,000-row
花名册 reads in seconds.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from xltools.core import profiles
from xltools.workbooks import readers
from xltools.core.dates import DateError, birthday, parse_date
from xltools.workbooks.roster import PROVENANCE_LABELS, STATUS_COLUMNS, MergeResult
from xltools.workbooks.rosterbook import ISSUES_SHEET, ROSTER_SHEET, roster_columns
from xltools.core.schema import KINDS

DIFFERENCES_SHEET = "核实差异"
# Columns that reconcile adds to a roster (key → header); read back like the others.
EXTRA_COLUMNS = {"corrections": "更正说明"}
INT_KEYS = ("age", "errors", "warnings", "source_row")


class RosterError(Exception):
    """A file that is not one of our 花名册; the message says which file and what to do."""


@dataclass
class RosterBook:
    path: str
    kind: str
    profile: str
    roster: pd.DataFrame                       # column keys, as MergeResult.roster
    columns: list[tuple[str, str]]             # (key, header) in the file's order
    issues: pd.DataFrame = field(default_factory=pd.DataFrame)       # 问题清单, Chinese headers
    differences: pd.DataFrame = field(default_factory=pd.DataFrame)  # 核实差异 of a reconciled roster
    unknown: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    encrypted: bool = False                    # opened with a password

    @property
    def as_of(self) -> _dt.date | None:
        """The 统计日期 the merge recorded (``--as-of``), or None."""
        return readers.recorded_as_of(self.meta)

    def result(self, roster: pd.DataFrame | None = None) -> MergeResult:
        """A MergeResult over this roster, for :mod:`xltools.workbooks.rosterbook`'s sheet writers."""
        return MergeResult(kind=self.kind, profile=self.profile, as_of=self.as_of,
                           roster=self.roster if roster is None else roster, issues=[],
                           duplicates=pd.DataFrame(), rejected=pd.DataFrame(), files=[])

    def column_list(self, df: pd.DataFrame | None = None) -> list[tuple[str, str]]:
        """The (key, header) columns to write for ``df`` (default: the roster), in 花名册 order."""
        df = self.roster if df is None else df
        return [(k, h) for k, h in self.columns if k in df.columns]


@lru_cache(maxsize=None)
def all_columns(kind: str, profile: str) -> list[tuple[str, str]]:
    """Every (key, header) a 花名册 of ``kind`` can have, as rosterbook writes them."""
    form = profiles.load(profile).form(kind)
    keys = list(form.column_keys) + list(STATUS_COLUMNS) + list(PROVENANCE_LABELS)
    stub = MergeResult(kind=kind, profile=profile, as_of=None, roster=pd.DataFrame(columns=keys), issues=[],
                       duplicates=pd.DataFrame(), rejected=pd.DataFrame(), files=[])
    return roster_columns(stub) + list(EXTRA_COLUMNS.items())


def _rows(book, name: str, header_row: int = 0) -> tuple[list[str], list[list]]:
    """The header and rows of table ``name``, across its continuation sheets (花名册（2）…)."""
    header, rows, n = [], [], 1
    while (part := readers.sheet_part(name, n)) in book.sheet_names:
        grid = book.get_sheet_by_name(part).to_python(skip_empty_area=False)
        if len(grid) > header_row:
            header = header or [readers.cell_text(v) for v in grid[header_row]]
            rows += grid[header_row + 1:]
        n += 1
    return header, rows


def _text_frame(header: list[str], rows: list[list]) -> pd.DataFrame:
    keep = [i for i, h in enumerate(header) if h]
    data = [[readers.cell_text(r[i]) if i < len(r) else "" for i in keep] for r in rows]
    data = [r for r in data if any(r[1:])]  # a lone first cell is a note ("没有问题。"), not a row
    return pd.DataFrame(data, columns=[header[i] for i in keep])


def _kind_of(headers: list[str], meta: dict) -> str:
    if meta.get("kind") in KINDS:
        return meta["kind"]
    have = set(headers)
    scores = {k: len(have & {h for _, h in all_columns(k, profiles.DEFAULT_PROFILE)}) for k in KINDS}
    only = {k: len(have & ({h for _, h in all_columns(k, profiles.DEFAULT_PROFILE)}
                           - {h for o in KINDS if o != k for _, h in all_columns(o, profiles.DEFAULT_PROFILE)}))
            for k in KINDS}
    return max(KINDS, key=lambda k: (only[k], scores[k]))


def _profile_of(roster: pd.DataFrame, kind: str, meta: dict) -> str:
    """The profile recorded in the file, else the one whose option wording fits the most values."""
    if meta.get("profile") in profiles.available():
        return meta["profile"]
    best, best_score = profiles.DEFAULT_PROFILE, -1
    for name in [profiles.DEFAULT_PROFILE] + [p for p in profiles.available() if p != profiles.DEFAULT_PROFILE]:
        form = profiles.load(name).form(kind)
        score = sum(int(roster[f.key].isin(f.options).sum()) for f in form.by_type("choice") if f.key in roster)
        if score > best_score:
            best, best_score = name, score
    return best


def read(path, *, password: str | None = None, profile: str | None = None) -> RosterBook:
    """Our 花名册 workbook at ``path`` (encrypted ones with ``password``)."""
    kind_of_file, book = readers.open_workbook(path, password)
    if kind_of_file != "book":
        raise RosterError(f"{path}：不是本工具生成的花名册（.xlsx），请给出 xltools merge 输出的花名册。")
    meta = {}
    if readers.META_SHEET in book.sheet_names:
        meta = readers.meta_of(book.get_sheet_by_name(readers.META_SHEET).to_python())
    header, rows = _rows(book, ROSTER_SHEET)
    if not header:
        raise RosterError(f"{path}：没有“{ROSTER_SHEET}”工作表，不是 xltools merge 输出的花名册；"
                          "请给出合并后的花名册文件。")
    kind = _kind_of(header, meta)
    by_header = {h: k for k, h in all_columns(kind, profiles.DEFAULT_PROFILE)}
    if not {"姓名", "公民身份号码"} <= set(header) or PROVENANCE_LABELS["town"] not in header:
        raise RosterError(f"{path}：“{ROSTER_SHEET}”工作表缺少 镇街、姓名 或 公民身份号码 列，"
                          "不是 xltools merge 输出的花名册。")
    keys = [by_header.get(h, h) for h in header]
    unknown = [h for h in header if h and h not in by_header]
    data: dict[str, list] = {}
    width = len(header)
    by_column = list(zip(*(r if len(r) == width else (list(r) + [""] * width)[:width] for r in rows)))
    text = readers.cell_text
    for i, key in enumerate(keys):
        if not header[i]:
            continue
        col = by_column[i] if by_column else ()
        if key in INT_KEYS:
            data[key] = [None if v in ("", None) else int(v) if not isinstance(v, str) else _int(v) for v in col]
        elif key == "key_care":
            data[key] = [text(v) == "是" for v in col]
        else:  # str cells (nearly all) inline, the rest through cell_text
            data[key] = [v.strip() if type(v) is str else text(v) for v in col]
    roster = pd.DataFrame(data)
    if len(roster):  # trailing blank rows (an edited file) are not children
        roster = roster[(roster.get("name", "") != "") | (roster.get("id_number", "") != "")].reset_index(drop=True)
    prof = profile or _profile_of(roster, kind, meta)
    issues = _text_frame(*_rows(book, ISSUES_SHEET))
    differences = _text_frame(*_rows(book, DIFFERENCES_SHEET))
    columns = [(k, h) for k, h in zip(keys, header) if h]
    return RosterBook(path=str(path), kind=kind, profile=prof, roster=roster, columns=columns, issues=issues,
                      differences=differences, unknown=unknown, meta=meta, encrypted=bool(password))


def ages_date(roster: pd.DataFrame) -> _dt.date | None:
    """The earliest date by which every child had reached the 年龄 the roster shows: the date a
    花名册 that records no 统计日期 was checked at, as near as its ages tell."""
    best = None
    for b, age in zip(roster.get("birth_date", []), roster.get("age", [])):
        try:
            birth = parse_date(b) if b else None
        except (DateError, ValueError, TypeError):
            birth = None
        if age is None or age != age or birth is None:
            continue
        d = birthday(birth, int(age))
        best = d if best is None or d > best else best
    return best


def roster_digest(roster: pd.DataFrame) -> str:
    """The identity of a 花名册's children, in order (姓名 and normalised 公民身份号码 of each row):
    what a department file records so its answers are not taken back into another roster.
    Corrections by reconcile change neither, so the reconciled roster has the same identity."""
    import hashlib

    names = roster["name"].tolist() if "name" in roster else [""] * len(roster)
    ids = roster["id_number"].tolist() if "id_number" in roster else [""] * len(roster)
    text = "\n".join(f"{readers.cell_text(n)}|{id_key(i)}" for n, i in zip(names, ids))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def id_key(text) -> str:
    """An ID number as a lookup key: normalised (full-width, spaces, lower-case x), '' when it cannot be one."""
    from xltools.core.idcard import IDError, compact

    try:
        return compact(readers.cell_text(text)).upper() if text else ""
    except IDError:  # stored as a number, digits lost: not a key
        return ""


def _int(text: str):
    try:
        return int(float(text))
    except ValueError:
        return None
