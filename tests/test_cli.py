"""The command line, through the command line (click's CliRunner)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner

from xltools.core import synthetic
from xltools.cli.commands import main
from xltools.core.profiles import load
from xltools.core.textreport import column_title

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LIANGLU = str(EXAMPLES / "两路街道_流动儿童花名册.xlsx")


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def clean_roster(path, kind="flow", n=5) -> str:
    """A roster with our column titles as a one-row header, all rows correct."""
    form = load("chongqing").form(kind)
    rows = list(synthetic.children(n, kind, "chongqing", dt.date(2026, 9, 30), seed=4, structured=False))
    keys = [k for k, _, part in form.columns() if part is None and any(k in r for r in rows)]
    keys += ["hukou_address", "residence"]
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    for c, k in enumerate(keys):
        ws.write_string(0, c, column_title(kind, k))
        for r, row in enumerate(rows, 1):
            ws.write_string(r, c, row.get(k, ""))
    wb.close()
    return str(path)


def test_validate_example_finds_the_planted_mistakes_and_exits_1():
    res = run("validate", LIANGLU, "--profile", "chongqing")
    assert res.exit_code == 1, res.output
    for text in ("身份号码校验位错误", "身份号码后几位丢失", "选项写法不规范", "疑似应为“是”",
                 "第7行 F列", "统计日期：2026-09-30（填报日期）", "流动儿童（监测摸排对象）"):
        assert text in res.output


def test_validate_json_is_the_whole_report():
    res = run("validate", LIANGLU, "--profile", "chongqing", "--json")
    assert res.exit_code == 1
    report = json.loads(res.output)
    assert report["summary"]["rows"] == 30 == len(report["rows"])
    checksum = [i for i in report["issues"] if i["code"] == "id.checksum"]
    assert [(i["row"], i["column"], i["field"], i["severity"]) for i in checksum] == [(7, "F", "id_number", "error")]
    out16 = [r for r in report["rows"] if r["row"] == 10][0]
    assert (out16["age"], out16["category"], out16["reasons"]) == (16, "不符合", ["已满16周岁"])


def test_clean_roster_exits_0(tmp_path):
    res = run("validate", clean_roster(tmp_path / "ok.xlsx"), "--profile", "chongqing", "--as-of", "2026-09-30")
    assert res.exit_code == 0, res.output
    assert "错误 0 处" in res.output


def test_as_of_overrides_the_sheet_date():
    res = run("validate", LIANGLU, "--profile", "chongqing", "--as-of", "2026-10-01", "--json")
    assert json.loads(res.output)["as_of"] == "2026-10-01"
    row10 = [r for r in json.loads(res.output)["rows"] if r["row"] == 10][0]
    assert row10["age"] == 16


def test_unreadable_file_exits_2_with_the_reason(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    res = run("validate", bad)
    assert res.exit_code == 2 and "损坏" in res.output


def test_unreadable_file_in_json_mode_prints_a_json_error(tmp_path):
    res = run("validate", tmp_path / "none.xlsx", "--json")
    assert res.exit_code == 2
    assert json.loads(res.output.splitlines()[0])["error"] == "file.not_found"


def test_undecidable_kind_asks_for_kind(tmp_path):
    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    for c, h in enumerate(["姓名", "性别", "出生日期", "民族"]):
        ws.write(0, c, h)
        ws.write(1, c, ["张三", "男", "2015-01-01", "汉族"][c])
    wb.close()
    res = run("validate", path)
    assert res.exit_code == 2 and "--kind" in res.output
    assert run("validate", path, "--kind", "流动").exit_code == 1


def test_bad_date_option_is_a_usage_error():
    res = run("validate", LIANGLU, "--as-of", "2026/13/01")
    assert res.exit_code == 2 and "不是日期" in res.output


def test_unknown_profile_is_a_usage_error():
    res = run("validate", LIANGLU, "--profile", "火星")
    assert res.exit_code == 2 and "未知的地区口径" in res.output


def test_profile_names_are_not_case_sensitive_and_chinese_labels_work():
    assert load("Chongqing").name == load("CHONGQING").name == "chongqing"
    assert load(load("chongqing").label).name == "chongqing"


def test_id_command_reports_each_number():
    res = run("id", "11010519491231002X", "110105194912310021", "--as-of", "2026-11-24")
    assert res.exit_code == 1
    first, second = res.output.splitlines()
    assert "有效" in first and "1949-12-31" in first and "女" in first and "76周岁" in first and "北京市朝阳区" in first
    assert "校验位错误" in second


def test_id_command_reads_stdin_and_writes_json():
    res = run("id", "--json", "--as-of", "2026-11-24", input="11010519491231002X\n110105491231002\n")
    data = json.loads(res.output)
    assert [d["valid"] for d in data] == [True, False]
    assert data[1]["error"] == "id.old_format" and data[1]["number"] == "11010519491231002X"


def test_id_command_shows_region_history_for_retired_codes():
    number = synthetic.make_id(random.Random(0), "500112", dt.date(2026, 3, 1), True)
    res = run("id", number, "--as-of", "2026-11-24")
    assert res.exit_code == 0 and "渝北区（1997–2025）" in res.output


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_chinese_help(command):
    res = run(command, "--help")
    assert res.exit_code == 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in main.commands[command].help)
