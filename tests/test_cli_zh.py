"""The command line speaks Chinese end to end: click's own words, prompts, crashes, and the option
types that take what people type (dates, profile names, kinds, output names)."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from xltools.cli import clizh
from xltools.core import idcard, profiles
from xltools.cli.commands import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LIANGLU = str(EXAMPLES / "两路街道_流动儿童花名册.xlsx")
ENGLISH = ("Usage", "Error", "Options", "Commands", "Try", "Aborted", "Missing", "Invalid", "No such",
           "does not exist", "Show this", "Traceback", "Repeat for")
BORN_1949 = "11010519491231002X"  # 1949-12-31, the GB 11643 example


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def assert_chinese(output: str) -> None:
    left = [w for w in ENGLISH if w in output]
    assert not left, f"English left in: {output}"


def all_commands(group=main, path=()):
    for name, cmd in group.commands.items():
        yield path + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, path + (name,))


# --- click's own words ----------------------------------------------------------------------

def test_every_message_the_installed_click_can_print_has_a_chinese_text():
    """Scans click's source for its gettext calls: a newer click with a new message fails here."""
    missing = []
    for src in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(src.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                n = 2 if node.func.id == "ngettext" else 1
                missing += [a.value for a in node.args[:n]
                            if isinstance(a, ast.Constant) and a.value not in clizh.MESSAGES]
    assert missing == []


def test_main_help_has_chinese_usage_options_and_commands_headings():
    res = run("--help")
    assert res.exit_code == 0
    assert res.output.startswith("用法：") and "[选项] 命令 [参数]..." in res.output
    assert "\n选项：\n" in res.output and "\n命令：\n" in res.output and "显示本说明并退出。" in res.output
    assert_chinese(res.output)


@pytest.mark.parametrize("path", [p for p, _ in all_commands()], ids=" ".join)
def test_every_command_help_is_chinese(path):
    res = run(*path, "--help")
    assert res.exit_code == 0 and res.output.startswith("用法：")
    assert_chinese(res.output)
    for metavar in (" TEXT", " INTEGER", " PATH", " FILE", " DIRECTORY", "YYYY"):
        assert metavar not in res.output


def test_help_columns_line_up_with_chinese_characters_counted_double():
    lines = [ln for ln in run("merge", "--help").output.splitlines() if ln.startswith("  -")]
    starts = {clizh.width(ln[:len(ln) - len(ln[2:].lstrip(" ").split("  ", 1)[-1].lstrip())]) for ln in lines
              if "  " in ln[2:].strip()}
    assert len(starts) == 1, lines
    assert max(clizh.width(ln) for ln in run("merge", "--help").output.splitlines()) <= 80


@pytest.mark.parametrize("columns", range(30, 90))
def test_help_text_wraps_like_chinese_print(columns):
    """No line starts with a closing mark or ends with an opening one; nothing is lost or too wide."""
    text = "生成（build）、安装（install）。流动儿童（监测摸排对象）“统计”表：年龄、类别。" * 5
    lines = clizh.wrap(text, columns)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert max(clizh.width(ln) for ln in lines) <= columns
    assert not [ln for ln in lines[1:] if ln[0] in "，。、；：）」』”’！？》】…"]
    assert not [ln for ln in lines[:-1] if ln[-1] in "（「『“‘《【"]


@pytest.mark.parametrize("path", [(), ("addin",)])
def test_a_group_run_without_a_command_shows_its_chinese_help(path):
    res = run(*path)
    assert res.output.startswith("用法：") and "\n命令：\n" in res.output and "错误：" not in res.output
    assert_chinese(res.output)


def test_missing_option_is_chinese_with_the_usage_line():
    res = run("template", "--kind", "流动", "--unit", "甲村")
    assert res.exit_code == 2
    assert "用法：" in res.output and "错误：缺少选项 '-o' / '--output'。" in res.output
    assert "可用“" in res.output and " -h”查看用法" in res.output
    assert_chinese(res.output)


def test_missing_argument_is_chinese(tmp_path):
    res = run("merge", "-o", tmp_path / "花名册.xlsx")
    assert res.exit_code == 2 and "错误：缺少参数 'INPUTS...'。" in res.output
    assert_chinese(res.output)


def test_unknown_option_is_chinese_and_suggests_the_near_one():
    res = run("validate", LIANGLU, "--as_of", "2026-09-30")
    assert res.exit_code == 2 and "没有选项 --as_of" in res.output and "--as-of" in res.output
    assert_chinese(res.output)


def test_unknown_command_is_chinese():
    res = run("mergee")
    assert res.exit_code == 2 and "没有命令“mergee”" in res.output
    assert_chinese(res.output)


def test_invalid_value_is_chinese():
    res = run("template", "--kind", "流动", "--unit", "甲村", "-o", "t.xlsx", "--rows", "0")
    assert res.exit_code == 2 and "'--rows' 的值不对：0 不在 1<=x<=20000 的范围内。" in res.output
    assert_chinese(res.output)


def test_choice_value_is_chinese(tmp_path):
    res = run("split", LIANGLU, "--by", "村", "-o", tmp_path / "out")
    assert res.exit_code == 2 and "“村”不是可选的值" in res.output and "镇街" in res.output
    assert_chinese(res.output)


def test_path_that_does_not_exist_is_chinese(tmp_path):
    res = run("merge", tmp_path / "没有这个文件.xlsx", "-o", tmp_path / "花名册.xlsx")
    assert res.exit_code == 2 and "没有这个文件.xlsx”不存在，请检查路径。" in res.output
    assert_chinese(res.output)


def test_file_given_where_a_folder_is_expected_is_chinese(tmp_path):
    res = run("split", LIANGLU, "--by", "镇街", "-o", LIANGLU)
    assert res.exit_code == 2 and "是文件，这里要写文件夹" in res.output
    assert_chinese(res.output)


def test_extra_argument_is_chinese():
    res = run("addin", "build", "多余")
    assert res.exit_code == 2 and "多写了参数（多余）" in res.output
    assert_chinese(res.output)


def test_option_without_its_value_is_chinese():
    res = run("validate", LIANGLU, "--as-of")
    assert res.exit_code == 2 and "选项 --as-of 后面要写一个值。" in res.output
    assert_chinese(res.output)


def test_version_is_shown():
    assert run("--version").output.startswith("xltools ")


# --- prompts ---------------------------------------------------------------------------------

def test_password_prompts_are_chinese_and_a_mismatch_asks_again(tmp_path):
    res = run("template", "--kind", "流动", "--unit", "甲村", "-o", tmp_path / "t.xlsx", "--encrypt",
              input="甲\n乙\n丙丙\n丙丙\n")
    assert res.exit_code == 0, res.output
    assert "输出文件的打开密码：" in res.output and "请再输入一次密码：" in res.output
    assert "错误：两次输入的不一样，请重新输入。" in res.output
    assert_chinese(res.output)


def test_stopping_a_command_with_ctrl_c_says_cancelled_in_chinese():
    app = _confirming_group()

    @app.command()
    def wait():
        """等待。"""
        raise KeyboardInterrupt  # what Ctrl-C at a prompt (or during a merge) raises

    res = CliRunner().invoke(app, ["wait"])
    assert res.exit_code == 1 and res.output.strip() == "已取消。"


def _confirming_group():
    @click.group(cls=clizh.Group)
    def app():
        """测试用。"""

    @app.command()
    def ask():
        """问一句。"""
        click.echo("好的" if clizh.confirm("要继续吗") else "不做了")

    return app


@pytest.mark.parametrize("answer,said", [("是\n", "好的"), ("y\n", "好的"), ("否\n", "不做了"), ("\n", "不做了"),
                                         ("也许\n是\n", "好的")])
def test_confirmation_prompt_takes_chinese_answers(answer, said):
    res = CliRunner().invoke(_confirming_group(), ["ask"], input=answer)
    assert res.exit_code == 0 and "要继续吗（是/否）：" in res.output and res.output.rstrip().endswith(said)
    assert ("请回答“是”或“否”。" in res.output) == answer.startswith("也许")


# --- commands added later -------------------------------------------------------------------

def test_every_command_and_group_is_a_chinese_one():
    assert isinstance(main, clizh.Group)
    for path, cmd in all_commands():
        assert isinstance(cmd, (clizh.Command, clizh.Group)), path


def test_a_command_added_the_usual_way_gets_chinese_help_and_errors():
    app = _confirming_group()

    @app.command()
    @click.option("--n", type=int, required=True, help="个数。")
    def count(n):
        """数一数。"""

    assert isinstance(app.commands["count"], clizh.Command)
    help_text = CliRunner().invoke(app, ["count", "--help"]).output
    assert "用法：" in help_text and "--n 整数" in help_text and "[必填]" in help_text
    res = CliRunner().invoke(app, ["count", "--n", "三"])
    assert res.exit_code == 2 and "“三”不是数字。" in res.output
    assert_chinese(help_text + res.output)


# --- an unexpected failure ------------------------------------------------------------------

def test_an_unexpected_exception_is_one_chinese_sentence_with_a_log_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.delenv("XLTOOLS_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)

    def broken(*args, **kwargs):
        raise ValueError("assignment destination is read-only")

    monkeypatch.setattr(idcard, "inspect", broken)
    res = run("id", BORN_1949)
    assert res.exit_code == 2
    assert "程序内部出错，本次命令没有完成" in res.output and "请把这个记录文件" in res.output
    assert "用法" not in res.output and "read-only" not in res.output
    assert_chinese(res.output)
    logs = list(tmp_path.glob("xltools_错误记录_*.txt"))
    assert len(logs) == 1 and str(logs[0]) in res.output
    log = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in log and "assignment destination is read-only" in log and f"id {BORN_1949}" in log


def test_the_error_log_goes_to_the_temporary_folder_when_the_current_one_is_not_writable(tmp_path, monkeypatch):
    monkeypatch.delenv("XLTOOLS_DEBUG", raising=False)
    monkeypatch.setattr(clizh.Path, "cwd", staticmethod(lambda: tmp_path / "没有这个文件夹"))
    monkeypatch.setattr(clizh.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(idcard, "inspect", lambda *a, **k: 1 / 0)
    res = run("id", BORN_1949)
    assert res.exit_code == 2 and str(tmp_path) in res.output
    logs = list(tmp_path.glob("xltools_错误记录_*.txt"))
    assert len(logs) == 1 and "ZeroDivisionError" in logs[0].read_text(encoding="utf-8")


def test_xltools_debug_lets_the_exception_through_for_developers(monkeypatch):
    monkeypatch.setenv("XLTOOLS_DEBUG", "1")
    monkeypatch.setattr(idcard, "inspect", lambda *a, **k: 1 / 0)
    assert isinstance(run("id", BORN_1949).exception, ZeroDivisionError)


def test_the_installed_command_prints_chinese_not_a_traceback(tmp_path):
    """The real console entry point (not CliRunner): a usage error and its exit code."""
    import os
    import subprocess

    import xltools

    env = {**os.environ, "PYTHONPATH": str(Path(xltools.__file__).parents[1])}
    res = subprocess.run([sys.executable, "-c", "from xltools.cli.commands import main; main()", "mergee"],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert res.returncode == 2 and "没有命令“mergee”" in res.stderr
    assert_chinese(res.stderr + res.stdout)


# --- what people type ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["2026-09-30", "2026/9/30", "2026-9-30", "2026年9月30日", "20260930",
                                   "2026.9.30", " 2026/09/30 ", "２０２６年９月３０日"])
def test_date_options_take_the_forms_people_type(typed):
    res = run("id", BORN_1949, "--as-of", typed, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)[0]["age"] == 76


@pytest.mark.parametrize("typed", ["2026/13/01", "2026-02-30", "2026年9月", "45000", "明天", "30/9/2026"])
def test_a_date_option_refuses_what_is_not_a_day_and_shows_the_forms(typed):
    res = run("id", BORN_1949, "--as-of", typed)
    assert res.exit_code == 2 and f"“{typed}”不是日期" in res.output and "2026年9月30日" in res.output
    assert_chinese(res.output)


def test_every_date_option_uses_the_same_type():
    from xltools.cli.cliparams import DATE

    dated = {(" ".join(path), p.name): p.type for path, cmd in all_commands() for p in cmd.params
             if p.name in ("as_of", "report_date") or isinstance(p.type, type(DATE))}
    assert {k for k in dated} >= {("validate", "as_of"), ("merge", "as_of"), ("diff", "as_of"), ("id", "as_of"),
                                  ("template", "report_date")}
    assert all(t is DATE for t in dated.values())


@pytest.mark.parametrize("typed,name", [("重庆", "chongqing"), ("重庆市", "chongqing"), ("ChongQing", "chongqing"),
                                        ("CQ", "chongqing"), ("全国", "national"), ("全国通用", "national"),
                                        ("National", "national")])
def test_profile_takes_the_short_names_people_say(typed, name):
    assert profiles.resolve(typed) == name
    res = run("validate", LIANGLU, "--profile", typed, "--json")
    assert res.exit_code == 1 and json.loads(res.output)["profile"] == name


def test_profile_aliases_come_from_the_profile_files_and_name_one_profile_each():
    seen = {}
    for name in profiles.available():
        data = profiles._read(name)
        assert data["aliases"], name
        for alias in data["aliases"]:
            assert alias.casefold() not in seen, (alias, seen)
            seen[alias.casefold()] = name
            assert profiles.resolve(alias.upper()) == name


def test_unknown_profile_is_refused_with_every_name_listed():
    res = run("validate", LIANGLU, "--profile", "火星")
    assert res.exit_code == 2 and "未知的地区口径“火星”" in res.output
    for called in profiles.names().values():
        assert all(c in res.output for c in called)
    assert_chinese(res.output)


@pytest.mark.parametrize("typed,kind", [("流动", "flow"), ("流动儿童", "flow"), ("附件1", "flow"), ("FLOW", "flow"),
                                        ("留守", "left"), ("留守儿童", "left"), ("附件2", "left"), ("left", "left")])
def test_kind_takes_its_names(typed, kind, tmp_path):
    res = run("template", "--kind", typed, "--unit", "甲村", "-o", tmp_path / "t.xlsx", "--rows", "1")
    assert res.exit_code == 0, res.output
    from xltools.core.schema import KIND_NAMES
    assert typed.lower() in KIND_NAMES[kind]


@pytest.mark.parametrize("typed", ["流动人口", "流", "3", "儿童", "flowing"])
def test_unknown_kind_is_refused_with_the_valid_names_not_guessed(typed, tmp_path):
    res = run("template", "--kind", typed, "--unit", "甲村", "-o", tmp_path / "t.xlsx")
    assert res.exit_code == 2 and f"未知的表格类别“{typed}”" in res.output
    assert "流动（也可写 流动儿童、附件1" in res.output and "留守（也可写 留守儿童、附件2" in res.output
    assert not (tmp_path / "t.xlsx").exists()
    assert_chinese(res.output)


# --- output names -------------------------------------------------------------------------------

def test_a_workbook_output_named_csv_is_refused_before_anything_is_read(tmp_path):
    res = run("merge", LIANGLU, "-o", tmp_path / "花名册.csv")
    assert res.exit_code == 2 and "文件名要以 .xlsx 结尾，例如“花名册.xlsx”" in res.output
    assert list(tmp_path.iterdir()) == []
    assert_chinese(res.output)


@pytest.mark.parametrize("args,suffix", [(("diff", LIANGLU, LIANGLU, "-o", "变化.txt"), ".xlsx"),
                                         (("merge", LIANGLU, "-o", "花名册.xlsx", "--json", "报告.xlsx"), ".json"),
                                         (("merge", LIANGLU, "-o", "花名册.xlsx", "--stats-output", "统计"), ".xlsx"),
                                         (("addin", "build", "-o", "xltools.xlsm"), ".xlam")])
def test_every_output_file_name_must_match_what_is_written(args, suffix, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run(*args)
    assert res.exit_code == 2 and f"文件名要以 {suffix} 结尾" in res.output
    assert list(tmp_path.iterdir()) == []


def test_one_template_goes_to_an_xlsx_file_or_into_a_folder(tmp_path):
    assert run("template", "--kind", "流动", "--unit", "甲村", "-o", tmp_path / "甲.xlsx", "--rows", "1").exit_code == 0
    assert (tmp_path / "甲.xlsx").is_file()
    assert run("template", "--kind", "流动", "--unit", "甲村", "-o", tmp_path / "模板", "--rows", "1").exit_code == 0
    assert len(list((tmp_path / "模板").glob("*.xlsx"))) == 1


def test_one_template_named_csv_is_refused(tmp_path):
    res = run("template", "--kind", "流动", "--unit", "甲村", "-o", tmp_path / "甲.csv")
    assert res.exit_code == 2 and "文件名要以 .xlsx 结尾，例如“甲.xlsx”" in res.output
    assert list(tmp_path.iterdir()) == []


def test_several_templates_into_one_xlsx_name_are_refused_and_a_folder_is_asked_for(tmp_path):
    res = run("template", "--kind", "流动", "--unit", "甲村", "--unit", "乙村", "-o", tmp_path / "一个.xlsx")
    assert res.exit_code == 2 and "要生成 2 个模板" in res.output and "要写一个文件夹，例如“-o 一个”" in res.output
    assert list(tmp_path.iterdir()) == []
    assert_chinese(res.output)


def test_split_into_a_name_that_looks_like_a_file_is_refused(tmp_path):
    res = run("split", LIANGLU, "--by", "镇街", "-o", tmp_path / "拆分.xlsx")
    assert res.exit_code == 2 and "这里要写一个文件夹" in res.output
    assert not (tmp_path / "拆分.xlsx").exists()
