"""What tells one child from another in a roster: the facts merge and diff match children on.

For each row: the normalised 公民身份号码 (:func:`xltools.core.idcard.compact`; empty when
there is none or its last digits were lost — siblings share what is left), whether it
is valid, the 姓名 without spaces, the 出生日期 (ISO; from the 出生日期 column, else from
a valid number) and the 村社区.  Pure: a frame in, a frame out.
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

from xltools.core.dates import DateError, parse_date
from xltools.core.idcard import IDError, bulk_check, compact, is_valid

FAR_FUTURE = _dt.date(2999, 12, 31)  # identity does not depend on the reference date


def keys(roster: pd.DataFrame) -> pd.DataFrame:
    """Per row, what tells children apart: ``number`` (the normalised ID, empty when there is
    none or its digits were lost), ``valid``, ``name`` (spaces dropped), ``birth`` (ISO; from
    出生日期, else from a valid number) and ``village``."""
    n = len(roster)
    raw = (roster["id_number"].astype(object).where(roster["id_number"].notna(), "").to_numpy(copy=True)
           if "id_number" in roster else np.full(n, "", dtype=object))
    ok, _, _, _ = bulk_check(raw, FAR_FUTURE)
    number, valid = raw.copy(), ok.copy()
    fixed = {}  # each distinct raw value that is not plainly valid, normalised once
    for value in set(raw[~ok].tolist()):
        try:
            text = compact(value)
        except IDError:  # digits lost: many children share what is left
            text = ""
        fixed[value] = (text, bool(text) and is_valid(text, FAR_FUTURE))
    for pos in np.flatnonzero(~ok):
        number[pos], valid[pos] = fixed[raw[pos]]

    def births(values):
        out = {}
        for v in set(values):
            try:
                d = parse_date(v) if v else None
                out[v] = d.isoformat() if d else ""
            except (DateError, ValueError, TypeError):
                out[v] = ""
        return [out[v] for v in values]

    col = lambda k: roster[k].fillna("").astype(str).tolist() if k in roster else [""] * n  # noqa: E731
    birth = births(col("birth_date"))
    birth = [b or (f"{x[6:10]}-{x[10:12]}-{x[12:14]}" if v else "") for b, x, v in zip(birth, number, valid)]
    name = [re.sub(r"\s+", "", x) for x in col("name")]
    return pd.DataFrame({"number": number.astype(str), "valid": valid, "name": name, "birth": birth,
                         "village": [x.strip() for x in col("village")]}, index=roster.index)
