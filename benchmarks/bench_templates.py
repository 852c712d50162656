"""Benchmark: generating one template per village, 300 villages (target: under 30 s).

    python benchmarks/bench_templates.py [--units 300] [--rows 1000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from xltools.ops import templates


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=300)
    ap.add_argument("--rows", type=int, default=1000)
    args = ap.parse_args()
    units = [f"第{i // 20 + 1}镇第{i % 20 + 1}村" for i in range(args.units)]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        paths = templates.build_templates(Path(tmp), "flow", "chongqing", units, rows=args.rows)
        elapsed = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} templates × {args.rows} rows: {elapsed:.1f} s "
          f"({elapsed / len(paths) * 1000:.0f} ms each), {size / 1e6:.1f} MB in all")


if __name__ == "__main__":
    main()
