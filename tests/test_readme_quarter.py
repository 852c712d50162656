"""The README's 季度流程, run exactly as written (commands parsed from README.md) on the demo data,
gives no false error: every error it reports is one the demo put in on purpose.

The commands are read from the numbered steps of the section, so a change to the README that
breaks the steps fails here.  What the steps leave to people (departments answering, the next
quarter's files arriving) the test does in between, as a district would.
"""

from __future__ import annotations

import io
import re
import shlex
import shutil
from collections import Counter
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
from click.testing import CliRunner

from xltools.cli import demo
from xltools.core import departments, issues, synthetic
from xltools.workbooks import rosterread
from xltools.ops import split
from xltools.cli.commands import main

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "密码"  # the placeholder the README writes; typed at the prompts of --encrypt
# Errors the demo makes on purpose: the injected ones, and the columns its hand-made CSV leaves out.
DEMO_ERRORS = set(synthetic.ERRORS) | {"field.missing_column"}
HAND_MADE = "木耳镇_流动儿童汇总.csv"


def readme_steps() -> list[list[str]]:
    """The ``xltools …`` commands of the numbered steps of README.md's 季度流程, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## 季度流程", 1)[1].split("\n## ", 1)[0]
    steps = [line for line in section.splitlines() if re.match(r"\d+\. ", line)]
    return [shlex.split(cmd)[1:] for line in steps for cmd in re.findall(r"`(xltools [^`]+)`", line)]


def _sheet(path: Path, name: str) -> list[dict]:
    book = rosterread.readers._open(path, None)[1]
    return rosterread._text_frame(*rosterread._rows(book, name)).to_dict("records")


def _decrypt(path: Path) -> io.BytesIO:
    plain = io.BytesIO()
    with open(path, "rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        office.load_key(password=PASSWORD)
        office.decrypt(plain)
    plain.seek(0)
    return plain


def _answer_education(sent: Path, back: Path) -> tuple[str, str, str]:
    """The education bureau answers in our file: 一致 for every child but one, whose 就学情况 it
    corrects; it saves the file with the password it came with.  Returns (name, old, new)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    src = next(sent.glob("教育_*.xlsx"))
    wb = openpyxl.load_workbook(_decrypt(src))
    ws = wb[split.CHECK_SHEET]
    top = [c.value for c in ws[split.HEADER_TOP + 1]]
    sub = [c.value for c in ws[split.HEADER_SUB + 1]]
    start = top.index("就学情况")  # merged over its three columns: 填报值, 核实结果, 更正值
    assert sub[start:start + 3] == [split.H_VALUE, split.H_RESULT, split.H_CORRECTION]
    col = start + 2  # 1-based 核实结果
    name_col = top.index("姓名") + 1
    first = split.FIRST_DATA + 1
    old = ws.cell(first, col - 1).value
    new = "初中" if old != "初中" else "小学"
    for r in range(first, ws.max_row + 1):
        if ws.cell(r, name_col).value:
            ws.cell(r, col).value = departments.AGREE
    ws.cell(first, col).value = departments.DISAGREE
    ws.cell(first, col + 1).value = new
    plain = io.BytesIO()
    wb.save(plain)
    plain.seek(0)
    back.mkdir(parents=True, exist_ok=True)
    with open(back / src.name, "wb") as out:
        OOXMLFile(plain).encrypt(PASSWORD, out)
    return ws.cell(first, name_col).value, old, new


def _errors(path: Path) -> Counter:
    """(file name, row, code title) of every 错误 in a 花名册's 问题清单."""
    return Counter((Path(i["来源文件"]).name, i["行号"], i["问题类型"]) for i in _sheet(path, "问题清单")
                   if i["严重程度"] == "错误")


def test_readme_steps_are_the_quarter():
    verbs = [s[0] for s in readme_steps()]
    assert verbs == ["merge", "split", "reconcile", "split", "merge", "diff"]


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    """Run every README step in a fresh folder holding the demo's files as 收件/."""
    base = tmp_path_factory.mktemp("readme")
    inputs = demo.build(base / "demo")
    steps = readme_steps()
    outputs, answered, dept_dir = [], None, None
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=base) as cwd:
        cwd = Path(cwd)
        for args in steps:
            if args[0] == "merge" and not (cwd / args[1]).exists():
                target = cwd / args[1]
                if not outputs:  # this quarter's inbox: what the villages and townships sent
                    shutil.copytree(inputs, target)
                else:  # next quarter: the same villages report again, the wrong 留守 list not resent
                    shutil.copytree(inputs, target, ignore=shutil.ignore_patterns("*留守*"))
            if args[0] == "reconcile":
                answered = _answer_education(dept_dir, cwd / args[2])
            result = runner.invoke(main, args, input=f"{PASSWORD}\n{PASSWORD}\n", catch_exceptions=False)
            outputs.append((args, result))
            if args[:3] == ["split", args[1], "--by"] and args[3] == "部门":
                dept_dir = cwd / args[args.index("-o") + 1]
        saved = base / "out"
        shutil.copytree(cwd, saved)
    return dict(base=saved, steps=outputs, answered=answered, inputs=inputs)


def _out(quarter, verb: str, n: int = 0):
    return [r for a, r in quarter["steps"] if a[0] == verb][n]


def _file(quarter, verb: str, n: int = 0) -> Path:
    args = [a for a, _ in quarter["steps"] if a[0] == verb][n]
    return quarter["base"] / args[args.index("-o") + 1]


def test_every_step_runs_and_none_fails_to_read_its_input(quarter):
    for args, result in quarter["steps"]:
        assert result.exit_code in (0, 1), (args, result.output)
        unread = [line for line in result.output.splitlines() if line.startswith("未读取：")]
        # only the 留守 list the demo sends by mistake; never a returned file it cannot open
        assert all("留守儿童基本情况登记表" in line and args[0] == "merge" for line in unread), (args, unread)


def test_this_quarters_merge_reports_only_the_errors_the_demo_made(quarter):
    errors = _errors(_file(quarter, "merge"))
    assert {t for (_, _, t) in errors} <= {issues.TITLES[c] for c in DEMO_ERRORS}
    missing = issues.TITLES["field.missing_column"]
    assert {f for (f, _, t) in errors if t == missing} == {HAND_MADE}


def test_next_quarters_merge_as_written_gives_the_same_errors_on_the_same_files(quarter):
    """Step 6 (no --profile in the README: the profile comes with the files) must not add errors:
    the same files were merged in step 1.  Depends on numbers-a's profile-from-metadata work."""
    assert _errors(_file(quarter, "merge", 1)) == _errors(_file(quarter, "merge"))


def test_reconcile_reads_the_returned_file_and_applies_the_one_correction(quarter):
    name, old, new = quarter["answered"]
    diffs = _sheet(_file(quarter, "reconcile"), "核实差异")
    applied = [d for d in diffs if d["处理"] == "已采用"]
    assert [(d["姓名"], d["栏目"], d["花名册填报值"], d["部门答复值"]) for d in applied] == [(name, "就学情况", old, new)]


def test_the_diff_of_two_quarters_of_the_same_children_shows_only_the_undone_correction(quarter):
    name, old, new = quarter["answered"]
    summary = {r["项目"]: r["数目"] for r in _sheet(_file(quarter, "diff"), "概况")}
    assert (summary["新增"], summary["减少"]) == ("0", "0")
    changed = _sheet(_file(quarter, "diff"), "变更")
    # the villages did not take the correction into next quarter's files: the diff shows it undone
    assert [(c["姓名"], c["栏目"], c["上期"], c["本期"]) for c in changed] == [(name, "就学情况", new, old)]
