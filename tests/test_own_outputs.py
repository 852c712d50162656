"""Our own outputs read back as themselves (issue 11, case 4).

A 花名册 given to merge alone or to validate is read with the kind, profile and
统计日期 it records, its structured 户籍地址/现居住地 columns included; beside the
township files it was made from, it is skipped with a reason (its children are theirs).
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from click.testing import CliRunner

from xltools.core import synthetic
from xltools.ops import templates
from xltools.cli.commands import main
from xltools.ops.merge import R_OWN_ROSTER
from xltools.core.schema import CAT_OUT

AS_OF = dt.date(2026, 9, 30)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture()
def quarter(tmp_path):
    """An inbox of two villages' templates (structured addresses, one child too old in each), and
    the 花名册 merged from it, with its --json report."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    rng = random.Random(11)
    for town in ("两路街道", "回兴街道"):
        rows = [synthetic.child(rng, "flow", "chongqing", AS_OF, structured=True, township=town) for _ in range(8)]
        rows[0]["birth_date"] = "2009-01-01"  # 17 at the 统计日期: 不符合 (and 出生日期 ≠ ID: one error)
        templates.build_template(inbox / f"{town}.xlsx", "flow", "chongqing", f"{town}XX社区", rows=20,
                                 report_date=AS_OF, data=rows)
    roster = tmp_path / "三季度花名册.xlsx"
    res = run("merge", inbox, "-o", roster, "--json", tmp_path / "q3.json")
    assert res.exit_code == 0, res.output
    return inbox, roster, json.loads((tmp_path / "q3.json").read_text(encoding="utf-8"))


def issue_codes(report):
    return sorted(i["code"] for i in report["issues"])


def test_merging_our_own_roster_alone_gives_back_its_categories_and_issues(quarter, tmp_path):
    _, roster, first = quarter
    assert first["categories"] == {"流动儿童（监测摸排对象）": 14, CAT_OUT: 2}
    res = run("merge", roster, "-o", tmp_path / "again.xlsx", "--json", tmp_path / "again.json")
    assert res.exit_code == 0, res.output
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert again["categories"] == first["categories"]          # no 待核实 from unread address columns
    assert issue_codes(again) == issue_codes(first)
    assert again["profile"] == "chongqing"
    f = again["files"][0]
    assert (f["as_of"], f["as_of_source"]) == ("2026-09-30", "表中记录的统计日期")
    mapped = {c["header"]: c["key"] for c in f["columns"]}
    assert mapped["户籍地址·县(区)"] == "hukou_address_county" and mapped["现居住地·省"] == "residence_province"


def test_validate_reads_our_roster_at_its_recorded_date(quarter):
    _, roster, first = quarter
    res = run("validate", roster, "--json")
    report = json.loads(res.output)
    assert (report["as_of"], report["as_of_source"]) == ("2026-09-30", "表中记录的统计日期")
    assert report["profile"] == "chongqing"
    errors = [i for i in first["issues"] if i["severity"] == "error"]
    assert report["summary"]["errors"] == len(errors) == 2


def test_last_quarters_roster_left_in_the_inbox_is_skipped_with_a_reason(quarter, tmp_path):
    inbox, roster, first = quarter
    (inbox / roster.name).write_bytes(roster.read_bytes())
    res = run("merge", inbox, "-o", tmp_path / "again.xlsx", "--json", tmp_path / "again.json")
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert res.exit_code == 1  # a file not merged, said so
    skipped = [(f["path"].split("/")[-1], f["reason"]) for f in again["files"] if f["status"] != "merged"]
    assert skipped == [(roster.name, R_OWN_ROSTER)]
    assert R_OWN_ROSTER.startswith("这是本工具生成的花名册，不作为镇街上报表合并")
    assert again["totals"]["kept"] == first["totals"]["kept"] == 16


def test_a_townships_file_from_split_merges_back_as_its_children(quarter, tmp_path):
    _, roster, first = quarter
    res = run("split", roster, "--by", "镇街", "-o", tmp_path / "镇街")
    assert res.exit_code == 0, res.output
    assert "地区口径：重庆市（花名册记录的口径）" in res.output
    town_file = next((tmp_path / "镇街").glob("两路街道_*.xlsx"))
    res = run("merge", town_file, "-o", tmp_path / "back.xlsx", "--json", tmp_path / "back.json")
    assert res.exit_code == 0, res.output
    back = json.loads((tmp_path / "back.json").read_text(encoding="utf-8"))
    assert back["categories"] == {"流动儿童（监测摸排对象）": 7, CAT_OUT: 1}  # its 8 children, as in the 花名册
    assert back["profile"] == "chongqing" and back["files"][0]["as_of"] == "2026-09-30"
    # a folder of returned township files is merged (they are not the district 花名册)
    res = run("merge", tmp_path / "镇街", "-o", tmp_path / "all.xlsx", "--json", tmp_path / "all.json")
    again = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert again["categories"] == first["categories"]
    assert all(f["status"] == "merged" for f in again["files"])
