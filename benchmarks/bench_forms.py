"""Benchmark: printing 登记表 for 10,000 children, reading 1,000 filled forms back.

    python benchmarks/bench_forms.py [--children 10000] [--read 1000] [--per-file 100]

Generation goes through :func:`xltools.ops.forms.prefill.prefill` from a 花名册-shaped roster
(one .xlsx per village of ``--per-file`` children, and the same as .docx); reading goes
through :func:`xltools.workbooks.readers.read_rosters`, the path validate and merge take.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from xltools.workbooks import readers
from xltools.core import synthetic
from xltools.ops.forms import layout as lay_mod
from xltools.ops.forms.docxform import write_document
from xltools.ops.forms.xlsxform import sheet_names, write_workbook
from xltools.core.profiles import load

AS_OF = dt.date(2026, 9, 30)


def villages(n: int, per_file: int):
    rng = random.Random(0)
    rows = [synthetic.child(rng, "flow", "chongqing", AS_OF, structured=True) for _ in range(n)]
    for i in range(0, n, per_file):
        part = rows[i:i + per_file]
        yield f"第{i // per_file + 1}村", [(s, r, "统计日期 2026-09-30：10周岁；类别：流动儿童（监测摸排对象）")
                                          for s, r in zip(sheet_names([r["name"] for r in part]), part)]


def timed(label: str, fn) -> float:
    t0 = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t0
    print(f"{label}: {elapsed:.1f} s{'' if out is None else f' ({out})'}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--children", type=int, default=10000)
    ap.add_argument("--read", type=int, default=1000)
    ap.add_argument("--per-file", type=int, default=100)
    args = ap.parse_args()
    lay = lay_mod.layout("flow", "chongqing")
    prof = load("chongqing")
    batches = list(villages(args.children, args.per_file))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)

        def write(fmt):
            writer = write_workbook if fmt == "xlsx" else write_document
            paths = [writer(out / f"{name}.{fmt}", lay, kids) for name, kids in batches]
            return f"{len(paths)} files, {sum(p.stat().st_size for p in paths) / 1e6:.0f} MB"

        t_x = timed(f"write {args.children} forms, xlsx", lambda: write("xlsx"))
        t_d = timed(f"write {args.children} forms, docx", lambda: write("docx"))
        n_files = max(1, args.read // args.per_file)

        def read(fmt):
            n = 0
            for name, _ in batches[:n_files]:
                rosters, _ = readers.read_rosters(out / f"{name}.{fmt}", profile=prof)
                n += len(rosters)
            return f"{n} forms"

        r_x = timed(f"read {args.read} forms back, xlsx", lambda: read("xlsx"))
        r_d = timed(f"read {args.read} forms back, docx", lambda: read("docx"))
    print(f"per form: write xlsx {t_x / args.children * 1000:.1f} ms, docx {t_d / args.children * 1000:.1f} ms; "
          f"read xlsx {r_x / args.read * 1000:.1f} ms, docx {r_d / args.read * 1000:.1f} ms")


if __name__ == "__main__":
    main()
