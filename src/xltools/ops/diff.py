"""What changed between two quarters' 花名册: children added, children gone and why, changed fields.

Children are matched first by valid 公民身份号码 (normalised: full-width digits and
spaces do not make another child); the rest by 姓名 + 出生日期 (and 村社区 when both
rosters give one), one candidate on each side — so a number corrected between the
quarters (a check digit fixed, a number re-entered as text) is a change,
"公民身份号码已更正（旧→新）", not a child gone and a child added.  Where the name and
birth date fit several children (two candidates), nothing is guessed: they stay 新增/减少
with the reason "未能对应", for a person to decide.  A child *counts* in a roster when
its 类别 is not 不符合 (流动儿童 of both kinds, 留守儿童, and 待核实, which is still
followed up).

- **新增**: counts in the new roster and did not in the old (new, or 不符合 before);
- **减少**: counted in the old roster and does not in the new, with the likely reason,
  tested in this order:
  1. 已满16周岁: the 16th birthday is on or before the new roster's 统计日期;
  2. 不再符合条件: still in the new roster but 不符合 (its 类别说明 says why);
  3. 可能已迁离: in no file of the new roster (moved away, or not reported: ask the
     镇街/村社区 it was in);
- **变更**: in both, every field whose value changed (old → new), 镇街 and 村社区
  included (a move within the district shows here), and 类别 and 重点关爱.

The new roster's 统计日期 is ``--as-of``, else the one the merge recorded in the
花名册's hidden sheet (a merge with ``--as-of``), else :func:`xltools.workbooks.rosterread.ages_date`: the
earliest date by which every child had reached the 年龄 it shows (the latest birth
date + 年龄 years).

Accounting (概况): old count + added − gone = new count.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xltools.workbooks import privacy
from xltools.core.dates import DateError, birthday, parse_date
from xltools.core import identity
from xltools.workbooks.roster import PROVENANCE, PROVENANCE_LABELS
from xltools.workbooks.outbook import Formats, new_workbook, write_frame
from xltools.workbooks.rosterread import RosterBook, ages_date
from xltools.core.schema import CAT_OUT, FORM_TITLES
from xltools.core.status import R_OVER_16
from xltools.core.textreport import column_title

R_OUT = "不再符合条件"
R_GONE = "可能已迁离（新一期花名册中没有此人；请向原镇街、村社区核实）"
R_NEW = "新登记"
R_BACK = "原为不符合，现符合"
R_UNSURE = "未能对应（姓名、出生日期与另一期的几名儿童相同，不能确定是谁；请核实）"
F_ID_FIXED = "公民身份号码已更正"
SHEETS = ("概况", "新增", "减少", "变更")
# Compared in 变更 besides the form's columns.
EXTRA_COMPARED = ("town", "village", "category", "key_care")


@dataclass
class Changes:
    old: RosterBook
    new: RosterBook
    as_of: _dt.date
    as_of_source: str
    added: pd.DataFrame      # child columns + note
    gone: pd.DataFrame       # child columns + reason
    changed: pd.DataFrame    # child columns + field, old, new
    old_count: int
    new_count: int

    def summary(self) -> list[tuple[str, object]]:
        reasons = self.gone["reason"].map(lambda r: r.split("（")[0].split("：")[0]).value_counts().to_dict() \
            if len(self.gone) else {}
        out = [("上期花名册", Path(self.old.path).name), ("本期花名册", Path(self.new.path).name),
               ("本期统计日期", f"{self.as_of.isoformat()}（{self.as_of_source}）"),
               ("上期人数（不含不符合）", self.old_count), ("新增", len(self.added)), ("减少", len(self.gone))]
        out += [(f"　其中 {k}", v) for k, v in reasons.items()]
        out += [("本期人数（不含不符合）", self.new_count),
                ("核对：上期 + 新增 − 减少 = 本期", "相符" if self.old_count + len(self.added) - len(self.gone)
                 == self.new_count else "不符"),
                ("信息有变更的儿童", self.changed["id_number"].nunique() if len(self.changed) else 0),
                (f"　其中 {F_ID_FIXED}（旧→新）", int((self.changed["field"] == F_ID_FIXED).sum()) if len(self.changed) else 0),
                ("新增中未能对应上期的（待核实）", int((self.added["note"] == R_UNSURE).sum()) if len(self.added) else 0),
                ("变更的栏目（条）", len(self.changed))]
        return out


def _parse(text) -> _dt.date | None:
    try:
        return parse_date(text) if text else None
    except (DateError, ValueError, TypeError):
        return None


def _records(book: RosterBook) -> tuple[list[dict], pd.DataFrame]:
    """The roster's children and their identity facts; a valid number seen twice counts once."""
    roster = book.roster.reset_index(drop=True)
    keys = identity.keys(roster) if len(roster) else pd.DataFrame(columns=["number", "valid", "name", "birth",
                                                                             "village"])
    ident = [n if v else f"#{i}" for i, (n, v) in enumerate(zip(keys["number"], keys["valid"]))]
    first = ~pd.Series(ident, dtype=object).duplicated()
    return [r for r, f in zip(roster.to_dict("records"), first) if f], keys[first.to_numpy()].reset_index(drop=True)


def match(old: pd.DataFrame, new: pd.DataFrame) -> tuple[dict[int, int], set[int], set[int]]:
    """Pairs (new position → old position) of the same child, and the positions (old, new)
    whose 姓名 + 出生日期 fit several children of the other roster: see the module docstring."""
    pairs: dict[int, int] = {}
    by_number = {n: i for i, (n, v) in enumerate(zip(old["number"], old["valid"])) if v}
    for j, (n, v) in enumerate(zip(new["number"], new["valid"])):
        if v and n in by_number:
            pairs[j] = by_number[n]
    taken = set(pairs.values())

    def people(frame, skip):
        out: dict[str, list[int]] = {}
        for i, (name, birth) in enumerate(zip(frame["name"], frame["birth"])):
            if i not in skip and name and birth:
                out.setdefault(f"{name}|{birth}", []).append(i)
        return out
    before, after = people(old, taken), people(new, set(pairs))
    unsure_old, unsure_new = set(), set()
    for key, js in after.items():
        is_ = before.get(key, [])
        if not is_:
            continue
        villages = {old["village"][i] for i in is_} | {new["village"][j] for j in js}
        if len(is_) == 1 and len(js) == 1 and len(villages - {""}) <= 1:
            pairs[js[0]] = is_[0]
        else:
            unsure_old.update(is_)
            unsure_new.update(js)
    return pairs, unsure_old, unsure_new


def _counts(rec) -> bool:
    return rec is not None and rec.get("category") != CAT_OUT


def diff(old: RosterBook, new: RosterBook, as_of: _dt.date | None = None) -> Changes:
    if as_of:
        ref, source = as_of, "--as-of"
    elif new.as_of:
        ref, source = new.as_of, "本期花名册记录的统计日期"
    else:
        ref, source = ages_date(new.roster), "按本期花名册的年龄推算"
    if ref is None:
        ref, source = _dt.date.today(), "今天"
    a, ka = _records(old)
    b, kb = _records(new)
    pairs, unsure_old, unsure_new = match(ka, kb)
    back = {i: j for j, i in pairs.items()}
    added, gone, changed = [], [], []
    compared = [k for k, _ in new.columns if k in old.roster.columns and k not in PROVENANCE
                and k not in ("age", "reasons", "key_care_reasons", "errors", "warnings", "corrections", "id_number")]
    compared += [k for k in EXTRA_COMPARED if k not in compared and k in old.roster and k in new.roster]
    for j, rec in enumerate(b):
        before = a[pairs[j]] if j in pairs else None
        if _counts(rec) and not _counts(before):
            note = R_BACK if before is not None else R_UNSURE if j in unsure_new else R_NEW
            added.append({**_who(rec), "note": note})
    for i, rec in enumerate(a):
        now = b[back[i]] if i in back else None
        if not _counts(rec) or _counts(now):
            continue
        reason = _gone_reason(rec, now, ref)
        gone.append({**_who(rec), "reason": R_UNSURE if reason == R_GONE and i in unsure_old else reason})
    for j, i in pairs.items():
        rec, before = b[j], a[i]
        if ka["number"][i] != kb["number"][j]:
            changed.append({**_who(rec), "field": F_ID_FIXED, "old": _text(before.get("id_number")),
                            "new": _text(rec.get("id_number"))})
        for k in compared:
            x, y = _text(before.get(k)), _text(rec.get(k))
            if x != y:
                changed.append({**_who(rec), "field": _title(new, k), "old": x, "new": y})
    who_cols = list(_who({}).keys())
    return Changes(old, new, ref, source,
                   pd.DataFrame(added, columns=who_cols + ["note"]),
                   pd.DataFrame(gone, columns=who_cols + ["reason"]),
                   pd.DataFrame(changed, columns=who_cols + ["field", "old", "new"]),
                   sum(_counts(r) for r in a), sum(_counts(r) for r in b))


def _gone_reason(rec: dict, now: dict | None, ref: _dt.date) -> str:
    birth = _parse(rec.get("birth_date", ""))
    sixteen = birthday(birth, 16) if birth else None
    if sixteen and sixteen <= ref:
        return f"{R_OVER_16}（{sixteen.isoformat()}满16周岁）"
    if now is not None:
        return f"{R_OUT}：{now.get('reasons') or now.get('category')}"
    return R_GONE


def _text(v) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    return "" if v is None or v != v else str(v)


def _title(book: RosterBook, key: str) -> str:
    return dict(book.columns).get(key) or column_title(book.kind, key)


def _who(rec: dict) -> dict:
    return {k: _text(rec.get(k)) for k in ("town", "village", "name", "sex", "birth_date", "id_number", "category",
                                          "source_file")}


def _headers(changes: Changes, extra: dict) -> dict:
    h = {k: _title(changes.new, k) for k in ("town", "village", "name", "sex", "birth_date", "id_number", "category")}
    h["source_file"] = PROVENANCE_LABELS["source_file"]
    return {**h, **extra}


def write(changes: Changes, out, *, mask: bool = False, password: str | None = None, inputs=()) -> Path:
    """概况, 新增, 减少, 变更 in one workbook."""
    kind = changes.new.kind
    tables = [changes.added.rename(columns=_headers(changes, {"note": "说明"})),
              changes.gone.rename(columns=_headers(changes, {"reason": "可能的原因"})),
              changes.changed.rename(columns=_headers(changes, {"field": "栏目", "old": "上期", "new": "本期"}))]
    if mask:
        tables = [privacy.mask_frame(t, kind) for t in tables]
        tables = [t.assign(**{_title(changes.new, "id_number"): [privacy.mask_id(v) for v in t[_title(changes.new, "id_number")]]})
                  for t in tables]
    summary = pd.DataFrame(changes.summary(), columns=["项目", "数目"])
    summary["数目"] = summary["数目"].map(str)

    def build(tmp):
        wb = new_workbook(tmp, FORM_TITLES[kind].replace("基本情况登记表", "花名册季度变化"))
        fmt = Formats(wb)
        write_frame(wb, fmt, SHEETS[0], summary)
        for name, t, note in zip(SHEETS[1:], tables, ("没有新增。", "没有减少。", "没有变更。")):
            write_frame(wb, fmt, name, t, note)
        wb.close()
    return privacy.save(out, build, password=password, inputs=[changes.old.path, changes.new.path, *inputs])
