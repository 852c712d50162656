"""Hostile inputs (tests/hostile.py): whatever a village sends, the district run finishes and
says what happened to each file, in Chinese, without touching the inputs.

The corpus is built once per session; each file is merged and validated alone in a
child process under a memory limit (a runaway allocation ends that process, not
the test run, and the last file it was on names the culprit), and the whole folder
is merged once through the command line in another child process.
"""

from __future__ import annotations

import hashlib
import json
import re
import resource
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import hostile
from xltools.workbooks import check, readers
from xltools.ops import merge

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
SEED = 20261201
MEMORY_LIMIT = 3 << 30        # address space of the child processes
PEAK_RSS_LIMIT = 1200 << 20   # what a merge of the whole corpus may hold at once
EXCEPTION_TEXT = re.compile(r"Traceback|Error:|Exception|\b[A-Z][A-Za-z]*(Error|Warning)\b|Usage:")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _limit():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_child(args, cwd, timeout=600):
    """``args`` run by this Python under a memory limit, in ``cwd`` (a temporary folder: a crash
    report is written to the current folder, never into the source tree)."""
    env = {"PYTHONPATH": f"{SRC}:{HERE}", "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(Path.home()),
           "LANG": "C.UTF-8"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    res = subprocess.run([sys.executable, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=timeout, preexec_fn=_limit)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB, the largest child so far
    return res, peak * 1024 if peak > before else None


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile") / "收件"
    cases = hostile.build(folder, SEED)
    return folder, {c.name: c for c in cases}, digest(folder)


@pytest.fixture(scope="session")
def each(corpus, tmp_path_factory):
    folder, cases, _ = corpus
    out = tmp_path_factory.mktemp("each") / "each.json"
    res, peak = run_child([HERE / "hostile.py", "each", folder, out, "|".join(n for n, c in cases.items()
                                                                              if not c.alone)],
                          cwd=out.parent)
    at = Path(str(out) + ".at")
    assert res.returncode == 0, (f"the run died on {at.read_text(encoding='utf-8') if at.exists() else '?'}: "
                                 f"{res.stderr[-3000:]}")
    return json.loads(out.read_text(encoding="utf-8")), peak


@pytest.fixture(scope="session")
def folder_merge(corpus, tmp_path_factory):
    folder = corpus[0]
    out = tmp_path_factory.mktemp("out")
    res, peak = run_child(["-m", "xltools.cli", "merge", folder, "-o", out / "花名册.xlsx", "--json",
                           out / "report.json"], cwd=out)
    return res, peak, out


# --- every file alone ------------------------------------------------------------------

def test_every_hostile_file_alone_finishes_without_a_crash(each):
    results, _ = each
    crashed = {name: r["crash"] for name, r in results.items() if "crash" in r}
    assert not crashed


def test_every_hostile_file_is_merged_or_listed_with_a_chinese_reason_saying_what_to_do(corpus, each):
    _, cases, _ = corpus
    results, _ = each
    wrong = {}
    for name, case in cases.items():
        r = results[name]
        if "crash" in r or "validated_only" in r:
            continue  # reported by the test above
        if r["status"] not in ("merged", "skipped"):
            wrong[name] = r["status"]
        elif case.expect != "either" and r["status"] != {"merged": "merged", "unread": "skipped"}[case.expect]:
            wrong[name] = f"expected {case.expect}, got {r['status']}: {r['reason']}"
        elif r["status"] == "skipped" and not (CJK.search(r["reason"]) and "请" in r["reason"]):
            wrong[name] = f"reason does not say what to do: {r['reason']}"
    assert not wrong


def test_files_that_must_merge_give_every_child_they_hold(corpus, each):
    _, cases, _ = corpus
    results, _ = each
    wrong = {n: (c.children, results[n].get("read")) for n, c in cases.items()
             if c.alone and c.expect == "merged" and c.children >= 0 and results[n].get("read") != c.children}
    assert not wrong


def test_every_merged_file_accounts_for_every_row_it_read(each):
    results, _ = each
    unbalanced = {n: r for n, r in results.items() if "crash" not in r and not r.get("balanced", True)}
    assert not unbalanced


def test_validate_of_each_hostile_file_exits_0_1_or_2_with_chinese_text_never_a_traceback(each):
    results, _ = each
    wrong = {}
    for name, r in results.items():
        if "crash" in r:
            continue
        out = r["validate_output"]
        if r["validate_exit"] not in (0, 1, 2) or r["validate_exception"] or EXCEPTION_TEXT.search(out) \
                or not CJK.search(out):
            wrong[name] = (r["validate_exit"], r["validate_exception"], out[-300:])
    assert not wrong


def test_no_merge_reason_of_any_file_shows_a_python_exception(each):
    results, _ = each
    shown = {n: r["reason"] for n, r in results.items() if "reason" in r and EXCEPTION_TEXT.search(
        r["reason"] + json.dumps(r["other_sheets"], ensure_ascii=False))}
    assert not shown


def test_reading_every_hostile_file_alone_stays_within_bounded_memory(each):
    _, peak = each
    assert peak is None or peak < PEAK_RSS_LIMIT, f"peak RSS {peak >> 20} MB"


# --- the folder of all of them -----------------------------------------------------------

def test_a_folder_of_every_hostile_file_merges_and_lists_each_file(corpus, folder_merge):
    folder, cases, _ = corpus
    res, _, out = folder_merge
    assert res.returncode == 1, res.stderr[-3000:]  # some files are unreadable: exit 1, the 花名册 written
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert set(files) == set(cases)
    assert all(f["balanced"] for f in files.values())
    must = {n: (c.expect, c.children) for n, c in cases.items() if c.expect != "either"}
    got = {n: ({"merged": "merged", "skipped": "unread"}[files[n]["status"]],
               files[n]["read"] if must[n][1] >= 0 else -1) for n in must}
    assert got == must
    assert files["other_kind_left.xlsx"]["code"] == "file.other_kind"
    assert "请" in files["other_kind_left.xlsx"]["reason"]
    t = report["totals"]
    assert t["read"] == t["kept"] + t["folded"] + t["rejected"]
    wb = openpyxl.load_workbook(out / "花名册.xlsx", read_only=True)
    listed = {Path(row[0]).name for row in wb["未读取文件"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert {n for n, f in files.items() if f["status"] != "merged"} <= listed


def test_no_output_of_a_hostile_folder_merge_shows_a_python_exception(folder_merge):
    res, _, out = folder_merge
    texts = [res.stdout, res.stderr, (out / "report.json").read_text(encoding="utf-8")]
    wb = openpyxl.load_workbook(out / "花名册.xlsx", read_only=True)
    for ws in wb.worksheets:
        texts += [str(v) for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    shown = [t[:300] for t in texts if EXCEPTION_TEXT.search(t)]
    assert not shown


def test_a_hostile_folder_merge_stays_within_bounded_memory(folder_merge):
    _, peak, _ = folder_merge
    assert peak is None or peak < PEAK_RSS_LIMIT, f"peak RSS {peak >> 20} MB"


def test_inputs_are_byte_identical_after_every_run(corpus, each, folder_merge):
    folder, _, before = corpus
    assert digest(folder) == before


# --- the reader-level causes, one by one --------------------------------------------------

def names_of(rosters):
    return [n for r in rosters for n in r.frame["name"]]


def test_a_second_table_with_another_header_is_read_in_its_own_columns(corpus):
    folder, cases, _ = corpus
    rosters, _ = readers.read_rosters(folder / "two_tables.xlsx")
    assert [len(r.frame) for r in rosters] == [4, 3]
    assert not {"男", "女"} & set(names_of(rosters))
    assert set(rosters[1].frame["sex"]) <= {"男", "女"}
    assert rosters[1].header_rows[0] > rosters[0].frame.index[-1]  # rows numbered as on the sheet
    assert any("另一个表头不同的表格" in n for n in rosters[0].notes)


def test_hidden_sheets_are_listed_not_merged(corpus):
    folder, _, _ = corpus
    rosters, others = readers.read_rosters(folder / "hidden_sheet.xlsx")
    assert [r.sheet for r in rosters] == ["花名册"]
    assert others == [("旧表", readers.R_HIDDEN)]
    assert readers.read_roster(folder / "hidden_sheet.xlsx", sheet="旧表").sheet == "旧表"  # --sheet names it


def test_the_example_row_of_an_instructions_sheet_and_total_rows_never_become_children(corpus):
    folder, _, _ = corpus
    rosters, others = readers.read_rosters(folder / "instructions_first.xlsx")
    assert "张三" not in names_of(rosters) and others == [("填表说明", readers.R_INSTRUCTIONS)]
    r = readers.read_roster(folder / "total_rows.xlsx")
    assert len(r.frame) == 4
    assert [why for _, why in r.skipped_rows] == ["合计行", "合计行", "合计行", "表尾签字或说明"]


def test_a_zero_width_character_inside_an_id_is_removed_and_said(corpus):
    folder, _, _ = corpus
    checked = check.check_file(folder / "id_zero_width.xlsx", as_of=hostile.AS_OF)
    assert not [i for i in checked.report.issues if i.field == "id_number" and i.severity == "error"]
    assert any("看不见的字符" in n for n in checked.report.source["notes"])


def test_formulas_without_a_result_and_error_cells_get_a_message_saying_what_to_do(corpus):
    folder, _, _ = corpus
    r = readers.read_roster(folder / "formula_no_value.xlsx")
    assert any("没有计算结果" in n and "打开后保存" in n for n in r.notes)
    r = readers.read_roster(folder / "error_values.xlsx")
    assert any("错误值" in n and "3 个" in n for n in r.notes)
    assert not readers.read_roster(folder / "formula_cached.xlsx").notes


@pytest.mark.parametrize("name", ["unicode_text_named.xls", "tab_separated_named.xls", "unicode_text.txt",
                                  "excel2003.xml", "excel2003_named.xls", "html_named.xls"])
def test_text_and_xml_exports_are_read_whatever_their_name(corpus, name):
    folder, _, _ = corpus
    assert len(readers.read_roster(folder / name).frame) == 4


@pytest.mark.parametrize("name, detail", [("stray_cell.xlsx", "1048576 行 × 16384 列"),
                                          ("stray_cell_wide.xlsx", "70000 行 × 18279 列"),
                                          ("xls_dimension_claim.xls", "声明的范围"),
                                          ("zip_bomb.xlsx", "倍"), ("html_huge_span.xls", "合并单元格")])
def test_size_claims_are_refused_before_anything_is_allocated(corpus, name, detail):
    folder, _, _ = corpus
    with pytest.raises(readers.ReadError) as err:
        readers.read_rosters(folder / name)
    assert err.value.code == "file.too_large" and detail in err.value.reason and "文件过大或已损坏" in err.value.reason


@pytest.mark.parametrize("name, why", [("malformed_xml.xlsx", "XML"), ("sst_out_of_range.xlsx", "共享字符串"),
                                       ("bad_cell_ref.xlsx", "损坏")])
def test_a_damaged_sheet_part_is_a_read_error_naming_the_damage(corpus, name, why):
    folder, _, _ = corpus
    with pytest.raises(readers.ReadError) as err:
        readers.read_rosters(folder / name)
    assert err.value.code == "file.corrupt" and why in err.value.reason


def test_a_folder_collects_ods_and_upper_case_names_and_lists_other_documents(corpus):
    folder, _, _ = corpus
    names = {p.name for p in merge.collect([folder])}
    assert {"lo_saved.ods", "UPPER_LO.ODS", "UPPER.XLSX", "UPPER.CSV", "excel2003.xml", "not_a_roster.docx"} <= names


def test_validate_of_a_workbook_with_many_rosters_says_which_sheets_it_did_not_check(corpus):
    folder, _, _ = corpus
    checked = check.check_file(folder / "sheets200.xlsx", as_of=hostile.AS_OF)
    notes = checked.report.source["notes"]
    assert any("还有 199 个花名册表格未校验" in n and "--sheet" in n for n in notes)


def test_data_rows_holding_relation_words_do_not_start_a_new_table():
    from xltools.core.textreport import column_title

    rows = hostile.people(__import__("random").Random(3), 3)
    keys = list(rows[0])
    grid = [[column_title("flow", k) for k in keys]] + [[r[k] for k in keys] for r in rows]
    grid[2][keys.index("name")], grid[2][keys.index("father_name")], grid[2][keys.index("mother_name")] = \
        "父亲", "母亲", "监护人"
    r = readers.read_grid(grid)
    assert len(r.frame) == 3 and not r.notes
