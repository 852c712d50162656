"""公民身份号码 (GB 11643-1999 resident identity number), in the style of python-stdnum.

An 18-character number: 6 digits of region code (where the number was issued),
8 digits of birth date, 3 digits of sequence (odd for men, even for women) and
an ISO 7064 MOD 11-2 check character (0-9 or X).

>>> validate('11010519491231002X')
'11010519491231002X'
>>> get_sex('11010519491231002X')
'女'
>>> validate('１１０１０５ １９４９１２３１００２ｘ')
'11010519491231002X'
>>> validate('110105194912310021')
Traceback (most recent call last):
    ...
xltools.core.idcard.InvalidChecksum: 公民身份号码校验位错误（应为 X，实为 1）
>>> validate(5.00101201012e17)
Traceback (most recent call last):
    ...
xltools.core.idcard.DigitsLost: 号码以数字形式存储，后几位已丢失

What is an error and what is a warning — the region code:

- the first two digits must be a province (error ``id.region``);
- a county code that never existed in the code table is a *warning*
  (``id.region_unknown``): the table comes from public lists and may lag;
- a code that existed but was not in use in the birth year is *not* an error:
  numbers keep the code they were issued with.  Someone born in 1985 in
  Chongqing holds 5001xx (codes from 1997) because the card was issued later;
  a child born in 2026 may hold 500112 (渝北区, abolished 2025-11-06) while the
  registration offices switch to the new codes.  Only a code retired more
  than :data:`RETIRED_GRACE_YEARS` years before the birth is a warning
  (``id.region_retired``): such a number was probably mistyped.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from stdnum.exceptions import (InvalidChecksum as _StdChecksum, InvalidComponent as _StdComponent,
                               InvalidFormat as _StdFormat, InvalidLength as _StdLength,
                               ValidationError)

from xltools.core import regions
from xltools.core.dates import age_on

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
RETIRED_GRACE_YEARS = 2
EARLIEST_BIRTH_YEAR = 1880


class IDError(ValidationError):
    """Base of every reason a 公民身份号码 is rejected; ``code`` is the issue code."""

    code = "id.invalid"

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return self.message


class InvalidLength(IDError, _StdLength):
    code = "id.length"


class InvalidFormat(IDError, _StdFormat):
    code = "id.format"


class DigitsLost(InvalidFormat):
    """The number reached us as a number (Excel keeps 15 significant digits)."""

    code = "id.digits_lost"


class OldFormat(InvalidLength):
    """A 15-digit first-generation number; ``params['converted']`` is its 18-digit form."""

    code = "id.old_format"


class InvalidChecksum(IDError, _StdChecksum):
    code = "id.checksum"


class InvalidBirthDate(IDError, _StdComponent):
    code = "id.birth_date"


class BirthAfterReference(IDError, _StdComponent):
    code = "id.birth_future"


class InvalidRegion(IDError, _StdComponent):
    code = "id.region"


# How a typed number is normalised, the one rule for the engine and the templates'
# native formulas (templates.id_normal_formula spells the same steps with SUBSTITUTE):
# 1. full-width forms (Ｕ+FF01–FF5E, the ideographic space) become ASCII;
# 2. separators typed inside a number are dropped: spaces (also no-break), control
#    characters (tab, line breaks), dashes, underscores, middle dots, quotes and
#    apostrophes (Excel's text marker);
# 3. a lower-case x becomes X;
# 4. what is left, if it is a decimal number written with a point or an exponent
#    (5.00101E+17, 500101201012311000.0), is read as the number a spreadsheet cell held
#    (see _numeric); otherwise points are dropped too.
# So full-width digits, spaces and a lower-case x are accepted; a number is not.
FULL_WIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
SEPARATORS = " \u00a0-‐‑‒–—_·'’‘`\"“”" + "".join(chr(c) for c in range(32))
_STEP = {c: None for c in SEPARATORS} | {"x": "X"}
_TRANSLATE = str.maketrans({c: _STEP.get(a, a) for c, a in FULL_WIDTH.items()} | _STEP)
_FLOAT = re.compile(r"(?=.*[.E])([0-9]+\.?[0-9]*|\.[0-9]+)(E\+?[0-9]+)?")  # a point or an exponent (after step 3: E)
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also accepts ٣ and ፩, which int() may reject


def compact(number) -> str:
    """Normalise as the module's rule says (full-width → ASCII, separators dropped,
    x → X; a number written as text in floating-point form is a number).

    >>> compact(" '５００１０１-20101231-131x ")
    '50010120101231131X'
    >>> compact("110105491231002.0")
    '110105491231002'
    """
    if number is None:
        return ""
    if isinstance(number, bool):
        return str(number)
    if isinstance(number, (int, float)):
        return _numeric(number)
    text = str(number).translate(_TRANSLATE)
    if _FLOAT.fullmatch(text.replace("e", "E")):
        return _numeric(float(text))
    return text.replace(".", "")


def _numeric(number: float | int) -> str:
    if isinstance(number, float):
        if number != number or number in (float("inf"), float("-inf")):
            raise InvalidFormat("号码不是数字")
        if abs(number) >= 1e15 or not number.is_integer():
            raise DigitsLost("号码以数字形式存储，后几位已丢失")
        number = int(number)
    text = str(number)
    if len(text) > 15:
        # An int this long came from a numeric cell; Excel kept only 15 digits.
        raise DigitsLost("号码以数字形式存储，后几位已丢失")
    return text


def calc_check_digit(number: str) -> str:
    """The check character for the first 17 digits.

    >>> calc_check_digit('11010519491231002')
    'X'
    """
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(number[:17], WEIGHTS)) % 11]


def upgrade(number: str) -> str:
    """The 18-digit form of a 15-digit first-generation number (born 19xx).

    >>> upgrade('110105491231002')
    '11010519491231002X'
    """
    body = number[:6] + "19" + number[6:15]
    return body + calc_check_digit(body)


def _birth(number: str) -> _dt.date:
    try:
        born = _dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidBirthDate(f"号码中的出生日期 {number[6:14]} 不是有效日期", birth=number[6:14]) from None
    if born.year < EARLIEST_BIRTH_YEAR:
        raise InvalidBirthDate(f"号码中的出生日期 {number[6:14]} 不是有效日期", birth=number[6:14])
    return born


def validate(number, as_of: _dt.date | None = None) -> str:
    """Check the number and return its compact form, or raise an :class:`IDError`.

    ``as_of`` (default today) is the reference date: a birth after it is an error.
    """
    number = compact(number)
    if not number:
        raise InvalidLength("号码为空", length=0)
    if len(number) == 15 and _DIGITS.fullmatch(number):
        converted = upgrade(number)
        raise OldFormat(f"这是15位旧号码，对应的18位号码为 {converted}，请改填18位号码",
                        converted=converted)
    if len(number) != 18:
        raise InvalidLength(f"号码应为18位，实为{len(number)}位", length=len(number))
    if not _DIGITS.fullmatch(number[:17]) or number[17] not in "0123456789X":
        raise InvalidFormat("号码只能是17位数字加1位数字或X")
    expected = calc_check_digit(number)
    if number[17] != expected:
        raise InvalidChecksum(f"公民身份号码校验位错误（应为 {expected}，实为 {number[17]}）",
                              expected=expected, actual=number[17])
    born = _birth(number)
    ref = as_of or _dt.date.today()
    if born > ref:
        raise BirthAfterReference(f"号码中的出生日期 {born.isoformat()} 晚于统计日期 {ref.isoformat()}",
                                  birth=born.isoformat(), as_of=ref.isoformat())
    if regions.province_of(number[:2] + "0000") is None:
        raise InvalidRegion(f"号码前两位 {number[:2]} 不是省级行政区划代码", province_code=number[:2])
    return number


def is_valid(number, as_of: _dt.date | None = None) -> bool:
    """Whether the number passes :func:`validate`; never raises."""
    try:
        return bool(validate(number, as_of))
    except ValidationError:
        return False


def get_birth_date(number) -> _dt.date:
    return _birth(compact(number))


def get_sex(number) -> str:
    """'男' or '女' from the 17th digit (odd: male)."""
    number = compact(number)
    return "男" if int(number[16]) % 2 else "女"


def get_age(number, as_of: _dt.date) -> int:
    """Age in full years (周岁) at ``as_of``."""
    return age_on(get_birth_date(number), as_of)


def get_region(number) -> regions.Region | None:
    """The region of the first six digits with its history, or None if unknown."""
    return regions.lookup(compact(number)[:6])


def region_warnings(number: str) -> list[tuple[str, dict]]:
    """Warnings about the region code of a valid number: (issue code, params) pairs.

    The region code is the param ``region_code`` (``code`` is the issue's own).
    """
    region = regions.lookup(number[:6])
    if region is None:
        return [("id.region_unknown", {"region_code": number[:6], "province": regions.province_of(number) or ""})]
    year = int(number[6:10])
    last = region.last_year
    if last is not None and year > last + RETIRED_GRACE_YEARS:
        return [("id.region_retired", {"region_code": number[:6], "name": region.full_name,
                                       "last_year": last, "birth_year": year})]
    return []


@dataclass
class IDInfo:
    """Everything about one number, for the ``xltools id`` command and the add-in."""

    raw: str
    number: str = ""
    valid: bool = False
    error: IDError | None = None
    warnings: list[tuple[str, dict]] = field(default_factory=list)
    birth_date: _dt.date | None = None
    sex: str = ""
    age: int | None = None
    region: regions.Region | None = None


def inspect(number, as_of: _dt.date | None = None) -> IDInfo:
    ref = as_of or _dt.date.today()
    info = IDInfo(raw="" if number is None else str(number))
    try:
        info.number = validate(number, ref)
        info.valid = True
    except OldFormat as exc:
        info.error = exc
        try:  # the 18-digit form may still be wrong (birth date, province)
            info.number = validate(exc.params["converted"], ref)
        except IDError as inner:
            info.error = inner
            return info
    except IDError as exc:
        info.error = exc
        return info
    info.birth_date = get_birth_date(info.number)
    info.sex = get_sex(info.number)
    info.age = age_on(info.birth_date, ref)
    info.region = regions.lookup(info.number[:6])
    if info.valid:
        info.warnings = region_warnings(info.number)
    return info


# --- the same rules in bulk ------------------------------------------------

_PROVINCE_CODES = None


def bulk_check(values, as_of: _dt.date):
    """The common case of :func:`validate`, decided for a whole column at once.

    Returns ``(ok, birth, male, region)``: ``ok`` is True where the value is an
    18-character ASCII number with the right check character, a real birth
    date on or before ``as_of`` and a known province; ``birth`` (datetime64[D]),
    ``male`` and ``region`` (the first six digits as an int) are meaningful where ``ok``.  Values that are not ``ok`` go
    through :func:`validate` one by one for their precise reason — this is an
    accelerator of the same rules (weights and check characters above), not a
    second rule set; a test compares the two on random input.
    """
    import numpy as np

    global _PROVINCE_CODES
    if _PROVINCE_CODES is None:
        _PROVINCE_CODES = np.array([int(c) for c in regions.province_codes()])
    from xltools.core.codepoints import of_length

    n = len(values)
    ok = np.zeros(n, dtype=bool)
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    male = np.zeros(n, dtype=bool)
    region = np.zeros(n, dtype=np.int64)
    if n == 0:
        return ok, birth, male, region
    cand, cp = of_length(values, 18)  # memory in proportion to the rows, not to the longest cell
    if not cand.any():
        return ok, birth, male, region
    is_digit = (cp >= 48) & (cp <= 57)
    body_ok = is_digit[:, :17].all(axis=1)
    digits = (cp.astype(np.uint8) - np.uint8(48)) * is_digit  # 0 where not a digit
    body = digits[:, :17]
    # float dot product: exact for these small integers and much faster than int matmul
    total = (body.astype(np.float64) @ np.array(WEIGHTS, dtype=np.float64)).astype(np.int64)
    expected = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)[total % 11]
    good = body_ok & (cp[:, 17] == expected)
    b16 = body.astype(np.int32)
    year = b16[:, 6] * 1000 + b16[:, 7] * 100 + b16[:, 8] * 10 + b16[:, 9]
    month = b16[:, 10] * 10 + b16[:, 11]
    day = b16[:, 12] * 10 + b16[:, 13]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    mdays = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
    mdays = mdays + ((month == 2) & leap)
    good &= (year >= EARLIEST_BIRTH_YEAR) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= mdays)
    good &= np.isin(b16[:, 0] * 10 + b16[:, 1], _PROVINCE_CODES)
    ym = np.where(good, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    b = ym.astype("datetime64[D]") + np.where(good, day - 1, 0)
    good &= b <= np.datetime64(as_of, "D")
    idx = np.flatnonzero(cand)
    ok[idx] = good
    birth[idx] = np.where(good, b, np.datetime64("NaT"))
    male[idx] = b16[:, 16] % 2 == 1
    region[idx] = b16[:, :6] @ np.array([100000, 10000, 1000, 100, 10, 1], dtype=np.int32)
    return ok, birth, male, region
