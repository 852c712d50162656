"""The district 花名册 as data: what a merge produces, the workbook stores and the other
commands read back.

A roster row is a child: the form's column keys, then where the row came from
(:data:`PROVENANCE`: 镇街, 村社区, 来源文件, 工作表, 行号) and its status
(:data:`STATUS_COLUMNS`: 年龄, 类别, … as the engine decided them).  :class:`MergeResult`
holds the roster with its issues, duplicates, rejected rows and the accounting of every
input file (:class:`FileAccount`); :mod:`xltools.ops.merge` builds it,
:mod:`xltools.workbooks.rosterbook` writes it and :mod:`xltools.workbooks.rosterread` reads a 花名册 back
into the same shape.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import pandas as pd

from xltools.core.issues import Issue

PROVENANCE = ("town", "village", "source_file", "source_sheet", "source_row")
PROVENANCE_LABELS = {"town": "镇街", "village": "村社区", "source_file": "来源文件", "source_sheet": "工作表",
                     "source_row": "行号"}
STATUS_COLUMNS = ("age", "category", "reasons", "key_care", "key_care_reasons", "errors", "warnings")
STATUS_LABELS = {"age": "年龄", "category": "类别", "reasons": "类别说明", "key_care": "重点关爱",
                 "key_care_reasons": "重点关爱原因", "errors": "错误数", "warnings": "提醒数"}


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
    as_of: str = ""               # the 统计日期 its rows were checked at, and where it came from
    as_of_source: str = ""
    # per sheet: [{"sheet", "column", "header", "key", "field"}], key '' for a column not used
    columns: list[dict] = field(default_factory=list)

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
    profile_source: str = ""             # why this profile: --profile, xltools.toml, 模板记录, 默认
    unit: str = ""                       # the district or unit the result is for (xltools.toml)

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
            "kind": self.kind, "profile": self.profile, "profile_source": self.profile_source, "unit": self.unit,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "totals": self.totals(), "error_log": self.error_log,
            "files": [{**f.__dict__, "balanced": f.balanced} for f in self.files],
            "issues": [{"file": fp, "sheet": sh, **i.to_dict()} for fp, sh, i in self.issues],
            "categories": self.roster["category"].value_counts().to_dict() if len(self.roster) else {},
            "key_care": int(self.roster["key_care"].sum()) if len(self.roster) else 0,
        }
