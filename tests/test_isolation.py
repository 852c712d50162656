"""One file never stops a run: whatever happens to one file, it is listed with a reason and the rest is merged.

Failures are injected into one chosen file's processing (an exception, a worker killed
with SIGKILL, a file that takes too long, memory exhausted); the merge must finish, list
that file in 未读取文件 with a Chinese reason, write the traceback to the error log
beside the output, merge every other file and keep the accounting balanced.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from functools import partial
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

import xltools
from factories import AS_OF, children, valid_id, write_xlsx
from xltools.core import idcard, phone
from xltools.workbooks import isolation
from xltools.ops import merge
from xltools.cli.commands import main
from xltools.workbooks.rosterbook import UNREAD_SHEET
from xltools.core.textreport import column_title

_real_read = merge._read_file
# The injected failures take the chosen file's name as their first argument (functools.partial),
# so they reach worker processes whatever the start method (fork, spawn, forkserver).


def _raising(victim, path, *args):
    if Path(path).name == victim:
        raise RuntimeError("injected failure while reading")
    return _real_read(path, *args)


def _killed(victim, path, *args):
    if Path(path).name == victim:
        os.kill(os.getpid(), signal.SIGKILL)
    return _real_read(path, *args)


def _hanging(victim, path, *args):
    if Path(path).name == victim:
        time.sleep(120)
    return _real_read(path, *args)


def _unchecked(path, *args):
    got = _real_read(path, *args)
    got.checked = {}
    return got


def _out_of_memory(victim, path, *args):
    if Path(path).name == victim:
        raise MemoryError()
    return _real_read(path, *args)


def roster_file(path: Path, rows: list[dict], kind: str = "flow") -> Path:
    keys = list(rows[0])
    return write_xlsx(path, [[column_title(kind, k) for k in keys]] + [[r[k] for k in keys] for r in rows])


@pytest.fixture()
def folder(tmp_path):
    """Five townships' files, three children each (so the CLI uses worker processes)."""
    d = tmp_path / "收件"
    d.mkdir()
    for i, town in enumerate(["两路街道", "双凤桥街道", "大盛镇", "古路镇", "木耳镇"]):
        roster_file(d / f"{i}_{town}.xlsx", children(3, seed=500 + i))
    return d


def balanced(result) -> bool:
    merged = [f for f in result.files if f.status == "merged"]
    t = result.totals()
    return all(f.balanced for f in merged) and t["read"] == len(result.roster) + t["folded"] + t["rejected"]


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("inject, code", [(_raising, isolation.CRASHED), (_out_of_memory, isolation.TOO_LARGE)])
def test_an_exception_in_one_file_lists_it_as_unread_and_merges_the_rest(folder, tmp_path, monkeypatch,
                                                                        workers, inject, code):
    victim = "2_大盛镇.xlsx"
    monkeypatch.setattr(merge, "_read_file", partial(inject, victim))
    log = tmp_path / "花名册_错误记录.txt"
    result = merge.merge([folder], profile="chongqing", as_of=AS_OF, workers=workers, error_log=log)
    [bad] = result.unread
    assert Path(bad.path).name == victim and bad.code == code
    assert "已跳过" in bad.reason and "花名册_错误记录.txt" in bad.reason and "维护人员" in bad.reason
    assert ("文件过大或已损坏" in bad.reason) == (code == isolation.TOO_LARGE)
    assert "Traceback" in bad.detail
    assert len(result.roster) == 12 and balanced(result) and result.exit_code == 1
    text = log.read_text(encoding="utf-8")
    assert victim in text and "Traceback" in text and ("injected failure" in text) == (inject is _raising)


def test_a_failure_while_checking_in_the_merge_process_is_isolated_too(folder, tmp_path, monkeypatch):
    real = merge.check_sheet

    def check(path, *args):
        if Path(path).name == "3_古路镇.xlsx":
            raise ValueError("assignment destination is read-only")
        return real(path, *args)

    monkeypatch.setattr(merge, "check_sheet", check)
    monkeypatch.setattr(merge, "_read_file", _unchecked)  # the check then runs in the merge's own process
    result = merge.merge([folder], profile="chongqing", as_of=AS_OF, workers=0)
    assert [(Path(f.path).name, f.code) for f in result.unread] == [("3_古路镇.xlsx", isolation.CRASHED)]
    assert "read-only" in result.unread[0].detail
    assert len(result.roster) == 12 and balanced(result)


def test_a_worker_killed_while_reading_one_file_loses_only_that_file(folder, tmp_path, monkeypatch):
    victim = "1_双凤桥街道.xlsx"
    monkeypatch.setattr(merge, "_read_file", partial(_killed, victim))
    result = merge.merge([folder], profile="chongqing", as_of=AS_OF, workers=2, error_log=tmp_path / "x_错误记录.txt")
    [bad] = result.unread
    assert Path(bad.path).name == victim and bad.code == isolation.WORKER_DIED
    assert "文件过大或已损坏" in bad.reason and "进程异常退出" in bad.reason
    assert [Path(f.path).name for f in result.files if f.status == "merged"] == \
        ["0_两路街道.xlsx", "2_大盛镇.xlsx", "3_古路镇.xlsx", "4_木耳镇.xlsx"]
    assert len(result.roster) == 12 and balanced(result)
    assert "BrokenProcessPool" in (tmp_path / "x_错误记录.txt").read_text(encoding="utf-8")


def test_a_killed_worker_gives_the_same_roster_as_leaving_the_file_out(folder, tmp_path, monkeypatch):
    victim = "0_两路街道.xlsx"
    monkeypatch.setattr(merge, "_read_file", partial(_killed, victim))
    hit = merge.merge([folder], profile="chongqing", as_of=AS_OF, workers=2)
    monkeypatch.setattr(merge, "_read_file", _real_read)
    without = merge.merge(sorted(p for p in folder.iterdir() if p.name != victim), profile="chongqing",
                          as_of=AS_OF, workers=0)
    assert hit.roster.equals(without.roster)


def test_a_file_over_the_time_limit_is_given_up_and_the_rest_merged(folder, tmp_path, monkeypatch):
    victim = "2_大盛镇.xlsx"
    monkeypatch.setattr(merge, "_read_file", partial(_hanging, victim))
    started = time.monotonic()
    result = merge.merge([folder], profile="chongqing", as_of=AS_OF, workers=2, time_limit=3)
    assert time.monotonic() - started < 60
    [bad] = result.unread
    assert Path(bad.path).name == victim and bad.code == isolation.TIMEOUT
    assert "超过 3 秒" in bad.reason
    assert len(result.roster) == 12 and balanced(result)


def test_merge_command_with_a_crashing_file_exits_1_writes_the_log_and_lists_the_file(folder, tmp_path,
                                                                                    monkeypatch):
    victim = "4_木耳镇.xlsx"
    monkeypatch.setattr(merge, "_read_file", partial(_killed, victim))
    out, js = tmp_path / "区县" / "花名册.xlsx", tmp_path / "report.json"
    out.parent.mkdir()
    res = CliRunner().invoke(main, ["merge", str(folder), "-o", str(out), "--profile", "chongqing",
                                    "--as-of", "2026-09-30", "--json", str(js)])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and "Usage" not in res.output
    log = out.parent / "花名册_错误记录.txt"
    assert "BrokenProcessPool" in log.read_text(encoding="utf-8")
    ws = openpyxl.load_workbook(out)[UNREAD_SHEET]
    rows = [[str(v) for v in r if v is not None] for r in ws.iter_rows(values_only=True)]
    hit = [r for r in rows if any(victim in v for v in r)]
    assert hit and any("花名册_错误记录.txt" in v and "文件过大或已损坏" in v for v in hit[0])
    import json
    report = json.loads(js.read_text(encoding="utf-8"))
    assert report["error_log"] == str(log)
    [bad] = [f for f in report["files"] if f["status"] != "merged"]
    assert bad["code"] == isolation.WORKER_DIED and "BrokenProcessPool" in bad["detail"]
    assert report["totals"]["read"] == 12 and all(f["balanced"] for f in report["files"] if f["status"] == "merged")


def test_a_single_file_that_kills_its_reader_is_contained_too(tmp_path, monkeypatch):
    f = roster_file(tmp_path / "村.xlsx", children(2, seed=11))
    monkeypatch.setattr(merge, "_read_file", partial(_killed, f.name))
    out = tmp_path / "花名册.xlsx"
    res = CliRunner().invoke(main, ["merge", str(f), "-o", str(out), "--profile", "chongqing"])
    assert res.exit_code == 2  # nothing merged
    assert "Traceback" not in res.output and "Usage" not in res.output
    assert "文件过大或已损坏" in res.output or "未读取" in res.output
    assert (tmp_path / "花名册_错误记录.txt").exists()


def test_an_xls_claiming_a_huge_sheet_is_listed_and_the_screen_stays_clean(tmp_path):
    """calamine trusts the DIMENSIONS record and aborts the process (SIGABRT) asking for petabytes."""
    import shutil
    import struct

    examples = Path(__file__).resolve().parent.parent / "examples"
    d = tmp_path / "收件"
    d.mkdir()
    data = bytearray((examples / "大盛镇_流动儿童.xls").read_bytes())
    at = data.find(b"\x00\x02\x0e\x00")  # BIFF8 DIMENSIONS: first/last row, first/last column
    data[at + 4:at + 18] = struct.pack("<IIHHH", 0, 0x0FFFFFFF, 0, 0x3FFF, 0)
    (d / "0_坏维度.xls").write_bytes(bytes(data))
    shutil.copy(examples / "大盛镇_流动儿童.xls", d / "1_大盛镇.xls")
    before = (d / "0_坏维度.xls").read_bytes()
    env = dict(os.environ, PYTHONPATH=str(Path(xltools.__file__).parents[1]))
    out = tmp_path / "花名册.xlsx"
    run = subprocess.run([sys.executable, "-m", "xltools.cli", "merge", str(d), "-o", str(out), "--profile",
                          "chongqing"], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 1, run.stderr
    screen = run.stdout + run.stderr
    assert "Traceback" not in screen and "memory allocation" not in screen and "panicked" not in screen
    assert "未读取：" in screen and "0_坏维度.xls" in screen and "读入" in screen
    ws = openpyxl.load_workbook(out)[UNREAD_SHEET]
    assert any("0_坏维度.xls" in str(v) for r in ws.iter_rows(values_only=True) for v in r)
    assert (d / "0_坏维度.xls").read_bytes() == before


def test_merge_command_failing_outside_any_file_exits_2_with_a_chinese_sentence_and_the_log(folder, tmp_path,
                                                                                         monkeypatch):
    from xltools.workbooks import rosterbook

    def broken(*args, **kwargs):
        raise ValueError("assignment destination is read-only")

    monkeypatch.setattr(rosterbook, "write", broken)
    out = tmp_path / "花名册.xlsx"
    res = CliRunner().invoke(main, ["merge", str(folder), "-o", str(out), "--profile", "chongqing"])
    assert res.exit_code == 2
    assert "Usage" not in res.output and "Traceback" not in res.output and "Error:" not in res.output
    assert "合并时程序出错" in res.output and "花名册_错误记录.txt" in res.output
    assert "read-only" in (tmp_path / "花名册_错误记录.txt").read_text(encoding="utf-8")
    assert not out.exists() and not list(tmp_path.glob(".xltools-*"))


def test_validate_command_failing_inside_exits_2_with_a_chinese_sentence_and_the_log(tmp_path, monkeypatch):
    from xltools import runs

    f = roster_file(tmp_path / "村.xlsx", children(2, seed=9))

    def broken(*args, **kwargs):
        raise ValueError("assignment destination is read-only")

    monkeypatch.setattr(runs, "check_file", broken)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["validate", str(f), "--profile", "chongqing"])
    assert res.exit_code == 2
    assert "Usage" not in res.output and "Traceback" not in res.output and "Error:" not in res.output
    assert "无法校验" in res.output and "村_错误记录.txt" in res.output and "维护人员" in res.output
    assert "read-only" in (tmp_path / "村_错误记录.txt").read_text(encoding="utf-8")


# --- the kind decided whatever the order of the files ---------------------------------

def test_a_first_file_whose_kind_cannot_be_told_merges_like_when_it_sorts_last(tmp_path):
    plain = ["name", "sex", "id_number", "ethnicity"]  # columns both kinds have
    d1, d2 = tmp_path / "先", tmp_path / "后"
    for d, name in ((d1, "0_只有姓名.xlsx"), (d2, "9_只有姓名.xlsx")):
        d.mkdir()
        rows = children(2, seed=77)
        write_xlsx(d / name, [[column_title("flow", k) for k in plain]] + [[r[k] for k in plain] for r in rows])
        roster_file(d / "5_两路街道.xlsx", children(3, seed=78))
    first = merge.merge([d1], profile="chongqing", as_of=AS_OF, workers=0)
    last = merge.merge([d2], profile="chongqing", as_of=AS_OF, workers=0)
    assert first.kind == last.kind == "flow" and not first.unread and not last.unread
    assert len(first.roster) == len(last.roster) == 5
    assert balanced(first) and balanced(last)
    assert [Path(f.path).name for f in first.files] == ["0_只有姓名.xlsx", "5_两路街道.xlsx"]
    # path order is kept in the roster although the first file was taken after the second
    assert list(first.roster["source_file"].map(lambda p: Path(p).name)) == ["0_只有姓名.xlsx"] * 2 + [
        "5_两路街道.xlsx"] * 3


def test_files_whose_kind_no_file_tells_are_listed_with_what_to_do(tmp_path):
    plain = ["name", "sex", "id_number"]
    rows = children(2, seed=79)
    write_xlsx(tmp_path / "a.xlsx", [[column_title("flow", k) for k in plain]] + [[r[k] for k in plain] for r in rows])
    result = merge.merge([tmp_path / "a.xlsx"], profile="chongqing", as_of=AS_OF, workers=0)
    [bad] = result.unread
    assert bad.code == "file.unknown_kind" and "--kind 流动" in bad.reason and result.exit_code == 2


# --- the two reported inputs (pandas 3: read-only arrays) -----------------------------------

def _with_x_check_digit(birth: dt.date) -> str:
    return next(n for s in range(100) for n in [valid_id("500112", birth, male=True, seq=s)] if n.endswith("X"))


@pytest.mark.parametrize("typed", ["lower_x", "full_width"])
def test_an_id_with_a_lower_case_x_or_full_width_digits_validates_and_merges_as_its_compact_form(tmp_path, typed):
    rows = children(3, seed=31)
    good = _with_x_check_digit(dt.date.fromisoformat(rows[0]["birth_date"]))
    rows[0]["id_number"] = good
    right = rows[1]["id_number"]
    rows[0]["id_number"] = good[:-1] + "x" if typed == "lower_x" else good
    if typed == "full_width":
        rows[1]["id_number"] = right.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    f = roster_file(tmp_path / "村.xlsx", rows)
    res = CliRunner().invoke(main, ["validate", str(f), "--profile", "chongqing", "--as-of", "2026-09-30",
                                    "--json"])
    assert res.exit_code == 0, res.output
    import json
    report = json.loads(res.output)
    assert not [i for i in report["issues"] if i["field"] == "id_number"]
    assert idcard.inspect(rows[0]["id_number"], AS_OF).valid and not idcard.inspect(rows[0]["id_number"]).warnings
    out = tmp_path / "花名册.xlsx"
    res = CliRunner().invoke(main, ["merge", str(f), "-o", str(out), "--profile", "chongqing",
                                    "--as-of", "2026-09-30"])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out)["花名册"]
    header = [c.value for c in ws[1]]
    col = header.index(column_title("flow", "id_number"))
    ids = [r[col] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert good in ids and right in ids


def test_the_same_child_typed_with_x_and_with_x_in_two_files_is_folded(tmp_path):
    a, b = children(2, seed=41), children(2, seed=42)
    good = _with_x_check_digit(dt.date.fromisoformat(a[0]["birth_date"]))
    a[0]["id_number"] = good
    b[0] = dict(a[0], id_number=good[:-1] + "x")
    roster_file(tmp_path / "1.xlsx", a)
    roster_file(tmp_path / "2.xlsx", b)
    result = merge.merge([tmp_path], profile="chongqing", as_of=AS_OF, workers=0)
    assert len(result.roster) == 3 and result.totals()["folded"] == 1 and balanced(result)


# --- bounded resources ---------------------------------------------------------------

def test_one_huge_cell_does_not_make_the_bulk_checks_allocate_for_every_row():
    values = np.array([valid_id(seq=i % 100) for i in range(60_000)], dtype=object)
    values[123] = "5" * 40_000
    tracemalloc.start()
    try:
        ok, *_ = idcard.bulk_check(values, AS_OF)
        mobile = phone.fast_mobile_mask(values)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20  # the old conversion asked for 60,000 × 40,000 × 4 bytes = 9.6 GB
    assert ok.sum() == 59_999 and not ok[123] and not mobile.any()


def _allocate(n):
    return len(bytearray(n))


def test_a_worker_that_needs_more_memory_than_its_limit_is_reported_too_large():
    jobs = [("small", (1000,)), ("huge", (6 << 30,)), ("small again", (1000,))]
    out = dict(isolation.run_isolated(jobs, _allocate, 1, memory=3 << 30))
    assert out["small"] == 1000 and out["small again"] == 1000
    assert isinstance(out["huge"], isolation.Failure) and out["huge"].code == isolation.TOO_LARGE
    assert "文件过大或已损坏" in out["huge"].reason("花名册_错误记录.txt")


def _answer(n):
    return (lambda: n) if n == 2 else n  # a lambda cannot be sent back from a worker


def test_an_answer_that_cannot_come_back_from_a_worker_fails_that_job_only():
    out = dict(isolation.run_isolated([(n, (n,)) for n in range(1, 5)], _answer, 2))
    assert out[1] == 1 and out[3] == 3 and out[4] == 4
    assert isinstance(out[2], isolation.Failure) and out[2].code == isolation.CRASHED
    assert "pickle" in out[2].detail.lower()


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path):
    script = (
        "import sys, time\n"
        "import xltools.workbooks.atomic as atomic\n"
        "with atomic.atomic_path(sys.argv[1]) as tmp:\n"
        "    tmp.write_bytes(b'half')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(xltools.__file__).parents[1]))
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "花名册.xlsx")], stdout=subprocess.PIPE,
                            env=env, text=True)
    assert proc.stdout.readline().strip() == "writing"
    assert list(tmp_path.glob(".xltools-*"))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    assert list(tmp_path.iterdir()) == []


def test_sigterm_during_a_pooled_run_stops_the_workers(tmp_path):
    script = (
        "import time\n"
        "import xltools.workbooks.isolation as isolation\n"
        "def slow(i):\n"
        "    time.sleep(60)\n"
        "if __name__ == '__main__':\n"
        "    for key, got in isolation.run_isolated([(i, (i,)) for i in range(4)], slow, 2):\n"
        "        pass\n"
    )
    (tmp_path / "run.py").write_text(script)
    env = dict(os.environ, PYTHONPATH=str(Path(xltools.__file__).parents[1]))
    proc = subprocess.Popen([sys.executable, str(tmp_path / "run.py")], env=env, cwd=tmp_path)
    time.sleep(4)
    children_before = _children(proc.pid)
    assert children_before
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    time.sleep(1)
    assert not [p for p in children_before if Path(f"/proc/{p}").exists() and _state(p) != "Z"]


def _children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"
