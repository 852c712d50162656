"""Statistics of a merged roster: 数量规模, 年龄结构, 分布区域 and the service indicators.

Pure functions from the roster (one row per child, with ``category``, ``age``,
``town`` …) to small tables (pandas DataFrames with Chinese labels), in the
order the work plans ask for them.  Every heading and every 合计 counts the
children in scope (流动儿童 of both kinds — 监测摸排对象 and 仅纳入统计分析, each
shown — and 留守儿童); 待核实 and 不符合 are shown beside them, never inside a total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xltools.core.profiles import Profile
from xltools.core.schema import (
    CAT_FLOW,
    CAT_FLOW_STATS,
    CAT_LEFT,
    CAT_OUT,
    CAT_UNKNOWN,
    CATEGORIES,
    KEY_CARE_RULES,
)
from xltools.core.status import IN_SCOPE
from xltools.core.validate import normalise_option
from xltools.core.rowtable import split_multi

# Age bands (周岁): the issue's fine bands and the briefings' 0–5/6–13/14–15 (seed 003).
AGE_BANDS = (("0–2岁", 0, 2), ("3–5岁", 3, 5), ("6–11岁", 6, 11), ("12–14岁", 12, 14), ("15岁", 15, 15))
AGE_BANDS_BRIEF = (("0–5岁", 0, 5), ("6–13岁", 6, 13), ("14–15岁", 14, 15))
TOTAL = "合计"


def tables(roster: pd.DataFrame, kind: str, profile: Profile) -> list[tuple[str, pd.DataFrame]]:
    """(title, table) pairs for the 统计 sheet."""
    form = profile.form(kind)
    scope = roster[roster["category"].isin(IN_SCOPE)] if len(roster) else roster
    out = [("数量规模", size(roster, kind)),
           ("分布区域（按镇街）", by_town(roster)),
           ("分布区域（按村社区）", by_village(roster)),
           ("年龄结构", bands(scope, AGE_BANDS)),
           ("年龄结构（0–5、6–13、14–15岁）", bands(scope, AGE_BANDS_BRIEF)),
           ("性别", counts(scope, "sex", ("男", "女")))]
    for key in ("schooling", "health", "medical_insurance", "residence_registration"):
        if key in form:
            f = form[key]
            out.append((f.label, counts(scope, key, f.options, multi=f.type == "multi_choice")))
    out.append(("重点关爱服务对象（按原因，可多项）", key_care(scope)))
    return out


def _cats(df: pd.DataFrame) -> list[str]:
    present = set(df["category"].unique()) if len(df) else set()
    return [c for c in CATEGORIES if c in present]


def _by_category(df: pd.DataFrame) -> tuple[list[str], dict[str, np.ndarray]]:
    """The categories present, and the rows of each."""
    cats = _cats(df)
    return cats, {c: (df["category"] == c).to_numpy() for c in cats}


def _ticked(values: pd.Series, parse) -> dict[str, np.ndarray]:
    """Option → rows that have it, parsing each distinct cell text once (``parse``: text → options)."""
    codes, uniques = pd.factorize(values.astype(str))
    hits: dict[str, list[int]] = {}
    for i, text in enumerate(uniques):
        for opt in parse(text):
            hits.setdefault(opt, []).append(i)
    return {opt: np.isin(codes, idx) for opt, idx in hits.items()}


OUTSIDE = (CAT_UNKNOWN, CAT_OUT)  # shown apart, never inside a total
NOT_COUNTED = "（不计入合计）"


def in_scope(roster: pd.DataFrame) -> int:
    """Children the statistics are of (监测摸排对象, 仅纳入统计分析, 留守儿童)."""
    return int(roster["category"].isin(IN_SCOPE).sum()) if len(roster) else 0


def heading(roster: pd.DataFrame, what: str) -> str:
    """The 统计 sheet's title: the children in scope, and the others said apart.

    >>> heading(pd.DataFrame({"category": [CAT_FLOW, CAT_FLOW_STATS, CAT_OUT]}), "流动儿童")
    '流动儿童监测摸排统计（纳入统计 2 人：流动儿童（监测摸排对象）1 人、流动儿童（仅纳入统计分析）1 人；另有不符合 1 人，不计入）'
    """
    counts = roster["category"].value_counts().to_dict() if len(roster) else {}
    inside = "、".join(f"{c}{counts[c]} 人" for c in IN_SCOPE if counts.get(c))
    outside = "、".join(f"{c} {counts[c]} 人" for c in OUTSIDE if counts.get(c))
    return (f"{what}监测摸排统计（纳入统计 {in_scope(roster)} 人" + (f"：{inside}" if inside else "")
            + (f"；另有{outside}，不计入）" if outside else "）"))


def size(roster: pd.DataFrame, kind: str) -> pd.DataFrame:
    """数量规模: each in-scope category, their total, then 待核实 and 不符合 apart."""
    counts = roster["category"].value_counts().to_dict() if len(roster) else {}
    if kind == "flow":
        rows = [(CAT_FLOW, counts.get(CAT_FLOW, 0)), (CAT_FLOW_STATS, counts.get(CAT_FLOW_STATS, 0)),
                ("流动儿童合计", counts.get(CAT_FLOW, 0) + counts.get(CAT_FLOW_STATS, 0))]
    else:
        rows = [(CAT_LEFT, counts.get(CAT_LEFT, 0))]
    rows += [(c + NOT_COUNTED, counts.get(c, 0)) for c in OUTSIDE]
    return pd.DataFrame(rows, columns=["类别", "人数"])


def _places(roster: pd.DataFrame, keys: list[str], labels: list[str]) -> pd.DataFrame:
    """In-scope children per place (rows) and category, 合计 of those, then 待核实 and 不符合."""
    cats = [c for c in _cats(roster) if c in IN_SCOPE]
    outside = [c for c in _cats(roster) if c in OUTSIDE]
    if not len(roster):
        return pd.DataFrame([{**{l: "" for l in labels[1:]}, labels[0]: TOTAL, TOTAL: 0}], columns=labels + [TOTAL])
    where = [roster[k].replace("", f"（未注明{l}）") if k in roster else pd.Series(f"（未注明{l}）", index=roster.index)
             for k, l in zip(keys, labels)]
    t = pd.crosstab(where, roster["category"]).reindex(columns=cats + outside, fill_value=0)
    t.insert(len(cats), TOTAL, t[cats].sum(axis=1))
    total = t.sum()
    t = t.rename(columns={c: c + NOT_COUNTED for c in outside}).rename_axis(labels).reset_index()
    t.loc[len(t)] = [TOTAL] + [""] * (len(labels) - 1) + [int(v) for v in total]
    return t


def by_town(roster: pd.DataFrame) -> pd.DataFrame:
    return _places(roster, ["town"], ["镇街"])


def by_village(roster: pd.DataFrame) -> pd.DataFrame:
    """The per-village table (镇街, 村社区)."""
    return _places(roster, ["town", "village"], ["镇街", "村社区"])


def bands(df: pd.DataFrame, spec) -> pd.DataFrame:
    rows = []
    for label, lo, hi in spec:
        sel = df[(df["age"].notna()) & (df["age"].astype(float) >= lo) & (df["age"].astype(float) <= hi)] if len(df) else df
        rows.append({"年龄段": label, **{c: int((sel["category"] == c).sum()) for c in _cats(df)}, TOTAL: len(sel)})
    t = pd.DataFrame(rows)
    total = {"年龄段": TOTAL, **{c: int(t[c].sum()) for c in _cats(df)}, TOTAL: int(t[TOTAL].sum())}
    return pd.concat([t, pd.DataFrame([total])], ignore_index=True)


def counts(df: pd.DataFrame, key: str, options, multi: bool = False) -> pd.DataFrame:
    """Children per option (a child with several ticks counts once per option)."""
    values = df[key] if key in df else pd.Series("", index=df.index)
    cats, by_cat = _by_category(df)
    ticked = _ticked(values, lambda v: split_multi(normalise_option(v)) if multi else (v,))
    none = np.zeros(len(df), dtype=bool)
    empty = (values == "").to_numpy()
    known = np.logical_or.reduce([ticked.get(opt, none) for opt in options] + [none])
    other = ~empty & ~known  # written, but none of the options: counted, not lost (问题清单 says which)
    rows = []
    for label, hit in [(opt, ticked.get(opt, none)) for opt in options] + \
            ([(NOT_AN_OPTION, other)] if other.any() else []) + [("未填写", empty)]:
        rows.append({"项目": label, **{c: int((hit & by_cat[c]).sum()) for c in cats}, TOTAL: int(hit.sum())})
    return pd.DataFrame(rows)


NOT_AN_OPTION = "不在选项内（见问题清单）"


def key_care(df: pd.DataFrame) -> pd.DataFrame:
    reasons = df["key_care_reasons"] if "key_care_reasons" in df else pd.Series("", index=df.index)
    cats, by_cat = _by_category(df)
    ticked = _ticked(reasons, lambda v: v.split("、"))
    none = np.zeros(len(df), dtype=bool)
    any_ = df["key_care"].astype(bool).to_numpy() if "key_care" in df else none
    rows = []
    for label, hit in [(r, ticked.get(r, none)) for r, _ in KEY_CARE_RULES] + [("重点关爱对象人数", any_)]:
        rows.append({"原因": label, **{c: int((hit & by_cat[c]).sum()) for c in cats}, TOTAL: int(hit.sum())})
    return pd.DataFrame(rows)
