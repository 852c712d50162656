"""The 设置 page's side of xltools.toml (``xltools.workbooks.settings.save`` / ``page_values``) and the launchers."""

from __future__ import annotations

import os
import sys

import pytest
from click.testing import CliRunner

from xltools.cli.commands import main
from xltools.workbooks import settings


def test_settings_round_trip_through_xltools_toml(tmp_path):
    settings.save(tmp_path, {"profile": "chongqing", "kind": "留守", "as_of": "2026-09-30"})
    assert settings.page_values(tmp_path) == {"profile": "chongqing", "kind": "留守", "as_of": "2026-09-30"}


def test_empty_settings_are_left_out_of_the_file(tmp_path):
    settings.save(tmp_path, {"profile": "national", "kind": "", "as_of": ""})
    text = (tmp_path / "xltools.toml").read_text(encoding="utf-8")
    assert 'profile = "national"' in text and "kind" not in text and "as_of" not in text


@pytest.mark.parametrize("values, words", [
    ({"profile": "atlantis"}, "地区口径“atlantis”不存在"),
    ({"kind": "孤儿"}, "表格类别应为流动或留守"),
    ({"as_of": "2026-13-01"}, "不是日期"),
])
def test_a_wrong_setting_is_refused_with_a_chinese_message_and_nothing_is_written(tmp_path, values, words):
    with pytest.raises(settings.SettingsError, match=words):
        settings.save(tmp_path, values)
    assert not (tmp_path / "xltools.toml").exists()


def test_a_damaged_settings_file_reads_as_no_defaults(tmp_path):
    (tmp_path / "xltools.toml").write_text("profile = chongqing without quotes", encoding="utf-8")
    assert settings.page_values(tmp_path) == {"profile": "", "kind": "", "as_of": ""}


def test_launcher_command_writes_a_windows_cmd_and_a_linux_desktop_file(tmp_path):
    res = CliRunner().invoke(main, ["serve", "--launcher", str(tmp_path / "桌面")])
    assert res.exit_code == 0, res.output
    cmd = (tmp_path / "桌面" / "xltools网页版.cmd").read_bytes()
    assert b"\r\n" in cmd and f'"{sys.executable}" -m xltools.cli serve'.encode() in cmd
    assert f'cd /d "{(tmp_path / "桌面").resolve()}"'.encode() in cmd
    desktop = tmp_path / "桌面" / "xltools网页版.desktop"
    text = desktop.read_text(encoding="utf-8")
    assert "[Desktop Entry]" in text and "Terminal=true" in text and "-m xltools.cli serve" in text
    assert os.access(desktop, os.X_OK)
    assert "双击" in res.output


def test_serve_help_is_chinese():
    res = CliRunner().invoke(main, ["serve", "--help"])
    assert res.exit_code == 0 and "127.0.0.1" in res.output and "浏览器" in res.output


def test_saving_keeps_the_users_comments_other_keys_and_synonym_table(tmp_path):
    (tmp_path / "xltools.toml").write_text(
        '# 本区设置\nprofile = "national"\nunit = "渝北区民政局"\nas_of = 2026-06-30\n\n[synonyms]\n"参保" = "纳入医保情况"\n',
        encoding="utf-8")
    settings.save(tmp_path, {"profile": "chongqing", "kind": "流动", "as_of": "2026-09-30"})
    text = (tmp_path / "xltools.toml").read_text(encoding="utf-8")
    data = settings.tomllib.loads(text)
    assert data["profile"] == "chongqing" and data["kind"] == "流动" and str(data["as_of"]) == "2026-09-30"
    assert data["unit"] == "渝北区民政局" and data["synonyms"] == {"参保": "纳入医保情况"}
    assert text.startswith("# 本区设置") and text.count("profile") == 1
    assert settings.page_values(tmp_path)["as_of"] == "2026-09-30"


def test_what_the_settings_page_saves_is_what_the_commands_read(tmp_path):
    (tmp_path / "xltools.toml").write_text('unit = "渝北区民政局"\n\n[synonyms]\n"村组" = "村社区"\n', encoding="utf-8")
    settings.save(tmp_path, {"profile": "chongqing", "kind": "留守", "as_of": "2026-09-30"})
    got = settings.for_inputs([tmp_path])
    assert (got.profile, got.kind, got.unit) == ("chongqing", "left", "渝北区民政局")
    assert got.as_of.isoformat() == "2026-09-30" and [h for h, _ in got.synonyms] == ["村组"]
