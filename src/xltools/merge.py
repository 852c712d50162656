"""Merge township and village rosters into the district 花名册, losing nothing.

:func:`merge` reads every input (our templates and hand-made rosters alike,
through :mod:`xltools.readers`), checks every row with the rule engine, keeps
where each row came from (镇街, 村社区, file, sheet, row), folds duplicate
children, and accounts for every input row:

    rows read = rows in the 花名册 + duplicates folded + rows rejected

per file and in total.  Writing the workbook is :mod:`xltools.rosterbook`'s job.

One child is one child (:func:`_fold_duplicates` has the details): rows with the
same valid 公民身份号码 are folded (确定); rows with the same invalid number and the same
姓名 are folded (很可能); rows with the same 姓名 + 出生日期 (and the same 村社区, or none)
and no two different valid numbers are folded "until a person says otherwise"
(待人工确认).  Near misses (the same invalid number under two names; the same name and
birth date with two valid numbers or in two villages) are listed, not folded.  Every
row of such a child is in 重复记录 with the rule and how sure it is, and in 问题清单,
so each township learns where else its child was registered.
Which row is kept: one with a valid number; then the latest 填报日期 of its sheet;
then the most filled fields; then the one read first (files in path order).

Files are read and checked in worker processes (one per core, up to
:data:`MAX_WORKERS`), a few files ahead of the one being taken; everything that
depends on the order of the files (the kind learnt from the first files, the
accounting, which duplicate is kept) is decided here, in path order, so the
result is the same with or without workers.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import multiprocessing
import os
import re
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import identity, readers, regions
from .check import check_roster
from .dates import DateError, parse_date
from .issues import Issue
from .profiles import Profile, load as load_profile
from .schema import KIND_LABELS, parse_kind

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
PROVENANCE = ("town", "village", "source_file", "source_sheet", "source_row")
PROVENANCE_LABELS = {"town": "镇街", "village": "村社区", "source_file": "来源文件", "source_sheet": "工作表",
                     "source_row": "行号"}
STATUS_COLUMNS = ("age", "category", "reasons", "key_care", "key_care_reasons", "errors", "warnings")
STATUS_LABELS = {"age": "年龄", "category": "类别", "reasons": "类别说明", "key_care": "重点关爱",
                 "key_care_reasons": "重点关爱原因", "errors": "错误数", "warnings": "提醒数"}
READ_AHEAD = 2  # files per worker read and checked ahead of the one the merge is taking
MAX_WORKERS = 4  # processes reading and checking files (each holds its own copy of the engine)
# Below this many files, starting worker processes costs more than it saves: forking is
# cheap (Linux), spawning (Windows, macOS) imports pandas afresh in each worker, ~1–2 s.
MIN_FILES_FOR_WORKERS = {"fork": 4}.get(multiprocessing.get_all_start_methods()[0], 32)  # [0]: the default
R_NO_IDENTITY = "姓名和公民身份号码都没有，无法识别儿童"
_TOWN = re.compile(r"([\u4e00-\u9fff]{1,10}?(?:街道办事处|街道|镇|乡))")
_VILLAGE = re.compile(r"([\u4e00-\u9fff]{1,12}?(?:村民委员会|居民委员会|社区|村|居委会))")


@dataclass
class FileAccount:
    path: str
    status: str = "merged"        # merged / skipped
    reason: str = ""              # why skipped (Chinese)
    code: str = ""                # ReadError code or 'file.other_kind'
    sheets: list[str] = field(default_factory=list)
    read: int = 0
    kept: int = 0
    folded: int = 0
    rejected: int = 0
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    other_sheets: list[tuple[str, str]] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.read == self.kept + self.folded + self.rejected


@dataclass
class MergeResult:
    kind: str
    profile: str
    as_of: _dt.date | None
    roster: pd.DataFrame                 # one row per child: column keys, provenance, status
    issues: list[tuple[str, str, Issue]]  # (file, sheet, issue)
    duplicates: pd.DataFrame             # every row of a duplicated child, with kept/duplicate_group
    rejected: pd.DataFrame               # rows not in the roster and why
    files: list[FileAccount]

    @property
    def unread(self) -> list[FileAccount]:
        return [f for f in self.files if f.status != "merged"]

    def totals(self) -> dict[str, int]:
        merged = [f for f in self.files if f.status == "merged"]
        return {k: sum(getattr(f, k) for f in merged) for k in ("read", "kept", "folded", "rejected")}

    @property
    def exit_code(self) -> int:
        merged = [f for f in self.files if f.status == "merged"]
        if not merged:
            return 2
        return 1 if self.unread else 0

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "profile": self.profile,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "totals": self.totals(),
            "files": [{**f.__dict__, "balanced": f.balanced} for f in self.files],
            "issues": [{"file": fp, "sheet": sh, **i.to_dict()} for fp, sh, i in self.issues],
            "categories": self.roster["category"].value_counts().to_dict() if len(self.roster) else {},
            "key_care": int(self.roster["key_care"].sum()) if len(self.roster) else 0,
        }


def collect(inputs) -> list[Path]:
    """Files to merge: the files given, and the roster files under the folders given
    (recursively); Office lock files (``~$x.xlsx``) and hidden files are skipped."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in SUFFIXES
                          and not q.name.startswith(("~$", ".")))
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def place_of(unit: str, path: Path, default_province: str = "") -> tuple[str, str]:
    """镇街 and 村社区 from the sheet's 填报单位, else from the file and folder names."""
    for text in (unit, path.stem, path.parent.name):
        addr = regions.parse_address(text or "", default_province)
        text = addr.detail if addr.county else text  # drop 重庆市渝北区 before the township
        town = _TOWN.search(text or "")
        if town:
            rest = (text or "")[town.end():]
            village = _VILLAGE.search(rest)
            return town.group(1), village.group(1) if village else ""
    village = _VILLAGE.search(unit or path.stem)
    return "", village.group(1) if village else ""


def merge(inputs, *, kind: str | None = None, profile: Profile | str | None = None,
          as_of: _dt.date | None = None, passwords: dict[str, str] | None = None, progress=None,
          workers: int | None = None) -> MergeResult:
    """Merge the rosters found in ``inputs`` (files or folders); see the module docstring.

    ``workers``: processes that read and check files in parallel (default: up to
    :data:`MAX_WORKERS`, one per core, when there are several files; 0 reads and checks
    every file in this process).  The result does not depend on it.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    wanted = parse_kind(kind) if kind else None
    files = collect(inputs)
    passwords = passwords or {}
    if workers is None:
        workers = min(MAX_WORKERS, os.cpu_count() or 1) if len(files) >= MIN_FILES_FOR_WORKERS else 0
    accounts: list[FileAccount] = []
    parts: list[pd.DataFrame] = []
    issues: list[tuple[str, str, Issue]] = []
    rejected_rows: list[dict] = []
    chosen = wanted

    def password_of(path: Path) -> str | None:
        return passwords.get(str(path)) or passwords.get(path.name)

    def take(path: Path, reading, acc: FileAccount) -> None:
        nonlocal chosen
        try:
            got: _FileRead = reading.result()
            rosters, others, checked = got.rosters, got.others, got.checked
            target = chosen or wanted
            if target and any(r.kind is None for r in rosters):  # a kind learnt from earlier files
                rosters, others = readers.read_rosters(path, kind=target, profile=prof, password=password_of(path))
                checked = {}
        except readers.ReadError as exc:
            acc.status, acc.code, acc.reason = "skipped", exc.code, readers.ReadError.MESSAGES[exc.code]
            return
        acc.other_sheets = others
        if not rosters:
            acc.status, acc.code, acc.reason = "skipped", "file.no_header", readers.ReadError.MESSAGES["file.no_header"]
            return
        kinds = {r.kind for r in rosters if r.kind}
        if chosen is None and len(kinds) == 1:
            chosen = kinds.pop()
        usable = [(i, r) for i, r in enumerate(rosters) if (r.kind or chosen) == chosen]
        if not usable:
            other = KIND_LABELS.get(next(iter({r.kind for r in rosters if r.kind}), ""), "其他")
            acc.status, acc.code = "skipped", "file.other_kind"
            acc.reason = f"这是{other}儿童表，不是{KIND_LABELS[chosen]}儿童表，未合并"
            return
        for i, r in usable:
            done = checked.get(i)
            frame, sheet_issues, rejected = done[1] if done and done[0] == chosen else \
                check_sheet(path, r, chosen, prof, as_of)
            acc.sheets.append(r.sheet)
            acc.read += len(r.frame)
            acc.rejected += len(rejected)
            for row in rejected:
                acc.rejected_reasons[row["reason"]] = acc.rejected_reasons.get(row["reason"], 0) + 1
            rejected_rows.extend(rejected)
            issues.extend(sheet_issues)
            parts.append(frame)

    jobs = ((path, (path, password_of(path), wanted, prof, as_of)) for path in files)
    for path, reading in _ahead(jobs, _read_file, workers):
        acc = FileAccount(str(path))
        accounts.append(acc)
        take(path, reading, acc)
        if progress:
            progress(path, acc.read)
    if chosen is None:
        chosen = "flow"
    roster, duplicates = combine(parts)
    issues.extend(duplicate_issues(duplicates))
    kept = roster["source_file"].value_counts().to_dict() if len(roster) else {}
    for acc in accounts:
        if acc.status == "merged":
            acc.kept = int(kept.get(acc.path, 0))
            acc.folded = acc.read - acc.rejected - acc.kept
    rejected_df = pd.DataFrame(rejected_rows, columns=["source_file", "source_sheet", "source_row", "name",
                                                       "id_number", "reason"])
    return MergeResult(kind=chosen, profile=prof.name, as_of=as_of, roster=roster, issues=issues,
                       duplicates=duplicates, rejected=rejected_df, files=accounts)


@dataclass
class _FileRead:
    """What a worker sends back for one file: its rosters, the sheets that are not, and the
    rosters it could already check — index → (kind checked as, :func:`check_sheet` result)."""

    rosters: list
    others: list
    checked: dict


def _read_file(path: Path, password: str | None, kind: str | None, prof: Profile, as_of) -> _FileRead:
    """Read a file and check the rosters whose kind is known (their own, or the one asked for).

    Rosters whose kind only the merge can decide (from the files before) are left to it."""
    rosters, others = readers.read_rosters(path, profile=prof, password=password)
    if kind and any(r.kind is None for r in rosters):
        rosters, others = readers.read_rosters(path, kind=kind, profile=prof, password=password)
    checked = {}
    for i, r in enumerate(rosters):
        k = r.kind or kind
        if k and (kind is None or k == kind):
            checked[i] = (k, check_sheet(path, r, k, prof, as_of))
    return _FileRead(rosters, others, checked)


def _ahead(jobs, fn, workers: int):
    """(key, future of ``fn(*args)``) for each (key, args) of ``jobs``, in order.

    With ``workers`` processes, up to ``READ_AHEAD`` files per worker are read and checked
    ahead of the one the merge is taking, so at most that many wait in memory; with 0,
    each is done here when its turn comes."""
    if not workers:
        for key, args in jobs:
            done: Future = Future()
            try:
                done.set_result(fn(*args))
            except Exception as exc:  # delivered by .result(), as a worker's would be
                done.set_exception(exc)
            yield key, done
        return
    with ProcessPoolExecutor(workers) as pool:
        queue: deque = deque()
        pending = iter(jobs)
        for key, args in itertools.islice(pending, READ_AHEAD * workers):
            queue.append((key, pool.submit(fn, *args)))
        while queue:
            key, future = queue.popleft()
            nxt = next(pending, None)
            if nxt is not None:
                queue.append((nxt[0], pool.submit(fn, *nxt[1])))
            yield key, future


def combine(parts: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 花名册 (one row per child) and the duplicate rows, from sheets checked by :func:`check_sheet`."""
    roster = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(PROVENANCE))
    # a column one sheet lacks is empty text for its rows, as the readers give empty cells
    text_cols = [c for c in roster.columns if c not in STATUS_COLUMNS and c not in ("source_row", "_report_date",
                                                                                      "_filled")]
    roster[text_cols] = roster[text_cols].fillna("")
    return _fold_duplicates(roster)


def check_sheet(path: Path, r: "readers.Roster", kind: str, prof: Profile, as_of):
    """One roster sheet checked by the rule engine: its rows with status and provenance, its
    issues (file, sheet, issue), and the rows it cannot use (no name and no ID)."""
    report = check_roster(r, kind, prof, as_of)
    frame = r.frame.copy()
    st = report.statuses
    frame["age"] = [None if a < 0 else int(a) for a in st.age]
    frame["category"] = list(st.category)
    frame["reasons"] = ["；".join(st.reasons.get(i, ())) for i in range(len(st))]
    frame["key_care"] = list(st.key_care)
    frame["key_care_reasons"] = ["、".join(st.key_care_reasons.get(i, ())) for i in range(len(st))]
    frame["errors"] = list(st.errors)
    frame["warnings"] = list(st.warnings)
    town, village = place_of(r.unit, path, prof.default_province)
    frame["town"], frame["village"] = town, village
    frame["source_file"], frame["source_sheet"] = str(path), r.sheet
    frame["source_row"] = list(r.frame.index)
    try:
        rd = parse_date(r.report_date) if r.report_date else None
    except DateError:
        rd = None
    frame["_report_date"] = rd or _dt.date.min
    frame["_filled"] = (r.frame != "").sum(axis=1).to_numpy() if len(r.frame.columns) else 0
    names = frame["name"] if "name" in frame else pd.Series("", index=frame.index)
    ids = frame["id_number"] if "id_number" in frame else pd.Series("", index=frame.index)
    no_identity = (names == "").to_numpy() & (ids == "").to_numpy()
    rejected = [{"source_file": str(path), "source_sheet": r.sheet, "source_row": int(idx),
                 "name": "", "id_number": "", "reason": R_NO_IDENTITY}
                for idx in np.asarray(r.frame.index)[no_identity]]
    frame = frame[~no_identity].reset_index(drop=True)
    sheet_issues = [(str(path), r.sheet, i) for i in report.issues]
    return frame, sheet_issues, rejected


# --- one child is one child ------------------------------------------------------------
# (rule, 确定程度, folded?) of each way two rows are found to be the same child.
DUP_SAME_ID = ("同一公民身份号码", "确定：号码有效且相同", True)
DUP_SAME_BAD_ID = ("同一公民身份号码（号码有误）且姓名相同", "很可能：号码有误，但两处写法相同、姓名相同", True)
DUP_NAME_BIRTH = ("姓名、出生日期相同（村社区相同或未填），没有可比的有效号码",
                  "待人工确认：已按一人统计；若是两名儿童，请补正确的身份号码后重新合并", True)
DUP_BAD_ID_NAMES = ("同一公民身份号码（号码有误）但姓名不同", "未合并：请核对号码", False)
DUP_TWO_IDS = ("姓名、出生日期相同，但身份号码不同", "未合并：可能是同一儿童的号码录错，请核实", False)
DUP_TWO_VILLAGES = ("姓名、出生日期相同，但村社区不同，没有可比的有效号码", "未合并：可能在两地重复登记，请核实", False)
A_KEPT, A_FOLDED, A_OPEN = "保留", "已合并", "未合并，待核实"
MAX_NAMED = 10  # other registrations named in one 问题清单 line


def _fold_duplicates(roster: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per child; every row of a child seen twice (folded or not) in the second frame.

    The rules, in this order (also in the module docstring and the README):

    1. the same valid 公民身份号码: one child (确定), folded;
    2. the same invalid number (at least 15 characters: an attempt at one, not 无 or 暂无),
       written the same after normalisation (full-width, spaces …) and the same 姓名: one
       child (很可能), folded — an invalid number that two rows share
       with different names is shown, not folded; a number whose digits were lost
       (5.00101E+17) is no identity at all (siblings share what is left);
    3. among the rows left, the same 姓名 + 出生日期 with at most one valid number between
       them and the same 村社区 (or none written): one child "until a person says
       otherwise" (待人工确认) — counted once, both rows listed in 重复记录 and 问题清单;
       with two different valid numbers, or two different 村社区, they are shown, not folded.

    Which row is kept: one with a valid number; then the latest 填报日期 of its sheet; then
    the most filled fields; then the one read first.
    """
    helpers = ["_report_date", "_filled", "_order"]
    if not len(roster):
        return roster.drop(columns=helpers, errors="ignore"), pd.DataFrame()
    roster = roster.assign(_order=np.arange(len(roster)))
    keys = identity.keys(roster)
    rank = roster.assign(_valid=keys["valid"]).sort_values(["_valid", "_report_date", "_filled", "_order"],
                                                           ascending=[False, False, False, True]).index.tolist()
    # plain lists: a district can have many duplicates (a roster merged twice), pandas per group is slow
    number, valid, name = keys["number"].tolist(), keys["valid"].tolist(), keys["name"].tolist()
    birth, village = keys["birth"].tolist(), keys["village"].tolist()
    pos = {idx: p for p, idx in enumerate(roster.index)}
    alive = [True] * len(roster)
    groups: list[tuple[str, tuple, list]] = []  # (label, rule, row indexes in keep order)

    def grouped(key) -> dict:
        """key value → the living rows (in keep order) that share it, for values shared by two or more."""
        out: dict = {}
        for idx in rank:
            p = pos[idx]
            k = key(p) if alive[p] else ""
            if k:
                out.setdefault(k, []).append(idx)
        return {k: v for k, v in out.items() if len(v) > 1}

    def fold(idx: list) -> None:
        for i in idx[1:]:
            alive[pos[i]] = False

    for k, idx in grouped(lambda p: number[p] if valid[p] else "").items():
        groups.append((k, DUP_SAME_ID, idx))
        fold(idx)
    # an invalid number is an identity only when it is an attempt at one (无, 暂无, 未落户 are not)
    bad = [number[p] if len(number[p]) >= 15 and not valid[p] else "" for p in range(len(number))]
    for k, idx in grouped(lambda p: f"{bad[p]}|{name[p]}" if bad[p] else "").items():
        groups.append((k.split("|")[0], DUP_SAME_BAD_ID, idx))
        fold(idx)
    for k, idx in grouped(lambda p: bad[p]).items():  # the same invalid number under different names: shown only
        if len({name[pos[i]] for i in idx}) > 1:
            groups.append((k, DUP_BAD_ID_NAMES, idx))
    for k, idx in grouped(lambda p: f"{name[p]}|{birth[p]}" if name[p] and birth[p] else "").items():
        label = "{}（{}）".format(*k.split("|"))
        if len({number[pos[i]] for i in idx if valid[pos[i]]}) > 1:
            groups.append((label, DUP_TWO_IDS, idx))
        elif len({village[pos[i]] for i in idx} - {""}) > 1:
            groups.append((label, DUP_TWO_VILLAGES, idx))
        else:
            groups.append((label, DUP_NAME_BIRTH, idx))
            fold(idx)
    kept = roster[alive].drop(columns=helpers).reset_index(drop=True)
    if not groups:
        return kept, pd.DataFrame()
    rows, cols = [], {"duplicate_group": [], "dup_rule": [], "dup_confidence": [], "dup_action": []}
    for label, (rule, confidence, folded), idx in groups:
        rows += idx
        cols["duplicate_group"] += [label] * len(idx)
        cols["dup_rule"] += [rule] * len(idx)
        cols["dup_confidence"] += [confidence] * len(idx)
        cols["dup_action"] += [A_KEPT] + [A_FOLDED] * (len(idx) - 1) if folded else [A_OPEN] * len(idx)
    dups = roster.loc[rows].drop(columns=helpers).reset_index(drop=True)
    dups = dups.assign(**cols, kept=[a != A_FOLDED for a in cols["dup_action"]])
    return kept, dups


def duplicate_issues(duplicates: pd.DataFrame) -> list[tuple[str, str, Issue]]:
    """A 问题清单 line for every row of a child seen twice, naming where else it was registered,
    so the township of each row learns of the other (split --by 镇街 takes them along)."""
    if not len(duplicates):
        return []
    cols = ["source_file", "source_sheet", "source_row", "duplicate_group", "dup_rule", "dup_confidence",
            "dup_action"]
    recs = duplicates[cols].to_dict("records")
    names = duplicates["name"].tolist() if "name" in duplicates else [""] * len(recs)
    where = [f"{Path(r['source_file']).name}（{r['source_sheet']}）第{r['source_row']}行" for r in recs]
    groups: dict[tuple, list[int]] = {}
    for p, r in enumerate(recs):
        groups.setdefault((r["duplicate_group"], r["dup_rule"]), []).append(p)
    out = []
    for members in groups.values():
        for p in members:
            r = recs[p]
            others = [where[q] for q in members if q != p]
            others = "、".join(others[:MAX_NAMED]) + (f" 等{len(others)}处" if len(others) > MAX_NAMED else "")
            code = "roster.duplicate_open" if r["dup_action"] == A_OPEN else "roster.duplicate_folded"
            issue = Issue(code, row=int(r["source_row"]), field="name", label="姓名", value=str(names[p]),
                          params={"others": others, "rule": r["dup_rule"], "confidence": r["dup_confidence"],
                                  "action": r["dup_action"]})
            out.append((str(r["source_file"]), str(r["source_sheet"]), issue))
    return out
