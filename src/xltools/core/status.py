"""Each child's status: 年龄 (周岁), 类别 with its reasons, and 重点关爱 with its reasons.

The rules, from the seeds (see the README's table for each one's source):

- 不满十六周岁: age in full years at the reference date < 16 (16th birthday on it: out).
- 流动儿童, 监测摸排对象: left the 户籍地 across county (区/县) borders, 6 months or more
  before the reference date (from 离开户籍地日期; exactly 6 months counts), under 16,
  and not a move between two districts of the profile's main city (Chongqing's
  中心城区, old and new codes both).
- 流动儿童, 仅纳入统计分析: the statistics scope is wider — left the 户籍地's
  township (乡镇/街道) for 6 months or more.  A move inside one county across
  townships, and a move between two main-city districts, are counted here.
- 留守儿童: 父母双方同时外出 = 是, or 父母一方外出、另一方无监护能力 = 是, under 16.
- 待核实: the facts needed to decide are missing (no birth date, no addresses, …).

Cross-county and cross-township are decided by :func:`xltools.core.places.compare` from
what the 户籍地址 and 现居住地 prove (structured 省/市/县 cells + 详细地址, else the
address text; the 现居住地 falls back to the sheet's 填报单位, and "同户籍地" means the
户籍地): decided when every reading gives the same answer, 待核实 otherwise.  The
region code of the child's ID number is where the number was issued: it is offered
as a hint in the message, never used as the 户籍地.  ``basis`` says which evidence
decided.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from xltools.core import dates, places, regions
from xltools.core.schema import CAT_FLOW, CAT_FLOW_STATS, CAT_LEFT, CAT_OUT, CAT_UNKNOWN, KEY_CARE_RULES
from xltools.core.rowtable import NAT, StatusColumns, Table

IN_SCOPE = (CAT_FLOW, CAT_FLOW_STATS, CAT_LEFT)

R_FUTURE = "出生日期晚于统计日期"
R_NO_BIRTH = "出生日期缺失或有误"
R_OVER_16 = "已满16周岁"
R_UNDER_6M = "离开户籍地不满6个月"
R_NO_LEFT_DATE = "离开户籍地日期缺失或有误"
R_SAME_TOWN = "未离开户籍地所在乡镇（街道）"
R_MAIN_CITY = "同属主城区范围内流动，不纳入监测摸排"
R_IN_COUNTY = "同一县（区）内跨乡镇（街道）流动"
R_PARENTS = "父母未同时外出且另一方具有监护能力"
R_PARENTS_UNKNOWN = "父母外出情况未填写"


def classify(t: Table) -> StatusColumns:
    age = t.ages()
    birth = t.dates.get("birth", np.full(t.n, NAT, dtype="datetime64[D]"))
    ref = np.datetime64(t.as_of, "D")
    # Reasons are sparse (most rows have none): position -> list of reasons.
    out_reasons: dict[int, list[str]] = defaultdict(list)
    unknown: dict[int, list[str]] = defaultdict(list)
    stats_only: dict[int, list[str]] = defaultdict(list)
    future = ~np.isnat(birth) & (birth > ref)
    _note(out_reasons, future, R_FUTURE)
    _note(unknown, np.isnat(birth), R_NO_BIRTH)
    _note(out_reasons, ~future & (age >= 16), R_OVER_16)
    basis = np.full(t.n, "", dtype=object)
    if t.form.kind == "flow":
        _flow(t, out_reasons, unknown, stats_only, basis)
        positive = np.full(t.n, CAT_FLOW, dtype=object)
        positive[list(stats_only)] = CAT_FLOW_STATS
    else:
        _left(t, out_reasons, unknown)
        positive = np.full(t.n, CAT_LEFT, dtype=object)
    category = positive
    category[list(unknown)] = CAT_UNKNOWN
    category[list(out_reasons)] = CAT_OUT
    reasons = {}
    for src in (stats_only, unknown, out_reasons):  # later sources win, as the category does
        reasons.update(src)
    in_scope = np.isin(category, IN_SCOPE)
    care = {pos: r for pos, r in _key_care(t).items() if in_scope[pos]}
    key_care = np.zeros(t.n, dtype=bool)
    key_care[list(care)] = True
    return StatusColumns(
        rows=t.rows, age=np.where(future, -1, age), category=category, reasons=reasons, basis=basis,
        key_care=key_care, key_care_reasons=care,
        errors=np.zeros(t.n, dtype=np.int64), warnings=np.zeros(t.n, dtype=np.int64))


def _note(reasons: dict, mask: np.ndarray, reason: str) -> None:
    for pos in np.flatnonzero(mask):
        reasons[int(pos)].append(reason)


# --- 流动 ------------------------------------------------------------------------

def _flow(t: Table, out_reasons, unknown, stats_only, basis) -> None:
    left = t.dates.get("left_hukou_date", np.full(t.n, NAT, dtype="datetime64[D]"))
    due = dates.add_months_array(left, 6)
    ref = np.datetime64(t.as_of, "D")
    _note(unknown, np.isnat(left), R_NO_LEFT_DATE)
    _note(out_reasons, ~np.isnat(left) & (due > ref), R_UNDER_6M)
    unit = places.resolve(t.unit, t.profile.default_province, t.as_of) if t.unit else places.Place("", kind="empty")
    unit = places.Place(unit.text, tuple(places.Reading(r.province, r.city, r.code, r.county, r.township, r.zone,
                                                        "填报单位：" + r.evidence) for r in unit.readings), unit.kind)
    # the 填报单位 is where the child lives: its province reads a 现居住地 that names none
    home_default = (unit.readings[0].province if unit.readings and not unit.ambiguous
                    else t.profile.default_province)
    hukou = _Side(t, "hukou_address", t.profile.default_province)
    home = _Side(t, "residence", home_default)
    main = t.profile.main_city_codes(), t.profile.main_city_names()
    # 1. by the 省/市/县 cells alone: a move to another county stays one whatever township the
    #    详细地址 names (a township only removes readings), so most rows never need theirs
    todo = np.ones(t.n, dtype=bool)
    both = hukou.county_known[hukou.head] & home.county_known[home.head]
    if both.any():
        rows = np.flatnonzero(both)
        pairs = hukou.head[rows] * len(home.heads) + home.head[rows]
        for (h, r), sub in _groups(pairs, len(home.heads), rows):
            d = places.compare(hukou.heads[h], home.heads[r], t.as_of, *main)
            if d.outcome in (places.CROSS, places.MAIN_CITY):
                _apply(t, d, sub, basis, out_reasons, unknown, stats_only)
                todo[sub] = False
    # 2. the rest, by the whole address (cells + 详细地址, or the text), each distinct one once
    rows = np.flatnonzero(todo)
    if not len(rows):
        return
    h_ids, h_places = hukou.places(rows)
    r_ids, r_places = home.places(rows)
    r_places = [unit if p.kind in ("local", "empty") and unit.readings else p for p in r_places]
    hint_ids, hint_names = _id_hints(t)
    # the hint matters only where the 户籍地址 names no county: elsewhere it must not split the pairs
    readable = np.array([any(r.code for r in p.readings) for p in h_places], dtype=bool)
    hint_ids = np.where(readable[h_ids], 0, hint_ids[rows])
    pairs = (h_ids * len(r_places) + r_ids) * len(hint_names) + hint_ids
    for (hr, k), sub in _groups(pairs, len(hint_names), rows):
        h, r = divmod(hr, len(r_places))
        d = places.compare(h_places[h], r_places[r], t.as_of, *main, hint_names[k])
        _apply(t, d, sub, basis, out_reasons, unknown, stats_only)


def _groups(pairs: np.ndarray, base: int, rows: np.ndarray):
    """((a, b), rows) for each distinct value a*base+b of ``pairs``, in one sort."""
    uniq, inv = np.unique(pairs, return_inverse=True)
    order = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    for j, code in enumerate(uniq):
        yield divmod(int(code), base), rows[order[bounds[j]:bounds[j + 1]]]


def _apply(t: Table, d, rows: np.ndarray, basis, out_reasons, unknown, stats_only) -> None:
    basis[rows] = d.basis
    if d.outcome == places.UNDECIDED:
        field = "hukou_address" if d.reason.startswith("户籍地址") else "residence"
        for pos in rows:
            unknown[int(pos)].append(f"无法判断是否跨县（区）、跨乡镇（街道）流动：{d.reason}")
            if pos not in out_reasons:
                t.add("status.undetermined", int(pos), field, reason=d.reason)
        return
    reason = {places.SAME_TOWN: R_SAME_TOWN, places.CROSS_TOWN: R_IN_COUNTY,
              places.MAIN_CITY: R_MAIN_CITY}.get(d.outcome)
    if reason:
        target = out_reasons if d.outcome == places.SAME_TOWN else stats_only
        for pos in rows:
            target[int(pos)].append(reason)


class _Side:
    """One address field of every row: its 省/市/县 cells as ``head`` codes, resolved once per
    distinct head, and the whole address resolved on demand, once per distinct text."""

    def __init__(self, t: Table, key: str, default_province: str):
        self.t, self.key, self.default = t, key, default_province
        f = t.form.get(key)
        pk = f.part_keys if f is not None else ()
        combo = np.zeros(t.n, dtype=np.int64)
        cells = [k for k in pk[:3] if t.has(k)]
        for k in cells:  # the cells' distinct values combined into one code per row
            c, u = t.factor(k)
            combo = combo * (len(u) + 1) + c + 1
        self.head, combos = pd.factorize(combo)
        texts = ["".join(str(t.col(k)[p0]) for k in cells) for p0 in np.unique(self.head, return_index=True)[1]]
        self.head_texts = np.array(texts or [""], dtype=object)
        if not len(combos):
            self.head = np.zeros(t.n, dtype=np.int64)
        self.heads = [places.resolve_structured(h, default_province, t.as_of) if h else places.Place("", kind="empty")
                      for h in self.head_texts]
        self.county_known = np.array([bool(p.readings) and all(r.code for r in p.readings) for p in self.heads])
        self.detail = t.col(pk[3]) if len(pk) > 3 and t.has(pk[3]) else np.full(t.n, "", dtype=object)

    def places(self, rows: np.ndarray) -> tuple[np.ndarray, list]:
        """The places of ``rows`` as indices into a list; texts proving the same thing share one."""
        t = self.t
        head = self.head_texts[self.head[rows]]
        detail = np.asarray(self.detail[rows], dtype=object)
        if t.has(self.key):  # rows without structured cells: the free-text column
            bare = (head == "") & (detail == "")
            detail = np.where(bare, np.asarray(t.col(self.key)[rows], dtype=object), detail)
        dc, du = pd.factorize(detail)
        combo_codes, combos = pd.factorize(self.head[rows].astype(np.int64) * max(len(du), 1) + dc)
        ids: dict = {}
        resolved, remap = [], np.empty(len(combos), dtype=np.int64)
        for j, combo in enumerate(combos):
            h, d = divmod(int(combo), max(len(du), 1))
            if self.head_texts[h]:
                p = places.resolve_parts(self.head_texts[h], du[d], self.default, t.as_of)
            else:  # no 省/市/县 cells: the text says it all
                p = places.resolve(du[d], self.default, t.as_of)
            key = (p.kind, p.readings, p.text if not p.readings or p.ambiguous else "")
            if key not in ids:
                ids[key] = len(resolved)
                resolved.append(p)
            remap[j] = ids[key]
        return remap[combo_codes], resolved


def _id_hints(t: Table) -> tuple[np.ndarray, list[str]]:
    """The county of each row's ID region code, offered as a hint only (index into the names)."""
    names = [""]
    out = np.zeros(t.n, dtype=np.int64)
    if "id_number" not in t.id_ok:
        return out, names
    ok, ids = t.id_ok["id_number"], t.col("id_number")
    prefix = np.where(ok, np.array([str(x)[:6] for x in ids], dtype=object), "")
    codes, uniques = pd.factorize(prefix)
    for u in uniques:
        r = regions.lookup(u) if u else None
        names.append(r.full_name if r and r.county else "")
    return codes + 1, names


# --- 留守 ------------------------------------------------------------------------

def _left(t: Table, out_reasons, unknown) -> None:
    both, one = t.col("both_parents_away"), t.col("one_parent_incapable")
    yes = (both == "是") | (one == "是")
    no = (both == "否") & (one == "否")
    _note(out_reasons, no, R_PARENTS)
    _note(unknown, ~yes & ~no, R_PARENTS_UNKNOWN)


# --- 重点关爱 ---------------------------------------------------------------------

def _key_care(t: Table) -> dict[int, list[str]]:
    reasons: dict[int, list[str]] = defaultdict(list)
    for reason, tests in KEY_CARE_RULES:
        hit = np.zeros(t.n, dtype=bool)
        for key, values in tests:
            if key in t.form and t.has(key):
                hit |= t.contains(key, values)
        _note(reasons, hit, reason)
    return reasons
