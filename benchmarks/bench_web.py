"""Benchmark: merging the 300-file district through `xltools serve`'s HTTP API against `xltools merge`.

    python benchmarks/bench_web.py [--files 300] [--children 100000]

Uses the district of bench_merge.py (generated once into benchmarks/_data/).  Times, wall clock:
  cli  `python -m xltools.cli merge 区县 -o 花名册.xlsx --kind 流动 --profile chongqing`, a fresh process;
  web  against a running `xltools serve --no-browser` (started before the clock: a server serves many
       merges): upload every file (a folder upload, as the browser sends it), start the merge, follow
       the progress events to the end, download the 花名册 — what the page does.
Goal (issue #15): web no more than 10% longer than cli.  Both workbooks are compared sheet by sheet.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_merge import generate  # noqa: E402

ARGS = ["--kind", "流动", "--profile", "chongqing"]
# the child processes run in other folders: a relative PYTHONPATH (PYTHONPATH=src) must still find this xltools
ENV = {**os.environ, "PYTHONUNBUFFERED": "1",
       "PYTHONPATH": os.pathsep.join(str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)}


def time_cli(folder: Path, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xltools.cli", "merge", folder.name, "-o", str(out), *ARGS],
                   cwd=folder.parent, check=False, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - t


def start_server(cwd: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "xltools.cli", "serve", "--no-browser"], cwd=cwd,
                            stdout=subprocess.PIPE, text=True, env=ENV)
    for line in proc.stdout:
        m = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
        if m:
            return proc, line.strip().split("：", 1)[-1]
    raise RuntimeError("xltools serve did not print its address")


def time_web(url: str, folder: Path, out: Path) -> float:
    base = url.split("/?")[0]
    with httpx.Client(base_url=base, timeout=None) as c:
        c.get(url)  # token → session cookie
        page = c.get("/page/merge").text
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        t = time.perf_counter()
        handles = [open(p, "rb") for p in files]
        try:
            upload = [("files", (p.relative_to(folder.parent).as_posix(), h)) for p, h in zip(files, handles)]
            data = {"kind": "流动", "profile": "chongqing"}
            job = c.post("/run/merge", files=upload, data=data,
                         headers={"X-CSRF-Token": csrf, "Origin": base}).json()
        finally:
            for h in handles:
                h.close()
        with c.stream("GET", job["events"]) as events:
            for line in events.iter_lines():
                if line.startswith("event: failed"):
                    raise RuntimeError(next(events.iter_lines()))
                if line.startswith("event: done"):
                    break
        with c.stream("GET", f"{job['result']}/files/花名册.xlsx") as resp, open(out, "wb") as fh:
            for chunk in resp.iter_bytes():
                fh.write(chunk)
        return time.perf_counter() - t


def same_workbooks(a: Path, b: Path) -> bool:
    import python_calamine as pc

    wa, wb = pc.CalamineWorkbook.from_path(str(a)), pc.CalamineWorkbook.from_path(str(b))
    return wa.sheet_names == wb.sheet_names and all(
        wa.get_sheet_by_name(n).to_python() == wb.get_sheet_by_name(n).to_python() for n in wa.sheet_names)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--children", type=int, default=100_000)
    args = ap.parse_args()
    folder = generate(args.files, args.children)
    out = folder.parent / "web_bench"
    out.mkdir(exist_ok=True)
    proc, url = start_server(out)
    try:
        web = time_web(url, folder, out / "web.xlsx")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    cli = time_cli(folder, out / "cli.xlsx")
    print(f"cli  {cli:6.1f} s")
    print(f"web  {web:6.1f} s  ({100 * (web / cli - 1):+.1f}% against cli; goal ≤ +10%)")
    print("same workbook:", same_workbooks(out / "web.xlsx", out / "cli.xlsx"))


if __name__ == "__main__":
    main()
