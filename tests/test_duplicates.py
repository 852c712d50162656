"""One child is one child: duplicates across township files, folded or shown, never counted twice
without saying so (merge's rule, the 重复记录 sheet, 问题清单 and the township files)."""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import openpyxl
import pytest

from xltools.ops import merge, split, templates
from xltools.workbooks import rosterbook, rosterread
from xltools.core import synthetic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from factories import valid_id, wrong_check_digit  # noqa: E402

AS_OF = dt.date(2026, 9, 30)


def kids(n: int, seed: int, town: str) -> list[dict]:
    rng = random.Random(seed)
    return [synthetic.child(rng, "flow", "chongqing", AS_OF, structured=True, township=town) for _ in range(n)]


def township(folder: Path, unit: str, rows: list[dict], report_date=AS_OF) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return templates.build_template(folder / f"{unit}.xlsx", "flow", "chongqing", unit, rows=len(rows) + 2,
                                    report_date=report_date, data=rows)


def run(folder: Path) -> merge.MergeResult:
    return merge.merge([folder], kind="流动", profile="chongqing", as_of=AS_OF, workers=0)


def test_the_same_invalid_id_and_name_in_two_township_files_is_one_child(tmp_path):
    a, b = kids(5, 1, "两路街道"), kids(4, 2, "龙溪街道")
    for k in (0, 1):  # two children whose numbers are wrong, registered in both townships alike
        a[k]["id_number"] = wrong_check_digit(a[k]["id_number"])
        b.append(dict(a[k], town="龙溪街道"))
    b[-1]["id_number"] = "".join(chr(ord(c) + 0xFEE0) for c in b[-1]["id_number"])  # full-width: same number
    township(tmp_path / "in", "两路街道双龙社区", a, dt.date(2026, 9, 1))
    township(tmp_path / "in", "龙溪街道金龙社区", b)
    result = run(tmp_path / "in")
    distinct = 5 + 4
    assert len(result.roster) == distinct                       # not 11
    assert result.totals() == {"read": 11, "kept": distinct, "folded": 2, "rejected": 0}
    dups = result.duplicates
    assert set(dups["dup_rule"]) == {merge.DUP_SAME_BAD_ID[0]}
    assert sorted(dups["dup_action"]) == ["保留", "保留", "已合并", "已合并"]
    # each township learns its child is also registered in the other
    notes = [(Path(f).name, i.code) for f, _, i in result.issues if i.code.startswith("roster.duplicate")]
    assert sorted(notes) == sorted([("两路街道双龙社区.xlsx", "roster.duplicate_folded")] * 2
                                   + [("龙溪街道金龙社区.xlsx", "roster.duplicate_folded")] * 2)
    out = rosterbook.write(result, tmp_path / "花名册.xlsx")
    ws = openpyxl.load_workbook(out, read_only=True)["重复记录"]
    header = [c.value for c in next(ws.iter_rows(min_row=2, max_row=2))]
    assert header[:4] == ["重复组", "处理", "判断依据", "确定程度"]
    written = split.by_town(rosterread.read(out), tmp_path / "镇街")
    for w in written:
        issues = openpyxl.load_workbook(w.path, read_only=True)["问题清单"]
        titles = [r[6] for r in issues.iter_rows(min_row=2, values_only=True)]
        assert titles.count("在别处也有登记（已合并）") == 2, w.town


def test_same_name_and_birth_without_ids_is_one_child_until_a_person_says_otherwise(tmp_path):
    a, b = kids(3, 3, "两路街道"), kids(3, 4, "两路街道")
    b.append(dict(a[0], id_number="", hukou_registered="否"))           # no number in the second file
    township(tmp_path / "in" / "九月", "两路街道双龙社区", a)
    township(tmp_path / "in" / "补报", "两路街道双龙社区", b)         # the same village reports again
    result = run(tmp_path / "in")
    assert len(result.roster) == 6
    kept = result.duplicates[result.duplicates["dup_action"] == "保留"]
    assert list(kept["dup_rule"]) == [merge.DUP_NAME_BIRTH[0]]
    assert kept["id_number"].iat[0] == a[0]["id_number"]                 # the row with a valid number is kept
    assert "待人工确认" in kept["dup_confidence"].iat[0]


def test_same_name_and_birth_with_two_valid_ids_is_shown_not_folded(tmp_path):
    a, b = kids(3, 5, "两路街道"), kids(3, 6, "两路街道")
    born = dt.date.fromisoformat(a[0]["birth_date"])
    other = valid_id(a[0]["id_number"][:6], born, male=a[0]["sex"] == "男", seq=77)
    assert other != a[0]["id_number"]
    b.append(dict(a[0], id_number=other))
    township(tmp_path / "in", "两路街道双龙社区", a)
    township(tmp_path / "in", "两路街道空港社区", b)
    result = run(tmp_path / "in")
    assert len(result.roster) == 7
    assert list(result.duplicates["dup_action"]) == ["未合并，待核实"] * 2
    assert set(result.duplicates["dup_rule"]) == {merge.DUP_TWO_IDS[0]}
    assert sum(i.code == "roster.duplicate_open" for _, _, i in result.issues) == 2


def test_same_invalid_id_under_two_names_is_shown_not_folded(tmp_path):
    a, b = kids(3, 7, "两路街道"), kids(3, 8, "两路街道")
    bad = wrong_check_digit(a[0]["id_number"])
    a[0]["id_number"] = bad
    b[0]["id_number"] = bad                                               # a typo shared by another child
    township(tmp_path / "in", "两路街道双龙社区", a)
    township(tmp_path / "in", "两路街道空港社区", b)
    result = run(tmp_path / "in")
    assert len(result.roster) == 6
    assert set(result.duplicates["dup_rule"]) == {merge.DUP_BAD_ID_NAMES[0]}


@pytest.mark.parametrize("town_b", ["两路街道", "龙溪街道"])
def test_a_number_whose_digits_were_lost_is_no_identity(tmp_path, town_b):
    a, b = kids(2, 9, "两路街道"), kids(2, 10, town_b)
    a[0]["id_number"] = b[0]["id_number"] = "5.00112E+17"                 # two different children
    township(tmp_path / "in", "两路街道双龙社区", a)
    township(tmp_path / "in", f"{town_b}空港社区", b)
    result = run(tmp_path / "in")
    assert len(result.roster) == 4 and not len(result.duplicates)


def test_same_name_and_birth_in_two_villages_without_ids_is_shown_not_folded(tmp_path):
    a, b = kids(3, 3, "两路街道"), kids(3, 4, "两路街道")
    b.append(dict(a[0], id_number="", hukou_registered="否"))
    township(tmp_path / "in", "两路街道双龙社区", a)
    township(tmp_path / "in", "两路街道空港社区", b)
    result = run(tmp_path / "in")
    assert len(result.roster) == 7
    assert set(result.duplicates["dup_rule"]) == {merge.DUP_TWO_VILLAGES[0]}
