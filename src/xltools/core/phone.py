"""Phone numbers as staff write them: an 11-digit mobile, or a landline with its area code.

>>> validate('138 0013 8000'), validate('+86 13800138000'), validate('（023）6789-1234')
('13800138000', '13800138000', '023-67891234')
>>> is_valid('1380013800')
False
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes 010 and 020–029 have three digits, all others four.
_LANDLINE = re.compile(r"^(010|02\d|0[3-9]\d{2})([2-9]\d{6,7})$")


class InvalidPhone(ValueError):
    code = "phone.format"


def compact(number) -> str:
    text = unicodedata.normalize("NFKC", "" if number is None else str(number)).strip()
    if re.fullmatch(r"\d{11}\.0", text):  # a mobile number read from a numeric cell
        text = text[:-2]
    text = re.sub(r"[\s\-()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


def validate(number) -> str:
    """The number in a standard form (mobile digits, or ``AREA-NUMBER``), or raise InvalidPhone."""
    text = compact(number)
    if _MOBILE.match(text):
        return text
    m = _LANDLINE.match(text)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    raise InvalidPhone(f"“{number}”不是有效电话号码")


def is_valid(number) -> bool:
    try:
        return bool(validate(number))
    except InvalidPhone:
        return False


def fast_mobile_mask(values: np.ndarray) -> np.ndarray:
    """True where a value is plainly an 11-digit mobile number (decided in bulk);
    everything else goes through :func:`validate` one by one."""
    from xltools.core.codepoints import of_length

    ok, cp = of_length(values, 11)  # memory in proportion to the rows, not to the longest cell
    if not ok.any():
        return ok
    cp = cp.astype(np.int64) - 48
    good = ((cp >= 0) & (cp <= 9)).all(axis=1) & (cp[:, 0] == 1) & (cp[:, 1] >= 3)
    ok[ok] = good
    return ok
