"""A longer search with the hostile-input generator of the test suite (tests/hostile.py).

For each seed: build the hostile corpus (LibreOffice-saved files for the first seed
only: about a second per conversion), add random damages of its well-formed files,
then merge and validate every file alone in a child process under a memory limit
and merge the whole folder through the command line.  Every distinct failure
class is reported once with an example file and the number of files it hit.

    PYTHONPATH=src python3 scripts/fuzz_inputs.py --seeds 6 --mutants 40 --out fuzz_out

Classes: crash (exception escaping merge or validate, by type and place), death
(the child process ended: native abort, memory), expectation (a file not merged or
not listed as it must be), unbalanced (读入 ≠ 进入花名册 + 重复已合并 + 未采用),
exception-text (a Python exception visible in an output), slow (one file over
--slow seconds), folder (the folder merge did not finish with exit 0/1).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

import hostile  # noqa: E402

EXCEPTION_TEXT = re.compile(r"Traceback|Error:|Exception|\b[A-Z][A-Za-z]*(Error|Warning)\b|Usage:")


def child(args, limit):
    def setlimit():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    env = {"PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'tests'}", "PATH": "/usr/bin:/bin:/usr/local/bin",
           "HOME": str(Path.home()), "LANG": "C.UTF-8"}
    return subprocess.run([sys.executable, *map(str, args)], cwd=ROOT / "tests", env=env, capture_output=True,
                          text=True, timeout=3600, preexec_fn=setlimit)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--mutants", type=int, default=40, help="random damages per seed")
    ap.add_argument("--out", type=Path, default=Path("fuzz_out"))
    ap.add_argument("--memory-gb", type=float, default=3.0)
    ap.add_argument("--slow", type=float, default=20.0)
    a = ap.parse_args()
    limit = int(a.memory_gb * (1 << 30))
    findings: dict[str, list[str]] = defaultdict(list)
    tried = 0
    t0 = time.perf_counter()
    for seed in range(a.first_seed, a.first_seed + a.seeds):
        folder = a.out / f"seed{seed}" / "收件"
        cases = hostile.build(folder, seed, libreoffice=seed == a.first_seed, big=seed == a.first_seed)
        cases += hostile.mutants(folder, seed, a.mutants)
        expect = {c.name: c for c in cases}
        tried += len(cases)
        done = folder.parent / "each.json"
        each = [ROOT / "tests" / "hostile.py", "each", folder, done, "|".join(c.name for c in cases if not c.alone)]
        res = child(each, limit)
        while res.returncode != 0:  # the child died on a file: note it, move it aside, go on
            at = Path(str(done) + ".at").read_text(encoding="utf-8")
            findings[f"death: exit {res.returncode} {res.stderr.strip().splitlines()[-1][:120] if res.stderr else ''}"
                     ].append(f"seed{seed}/{at}")
            (folder.parent / "died").mkdir(exist_ok=True)
            (folder / at).rename(folder.parent / "died" / at)
            res = child(each, limit)
        for name, r in json.loads(done.read_text(encoding="utf-8")).items():
            where = f"seed{seed}/{name}"
            if "crash" in r:
                lines = r["crash"].strip().splitlines()
                place = next((ln.strip() for ln in reversed(lines) if ln.strip().startswith("File ")), "")
                findings[f"crash: {lines[-1][:100]} at {place[:140]}"].append(where)
                continue
            c = expect.get(name)
            if "validated_only" in r:
                r = {**r, "status": "merged", "code": "", "reason": "", "read": -1, "balanced": True,
                     "other_sheets": [], "seconds": 0}
                c = None
            if c and c.expect != "either" and r["status"] != {"merged": "merged", "unread": "skipped"}[c.expect]:
                findings[f"expectation: {c.family} file {c.expect} but {r['status']} ({r['code']})"].append(where)
            if c and c.expect == "merged" and c.children >= 0 and r["read"] != c.children:
                findings[f"expectation: {c.family} file read {r['read']} of {c.children}"].append(where)
            if not r["balanced"]:
                findings["unbalanced"].append(where)
            if r["status"] == "skipped" and "请" not in r["reason"]:
                findings[f"reason without what to do: {r['reason'][:60]}"].append(where)
            text = r["reason"] + r["validate_output"] + json.dumps(r["other_sheets"], ensure_ascii=False)
            if EXCEPTION_TEXT.search(text) or r["validate_exception"] or r["validate_exit"] not in (0, 1, 2):
                findings[f"exception-text: validate exit {r['validate_exit']} "
                         f"{(r['validate_exception'] or EXCEPTION_TEXT.search(text).group(0))[:80]}"].append(where)
            if r["seconds"] > a.slow:
                findings[f"slow: over {a.slow:g} s"].append(f"{where} ({r['seconds']} s)")
        res = child(["-m", "xltools.cli", "merge", folder, "-o", folder.parent / "花名册.xlsx", "--json",
                     folder.parent / "report.json"], limit)
        if res.returncode not in (0, 1) or EXCEPTION_TEXT.search(res.stdout + res.stderr):
            findings[f"folder: exit {res.returncode} {(res.stderr.strip().splitlines() or [''])[-1][:100]}"
                     ].append(f"seed{seed}")
        print(f"seed {seed}: {len(cases)} files, {sum(map(len, findings.values()))} findings so far, "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
    summary = {"files": tried, "seconds": round(time.perf_counter() - t0),
               "findings": {k: {"count": len(v), "example": v[0]} for k, v in sorted(findings.items())}}
    (a.out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
