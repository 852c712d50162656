"""Dates as staff write them, ages in full years, and month arithmetic.

Rules of the seeds this module owns:
- 不满十六周岁: age in full years (周岁) at the reference date is below 16;
  a child whose 16th birthday is the reference date is 16, out of scope.
- A child born on 29 February turns a year older on 1 March in common years
  (the first day on which the full year has passed) — the same answer as
  Excel's and LibreOffice's ``DATEDIF(birth, ref, "Y")``.
- 6个月以上: ``add_months(date, 6)`` clamps to the month's end like Excel's
  ``EDATE`` (2024-08-31 + 6 months = 2025-02-28); exactly 6 months counts.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
import unicodedata

EXCEL_EPOCH = _dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (after Excel's 1900 leap bug)
MIN_DATE = _dt.date(1900, 1, 1)

_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_ONLY = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


class DateError(ValueError):
    """A value that is not a date; ``code`` says why (``date.format``, ``date.month_only``)."""

    def __init__(self, message: str, code: str = "date.format"):
        super().__init__(message)
        self.code = code


def age_on(birth: _dt.date, ref: _dt.date) -> int:
    """Age in full years (周岁) on ``ref``.

    >>> age_on(_dt.date(2010, 12, 31), _dt.date(2026, 11, 22))
    15
    >>> age_on(_dt.date(2012, 2, 29), _dt.date(2013, 2, 28)), age_on(_dt.date(2012, 2, 29), _dt.date(2013, 3, 1))
    (0, 1)
    """
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


def add_months(d: _dt.date, months: int) -> _dt.date:
    """``d`` plus ``months`` calendar months, clamped to the month's end (Excel EDATE).

    >>> add_months(_dt.date(2024, 8, 31), 6)
    datetime.date(2025, 2, 28)
    """
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return _dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def birthday(birth: _dt.date, years: int) -> _dt.date:
    """The day a child born on ``birth`` is ``years`` 周岁 (29 February: 1 March in common years)."""
    d = add_months(birth, 12 * years)
    return d if age_on(birth, d) >= years else d + _dt.timedelta(days=1)


def from_excel_serial(serial: float) -> _dt.date:
    """The date of an Excel serial (1900 date system).

    >>> from_excel_serial(1), from_excel_serial(61), from_excel_serial(45536)
    (datetime.date(1900, 1, 1), datetime.date(1900, 3, 1), datetime.date(2024, 9, 1))
    """
    days = int(serial)
    if days == 60:
        raise DateError("Excel 序列号 60 是不存在的 1900-02-29")
    # Excel counts the fictitious 1900-02-29, so serials before it are one day later.
    return EXCEL_EPOCH + _dt.timedelta(days=days + 1 if days < 60 else days)


def to_excel_serial(d: _dt.date) -> int:
    days = (d - EXCEL_EPOCH).days
    return days - 1 if d < _dt.date(1900, 3, 1) else days


def parse_date(value) -> _dt.date | None:
    """A date from what a cell holds: a date, an Excel serial, or text such as
    2024-09-01, 2024.9.1, 2024/9/1, 2024年9月1日, 20240901.  Empty → None.
    A year alone (2024) or a year and month (2024年9月, 2024.9, 202409) is a
    :class:`DateError`, never the Excel serial of a day in 1905 or 2454.

    >>> parse_date('2024年9月1日'), parse_date(45536)
    (datetime.date(2024, 9, 1), datetime.date(2024, 9, 1))
    """
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, bool):
        raise DateError(f"“{value}”不是日期")
    if isinstance(value, (int, float)):
        if value != value:  # NaN: an empty cell read by pandas
            return None
        if float(value).is_integer() and 19000101 <= value <= 29991231:
            return parse_date(str(int(value)))  # 20240901 typed into a number cell
        # 2024 or 2024.9 typed into a number cell is a year (and month), not the
        # serial of a day in 1905; nor is 202409 a day in 2454.
        if 1900 <= value <= 2100:
            if float(value).is_integer():
                raise DateError(f"“{value}”只有年份，不是日期")
            raise DateError(f"“{value}”只有年月，缺少日", code="date.month_only")
        if float(value).is_integer() and 190001 <= value <= 210012 and 1 <= value % 100 <= 12:
            raise DateError(f"“{value}”只有年月，缺少日", code="date.month_only")
        if 1 <= value < 2958466:
            return from_excel_serial(value)
        raise DateError(f"“{value}”不是日期")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    # Drop a time part before the spaces: '2024-09-01 8:30' must not become '2024-09-018:30'.
    text = re.sub(r"(\d)(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", r"\1", text).replace(" ", "")
    for pat in _PATTERNS:
        m = pat.match(text)
        if m:
            try:
                d = _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise DateError(f"“{value}”不是有效日期") from None
            if d < MIN_DATE:
                raise DateError(f"“{value}”早于1900年")
            return d
    if _MONTH_ONLY.match(text):
        raise DateError(f"“{value}”只有年月，缺少日", code="date.month_only")
    if re.fullmatch(r"\d+(\.\d+)?", text):
        number = float(text)
        return parse_date(int(number) if number.is_integer() else number)
    raise DateError(f"“{value}”不是日期")


def add_months_array(d, months: int):
    """:func:`add_months` for a numpy datetime64[D] array (NaT stays NaT)."""
    import numpy as np

    known = ~np.isnat(d)
    safe = np.where(known, d, np.datetime64("2000-01-01")).astype("datetime64[D]")
    m0 = safe.astype("datetime64[M]")
    day = (safe - m0.astype("datetime64[D]")).astype(np.int64)
    target = m0 + np.timedelta64(months, "M")
    last = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    res = np.minimum(target.astype("datetime64[D]") + day, last)
    return np.where(known, res, np.datetime64("NaT"))


def ages_at(birth, ref: _dt.date):
    """:func:`age_on` for a numpy datetime64 array of birth dates; -1 where birth is NaT."""
    import numpy as np

    known = ~np.isnat(birth)
    b = np.where(known, birth, np.datetime64("2000-01-01")).astype("datetime64[D]")
    y = b.astype("datetime64[Y]").astype(np.int64) + 1970
    m = b.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (b - b.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    before = (ref.month < m) | ((ref.month == m) & (ref.day < d))
    age = ref.year - y - before.astype(np.int64)
    return np.where(known, age, -1)
