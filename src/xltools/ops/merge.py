"""Merge township and village rosters into the district 花名册, losing nothing.

:func:`merge` reads every input (our templates and hand-made rosters alike,
through :mod:`xltools.workbooks.readers`), checks every row with the rule engine, keeps
where each row came from (镇街, 村社区, file, sheet, row), folds duplicate
children, and accounts for every input row:

    rows read = rows in the 花名册 + duplicates folded + rows rejected

per file and in total.  Writing the workbook is :mod:`xltools.workbooks.rosterbook`'s job.

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
import multiprocessing
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from xltools.core import identity, regions
from xltools.workbooks import isolation, readers
from xltools.workbooks.check import check_roster, unused_field_issues as check_unused
from xltools.core.dates import DateError, parse_date
from xltools.core.issues import Issue
from xltools.core.profiles import (
    DEFAULT_SOURCE,
    Profile,
    available as available_profiles,
    load as load_profile,
)
from xltools.workbooks.roster import (
    PROVENANCE,
    PROVENANCE_LABELS,
    STATUS_COLUMNS,
    STATUS_LABELS,
    FileAccount,
    MergeResult,
)
from xltools.core.schema import KIND_LABELS, PLACE_LABELS, TEMPLATE_COMPUTED_NOTE, is_template_computed, parse_kind

# a folder's files that are merged or listed in 未读取文件 (a village's Word file or photo is
# listed too, so nobody assumes it was counted); the readers tell a file by its bytes
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xlt", ".et", ".ods", ".csv", ".tsv", ".txt", ".xml",
            ".htm", ".html", ".doc", ".docx", ".wps", ".pdf", ".jpg", ".jpeg", ".png", ".zip", ".rar", ".7z")
MAX_WORKERS = 4  # processes reading and checking files (each holds its own copy of the engine)
# Below this many files, starting worker processes costs more than it saves: forking is
# cheap (Linux), spawning (Windows, macOS) imports pandas afresh in each worker, ~1–2 s.
MIN_FILES_FOR_WORKERS = {"fork": 4}.get(multiprocessing.get_all_start_methods()[0], 32)  # [0]: the default
# Where forking is cheap, even fewer files are read in one worker process: a file that makes a
# reading library abort the process, or exhaust memory, is then contained (xltools.workbooks.isolation).
ISOLATE_FEW_FILES = multiprocessing.get_all_start_methods()[0] == "fork"
PEEK_FILES = 20  # files looked at for a recorded profile when none is given
R_NO_IDENTITY = "姓名和公民身份号码都没有，无法识别儿童"
R_UNKNOWN_KIND = "无法从表头判断是流动儿童表还是留守儿童表，其他文件也没有，未合并；请用 --kind 流动 或 --kind 留守 指定"
R_OWN_ROSTER = "这是本工具生成的花名册，不作为镇街上报表合并（其中的儿童已在各镇街的表中）；如要重新核对它，请单独合并或校验这一个文件"
_TOWN = re.compile(r"([\u4e00-\u9fff]{1,10}?(?:街道办事处|街道|镇|乡))")
_VILLAGE = re.compile(r"([\u4e00-\u9fff]{1,12}?(?:村民委员会|居民委员会|社区|村|居委会))")


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
            # 龙溪街道办事处 is the office of 龙溪街道: one 镇街, not two, in 统计 and split
            return town.group(1).removesuffix("办事处"), village.group(1) if village else ""
    village = _VILLAGE.search(unit or path.stem)
    return "", village.group(1) if village else ""


def places(frame: pd.DataFrame, town: str, village: str, default_province: str = "") -> tuple[list, list]:
    """镇街 and 村社区 of each row: the sheet's own 镇街/村社区 columns where filled, else the
    place of the sheet (:func:`place_of`), else — for 村社区 — the township and village named
    in the row's 现居住地 text (a township's list of many villages)."""
    n = len(frame)
    col = lambda k: frame[k].tolist() if k in frame else [""] * n
    towns = [t or town for t in col("town")]
    villages = [v or village for v in col("village")]
    if all(villages):
        return towns, villages
    residence = [" ".join(x for x in parts if x) for parts in zip(
        col("residence"), col("residence_county"), col("residence_detail"))]
    seen: dict[str, tuple[str, str]] = {}
    for i, text in enumerate(residence):
        if villages[i] or not text:
            continue
        m = _VILLAGE.search(text)
        if not m:
            continue
        text = text[:m.end()]  # the street and house number after it repeat little: parse each place once
        if text not in seen:
            seen[text] = place_of(text, Path(""), default_province)
        t, v = seen[text]
        if v and (not towns[i] or not t or t == towns[i]):
            villages[i], towns[i] = v, towns[i] or t
    return towns, villages


def _decide_profile(files, profile, passwords, synonyms, source: str) -> tuple[Profile, str]:
    """The profile asked for (and why), else the one the first template that records one names."""
    if profile is not None:
        prof = profile if isinstance(profile, Profile) else load_profile(profile)
        return prof.with_synonyms(synonyms), source or "--profile"
    # our templates are .xlsx; a few files are enough (each peek opens a file once more)
    for path in [p for p in files if p.suffix.lower() in (".xlsx", ".xlsm")][:PEEK_FILES]:
        try:
            rec = readers.peek_meta(path, passwords.get(str(path)) or passwords.get(path.name)).get("profile")
        except readers.ReadError:
            continue
        if rec in available_profiles():
            return load_profile(rec).with_synonyms(synonyms), f"{path.name} 记录的口径"
    return load_profile(None).with_synonyms(synonyms), DEFAULT_SOURCE


def merge(inputs, *, kind: str | None = None, profile: Profile | str | None = None,
          as_of: _dt.date | None = None, passwords: dict[str, str] | None = None, progress=None,
          workers: int | None = None, time_limit: float | None = isolation.TIME_LIMIT,
          error_log: Path | str | None = None, profile_source: str = "", synonyms=(), unit: str = "",
          as_of_source: str = "--as-of") -> MergeResult:
    """Merge the rosters found in ``inputs`` (files or folders); see the module docstring.

    ``profile``: None takes the one our templates record (the first file that records one),
    else the national wording; ``profile_source`` says why a given one was chosen
    (``xltools.toml``).  ``synonyms``: a district's own (header, field) pairs.
    ``workers``: processes that read and check files in parallel (default: up to
    :data:`MAX_WORKERS`, one per core, when there are several files, else one where forking
    is cheap; 0 reads and checks every file in this process).  The result does not depend on it.

    Whatever goes wrong with one file (any exception, a worker that dies, more than
    ``time_limit`` seconds, more memory than a worker may use) puts that file among the
    unread with a reason and the rest is merged (:mod:`xltools.workbooks.isolation`); the details
    go to ``error_log`` (written only when something failed) and to each account's ``detail``.

    Our own 花名册 among other inputs is skipped (its children are those of the
    township files beside it); given alone, it is read with its recorded kind, profile
    and 统计日期.  A sheet with no 填报日期 is checked at ``as_of``, else at the
    其他文件's most common 填报日期, and listed in 问题清单.
    """
    files = collect(inputs)
    passwords = passwords or {}
    prof, profile_source = _decide_profile(files, profile, passwords, synonyms, profile_source)
    wanted = parse_kind(kind) if kind else None
    if workers is None:
        workers = min(MAX_WORKERS, os.cpu_count() or 1) if len(files) >= MIN_FILES_FOR_WORKERS else \
            int(ISOLATE_FEW_FILES and bool(files))
    accounts: list[FileAccount] = []
    per_file: dict[int, tuple[list, list, list]] = {}  # account index → (frames, issues, rejected rows)
    failures: list[tuple[str, isolation.Failure]] = []
    log_name = Path(error_log).name if error_log else None
    dates_seen: list[_dt.date] = []
    undated: list = []  # (account index, slot in its frames, path, roster, account): dated at the end
    chosen = wanted

    def password_of(path: Path) -> str | None:
        return passwords.get(str(path)) or passwords.get(path.name)

    def fail(acc: FileAccount, failure: isolation.Failure) -> None:
        acc.status, acc.code, acc.reason, acc.detail = "skipped", failure.code, failure.reason(log_name), failure.detail
        acc.sheets, acc.read, acc.rejected, acc.rejected_reasons, acc.columns = [], 0, 0, {}, []
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
        meta = rosters[0].meta
        if readers.is_roster_book(meta) and len(files) > 1:
            acc.status, acc.code, acc.reason = "skipped", "file.own_roster", R_OWN_ROSTER
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
        recorded = meta.get("profile")
        if recorded in available_profiles() and recorded != prof.name:
            file_issues.append((str(path), rosters[0].sheet, Issue(
                code="file.profile_mismatch", params={"recorded": load_profile(recorded).label,
                                                      "used": prof.label, "why": profile_source})))
        for i, r in usable:
            acc.columns += column_map(r, chosen, prof)
            file_issues.extend((str(path), r.sheet, x) for x in unused_field_issues(r, chosen, prof))
            found = _date(r.report_date)
            if found:
                dates_seen.append(found)
            recorded_as_of = readers.recorded_as_of(r.meta)  # our own 花名册, a township's file from split
            if as_of or found or recorded_as_of:
                done = checked.get(i)
                result = done[1] if done and done[0] == chosen else \
                    check_sheet(path, r, chosen, prof, sheet_as_of(r, as_of))
                when, source = (as_of, as_of_source) if as_of else (found, "填报日期") if found else \
                    (recorded_as_of, "表中记录的统计日期")
                if as_of and not found and not recorded_as_of:
                    file_issues.append((str(path), r.sheet, no_report_date(when, source)))
            else:  # dated once every file has been read, by the others' 填报日期
                undated.append((index, len(frames), path, r, acc))
                frames.append(None)
                continue
            add(acc, r, result, when, source, (frames, file_issues, file_rejected))
        per_file[index] = (frames, file_issues, file_rejected)
        return True

    def add(acc: FileAccount, r, result, when, source: str, into) -> None:
        frame, sheet_issues, rejected = result
        frames, file_issues, file_rejected = into
        acc.sheets.append(r.sheet)
        acc.notes.extend((r.sheet, n) for n in r.notes)
        if not acc.as_of:
            acc.as_of, acc.as_of_source = when.isoformat(), source
        acc.read += len(r.frame)
        acc.rejected += len(rejected)
        for row in rejected:
            acc.rejected_reasons[row["reason"]] = acc.rejected_reasons.get(row["reason"], 0) + 1
        file_rejected.extend(rejected)
        file_issues.extend(sheet_issues)
        if frame is not None:
            frames.append(frame)

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
    reported_later: list[tuple[Path, FileAccount]] = []
    for path, got in isolation.run_isolated(jobs, _read_file, workers, passthrough=(readers.ReadError,),
                                            time_limit=time_limit):
        acc = FileAccount(str(path))
        accounts.append(acc)
        index = len(accounts) - 1
        if not guarded_take(index, path, got, acc):
            undecided.append((index, path, got, acc))
        # a file taken later (kind unknown yet, no 填报日期) is reported then: the rows counted are the rows merged
        if (undecided and undecided[-1][0] == index) or (undated and undated[-1][0] == index):
            reported_later.append((path, acc))
        elif progress:
            progress(path, acc.read)
    for index, path, got, acc in undecided:  # files read before any file told the kind
        if chosen is None:
            acc.status, acc.code, acc.reason = "skipped", "file.unknown_kind", R_UNKNOWN_KIND
        else:
            guarded_take(index, path, got, acc)
    if chosen is None:
        chosen = "flow"
    if undated:
        when = max(set(dates_seen), key=lambda d: (dates_seen.count(d), d)) if dates_seen else _dt.date.today()
        source = "其他文件的填报日期" if dates_seen else "今天"
        for index, slot, path, r, acc in undated:
            if index not in per_file:  # the file failed meanwhile
                continue
            into = per_file[index]
            try:
                frame, sheet_issues, rejected = check_sheet(path, r, chosen, prof, when)
            except Exception as exc:  # noqa: BLE001 - one file's failure is that file's alone
                per_file.pop(index, None)
                fail(acc, isolation.failure_of(exc))
                continue
            into[0][slot] = frame
            into[1].append((str(path), r.sheet, no_report_date(when, source)))
            add(acc, r, (None, sheet_issues, rejected), when, source, into)
    for path, acc in reported_later if progress else ():
        progress(path, acc.read)
    if failures and error_log:
        isolation.write_log(error_log, failures)
    parts, issues, rejected_rows = [], [], []
    for index in sorted(per_file):  # path order, whichever file told the kind
        frames, file_issues, file_rejected = per_file[index]
        parts += [f for f in frames if f is not None]
        issues += file_issues
        rejected_rows += file_rejected
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
                       duplicates=duplicates, rejected=rejected_df, files=accounts, error_log=
                       str(error_log) if failures and error_log else None, profile_source=profile_source,
                       unit=unit)


def sheet_as_of(r: "readers.Roster", as_of: _dt.date | None) -> _dt.date | None:
    """The 统计日期 to check a sheet at: ``as_of``; else None (its own 填报日期), or the
    统计日期 a workbook we wrote records when the sheet has no 填报日期."""
    return as_of or (None if _date(r.report_date) else readers.recorded_as_of(r.meta))


def no_report_date(when: _dt.date, source: str) -> Issue:
    return Issue(code="sheet.no_report_date", params={"as_of": when.isoformat(), "source": source})


def _date(text: str) -> _dt.date | None:
    try:
        return parse_date(text) if text else None
    except DateError:
        return None


def column_map(r: "readers.Roster", kind: str, prof: Profile) -> list[dict]:
    """Every header column of a sheet and the field it fills ('' when not used), for 列对应."""
    from xltools.core.textreport import column_title

    ours = bool(r.meta.get("kind"))  # a sheet of our template: its formula columns are not data

    def field(header: str, key: str) -> str:
        if key:
            return PLACE_LABELS.get(key) or column_title(kind, key)
        return TEMPLATE_COMPUTED_NOTE if ours and is_template_computed(header) else ""

    return [{"sheet": r.sheet, "column": letter, "header": header, "key": key, "field": field(header, key)}
            for letter, header, key in r.headers]


def unused_field_issues(r: "readers.Roster", kind: str, prof: Profile) -> list[Issue]:
    """:func:`xltools.workbooks.check.unused_field_issues`, knowing our 花名册's own status and provenance columns."""
    return check_unused(r, kind, prof, list(STATUS_LABELS.values()) + list(PROVENANCE_LABELS.values()))


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
            checked[i] = (k, check_sheet(path, r, k, prof, sheet_as_of(r, as_of)))
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
    for key, values in report.normalised.items():  # IDs compact (x → X, full-width digits), dates ISO
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
    frame["town"], frame["village"] = places(r.frame, town, village, prof.default_province)
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
