"""The roster as the rules see it, and every row's status: the types the engine and the
classification share.

:class:`Table` holds a roster's columns as plain strings (one entry per row) and what the
checks learn on the way (parsed dates, checked ID numbers, the issues); :mod:`xltools.core.validate`
fills it, :mod:`xltools.core.status` reads it to decide 年龄/类别/重点关爱, which come back as
:class:`StatusColumns`.  Also the conventions of a roster's cells that both need: column
letters and multi-choice values.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xltools.core.dates import ages_at
from xltools.core.issues import Issue
from xltools.core.profiles import Profile
from xltools.core.schema import MULTI_SEPARATORS, SHEET_FIELDS, Field, Form

NAT = np.datetime64("NaT")
_SPLIT = re.compile("[" + re.escape(MULTI_SEPARATORS) + "]+")


@dataclass
class RowStatus:
    row: int
    age: int | None
    category: str
    reasons: list[str]
    basis: str
    key_care: bool
    key_care_reasons: list[str]
    errors: int = 0
    warnings: int = 0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class StatusColumns:
    """Every row's status, column-wise (built in bulk); iterating gives :class:`RowStatus`."""

    rows: np.ndarray
    age: np.ndarray            # -1 where unknown
    category: np.ndarray
    reasons: dict             # position -> reasons (absent: none)
    basis: np.ndarray
    key_care: np.ndarray
    key_care_reasons: dict    # position -> reasons
    errors: np.ndarray
    warnings: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> RowStatus:
        a = int(self.age[i])
        return RowStatus(row=int(self.rows[i]), age=a if a >= 0 else None, category=self.category[i],
                         reasons=list(self.reasons.get(i, ())), basis=self.basis[i],
                         key_care=bool(self.key_care[i]), key_care_reasons=list(self.key_care_reasons.get(i, ())),
                         errors=int(self.errors[i]), warnings=int(self.warnings[i]))

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def counts(self) -> dict[str, int]:
        cats, n = np.unique(self.category.astype(str), return_counts=True) if len(self) else ([], [])
        return {str(c): int(k) for c, k in zip(cats, n)}


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_multi(value: str) -> list[str]:
    """'残疾、慢性病' → ['残疾', '慢性病'] (心理/行为异常 stays whole)."""
    value = value.replace("心理/行为异常", "\0")
    return [p.replace("\0", "心理/行为异常") for p in _SPLIT.split(value) if p]


class Table:
    """The roster being checked: string columns, parsed dates, checked IDs.

    Built once per validation and shared by the checks and by
    :mod:`xltools.core.status`; every array has one entry per row.
    """

    def __init__(self, frame: pd.DataFrame, form: Form, profile: Profile, as_of: _dt.date,
                 letters: dict[str, str] | None = None, unit: str = ""):
        self.form, self.profile, self.as_of, self.unit = form, profile, as_of, unit
        self.n = len(frame)
        self.rows = np.asarray(frame.index, dtype=np.int64) if self.n else np.zeros(0, np.int64)
        self.present = set(frame.columns)
        self._cols = {k: _strings(frame[k]) for k in frame.columns}
        self._empty = np.full(self.n, "", dtype=object)
        self.letters = dict(letters or {})
        for pos, key in enumerate(frame.columns):
            self.letters.setdefault(key, column_letter(pos))
        self.dates: dict[str, np.ndarray] = {}
        self.id_ok: dict[str, np.ndarray] = {}
        self.id_birth: dict[str, np.ndarray] = {}
        self.id_male: dict[str, np.ndarray] = {}
        self.issues: list[Issue] = []
        self.issue_pos: list[int] = []
        self._factors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._filled: dict[str, np.ndarray] = {}
        self.odd: dict[str, np.ndarray] = {}  # rows of a choice column whose value is not one option
        self.normalised: dict[str, np.ndarray] = {}  # ID columns in their compact form, date columns as ISO

    def col(self, key: str) -> np.ndarray:
        return self._cols.get(key, self._empty)

    def set_col(self, key: str, values: np.ndarray) -> None:
        self._cols[key] = values
        self._factors.pop(key, None)
        self._filled.pop(key, None)

    def factor(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, distinct values) of a column: rules decide once per distinct value."""
        if key not in self._factors:
            codes, uniques = pd.factorize(self.col(key))
            self._factors[key] = (codes, np.asarray(uniques, dtype=object))
        return self._factors[key]

    def per_value(self, key: str, fn, dtype=bool) -> np.ndarray:
        """``fn`` applied to each distinct value of a column, broadcast to the rows."""
        codes, uniques = self.factor(key)
        if not len(uniques):
            return np.zeros(self.n, dtype=dtype)
        return np.array([fn(u) for u in uniques], dtype=dtype)[codes]

    def has(self, key: str) -> bool:
        return key in self.present

    def letter(self, key: str) -> str:
        return self.letters.get(key, "")

    def eq(self, key: str, value: str) -> np.ndarray:
        return self.col(key) == value

    def filled(self, key: str) -> np.ndarray:
        if key not in self._filled:
            self._filled[key] = self.col(key) != ""
        return self._filled[key]

    def contains(self, key: str, options) -> np.ndarray:
        """Rows whose (multi-)choice value includes any of ``options``."""
        opts = set(options)
        col = self.col(key)
        odd = self.odd.get(key)
        if odd is None:  # not checked as a choice column: decide per distinct value
            return self.per_value(key, lambda v: v in opts or any(p in opts for p in split_multi(v)))
        # dtype=object here and below: pandas 3 would turn the column into its str dtype first (slow)
        hit = pd.Series(col, dtype=object).isin(opts).to_numpy().copy()
        for pos in odd:  # several ticks in one cell, or a value outside the options
            if not hit[pos] and any(p in opts for p in split_multi(col[pos])):
                hit[pos] = True
        return hit

    def add(self, code: str, pos: int, key: str = "", value: str = "", column_key: str | None = None,
            **params) -> None:
        f = self.form.get(key) or _sheet_field(key)
        ck = column_key or key
        self.issues.append(Issue(code=code, row=int(self.rows[pos]), column=self.letter(ck), field=key,
                                 label=f.title if f else key, value=value, params=params))
        self.issue_pos.append(pos)

    def add_mask(self, code: str, mask: np.ndarray, key: str = "", params=None, column_key=None) -> None:
        col = self.col(column_key or key)
        for pos in np.flatnonzero(mask):
            extra = params(pos) if params else {}
            self.add(code, int(pos), key, str(col[pos]), column_key=column_key, **extra)

    def ages(self) -> np.ndarray:
        """Age in full years at the reference date; -1 where the birth date is unknown (the
        birth date, else the one the ID number gives; computed once, kept in ``dates``)."""
        if "age" in self.dates:
            return self.dates["age"]
        birth = self.dates.get("birth")
        if birth is None:
            birth = self.dates.get("birth_date", np.full(self.n, NAT, dtype="datetime64[D]"))
            if "id_number" in self.id_birth:
                birth = np.where(np.isnat(birth), self.id_birth["id_number"], birth)
            self.dates["birth"] = birth
        age = ages_at(birth, self.as_of)
        self.dates["age"] = age
        return age


def _sheet_field(key: str) -> Field | None:
    return next((f for f in SHEET_FIELDS if f.key == key), None)


def _strings(series: pd.Series) -> np.ndarray:
    """Object array of strings, '' for empty/NaN (the readers' convention: values
    arrive stripped; :func:`validate_rows` strips what it is given)."""
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return series.to_numpy(dtype=object, na_value="")
    if pd.api.types.infer_dtype(series, skipna=False) == "string":
        return series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return series.fillna("").to_numpy(dtype=object)
    arr = series.to_numpy(dtype=object, copy=True)
    for i, v in enumerate(arr):
        if v is None or (isinstance(v, float) and v != v):
            arr[i] = ""
        elif not isinstance(v, str):
            arr[i] = v.isoformat() if isinstance(v, (_dt.date, _dt.datetime)) else _num_text(v)
    return arr


def _num_text(v) -> str:
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.15g}"
    return str(v)
