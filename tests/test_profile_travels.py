"""The profile travels with the files, and a district's defaults live beside its inbox (issue 11, case 5).

Our templates record their profile: merge and validate take it when --profile is
absent, say which profile they used and why, and warn about a file made for another
profile.  ``xltools.toml`` next to the inputs (or in the current directory) holds the
district's profile, kind, 统计日期 and unit, so the quarterly commands need no flags.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from click.testing import CliRunner

from xltools.core import profiles, synthetic
from xltools.workbooks import settings
from xltools.ops import templates
from xltools.cli.commands import main

AS_OF = dt.date(2026, 9, 30)
NATIONAL = profiles.load("national").label


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def village(path, profile="chongqing", town="两路街道", seed=1, n=4, report_date=AS_OF):
    rng = random.Random(seed)
    rows = [synthetic.child(rng, "flow", profile, AS_OF, structured=True, township=town) for _ in range(n)]
    return templates.build_template(path, "flow", profile, f"{town}XX社区", rows=10, report_date=report_date,
                                    data=rows)


@pytest.fixture()
def inbox(tmp_path):
    d = tmp_path / "收件_四季度"
    d.mkdir()
    village(d / "a.xlsx", seed=1)
    village(d / "b.xlsx", seed=2, town="回兴街道")
    return d


def report_of(tmp_path, *args):
    out = tmp_path / "r.json"
    res = run("merge", *args, "-o", tmp_path / "花名册.xlsx", "--json", out)
    return res, json.loads(out.read_text(encoding="utf-8"))


def test_merge_without_profile_takes_the_one_the_templates_record(inbox, tmp_path):
    res = run("merge", inbox, "-o", tmp_path / "花名册.xlsx")
    assert res.exit_code == 0, res.output
    assert "地区口径：重庆市（a.xlsx 记录的口径）" in res.output
    _, report = report_of(tmp_path, inbox)
    assert report["profile"] == "chongqing"
    assert not [i for i in report["issues"] if i["code"].startswith("option.")]  # 已参保 is an option here


def test_a_template_of_another_profile_is_merged_with_a_warning_not_silently(inbox, tmp_path):
    village(inbox / "c.xlsx", profile="national", seed=3)
    res, report = report_of(tmp_path, inbox)
    mismatch = [(i["file"].split("/")[-1], i["message"]) for i in report["issues"] if i["code"] == "file.profile_mismatch"]
    assert [f for f, _ in mismatch] == ["c.xlsx"]
    assert f"记录的地区口径是“{NATIONAL}”，本次按“重庆市”口径（a.xlsx 记录的口径）检查" in mismatch[0][1]
    screen = run("merge", inbox, "-o", tmp_path / "x.xlsx").output
    assert "注意：" in screen and "地区口径" in screen and "c.xlsx" in screen


def test_validate_without_profile_takes_the_templates_profile(inbox):
    res = run("validate", inbox / "a.xlsx", "--json")
    report = json.loads(res.output)
    assert report["profile"] == "chongqing"
    assert report["source"]["profile_source"] == "文件记录的口径"
    assert not [i for i in report["issues"] if i["code"].startswith("option.")]


def test_xltools_toml_beside_the_inbox_gives_the_districts_defaults(inbox, tmp_path):
    (tmp_path / "xltools.toml").write_text(
        'profile = "national"\nkind = "流动"\nas_of = 2026-10-08\nunit = "渝北区民政局"\n', encoding="utf-8")
    res = run("merge", inbox, "-o", tmp_path / "花名册.xlsx", "--stats-output", tmp_path / "统计.xlsx")
    assert f"地区口径：{NATIONAL}（设置文件 {tmp_path / 'xltools.toml'}）" in res.output
    _, report = report_of(tmp_path, inbox)
    assert report["as_of"] == "2026-10-08" and report["unit"] == "渝北区民政局"
    assert report["files"][0]["as_of_source"].startswith("设置文件")
    # a flag on the command line wins over the file
    _, report = report_of(tmp_path, inbox, "--profile", "chongqing", "--as-of", "2026-09-30")
    assert report["profile"] == "chongqing" and report["as_of"] == "2026-09-30"


def test_xltools_toml_in_the_current_directory_is_found(inbox, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "xltools.toml").write_text('profile = "chongqing"\n', encoding="utf-8")
    monkeypatch.chdir(work)
    assert settings.find([inbox]) == work / "xltools.toml"
    assert settings.for_inputs([inbox]).profile == "chongqing"


def test_a_wrong_settings_file_stops_with_a_chinese_message(inbox, tmp_path):
    (inbox / "xltools.toml").write_text('profile = "火星"\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["merge", str(inbox), "-o", str(tmp_path / "o.xlsx")])
    assert res.exit_code == 2
    assert "xltools.toml" in res.output and "未知的地区口径“火星”" in res.output


def test_the_readmes_settings_example_is_a_valid_settings_file(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 设置文件 `xltools.toml`", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "xltools.toml").write_text(example, encoding="utf-8")
    conf = settings.load(tmp_path / "xltools.toml")
    assert (conf.profile, conf.kind, conf.as_of, conf.unit) == ("chongqing", "flow", AS_OF, "渝北区民政局")
    assert ("参保状态", "纳入医保情况") in conf.synonyms and ("所在组", "村社区") in conf.synonyms


def test_a_township_file_recording_no_profile_says_how_to_choose_one(tmp_path, monkeypatch):
    # A township's own sheet records no profile: the national wording is used, and the screen
    # tells a Chongqing newcomer how to change it rather than only "（默认）".
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "镇街自制.csv"
    row = synthetic.child(random.Random(3), "flow", "chongqing", dt.date(2026, 9, 30), structured=False)
    path.write_text("姓名,公民身份号码,性别\n" + f"{row['name']},{row['id_number']},{row['sex']}\n",
                    encoding="utf-8")
    for command in (["validate", path], ["merge", path, "-o", tmp_path / "花名册.xlsx"]):
        res = run(*command, "--kind", "流动")
        line = next(x for x in res.output.splitlines() if x.startswith("地区口径："))
        assert "全国通用" in line and "--profile" in line and "xltools.toml" in line, line
