"""Check a roster file: read it, decide its kind, run the rule engine.

The one function the CLI's ``validate`` command, the add-in and the merge call
for a single file; reading lives in :mod:`xltools.workbooks.readers`, the rules in
:mod:`xltools.core.validate`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace

from xltools.workbooks import readers
from xltools.core.issues import Issue
from xltools.core.profiles import (
    DEFAULT_SOURCE,
    Profile,
    available as available_profiles,
    load as load_profile,
)
from xltools.core.schema import KIND_LABELS, is_template_computed, parse_kind
from xltools.core.validate import Report, validate_frame


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
    report = validate_frame(roster.frame, kind, profile, as_of, report_date=roster.report_date, unit=roster.unit,
                            letters=roster.columns)
    if roster.shape == "form":
        report.issues = [at_form_cell(i, roster.cells) for i in report.issues]
    report.issues[:0] = roster.issues  # what reading found (a form's ambiguous ticks) comes first
    return report


def at_form_cell(issue: Issue, cells: dict[str, tuple[int, str]]) -> Issue:
    """An issue of a 登记表 placed at its field's answer cell; a field with no answer cell (left
    blank, or a Word form) is named by its label only — a roster's row and column letter would
    point at another field of the form."""
    where = cells.get(issue.field) or next((v for k, v in cells.items() if issue.field and k.startswith(issue.field)),
                                          None)
    row, column = where if where else (None, "")
    return replace(issue, row=row, column=column)


def unused_field_issues(r: "readers.Roster", kind: str, prof: Profile, known=()) -> list[Issue]:
    """A warning for each unused column that looks like a field the sheet has no column for
    (:func:`xltools.workbooks.readers.unused_fields`); ``known``: headers that are not fields."""
    form = prof.form(kind)
    out = []
    for letter, header, keys, why in readers.unused_fields(r, form, known):
        titles = [form[k].title for k in keys]
        out.append(Issue(code="column.looks_like_field", column=letter, field=keys[0], label=titles[0],
                         value=header, params={"fields": "或".join(f"「{t}」" for t in titles), "why": why,
                                               "first": titles[0], "column": letter}))
    return out


def check_file(path, *, kind: str | None = None, profile: Profile | str | None = None,
               as_of: _dt.date | None = None, password: str | None = None,
               sheet: str | None = None, profile_source: str = "", synonyms=()) -> CheckedFile:
    """Read ``path`` and validate its roster; raises :class:`xltools.workbooks.readers.ReadError`.

    ``profile`` None: the one the file records (our templates and 花名册), else national.
    Our own 花名册 (or a township's file from split) is checked at the 统计日期 it records
    unless ``as_of`` is given.  ``synonyms``: a district's own (header, field) pairs."""
    recorded = readers.peek_meta(path, password).get("profile") if profile is None else None
    if profile is not None:
        prof = profile if isinstance(profile, Profile) else load_profile(profile)
        profile_source = profile_source or "--profile"
    elif recorded in available_profiles():
        prof, profile_source = load_profile(recorded), "文件记录的口径"
    else:
        prof, profile_source = load_profile(None), DEFAULT_SOURCE
    prof = prof.with_synonyms(synonyms)
    wanted = parse_kind(kind) if kind else None
    rosters, others = readers.read_rosters(path, kind=wanted, profile=prof, password=password, hidden=sheet is not None)
    roster = readers.pick_roster(path, rosters, others, sheet)
    notes = list(roster.notes) + (sheets_not_checked(roster, rosters, others) if sheet is None else [])
    chosen = wanted or roster.kind
    if not chosen:
        raise KindUnknown(str(path))
    source = "--kind" if wanted else ("模板元数据" if roster.meta.get("kind") else "表头")
    recorded_as_of = None if as_of else readers.recorded_as_of(roster.meta)
    report = check_roster(roster, chosen, prof, as_of or recorded_as_of)
    if recorded_as_of:
        report.as_of_source = "表中记录的统计日期"
    report.issues = unused_field_issues(roster, chosen, prof) + report.issues
    ours = bool(roster.meta.get("kind"))  # our template: its formula columns are not unused data
    report.ignored = [(c, t) for c, t in roster.ignored if not (ours and is_template_computed(t))]
    report.source = {"file": str(path), "sheet": roster.sheet, "header_rows": list(roster.header_rows),
                     "kind": chosen, "kind_label": KIND_LABELS[chosen], "kind_source": source,
                     "unit": roster.unit, "report_date": roster.report_date, "profile_source": profile_source,
                     "skipped_rows": [list(x) for x in roster.skipped_rows], "notes": notes, "shape": roster.shape}
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
