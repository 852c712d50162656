"""Made-up children and roster files for tests (never real personal data).

Thin, test-friendly layer over :mod:`xltools.core.synthetic` (which the examples, the
demo and the benchmarks also use): fixed reference date, seeds by default,
keyword overrides, and helpers that turn rows into real files.

    >>> c = child("flow", seed=1, name="王小明")
    >>> c["name"], len(c["id_number"])
    ('王小明', 18)
    >>> valid_id("500112", dt.date(2015, 3, 2), male=True, seq=12)
    '500112201503021218'
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import xlsxwriter

from xltools.core import idcard, synthetic

AS_OF = dt.date(2026, 9, 30)
# Real county codes (the ID checker knows them); none of the people is real.
REGION_CODES = ("500112", "500105", "510107", "500229", "430582")
SURNAMES = synthetic.SURNAMES
GIVEN = synthetic.GIVEN


def valid_id(region: str = "500112", birth: dt.date = dt.date(2015, 3, 2), *, male: bool = True,
             seq: int = 1) -> str:
    """An 18-digit 公民身份号码 with a correct check digit; ``seq`` 0–99, sex digit from ``male``."""
    order = (seq % 100) * 10 + (1 if male else 2)  # the 17th digit is odd for men
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + idcard.calc_check_digit(body)


def wrong_check_digit(number: str) -> str:
    """The same number with another check digit (so it fails only on the checksum)."""
    right = number[17]
    return number[:17] + ("0" if right != "0" else "1")


def birth_for_age(years: int, as_of: dt.date = AS_OF, days_after: int = 0) -> dt.date:
    """Birth date of a child who turns ``years`` exactly on ``as_of`` (+ ``days_after`` days)."""
    try:
        day = as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        day = as_of.replace(year=as_of.year - years, day=28)
    return day + dt.timedelta(days=days_after)


def child(kind: str = "flow", seed: int = 0, *, profile: str = "chongqing", as_of: dt.date = AS_OF,
          structured: bool = False, **overrides: str) -> dict[str, str]:
    """One consistent, in-scope child (column key → text), with ``overrides`` applied."""
    row = synthetic.child(random.Random(seed), kind, profile, as_of, structured=structured)
    row.update(overrides)
    return row


def children(n: int, kind: str = "flow", seed: int = 0, *, profile: str = "chongqing",
             as_of: dt.date = AS_OF, structured: bool = False) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [synthetic.child(rng, kind, profile, as_of, structured=structured) for _ in range(n)]


def write_xlsx(path, rows, *, merges=(), numbers=(), sheet: str = "花名册", hidden_rows=(),
               hidden_cols=(), extra_sheets=()) -> Path:
    """Write ``rows`` (lists of cell values, None = blank) as a real .xlsx.

    ``merges``: (r0, c0, r1, c1, text), 0-based; ``numbers``: {(r, c)} cells written
    as numbers (an ID typed into a General cell); datetimes are written as date
    cells; ``hidden_rows``/``hidden_cols``: 0-based indexes; ``extra_sheets``:
    (name, rows) written before the roster sheet.
    """
    path = Path(path)
    wb = xlsxwriter.Workbook(path)
    wb.set_properties({"created": dt.datetime(2026, 9, 30)})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, extra in extra_sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(extra):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
    ws = wb.add_worksheet(sheet)
    for r0, c0, r1, c1, text in merges:
        ws.merge_range(r0, c0, r1, c1, text)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            if (r, c) in numbers:
                ws.write_number(r, c, float(v))
            elif isinstance(v, (dt.datetime, dt.date)):
                ws.write_datetime(r, c, v, date_fmt)
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
    for r in hidden_rows:
        ws.set_row(r, None, None, {"hidden": True})
    for c in hidden_cols:
        ws.set_column(c, c, None, None, {"hidden": True})
    wb.close()
    return path


def write_csv(path, rows, encoding: str = "utf-8-sig") -> Path:
    path = Path(path)
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([["" if v is None else v for v in row] for row in rows])
    return path


def township_workbook(path, rows, *, headers=None, lines=(), sheet: str = "Sheet1") -> Path:
    """A township's hand-made roster: free ``lines`` above (title, 填报单位, 填报时间 …), one
    header row — each key of the rows by ``headers[key]`` when given (the township's own
    words), else by its printed title, ``village`` as 村（社区）— then one row per child."""
    from xltools.core.textreport import column_title

    headers = {"village": "村（社区）", **(headers or {})}
    keys = list(dict.fromkeys(k for r in rows for k in r))
    grid = [[line] for line in lines]
    grid.append([headers.get(k) or column_title("flow", k) for k in keys])
    grid += [[r.get(k, "") for k in keys] for r in rows]
    return write_xlsx(path, grid, sheet=sheet)


def stats_table(rows, title):
    """The rows of the 统计 sheet's table under ``title`` (header first), up to the next blank row."""
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 1
    out = []
    for r in rows[start:]:
        if r[0] is None:
            break
        out.append(r)
    return out
