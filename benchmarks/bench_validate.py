"""Benchmark: the rule engine on 100,000 rows in memory (file reading excluded).

    python benchmarks/bench_validate.py [--rows 100000] [--repeat 3]

Generates made-up children (xltools.core.synthetic) with 2% of rows broken on purpose,
for both kinds and both address styles (structured 省/市/县 cells as in our
templates; one address text per cell as in hand-made rosters), then times
``validate_frame`` — every check plus the classification — and prints rows/s.
Target (issue #2): ≥ 200,000 rows/s on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import pandas as pd

from xltools.core import synthetic, validate

AS_OF = dt.date(2026, 11, 24)


def frame(n: int, kind: str, structured: bool) -> pd.DataFrame:
    rows = synthetic.children(n, kind, "chongqing", AS_OF, seed=7, error_rate=0.02, structured=structured)
    df = pd.DataFrame(list(rows), dtype=object).fillna("")  # as the readers give it: text, '' for empty
    df.index = range(3, n + 3)
    return df


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"rule engine, {args.rows:,} rows, median of {args.repeat} runs")
    for kind in ("flow", "left"):
        for structured in (True, False):
            df = frame(args.rows, kind, structured)
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                report = validate.validate_frame(df, kind, "chongqing", AS_OF)
                times.append(time.perf_counter() - t0)
            med = statistics.median(times)
            style = "structured address" if structured else "address as text"
            print(f"  {kind:4s} {style:18s} {med:6.2f} s  {args.rows / med:>10,.0f} rows/s  "
                  f"issues={len(report.issues):,}  {report.summary()['categories']}")


if __name__ == "__main__":
    main()
