"""Check a roster file: read it, decide its kind, run the rule engine.

The one function the CLI's ``validate`` command, the add-in and the merge call
for a single file; reading lives in :mod:`xltools.readers`, the rules in
:mod:`xltools.validate`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from . import readers
from .profiles import Profile, load as load_profile
from .schema import KIND_LABELS, parse_kind
from .validate import Report, validate_frame


class KindUnknown(Exception):
    """The kind (流动/留守) could not be decided from the file and was not given."""

    code = "file.unknown_kind"

    def __init__(self, path: str):
        self.path = path
        self.message = (f"{path}：无法从表头判断是流动儿童表还是留守儿童表；"
                        "请用 --kind 流动 或 --kind 留守 指定。")
        super().__init__(self.message)


@dataclass
class CheckedFile:
    roster: "readers.Roster"
    report: Report
    kind_source: str  # '--kind', '表头', '模板元数据'


def check_roster(roster: "readers.Roster", kind: str, profile: Profile, as_of: _dt.date | None) -> Report:
    """The rule engine on a roster the readers found (a file's sheet, an Excel range): its rows,
    with the sheet's 填报日期, 填报单位 and column letters."""
    return validate_frame(roster.frame, kind, profile, as_of, report_date=roster.report_date, unit=roster.unit,
                          letters=roster.columns)


def check_file(path, *, kind: str | None = None, profile: Profile | str | None = None,
               as_of: _dt.date | None = None, password: str | None = None,
               sheet: str | None = None) -> CheckedFile:
    """Read ``path`` and validate its roster; raises :class:`xltools.readers.ReadError`."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    wanted = parse_kind(kind) if kind else None
    rosters, others = readers.read_rosters(path, kind=wanted, profile=prof, password=password, hidden=sheet is not None)
    roster = readers.pick_roster(path, rosters, others, sheet)
    notes = list(roster.notes) + (sheets_not_checked(roster, rosters, others) if sheet is None else [])
    chosen = wanted or roster.kind
    if not chosen:
        raise KindUnknown(str(path))
    source = "--kind" if wanted else ("模板元数据" if roster.meta.get("kind") else "表头")
    report = check_roster(roster, chosen, prof, as_of)
    report.ignored = list(roster.ignored)
    report.source = {"file": str(path), "sheet": roster.sheet, "header_rows": list(roster.header_rows),
                     "kind": chosen, "kind_label": KIND_LABELS[chosen], "kind_source": source,
                     "unit": roster.unit, "report_date": roster.report_date,
                     "skipped_rows": [list(x) for x in roster.skipped_rows], "notes": notes}
    return CheckedFile(roster, report, source)


MAX_NAMED_SHEETS = 10


def sheets_not_checked(checked: "readers.Roster", rosters, others) -> list[str]:
    """What ``validate`` of one roster leaves out of a file: its other rosters (a workbook with a
    sheet per village) and the sheets it did not read, so nobody takes 1 of 200 for all."""
    rest = [r for r in rosters if r is not checked]
    out = []
    if rest:
        names = list(dict.fromkeys(r.sheet or "（无名）" for r in rest))
        shown = "、".join(f"“{n}”" for n in names[:MAX_NAMED_SHEETS]) + (f" 等 {len(names)} 个" if len(names) >
                                                                          MAX_NAMED_SHEETS else "")
        out.append(f"本文件还有 {len(rest)} 个花名册表格未校验（{shown}，共 {sum(len(r.frame) for r in rest)} 行），"
                   "只校验了上面这一个；用 --sheet 工作表名 逐个校验，或用 merge 合并全部")
    for name, why in others:
        out.append(f"工作表“{name}”未校验：{why}")
    return out
