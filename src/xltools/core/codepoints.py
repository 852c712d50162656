"""Fixed-width code-point views of a text column, for the checks decided in bulk.

The bulk checks (:func:`xltools.core.idcard.bulk_check`, :func:`xltools.core.phone.fast_mobile_mask`)
look at the characters of values of one exact length as a ``rows × width`` array of
code points.  Converting the whole column to a NumPy unicode array first would size
every row for the longest cell: one 40,000-character cell beside 60,000 rows asks
for 9.6 GB.  Here only the values of the wanted length are converted, so memory
stays proportional to the rows, whatever one cell holds.
"""

from __future__ import annotations

import numpy as np


def of_length(values, width: int) -> tuple[np.ndarray, np.ndarray]:
    """``(mask, cp)``: where a value's text has exactly ``width`` characters, and the
    code points of those values (``mask.sum() × width``, uint32).

    Non-text values count as their ``str()``, as NumPy's conversion would.

    >>> mask, cp = of_length(["ab", "abc", 7, "x" * 40000], 2)
    >>> mask.tolist(), cp.tolist()
    ([True, False, False, False], [[97, 98]])
    """
    objs = np.asarray(values, dtype=object).ravel()
    try:  # text cells, the common case: nothing converted, one join of the chosen values
        mask, text = _joined(objs, width)
    except TypeError:  # numbers, None, NaN among them: their str() is what is looked at
        mask, text = _joined(np.array([v if type(v) is str else str(v) for v in objs], dtype=object), width)
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return mask, cp.reshape(-1, width)


def _joined(objs: np.ndarray, width: int) -> tuple[np.ndarray, str]:
    lengths = np.fromiter(map(len, objs), dtype=np.int64, count=len(objs))
    mask = lengths == width
    return mask, "".join(objs if mask.all() else objs[mask])
