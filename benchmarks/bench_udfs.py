"""Benchmark: each worksheet function on 10,000 rows, in Python (the COM transfer excluded).

    python benchmarks/bench_udfs.py [--rows 10000] [--repeat 3]

Feeds the functions what Excel hands them for an array formula over a column
or a table (``ndim=2``: rows of values; dates as datetime), made of made-up
children (xltools.core.synthetic) with 2% of rows broken on purpose.  The table
functions are timed on a fresh table each run (``first``) and when a second
function is asked about the same table, which reuses the first one's check
(``same table``).  Prints the median seconds and rows/s per function.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from xltools.core import synthetic
from xltools.excel import udfs
from xltools.core.textreport import column_title

AS_OF = dt.datetime(2026, 11, 24)


def table(n: int) -> list[list]:
    rows = list(synthetic.children(n, "flow", "chongqing", AS_OF.date(), seed=7, error_rate=0.02,
                                   structured=False))
    keys = list(rows[0])
    dates = {"birth_date", "left_hukou_date", "arrival_date"}

    def cell(key, value):
        if key in dates:
            try:
                return dt.datetime.fromisoformat(value)
            except ValueError:
                return value  # a broken date stays text, as a typed cell would
        return value or None
    return [[column_title("flow", k) for k in keys]] + [[cell(k, r.get(k, "")) for k in keys] for r in rows]


def timed(fn, repeat: int, setup=None) -> float:
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    grid = table(args.rows)
    keys_row = grid[0]
    ids = [[r[keys_row.index(column_title("flow", "id_number"))]] for r in grid[1:]]
    births = [[r[keys_row.index(column_title("flow", "birth_date"))]] for r in grid[1:]]
    print(f"worksheet functions, {args.rows:,} rows, median of {args.repeat} runs")
    cases = [("XT_ID_CHECK", lambda: udfs.XT_ID_CHECK(ids, AS_OF)),
             ("XT_ID_FIX", lambda: udfs.XT_ID_FIX(ids)),
             ("XT_BIRTH", lambda: udfs.XT_BIRTH(ids)),
             ("XT_SEX", lambda: udfs.XT_SEX(ids)),
             ("XT_REGION", lambda: udfs.XT_REGION(ids)),
             ("XT_AGE (birth dates)", lambda: udfs.XT_AGE(births, AS_OF)),
             ("XT_AGE (ID numbers)", lambda: udfs.XT_AGE(ids, AS_OF))]
    for name, fn in cases:
        sec = timed(fn, args.repeat)
        print(f"  {name:26s} {sec:6.3f} s  {args.rows / sec:>10,.0f} rows/s")
    for name in ("XT_STATUS", "XT_FLAGS", "XT_KEY_CARE"):
        fn = getattr(udfs, name)
        first = timed(lambda: fn(grid, AS_OF, "流动", "chongqing"), args.repeat, udfs._CHECKED.clear)
        same = timed(lambda: fn(grid, AS_OF, "流动", "chongqing"), args.repeat)
        print(f"  {name + ' (first)':26s} {first:6.3f} s  {args.rows / first:>10,.0f} rows/s   "
              f"same table: {same:6.3f} s")


if __name__ == "__main__":
    main()
