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

Cross-county is decided from the structured 户籍地/现居住地 (省/市/县 cells), else
from the address text, else from the region code of the child's ID number (the
place the number was issued — weakest evidence); the 现居住地 falls back to the
sheet's 填报单位.  ``basis`` says which was used.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from . import dates, regions
from .schema import (CAT_FLOW, CAT_FLOW_STATS, CAT_LEFT, CAT_OUT, CAT_UNKNOWN, KEY_CARE_RULES)
from .rowtable import NAT, StatusColumns, Table

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
    hukou = _addresses(t, "hukou_address", fallback_id=True)
    home = _addresses(t, "residence", fallback_unit=True)
    texts = np.array([f"户籍地：{a or '无'}；现居住地：{b or '无'}" for a in BASIS for b in BASIS], dtype=object)
    basis[:] = texts[hukou.basis * len(BASIS) + home.basis]
    h_known, r_known = hukou.key != "", home.key != ""
    for pos in np.flatnonzero(~h_known | ~r_known):
        missing = "户籍地" if not h_known[pos] else "现居住地"
        unknown[int(pos)].append(f"无法判断是否跨县（区）流动：{missing}不明")
        if pos not in out_reasons:
            t.add("status.undetermined", int(pos), "hukou_address" if missing == "户籍地" else "residence",
                  reason=f"{missing}为空或无法识别出县（区）")
    known = h_known & r_known
    same = known & ((hukou.key == home.key) | (
        ((hukou.code == "") | (home.code == "")) & (hukou.county == home.county)
        & ((hukou.province == home.province) | (hukou.province == "") | (home.province == ""))))
    for pos in np.flatnonzero(same):
        ht, rt = hukou.township(pos), home.township(pos)
        if ht and rt and ht == rt:
            out_reasons[int(pos)].append(R_SAME_TOWN)
        else:
            stats_only[int(pos)].append(R_IN_COUNTY)
    _note(stats_only, known & ~same & hukou.main & home.main, R_MAIN_CITY)


BASIS = ("", "结构化地址", "地址文字", "身份号码地区码", "填报单位")


class _AddressColumn:
    """The county of one address field for every row, decided once per distinct address."""

    def __init__(self, n: int):
        self.key = np.full(n, "", dtype=object)
        self.code = np.full(n, "", dtype=object)
        self.county = np.full(n, "", dtype=object)
        self.province = np.full(n, "", dtype=object)
        self.main = np.zeros(n, dtype=bool)
        self.basis = np.zeros(n, dtype=np.int64)
        self._town: list = [None] * n  # callables or texts, resolved lazily

    def set(self, rows: np.ndarray, addr: regions.Address, basis: int, main: bool, town_source=None):
        self.key[rows] = addr.county_key
        self.code[rows] = addr.code
        self.county[rows] = addr.county
        self.province[rows] = addr.province
        self.main[rows] = main
        self.basis[rows] = basis
        for r in rows:
            self._town[r] = town_source if town_source is not None else addr.township

    def township(self, pos: int) -> str:
        src = self._town[pos]
        return src(pos) if callable(src) else (src or "")


def _addresses(t: Table, key: str, fallback_id: bool = False, fallback_unit: bool = False) -> _AddressColumn:
    f = t.form.get(key)
    prov = t.profile.default_province
    extra = tuple(sorted(n for d in t.profile.main_city if not d.codes for n in (d.name, *d.aliases)))
    codes_main, names_main = t.profile.main_city_codes(), t.profile.main_city_names()
    out = _AddressColumn(t.n)

    def is_main(a: regions.Address) -> bool:
        if a.code:
            return a.code in codes_main
        return bool(a.county) and a.county in names_main and a.province in ("", prov)

    todo = np.ones(t.n, dtype=bool)
    if f is not None and any(t.has(k) for k in f.part_keys[:3]):
        pk = f.part_keys
        combo = np.zeros(t.n, dtype=np.int64)
        for k in pk[:3]:
            c, u = t.factor(k)
            combo = combo * (len(u) + 1) + c + 1 if len(u) else combo * 1
        uniq, inv = np.unique(combo, return_inverse=True)
        detail_town = lambda pos: regions.parse_address(t.col(pk[3])[pos], prov, extra).township
        for j in range(len(uniq)):
            rows = np.flatnonzero(inv == j)
            p0 = rows[0]
            parts = [t.col(k)[p0] for k in pk[:3]]
            if not any(parts):
                continue
            a = regions.resolve_parts(*parts, prov, extra)
            if a.county:
                out.set(rows, a, 1, is_main(a), detail_town)
                todo[rows] = False
    for text_key in (key, *(f.part_keys[3:] if f else ())):
        if not t.has(text_key) or not todo.any():
            continue
        codes, uniques = t.factor(text_key)
        for j, text in enumerate(uniques):
            if not text:
                continue
            a = regions.parse_address(text, prov, extra)
            if a.county:
                rows = np.flatnonzero((codes == j) & todo)
                out.set(rows, a, 2, is_main(a))
                todo[rows] = False
    if fallback_id and "id_number" in t.id_ok and todo.any():
        ok, ids = t.id_ok["id_number"], t.col("id_number")
        for pos in np.flatnonzero(todo & ok):
            r = regions.lookup(ids[pos][:6])
            if r and r.county:
                a = regions.Address(r.province, r.city, r.county, r.code)
                out.set(np.array([pos]), a, 3, is_main(a))
                todo[pos] = False
    if fallback_unit and t.unit and todo.any():
        a = regions.parse_address(t.unit, prov, extra)
        if a.county:
            out.set(np.flatnonzero(todo), a, 4, is_main(a))
    return out


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
