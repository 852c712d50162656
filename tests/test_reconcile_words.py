"""Reconcile keeps what departments wrote: remarks beside the decisions, departments that did not
answer, and answers made for another roster."""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xltools.core import departments, synthetic
from xltools.ops import merge, reconcile, split, templates
from xltools.workbooks import rosterbook, rosterread
from xltools.cli.commands import main

sys.path.insert(0, str(Path(__file__).resolve().parent))
from factories import write_xlsx  # noqa: E402

AS_OF = dt.date(2026, 9, 30)


def make_roster(folder: Path, seed: int, n: int = 6) -> Path:
    rng = random.Random(seed)
    rows = [synthetic.child(rng, "flow", "chongqing", AS_OF, structured=True, township="两路街道") for _ in range(n)]
    for k, r in enumerate(rows):
        r["name"] = f"{r['name'][0]}{'甲乙丙丁戊己'[k]}{seed}"
    (folder / "in").mkdir(parents=True)
    templates.build_template(folder / "in" / "a.xlsx", "flow", "chongqing", "两路街道双龙社区", rows=n + 2,
                             report_date=AS_OF, data=rows)
    result = merge.merge([folder / "in"], kind="流动", profile="chongqing", as_of=AS_OF, workers=0)
    return rosterbook.write(result, folder / "花名册.xlsx")


def fill(path: Path, out: Path, remarks: dict[int, str], verdicts: dict[int, tuple[str, str]] = {}) -> Path:
    """Answer our education file: every child 一致 on 就学情况, except ``verdicts`` (data row → (verdict, value));
    ``remarks``: data row → text in 备注."""
    wb = openpyxl.load_workbook(path)
    ws = wb[split.CHECK_SHEET]
    sub = [c.value for c in ws[split.HEADER_SUB + 1]]
    top = [c.value for c in ws[split.HEADER_TOP + 1]]
    result = next(c for c, (t, s) in enumerate(zip(top, sub)) if s == split.H_RESULT) + 1
    remark = top.index(split.H_REMARK) + 1  # merged over both header rows
    for k in range(ws.max_row - split.FIRST_DATA):
        r = split.FIRST_DATA + 1 + k
        verdict, value = verdicts.get(k, (departments.AGREE, ""))
        ws.cell(r, result).value = verdict
        ws.cell(r, result + 1).value = value or None
        if k in remarks:
            ws.cell(r, remark).value = remarks[k]
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


@pytest.fixture()
def quarter(tmp_path):
    roster = make_roster(tmp_path / "q", 1)
    book = rosterread.read(roster)
    split.by_department(book, tmp_path / "核实表", today=AS_OF)
    return tmp_path, roster, book


def test_remarks_of_our_files_and_of_a_departments_own_list_go_beside_the_decision(quarter):
    base, roster, book = quarter
    kids = book.roster
    form = rosterread.profiles.load("chongqing").form("flow")
    other = next(o for o in form["schooling"].options if o != kids["schooling"].iat[1])
    fill(base / "核实表" / "教育_流动儿童核实表.xlsx", base / "交回" / "教育.xlsx",
         remarks={0: "该生下学期转学", 1: "学籍系统显示已升学"}, verdicts={1: (departments.DISAGREE, other)})
    write_xlsx(base / "交回" / "区公安分局反馈.xlsx", [
        ["姓名", "身份证号", "核实意见", "备注"],
        [kids["name"].iat[2], kids["id_number"].iat[2], "核实无误", "户口已迁入本区"],
        [kids["name"].iat[3], kids["id_number"].iat[3], "不一致，已迁往江北区", None]], sheet="Sheet1")
    got = [reconcile.read_returned(p, book) for p in sorted((base / "交回").iterdir())]
    rec = reconcile.reconcile(book, got)
    d = rec.differences
    by_name = {n: d[d["name"] == n] for n in kids["name"]}
    first = by_name[kids["name"].iat[0]]
    assert list(first["decision"]) == [reconcile.REMARK_ONLY] and list(first["remark"]) == ["该生下学期转学"]
    second = by_name[kids["name"].iat[1]]
    assert list(second["decision"]) == [reconcile.APPLIED] and list(second["remark"]) == ["学籍系统显示已升学"]
    assert list(by_name[kids["name"].iat[2]]["remark"]) == ["户口已迁入本区"]
    assert "不一致，已迁往江北区" in list(by_name[kids["name"].iat[3]]["remark"])
    assert rec.pending == int(d["decision"].str.startswith(reconcile.PENDING).sum())  # remarks alone are not pending
    out = reconcile.write(rec, base / "核实后.xlsx")
    header = [c.value for c in next(openpyxl.load_workbook(out, read_only=True)["核实差异"].iter_rows(max_row=1))]
    assert header[-2:] == ["处理", "部门说明"]


def test_summary_lists_the_departments_that_were_sent_a_file_and_did_not_answer(quarter):
    base, roster, book = quarter
    fill(base / "核实表" / "教育_流动儿童核实表.xlsx", base / "交回" / "教育.xlsx", remarks={})
    res = CliRunner().invoke(main, ["reconcile", str(roster), str(base / "交回"), "-o", str(base / "核实后.xlsx"),
                                    "--sent", str(base / "核实表")])
    sent = sorted(p.name.split("_")[0] for p in (base / "核实表").iterdir())
    missing = sorted(set(sent) - {"教育"})
    line = next(x for x in res.output.splitlines() if x.startswith("尚未交回："))
    assert sorted(line.removeprefix("尚未交回：").split("（")[0].split("、")) == missing
    summary = rosterread._text_frame(*rosterread._rows(rosterread.readers._open(base / "核实后.xlsx", None)[1], "核实汇总"))
    assert sorted(summary.loc[summary["答复文件"] == "（未交回）", "部门"]) == missing


def test_answers_made_for_another_roster_are_warned_about(quarter):
    base, roster, book = quarter
    other = make_roster(base / "other", 2)                         # another quarter's roster, same size
    fill(base / "核实表" / "教育_流动儿童核实表.xlsx", base / "交回" / "教育.xlsx", remarks={})
    res = CliRunner().invoke(main, ["reconcile", str(other), str(base / "交回"), "-o", str(base / "x.xlsx")])
    assert "核实表是按另一份花名册（花名册.xlsx，6人，统计日期 2026-09-30）生成的" in res.output
    same = CliRunner().invoke(main, ["reconcile", str(roster), str(base / "交回"), "-o", str(base / "y.xlsx")])
    assert "另一份花名册" not in same.output
