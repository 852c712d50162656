"""The rule engine: every check of a roster, row by row, as structured issues.

Input is a table of plain strings (a pandas DataFrame whose columns are the
schema's column keys and whose index is the Excel row number; what
:mod:`xltools.workbooks.readers` produces, or what a test builds by hand).  Output is a
:class:`Report`: the issues (code, severity, row, column, field, message) and,
per row, the status computed by :mod:`xltools.core.status` (年龄, 类别, 重点关爱).

The checks work a column at a time: the common case of each rule is decided in
bulk (``isin`` for options, :func:`xltools.core.idcard.bulk_check` for ID numbers,
:func:`xltools.core.phone.fast_mobile_mask` for phones, a C date parser for ISO
dates) and only the values that fail go through the one-by-one functions that
give the precise reason.  Which rules exist and where they come from is listed
in the README ("校验规则").
"""

from __future__ import annotations

import datetime as _dt
import difflib
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xltools.core import dates, idcard, phone, status
from xltools.core.issues import ERROR, Issue, flatten as _flatten
from xltools.core.profiles import Profile, load as load_profile
from xltools.core.rowtable import NAT, StatusColumns, Table, split_multi
from xltools.core.schema import MULTI_JOINER, VALUE_HINTS, Field


@dataclass
class Report:
    kind: str
    profile: str
    as_of: _dt.date
    as_of_source: str                      # '--as-of', '填报日期', '今天'
    rows: int
    issues: list[Issue] = field(default_factory=list)
    statuses: StatusColumns | None = None
    columns: dict[str, str] = field(default_factory=dict)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    source: dict = field(default_factory=dict)
    # ID columns whose numbers were not all in their compact form (full-width digits, a lower-case
    # x, spaces): the whole column normalised, for rosters that keep the rows (the merge)
    normalised: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity != ERROR]

    def flatten(self, keys) -> list[list]:
        return _flatten(self.issues, keys)

    def summary(self) -> dict:
        by_code: dict[str, int] = {}
        for i in self.issues:
            by_code[i.code] = by_code.get(i.code, 0) + 1
        st = self.statuses
        return {
            "rows": self.rows,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "rows_with_errors": int((st.errors > 0).sum()) if st is not None else 0,
            "issues_by_code": dict(sorted(by_code.items(), key=lambda kv: -kv[1])),
            "categories": st.counts() if st is not None else {},
            "key_care": int(st.key_care.sum()) if st is not None else 0,
        }

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "profile": self.profile, "as_of": self.as_of.isoformat(),
            "as_of_source": self.as_of_source, "source": self.source,
            "columns": self.columns, "ignored": [list(x) for x in self.ignored],
            "summary": self.summary(),
            "issues": [i.to_dict() for i in self.issues],
            "rows": [s.to_dict() for s in self.statuses] if self.statuses is not None else [],
        }


def normalise_option(value: str) -> str:
    """Full-width to half-width and no inner spaces, before comparing with options."""
    v = unicodedata.normalize("NFKC", value).replace(" ", "").replace("\u3000", "")
    return v.replace("□", "").replace("☑", "").replace("√", "").strip() or v


def suggest(value: str, options: tuple[str, ...]) -> str | None:
    """The printed option a near miss most likely meant, or None."""
    v = normalise_option(value)
    for opt, hints in VALUE_HINTS.items():
        if opt in options and v.lower() in hints:
            return opt
    contains = [o for o in options if (v in o or o in v) and len(v) >= 1]
    if len(contains) == 1:
        return contains[0]
    close = difflib.get_close_matches(v, options, n=1, cutoff=0.6)
    return close[0] if close else None


# --- the entry point -------------------------------------------------------

def reference_date(as_of: _dt.date | None, report_date: str | _dt.date | None) -> tuple[_dt.date, str]:
    """--as-of, else the sheet's 填报日期, else today; with where it came from."""
    if as_of:
        return as_of, "--as-of"
    if report_date:
        try:
            d = dates.parse_date(report_date)
        except dates.DateError:
            d = None
        if d:
            return d, "填报日期"
    return _dt.date.today(), "今天"


def validate_frame(frame: pd.DataFrame, kind: str, profile: Profile | str | None = None,
                   as_of: _dt.date | None = None, *, report_date=None, unit: str = "",
                   letters: dict[str, str] | None = None) -> Report:
    """Check every row of a roster; see the module docstring."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    form = prof.form(kind)
    ref, source = reference_date(as_of, report_date)
    t = Table(frame, form, prof, ref, letters, unit)
    sheet_issues = _check_columns(t)
    for f in form:
        if f.type == "id_number":
            _check_id(t, f)
        elif f.type == "date":
            _check_date(t, f)
        elif f.type in ("choice", "multi_choice"):
            _check_choice(t, f)
        elif f.type == "phone":
            _check_phone(t, f)
        elif f.type == "address":
            _check_address(t, f)
        elif f.type == "text":
            _check_text(t, f)
    _check_id_against_fields(t)
    _check_date_order(t)
    _check_consistency(t)
    _check_duplicates(t)
    statuses = status.classify(t)
    report = Report(kind=kind, profile=prof.name, as_of=ref, as_of_source=source, rows=t.n,
                    issues=sheet_issues + t.issues, statuses=statuses,
                    columns={k: t.letter(k) for k in frame.columns}, normalised=t.normalised)
    _count_per_row(t, statuses)
    report.issues = sheet_issues + _sorted(t)
    return report


def validate_rows(rows: list[dict], kind: str, profile=None, as_of=None, *, first_row: int = 2) -> Report:
    """Validate plain mappings (one per child); rows are numbered from ``first_row``."""
    clean = [{k: v.strip() if isinstance(v, str) else v for k, v in row.items()} for row in rows]
    frame = pd.DataFrame(clean, dtype=object)
    frame.index = range(first_row, first_row + len(frame))
    return validate_frame(frame.fillna(""), kind, profile, as_of)


def _sorted(t: Table) -> list[Issue]:
    order = sorted(range(len(t.issues)), key=lambda i: (t.issues[i].row or 0, t.issues[i].column.rjust(3)))
    return [t.issues[i] for i in order]


def _count_per_row(t: Table, statuses: StatusColumns) -> None:
    if not t.issues:
        return
    pos = np.asarray(t.issue_pos, dtype=np.int64)
    is_err = np.array([i.severity == ERROR for i in t.issues], dtype=bool)
    statuses.errors = np.bincount(pos[is_err], minlength=t.n)
    statuses.warnings = np.bincount(pos[~is_err], minlength=t.n)


# --- per column ---------------------------------------------------------------

def _check_columns(t: Table) -> list[Issue]:
    """A required field whose column is missing altogether: one issue for the sheet."""
    out = []
    for f in t.form:
        if not f.required:
            continue
        keys = (f.key, *f.part_keys) if f.type == "address" else (f.key,)
        if not any(t.has(k) for k in keys) and t.n:
            out.append(Issue(code="field.missing_column", field=f.key, label=f.title))
    return out


def _required_mask(t: Table, f: Field, empty: np.ndarray) -> np.ndarray:
    if not f.required or not t.has(f.key):
        return np.zeros(t.n, dtype=bool)
    if f.key == "id_number":  # a child without 户口 may have no number
        return empty & ~t.eq("hukou_registered", "否")
    return empty


def _check_text(t: Table, f: Field) -> None:
    if not t.has(f.key):
        return
    col = t.col(f.key)
    empty = col == ""
    t.add_mask("field.required", _required_mask(t, f, empty), f.key)
    if f.max_length:
        m = f.max_length
        if t.n and max(map(len, col)) > m:  # the common case: nothing too long, one pass
            long_ = np.fromiter(map(len, col), dtype=np.int64, count=t.n) > m
            t.add_mask("text.too_long", long_, f.key, lambda pos: {"max_length": m})


def _check_choice(t: Table, f: Field) -> None:
    if not t.has(f.key):
        return
    col = t.col(f.key)
    empty = ~t.filled(f.key)
    t.add_mask("field.required", _required_mask(t, f, empty), f.key)
    # Most values are printed options: only the others are looked at, once per distinct value.
    odd = np.flatnonzero(~pd.Series(col, dtype=object).isin(f.options).to_numpy() & ~empty)
    t.odd[f.key] = odd
    if len(odd):
        codes, uniques = pd.factorize(col[odd])
        verdicts = [choice_verdict(f, u) for u in uniques]
        fixed = None
        for j, pos in zip(codes, odd):
            value, code, params, reported = verdicts[j]
            if code:
                t.add(code, int(pos), f.key, reported if reported is not None else col[pos], **params)
            if value != col[pos]:  # full-width or spaced variants count as their option from here on
                if fixed is None:
                    fixed = col.copy()
                fixed[pos] = value
        if fixed is not None:
            t.set_col(f.key, fixed)
    if f.companion and f.other_option:  # no companion column at all: the text is missing too
        other = t.contains(f.key, (f.other_option,))
        text = t.filled(f.companion)
        comp = t.form.get(f.companion)
        t.add_mask("option.other_text", other & ~text, f.key,
                   lambda pos: {"option": f.other_option, "companion": comp.title})
        t.add_mask("option.other_text_unused", text & ~other, f.companion,
                   lambda pos: {"option": f.other_option, "companion": comp.title, "field": f.title})


def choice_verdict(f: Field, raw: str):
    """(value to use, issue code or None, params, value to report) for one value of a choice field:
    the option it counts as (full-width and spaced variants are their option), or why it is none."""
    if raw == "" or raw in f.options:
        return raw, None, {}, None
    norm = normalise_option(raw)
    if f.type == "multi_choice":
        parts = split_multi(norm)
        wrong = [p for p in parts if p not in f.options]
        if not wrong:
            excl = [p for p in parts if p in f.exclusive]
            if excl and len(set(parts)) > 1:
                return MULTI_JOINER.join(parts), "option.exclusive", {"option": excl[0]}, None
            return MULTI_JOINER.join(parts), None, {}, None
        value = wrong[0]
    else:
        if norm in f.options:
            return norm, None, {}, None
        value = raw
    hint = suggest(value, f.options)
    if hint:
        return raw, "option.near_miss", {"suggestion": hint}, value
    return raw, "option.invalid", {"options": "/".join(f.options)}, value


def _check_date(t: Table, f: Field) -> None:
    if not t.has(f.key):
        t.dates[f.key] = np.full(t.n, NAT, dtype="datetime64[D]")
        return
    col = t.col(f.key)
    empty = col == ""
    codes, uniques = t.factor(f.key)
    parsed_u = pd.to_datetime(pd.Series(uniques, dtype=object), format="%Y-%m-%d",
                              errors="coerce").to_numpy().astype("datetime64[D]")
    failed: dict[int, str] = {}
    respelt = False
    for j in np.flatnonzero(np.isnat(parsed_u)):
        if uniques[j] == "":
            continue
        try:
            d = dates.parse_date(uniques[j])
            parsed_u[j] = np.datetime64(d, "D") if d else NAT
            respelt = respelt or bool(d)
        except dates.DateError as exc:
            failed[j] = exc.code
    parsed = parsed_u[codes] if len(uniques) else np.full(t.n, NAT, dtype="datetime64[D]")
    if respelt:  # 2015.3.2, 2015年3月2日 …: one spelling (ISO, written as a date) in the merged 花名册
        iso = np.datetime_as_string(parsed, unit="D").astype(object)
        t.normalised[f.key] = np.where(np.isnat(parsed), np.array(col, dtype=object), iso)
    if failed:
        for pos in np.flatnonzero(np.isin(codes, list(failed))):
            t.add(failed[codes[pos]], int(pos), f.key, col[pos])
    t.add_mask("field.required", _required_mask(t, f, empty), f.key)
    ref = np.datetime64(t.as_of, "D")
    late = ~np.isnat(parsed) & (parsed > ref)
    t.add_mask("date.after_reference", late, f.key, lambda pos: {"as_of": t.as_of.isoformat()})
    t.dates[f.key] = parsed


def _check_phone(t: Table, f: Field) -> None:
    if not t.has(f.key):
        return
    col = t.col(f.key)
    ok = phone.fast_mobile_mask(col)
    for pos in np.flatnonzero(~ok & (col != "")):
        if not phone.is_valid(col[pos]):
            t.add("phone.format", int(pos), f.key, col[pos])


def _check_address(t: Table, f: Field) -> None:
    keys = [f.key, *f.part_keys]
    if not any(t.has(k) for k in keys) or not f.required:
        return
    empty = np.ones(t.n, dtype=bool)
    for k in keys:
        empty &= ~t.filled(k)
    first = next(k for k in keys if t.has(k))
    t.add_mask("field.required", empty, f.key, column_key=first)


def _check_id(t: Table, f: Field) -> None:
    key = f.key
    if not t.has(key):
        t.id_ok[key] = np.zeros(t.n, dtype=bool)
        t.id_birth[key] = np.full(t.n, NAT, dtype="datetime64[D]")
        t.id_male[key] = np.zeros(t.n, dtype=bool)
        return
    col = t.col(key)  # only read: normalised numbers go into a copy (`fixed`), made when one differs
    empty = col == ""
    ok, birth, male, region = idcard.bulk_check(col, t.as_of)
    fixed = None  # the column with normalised numbers, when any was not in its compact form
    for pos in np.flatnonzero(~ok & ~empty):
        raw = col[pos]
        try:
            number = idcard.validate(raw, t.as_of)
        except idcard.OldFormat as exc:
            t.add(exc.code, int(pos), key, raw, **exc.params)
            continue
        except idcard.IDError as exc:
            t.add(exc.code, int(pos), key, raw, **exc.params)
            continue
        # valid after normalisation (full-width digits, spaces, lower-case x …)
        ok[pos] = True
        b = idcard.get_birth_date(number)
        birth[pos] = np.datetime64(b, "D")
        male[pos] = idcard.get_sex(number) == "男"
        region[pos] = int(number[:6])
        if number != raw:  # a copy: the column may be a read-only view of the frame (pandas copy-on-write)
            if fixed is None:
                fixed = col.copy()
            fixed[pos] = number
    if fixed is not None:
        t.set_col(key, fixed)
        t.normalised[key] = fixed
    t.add_mask("field.required", _required_mask(t, f, empty), key)
    _region_warnings(t, key, col, ok, birth, region)
    t.id_ok[key], t.id_birth[key], t.id_male[key] = ok, birth, male


def _region_warnings(t: Table, key: str, col: np.ndarray, ok: np.ndarray, birth: np.ndarray,
                     region: np.ndarray) -> None:
    """Region-code warnings, decided once per distinct (code, birth year)."""
    if not ok.any():
        return
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    combo = np.where(ok, region * 10000 + year, -1)
    uniq, inv = np.unique(combo, return_inverse=True)
    for j, c in enumerate(uniq):
        if c < 0:
            continue
        warnings = idcard.region_warnings(f"{c // 10000:06d}{c % 10000:04d}0000000X")
        if warnings:
            for pos in np.flatnonzero(inv == j):
                for code, params in warnings:
                    t.add(code, int(pos), key, col[pos], **params)


# --- across fields --------------------------------------------------------------

def _check_id_against_fields(t: Table) -> None:
    ok = t.id_ok.get("id_number")
    if ok is None:
        return
    id_birth = t.id_birth["id_number"]
    birth = t.dates.get("birth_date")
    if birth is not None and t.has("birth_date"):
        diff = ok & ~np.isnat(birth) & (birth != id_birth)
        t.add_mask("id.birth_mismatch", diff, "birth_date",
                   lambda p: {"birth_date": str(birth[p]), "id_birth": str(id_birth[p])})
    if t.has("sex"):
        sex = t.col("sex")
        known = (sex == "男") | (sex == "女")
        id_sex = np.where(t.id_male["id_number"], "男", "女")
        t.add_mask("id.sex_mismatch", ok & known & (sex != id_sex), "sex",
                   lambda p: {"sex": sex[p], "id_sex": id_sex[p]})
    if t.has("hukou_registered"):
        t.add_mask("id.no_hukou_but_number", t.eq("hukou_registered", "否") & t.filled("id_number"),
                   "id_number")
    child = t.col("id_number")
    child_birth = id_birth if birth is None else np.where(np.isnat(birth), id_birth, birth)
    for f in t.form.by_type("id_number"):
        if f.key == "id_number" or not t.has(f.key):
            continue
        other = t.col(f.key)
        same = ok & t.id_ok[f.key] & (other == child)
        t.add_mask("id.same_as_child", same, f.key)
        pb = t.id_birth[f.key]
        young = t.id_ok[f.key] & ~same & ~np.isnat(child_birth) & (
            pb.astype("datetime64[D]") > child_birth - np.timedelta64(14 * 365, "D"))
        t.add_mask("consistency.parent_age", young, f.key,
                   lambda p: {"parent_birth": str(pb[p]), "birth_date": str(child_birth[p])})


def _check_date_order(t: Table) -> None:
    """出生 ≤ 离开户籍地 ≤ 来现居住地 (each ≤ 填报日期 is checked per column)."""
    chain = [k for k in ("birth_date", "left_hukou_date", "arrival_date") if k in t.form]
    birth = t.dates.get("birth_date")
    if birth is not None and "id_number" in t.id_birth:
        birth = np.where(np.isnat(birth), t.id_birth["id_number"], birth)
        t.dates["birth"] = birth
    for i, later in enumerate(chain[1:], 1):
        for earlier in reversed(chain[:i]):
            a = t.dates.get(earlier) if earlier != "birth_date" else t.dates.get("birth")
            b = t.dates.get(later)
            if a is None or b is None:
                continue
            bad = ~np.isnat(a) & ~np.isnat(b) & (b < a)
            ef = t.form[earlier]
            t.add_mask("date.order", bad, later,
                       lambda p, a=a, ef=ef: {"before_field": ef.title, "before": str(a[p])})
            break


# Age bands in which a 就学情况 is plausible (周岁 at the reference date).  Outside
# them the row gets a warning, not an error: children start or repeat late.
SCHOOLING_AGES = {"学龄前": (0, 7), "小学": (5, 15), "初中": (10, 17), "高中": (13, 17),
                  "中等职业教育": (13, 17)}


def _check_consistency(t: Table) -> None:
    form = t.form
    if "disability_type" in form and t.has("disability_type"):
        dtype = t.col("disability_type")
        disabled = (dtype != "") & (dtype != "无")
        if t.has("health"):
            h_dis = t.contains("health", ("残疾",))
            health_known = t.filled("health")
            t.add_mask("consistency.disability_health", disabled & health_known & ~h_dis, "disability_type",
                       lambda p: {"disability": dtype[p], "health_text": "未勾选“残疾”"})
            t.add_mask("consistency.disability_health", (dtype == "无") & h_dis, "disability_type",
                       lambda p: {"disability": dtype[p], "health_text": "勾选了“残疾”"})
        if t.has("disability_grade"):
            grade = t.col("disability_grade")
            graded = (grade != "") & (grade != "无")
            t.add_mask("consistency.disability_grade", disabled & ~graded, "disability_grade",
                       lambda p: {"text": f"残疾类别为“{dtype[p]}”，但「残疾等级」{'未填写' if not grade[p] else '为“无”'}"})
            t.add_mask("consistency.disability_grade", (dtype == "无") & graded, "disability_grade",
                       lambda p: {"text": f"残疾类别为“无”，但「残疾等级」为“{grade[p]}”"})
        multi = dtype == "多重残疾"
        if multi.any():
            few = multi & t.per_value("disability_multi", lambda v: len(set(split_multi(v))) < 2)
            t.add_mask("consistency.multi_disability", few, "disability_type")
    age = t.ages()
    if t.has("schooling"):
        sch = t.col("schooling")
        bad = np.zeros(t.n, dtype=bool)
        for level, (lo, hi) in SCHOOLING_AGES.items():
            bad |= (sch == level) & (age >= 0) & ((age < lo) | (age > hi))
        t.add_mask("consistency.schooling_age", bad, "schooling",
                   lambda p: {"age": int(age[p]), "schooling": sch[p]})
        if t.has("study_status"):
            st = t.col("study_status")
            t.add_mask("consistency.school_status", (sch == "失学") & (st == "在读"), "study_status",
                       lambda p: {"text": "「就学情况」为“失学”，「学业状况」却为“在读”"})
            t.add_mask("consistency.school_status", (sch == "学龄前") & (st != "") & (st != "在读"), "study_status",
                       lambda p: {"text": f"「就学情况」为“学龄前”，「学业状况」却为“{st[p]}”"})
        if t.has("boarding"):
            t.add_mask("consistency.school_status", (sch == "学龄前") & t.eq("boarding", "是"), "boarding",
                       lambda p: {"text": "「就学情况」为“学龄前”，「是否学校寄宿」却为“是”"})
    _check_services(t)
    if t.form.kind == "left":
        _check_left_consistency(t)
    else:
        guardian_keys = [k for k in ("guardian_name", "guardian_id", "guardian_phone") if t.has(k)]
        if t.has("co_residents") and guardian_keys:
            none = np.ones(t.n, dtype=bool)
            for k in guardian_keys:
                none &= ~t.filled(k)
            t.add_mask("consistency.guardian_missing", t.eq("co_residents", "其他监护人") & none, "co_residents")


def _check_services(t: Table) -> None:
    """A service 'received at the place of residence' by a child who came there
    after the service's age range is inconsistent; receiving it long ago, or
    not receiving it, is not."""
    arrival = t.dates.get("arrival_date")
    birth = t.dates.get("birth")
    if arrival is None or birth is None:
        return
    for key, months, label in (("health_mgmt", 84, "7周岁"), ("tcm_mgmt", 37, "37个月")):
        if not t.has(key):
            continue
        here = t.eq(key, "在居住地接受")
        limit = dates.add_months_array(birth, months)
        late = here & ~np.isnat(arrival) & ~np.isnat(limit) & (arrival >= limit)
        t.add_mask("consistency.service_age", late, key,
                   lambda p, label=label, key=key: {
                       "text": f"儿童满{label}后才来现居住地（{arrival[p]}），「{t.form[key].title}」却为“在居住地接受”",
                       "field": t.form[key].title})


def _check_left_consistency(t: Table) -> None:
    if t.has("both_parents_away") and t.has("one_parent_incapable"):
        t.add_mask("consistency.left_parents",
                   t.eq("both_parents_away", "是") & t.eq("one_parent_incapable", "是"), "one_parent_incapable")
    if t.has("has_caregiver"):
        has = t.col("has_caregiver")
        cg_keys = [k for k in ("caregiver_name", "caregiver_id", "caregiver_phone", "caregiver_relation")
                   if t.has(k)]
        if not cg_keys:
            return
        any_filled = np.zeros(t.n, dtype=bool)
        for k in cg_keys:
            any_filled |= t.filled(k)
        t.add_mask("consistency.caregiver", (has == "无") & any_filled, "has_caregiver",
                   lambda p: {"text": "「有无受委托照护人」为“无”，却填写了受委托照护人信息"})
        if t.has("caregiver_name"):
            t.add_mask("consistency.caregiver", (has == "有") & ~t.filled("caregiver_name"), "caregiver_name",
                       lambda p: {"text": "「有无受委托照护人」为“有”，但未填写受委托照护人姓名"})


def _check_duplicates(t: Table) -> None:
    if t.has("id_number"):
        ids = pd.Series(t.col("id_number"), dtype=object)
        ok = t.id_ok["id_number"]
        dup = ids.duplicated(keep=False).to_numpy() & ok
        if dup.any():
            groups: dict[str, list[int]] = {}
            for pos in np.flatnonzero(dup):
                groups.setdefault(ids[pos], []).append(pos)
            for number, positions in groups.items():
                for pos in positions:
                    others = "、".join(str(t.rows[o]) for o in positions if o != pos)
                    t.add("id.duplicate", int(pos), "id_number", number, other_rows=others)
    no_id = ~t.filled("id_number") if t.has("id_number") else np.ones(t.n, dtype=bool)
    if t.has("name") and "birth" in t.dates and no_id.any():
        birth = t.dates["birth"]
        key = pd.Series([f"{n}|{b}" for n, b in zip(t.col("name"), birth)], dtype=object)
        dup = key.duplicated(keep=False).to_numpy() & t.filled("name") & ~np.isnat(birth)
        for pos in np.flatnonzero(dup & no_id):
            others = "、".join(str(t.rows[o]) for o in np.flatnonzero(key.to_numpy() == key[pos]) if o != pos)
            t.add("person.duplicate", int(pos), "name", t.col("name")[pos],
                  name=t.col("name")[pos], birth_date=str(birth[pos]), other_rows=others)
