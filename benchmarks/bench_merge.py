"""Benchmark: merging a district — 300 village workbooks, 100,000 children — end to end.

    python benchmarks/bench_merge.py [--files 300] [--children 100000] [--skip-pandas]

Generates the district once into benchmarks/_data/ (2/3 our templates filled with
made-up children, 1/3 hand-made layouts with a title row and one-row headers),
then times, each in a fresh process (peak memory: the summed RSS of the process and its
workers, sampled every 50 ms):
  merge   `xltools merge` end to end (read, check, fold, write the 7-sheet workbook);
  pandas  the plain way: pandas.read_excel of every file + concat + to_excel;
  floor   the fastest reader on this machine doing nothing but reading the same cells
          (python-calamine, 2 threads) + the fastest writer writing the 花名册 once
          (xltools.workbooks.bulksheet, the column-wise writer the merge itself uses, same rows
          and columns, one text format);
  floor-xlsxwriter  the same with XlsxWriter's cell-by-cell writer, for reference.
Goal (issue #4): merge within 2× the floor, ≥ 5× faster than pandas, peak memory < 2 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "_data"
REPORT = dt.date(2026, 9, 30)


def generate(files: int, children: int) -> Path:
    import xlsxwriter

    from xltools.core import synthetic
    from xltools.ops import templates
    from xltools.core.textreport import column_title

    out = DATA / f"district_{files}_{children}"
    if (out / ".done").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(42)
    per = children // files
    for i in range(files):
        town, village = f"第{i // 20 + 1}街道", f"第{i % 20 + 1}社区"
        rows = [synthetic.child(rng, "flow", "chongqing", REPORT, township=town, structured=i % 3 != 2)
                for _ in range(per + (1 if i < children % files else 0))]
        for row in rows[: max(1, len(rows) // 50)]:
            synthetic.inject_error(rng, row)
        unit = town + village
        if i % 3 != 2:
            templates.build_template(out / f"{unit}.xlsx", "flow", "chongqing", unit, rows=len(rows),
                                     report_date=REPORT, data=rows)
        else:
            keys = list(rows[0])
            wb = xlsxwriter.Workbook(out / f"{unit}_自制.xlsx")
            ws = wb.add_worksheet("花名册")
            ws.write(0, 0, f"{unit}流动儿童花名册")
            ws.write(1, 0, f"填报单位：{unit}")
            for c, k in enumerate(keys):
                ws.write_string(2, c, column_title("flow", k))
                for r, row in enumerate(rows, 3):
                    ws.write_string(r, c, row.get(k, ""))
            wb.close()
    (out / ".done").write_text("ok")
    return out


def _merge(folder: str, out: str) -> None:
    from xltools.ops import merge
    from xltools.workbooks import rosterbook
    result = merge.merge([folder], kind="流动", profile="chongqing")
    rosterbook.write(result, Path(out))
    print(json.dumps(result.totals()))


def _pandas(folder: str, out: str) -> None:
    import pandas as pd
    frames = [pd.read_excel(p, header=None, engine="openpyxl") for p in sorted(Path(folder).glob("*.xlsx"))]
    pd.concat(frames, ignore_index=True).to_excel(out, index=False)


def _read_cells(folder: str) -> list[list]:
    """The data rows of every file, read with calamine on two threads and nothing else."""
    from concurrent.futures import ThreadPoolExecutor

    import python_calamine as pc

    def read(p):
        return pc.CalamineWorkbook.from_path(str(p)).get_sheet_by_index(0).to_python()

    with ThreadPoolExecutor(2) as ex:
        grids = list(ex.map(read, sorted(Path(folder).glob("*.xlsx"))))
    return [r for g in grids for r in g[4:]]


WIDTH = 90  # the 花名册's columns


def _floor(folder: str, out: str) -> None:
    """Fastest reader + fastest writer: our column-wise sheet writer (xltools.workbooks.bulksheet)."""
    from xltools.workbooks import bulksheet

    rows = _read_cells(folder)
    wb = bulksheet.Workbook(out)
    ws = wb.add_worksheet()
    text = wb.add_format({"num_format": "@"})
    columns = [[(row[c] if c < len(row) else "") for row in rows] for c in range(WIDTH)]
    bulksheet.write_block(ws, 0, 0, [bulksheet.Column(col, text, text, text) for col in columns])
    wb.close()


def _floor_xlsxwriter(folder: str, out: str) -> None:
    """Fastest reader + XlsxWriter's own cell-by-cell writer, for reference."""
    import xlsxwriter

    rows = _read_cells(folder)
    wb = xlsxwriter.Workbook(out)
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, v in enumerate(row[:WIDTH]):
            if v != "":
                ws.write(r, c, v)
    wb.close()


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants (the merge's worker processes), MB."""
    parent, rss = {}, {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            parent[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            rss[int(d.name)] = int((d / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    tree, grew = {root}, True
    while grew:
        more = {p for p, pp in parent.items() if pp in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(rss.get(p, 0) for p in tree) / 2**20


def run(job: str, folder: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak memory (MB) of one job in its own process: the peak of the summed
    resident memory of the process and its workers, sampled every 50 ms."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--job", job, str(folder), str(out)])
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_mb(proc.pid))
        time.sleep(0.05)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{job} failed ({proc.returncode})")
    return secs, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--children", type=int, default=100_000)
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--job", nargs=3, metavar=("JOB", "FOLDER", "OUT"))
    args = ap.parse_args()
    if args.job:
        {"merge": _merge, "pandas": _pandas, "floor": _floor, "floor-xlsxwriter": _floor_xlsxwriter}[args.job[0]](args.job[1], args.job[2])
        return
    t0 = time.perf_counter()
    folder = generate(args.files, args.children)
    print(f"district: {args.files} files, {args.children:,} children ({time.perf_counter() - t0:.0f} s to generate)")
    out = DATA / "out"
    out.mkdir(exist_ok=True)
    results = {}
    for job in ("floor", "floor-xlsxwriter", "merge") + (() if args.skip_pandas else ("pandas",)):
        secs, peak = run(job, folder, out / f"{job}.xlsx")
        results[job] = secs
        print(f"  {job:16s} {secs:7.1f} s   peak memory {peak:,.0f} MB")
    print(f"merge / floor = {results['merge'] / results['floor']:.2f}  (goal ≤ 2)")
    if "pandas" in results:
        print(f"pandas / merge = {results['pandas'] / results['merge']:.2f}  (goal ≥ 5)")


if __name__ == "__main__":
    main()
