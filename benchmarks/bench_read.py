"""Benchmark: reading a roster workbook, python-calamine (what xltools uses) vs openpyxl.

    python benchmarks/bench_read.py [--rows 20000]

Writes a 附件1-shaped workbook of made-up children with xlsxwriter, then times
(a) ``xltools.workbooks.readers.read_roster`` (calamine + header detection + mapping to a
frame of text), (b) the bare calamine read, (c) openpyxl ``read_only`` iterating
every cell — the reader choice asked for in issue #2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import xlsxwriter

from xltools.workbooks import readers
from xltools.core import synthetic
from xltools.core.textreport import column_title


def write(path: Path, n: int) -> None:
    rows = list(synthetic.children(n, "flow", "chongqing", dt.date(2026, 9, 30), seed=1, structured=False))
    keys = list(rows[0])
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("花名册")
    for c, k in enumerate(keys):
        ws.write_string(0, c, column_title("flow", k))
    for r, row in enumerate(rows, 1):
        for c, k in enumerate(keys):
            ws.write_string(r, c, row[k])
    wb.close()


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.xlsx"
        write(path, args.rows)

        def calamine():
            import python_calamine as pc
            pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()

        def openpyxl_ro():
            import openpyxl
            wb = openpyxl.load_workbook(path, read_only=True)
            for _ in wb.worksheets[0].iter_rows(values_only=True):
                pass
            wb.close()

        print(f"reading {args.rows:,} rows × {len(readers.read_roster(path).frame.columns)} columns")
        for name, fn in (("xltools read_roster", lambda: readers.read_roster(path)),
                         ("calamine to_python", calamine), ("openpyxl read_only", openpyxl_ro)):
            print(f"  {name:22s} {min(timed(fn) for _ in range(3)):6.2f} s")


if __name__ == "__main__":
    main()
