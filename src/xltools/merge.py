"""Merge township and village rosters into the district 花名册, losing nothing.

:func:`merge` reads every input (our templates and hand-made rosters alike,
through :mod:`xltools.readers`), checks every row with the rule engine, keeps
where each row came from (镇街, 村社区, file, sheet, row), folds duplicate
children, and accounts for every input row:

    rows read = rows in the 花名册 + duplicates folded + rows rejected

per file and in total.  Writing the workbook is :mod:`xltools.rosterbook`'s job.

Which row is kept for a child seen several times (same valid 公民身份号码):
the one with the latest 填报日期 of its sheet; on a tie, the one with the most
filled fields; on a tie, the one read first (files in path order).

Files are read and checked in worker processes (one per core, up to
:data:`MAX_WORKERS`), a few files ahead of the one being taken; everything that
depends on the order of the files (the kind learnt from the first files, the
accounting, which duplicate is kept) is decided here, in path order, so the
result is the same with or without workers.
"""

from __future__ import annotations

import datetime as _dt
import multiprocessing
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import isolation, readers, regions
from .check import check_roster
from .dates import DateError, parse_date
from .issues import Issue
from .profiles import Profile, load as load_profile
from .schema import KIND_LABELS, parse_kind

# a folder's files that are merged or listed in 未读取文件 (a village's Word file or photo is
# listed too, so nobody assumes it was counted); the readers tell a file by its bytes
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xlt", ".et", ".ods", ".csv", ".tsv", ".txt", ".xml",
            ".htm", ".html", ".doc", ".docx", ".wps", ".pdf", ".jpg", ".jpeg", ".png", ".zip", ".rar", ".7z")
PROVENANCE = ("town", "village", "source_file", "source_sheet", "source_row")
PROVENANCE_LABELS = {"town": "镇街", "village": "村社区", "source_file": "来源文件", "source_sheet": "工作表",
                     "source_row": "行号"}
STATUS_COLUMNS = ("age", "category", "reasons", "key_care", "key_care_reasons", "errors", "warnings")
STATUS_LABELS = {"age": "年龄", "category": "类别", "reasons": "类别说明", "key_care": "重点关爱",
                 "key_care_reasons": "重点关爱原因", "errors": "错误数", "warnings": "提醒数"}
MAX_WORKERS = 4  # processes reading and checking files (each holds its own copy of the engine)
# Below this many files, starting worker processes costs more than it saves: forking is
# cheap (Linux), spawning (Windows, macOS) imports pandas afresh in each worker, ~1–2 s.
MIN_FILES_FOR_WORKERS = {"fork": 4}.get(multiprocessing.get_all_start_methods()[0], 32)  # [0]: the default
# Where forking is cheap, even fewer files are read in one worker process: a file that makes a
# reading library abort the process, or exhaust memory, is then contained (xltools.isolation).
ISOLATE_FEW_FILES = multiprocessing.get_all_start_methods()[0] == "fork"
R_NO_IDENTITY = "姓名和公民身份号码都没有，无法识别儿童"
R_UNKNOWN_KIND = "无法从表头判断是流动儿童表还是留守儿童表，其他文件也没有，未合并；请用 --kind 流动 或 --kind 留守 指定"
_TOWN = re.compile(r"([\u4e00-\u9fff]{1,10}?(?:街道办事处|街道|镇|乡))")
_VILLAGE = re.compile(r"([\u4e00-\u9fff]{1,12}?(?:村民委员会|居民委员会|社区|村|居委会))")


@dataclass
class FileAccount:
    path: str
    status: str = "merged"        # merged / skipped
    reason: str = ""              # why skipped (Chinese)
    code: str = ""                # ReadError code, 'file.other_kind' or an isolation code ('file.crashed' …)
    detail: str = ""              # for a failure: the traceback, also in the error log
    sheets: list[str] = field(default_factory=list)
    read: int = 0
    kept: int = 0
    folded: int = 0
    rejected: int = 0
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    other_sheets: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (sheet, what the reader cleaned or left blank)

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
    error_log: str | None = None         # the error log written beside the output, when a file failed

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
            "totals": self.totals(), "error_log": self.error_log,
            "files": [{**f.__dict__, "balanced": f.balanced} for f in self.files],
            "issues": [{"file": fp, "sheet": sh, **i.to_dict()} for fp, sh, i in self.issues],
            "categories": self.roster["category"].value_counts().to_dict() if len(self.roster) else {},
            "key_care": int(self.roster["key_care"].sum()) if len(self.roster) else 0,
        }


_LOG_TAIL = isolation.log_path("x.xlsx").name[1:]  # "_错误记录.txt": an earlier run's error log, not an input


def collect(inputs) -> list[Path]:
    """Files to merge: the files given, and the roster files under the folders given
    (recursively); Office lock files (``~$x.xlsx``) and hidden files are skipped."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in SUFFIXES
                          and not q.name.startswith(("~$", ".")) and not q.name.endswith(_LOG_TAIL))
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
          workers: int | None = None, time_limit: float | None = isolation.TIME_LIMIT,
          error_log: Path | str | None = None) -> MergeResult:
    """Merge the rosters found in ``inputs`` (files or folders); see the module docstring.

    ``workers``: processes that read and check files in parallel (default: up to
    :data:`MAX_WORKERS`, one per core, when there are several files, else one where forking
    is cheap; 0 reads and checks every file in this process).  The result does not depend on it.

    Whatever goes wrong with one file (any exception, a worker that dies, more than
    ``time_limit`` seconds, more memory than a worker may use) puts that file among the
    unread with a reason and the rest is merged (:mod:`xltools.isolation`); the details
    go to ``error_log`` (written only when something failed) and to each account's ``detail``.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    wanted = parse_kind(kind) if kind else None
    files = collect(inputs)
    passwords = passwords or {}
    if workers is None:
        workers = min(MAX_WORKERS, os.cpu_count() or 1) if len(files) >= MIN_FILES_FOR_WORKERS else \
            int(ISOLATE_FEW_FILES and bool(files))
    accounts: list[FileAccount] = []
    per_file: dict[int, tuple[list, list, list]] = {}  # account index → (frames, issues, rejected rows)
    failures: list[tuple[str, isolation.Failure]] = []
    log_name = Path(error_log).name if error_log else None
    chosen = wanted

    def password_of(path: Path) -> str | None:
        return passwords.get(str(path)) or passwords.get(path.name)

    def fail(acc: FileAccount, failure: isolation.Failure) -> None:
        acc.status, acc.code, acc.reason, acc.detail = "skipped", failure.code, failure.reason(log_name), failure.detail
        acc.sheets, acc.read, acc.rejected, acc.rejected_reasons = [], 0, 0, {}
        failures.append((acc.path, failure))

    def take(index: int, path: Path, got, acc: FileAccount) -> bool:
        """Take one file's rosters into the merge; False when its kind is not known yet."""
        nonlocal chosen
        if isinstance(got, readers.ReadError):
            acc.status, acc.code, acc.reason = "skipped", got.code, got.reason
            return True
        rosters, others, checked = got.rosters, got.others, got.checked
        if chosen and any(r.kind is None for r in rosters):  # a kind learnt from earlier files
            try:
                rosters, others = readers.read_rosters(path, kind=chosen, profile=prof, password=password_of(path))
            except readers.ReadError as exc:
                acc.status, acc.code, acc.reason = "skipped", exc.code, exc.reason
                return True
            checked = {}
        acc.other_sheets = others
        if not rosters:
            acc.status, acc.code, acc.reason = "skipped", "file.no_header", readers.ReadError.MESSAGES["file.no_header"]
            return True
        kinds = {r.kind for r in rosters if r.kind}
        if chosen is None and len(kinds) == 1:
            chosen = kinds.pop()
        if chosen is None:  # decided by a later file: taken again at the end
            return False
        usable = [(i, r) for i, r in enumerate(rosters) if (r.kind or chosen) == chosen]
        if not usable:
            other = KIND_LABELS.get(next(iter({r.kind for r in rosters if r.kind}), ""), "其他")
            acc.status, acc.code = "skipped", "file.other_kind"
            acc.reason = f"这是{other}儿童表，不是{KIND_LABELS[chosen]}儿童表，未合并；" \
                         f"请把{other}儿童表另行合并（--kind {other}）"
            return True
        frames, file_issues, file_rejected = [], [], []
        for i, r in usable:
            done = checked.get(i)
            frame, sheet_issues, rejected = done[1] if done and done[0] == chosen else \
                check_sheet(path, r, chosen, prof, as_of)
            acc.sheets.append(r.sheet)
            acc.notes.extend((r.sheet, n) for n in r.notes)
            acc.read += len(r.frame)
            acc.rejected += len(rejected)
            for row in rejected:
                acc.rejected_reasons[row["reason"]] = acc.rejected_reasons.get(row["reason"], 0) + 1
            file_rejected.extend(rejected)
            file_issues.extend(sheet_issues)
            frames.append(frame)
        per_file[index] = (frames, file_issues, file_rejected)
        return True

    def guarded_take(index: int, path: Path, got, acc: FileAccount) -> bool:
        """:func:`take`, with its own failures (the re-read, the check) isolated too."""
        if isinstance(got, isolation.Failure):
            fail(acc, got)
            return True
        try:
            return take(index, path, got, acc)
        except Exception as exc:  # noqa: BLE001 - one file's failure is that file's alone
            per_file.pop(index, None)
            fail(acc, isolation.failure_of(exc))
            return True

    jobs = ((path, (path, password_of(path), wanted, prof, as_of)) for path in files)
    undecided: list[tuple[int, Path, object, FileAccount]] = []
    for path, got in isolation.run_isolated(jobs, _read_file, workers, passthrough=(readers.ReadError,),
                                            time_limit=time_limit):
        acc = FileAccount(str(path))
        accounts.append(acc)
        if not guarded_take(len(accounts) - 1, path, got, acc):
            undecided.append((len(accounts) - 1, path, got, acc))
        if progress:
            progress(path, acc.read)
    for index, path, got, acc in undecided:  # files read before any file told the kind
        if chosen is None:
            acc.status, acc.code, acc.reason = "skipped", "file.unknown_kind", R_UNKNOWN_KIND
        else:
            guarded_take(index, path, got, acc)
    if chosen is None:
        chosen = "flow"
    if failures and error_log:
        isolation.write_log(error_log, failures)
    parts, issues, rejected_rows = [], [], []
    for index in sorted(per_file):  # path order, whichever file told the kind
        frames, file_issues, file_rejected = per_file[index]
        parts += frames
        issues += file_issues
        rejected_rows += file_rejected
    roster, duplicates = combine(parts)
    kept = roster["source_file"].value_counts().to_dict() if len(roster) else {}
    for acc in accounts:
        if acc.status == "merged":
            acc.kept = int(kept.get(acc.path, 0))
            acc.folded = acc.read - acc.rejected - acc.kept
    rejected_df = pd.DataFrame(rejected_rows, columns=["source_file", "source_sheet", "source_row", "name",
                                                       "id_number", "reason"])
    return MergeResult(kind=chosen, profile=prof.name, as_of=as_of, roster=roster, issues=issues,
                       duplicates=duplicates, rejected=rejected_df, files=accounts, error_log=
                       str(error_log) if failures and error_log else None)


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
    for key, values in report.normalised.items():  # 公民身份号码 in their compact form (x → X, full-width digits)
        frame[key] = values
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


def _fold_duplicates(roster: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep one row per valid 公民身份号码 (rule in the module docstring)."""
    if not len(roster) or "id_number" not in roster:
        return roster.drop(columns=["_report_date", "_filled"], errors="ignore"), pd.DataFrame()
    from .idcard import bulk_check

    ok, _, _, _ = bulk_check(roster["id_number"].to_numpy(dtype=object), _dt.date(2999, 12, 31))
    ids = roster["id_number"].where(ok, "")
    dup = ids.ne("") & ids.duplicated(keep=False)
    roster = roster.assign(_order=np.arange(len(roster)))
    if not dup.any():
        return roster.drop(columns=["_report_date", "_filled", "_order"]), pd.DataFrame()
    group = roster[dup].copy()
    group["_id"] = ids[dup]
    group = group.sort_values(["_id", "_report_date", "_filled", "_order"], ascending=[True, False, False, True])
    group["kept"] = ~group["_id"].duplicated(keep="first")
    group["duplicate_group"] = group["_id"]
    drop_idx = group.index[~group["kept"]]
    kept = roster.drop(index=drop_idx)
    dups = group.drop(columns=["_report_date", "_filled", "_order", "_id"])
    return kept.drop(columns=["_report_date", "_filled", "_order"]).reset_index(drop=True), dups.reset_index(drop=True)
