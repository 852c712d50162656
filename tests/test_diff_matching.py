"""diff matches children across quarters by number, then by 姓名 + 出生日期: a corrected number is a
change, not a child gone and a child added; where several children fit, nothing is guessed."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from xltools.ops import diff, merge, templates
from xltools.workbooks import rosterbook, rosterread
from xltools.core import synthetic

Q1, Q2 = dt.date(2026, 9, 30), dt.date(2026, 12, 31)
UNIT = "两路街道双龙社区"


def kids(n: int, seed: int, as_of=Q1) -> list[dict]:
    rng = random.Random(seed)
    out = [synthetic.child(rng, "flow", "chongqing", as_of, structured=True, township="两路街道") for _ in range(n)]
    for k, row in enumerate(out):  # names distinct within the test, so the expectations are plain
        row["name"] = f"{row['name'][0]}{'甲乙丙丁戊己庚辛壬癸'[k % 10]}{seed}"
    return out


def roster(folder: Path, as_of: dt.date, files: dict[str, list[dict]]) -> rosterread.RosterBook:
    for unit, rows in files.items():
        (folder / "in").mkdir(parents=True, exist_ok=True)
        templates.build_template(folder / "in" / f"{unit}.xlsx", "flow", "chongqing", unit, rows=len(rows) + 2,
                                 report_date=as_of, data=rows)
    result = merge.merge([folder / "in"], kind="流动", profile="chongqing", as_of=as_of, workers=0)
    return rosterread.read(rosterbook.write(result, folder / "花名册.xlsx"))


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def test_ids_corrected_between_quarters_are_changes_not_children_gone_and_added(tmp_path):
    before = kids(10, 1)
    fixed = [before[0]["id_number"], before[1]["id_number"]]
    q1 = [dict(r) for r in before]
    q1[0]["id_number"] = wrong_check_digit(fixed[0])           # a check digit mistyped …
    q1[1]["id_number"] = float(fixed[1])                      # … and a number typed into a General cell
    q2 = [dict(r) for r in before[:8]] + kids(3, 2, Q2)        # two moved away, three new
    old = roster(tmp_path / "q1", Q1, {UNIT: q1})
    new = roster(tmp_path / "q2", Q2, {UNIT: q2})
    changes = diff.diff(old, new, Q2)
    assert (len(changes.added), len(changes.gone)) == (3, 2)   # not 5 / 4
    assert changes.old_count + 3 - 2 == changes.new_count == 11
    fixed_rows = changes.changed[changes.changed["field"] == diff.F_ID_FIXED]
    assert sorted(fixed_rows["new"]) == sorted(fixed)
    assert set(fixed_rows["old"]) == {wrong_check_digit(fixed[0]), f"{float(fixed[1]):.15g}"}
    summary = dict(changes.summary())
    assert summary["新增"] == 3 and summary["减少"] == 2
    assert summary[f"　其中 {diff.F_ID_FIXED}（旧→新）"] == 2


def test_several_children_fitting_one_name_and_birth_date_are_reported_not_guessed(tmp_path):
    base = kids(4, 3)
    same = dict(base[0], id_number=wrong_check_digit(base[0]["id_number"]))
    other = dict(same, id_number=wrong_check_digit(base[0]["id_number"])[:16] + "19")  # another wrong number
    old = roster(tmp_path / "q1", Q1, {UNIT: [same] + base[1:], "两路街道空港社区": [other]})
    assert len(old.roster) == 5                                 # two villages: not folded by the merge
    new = roster(tmp_path / "q2", Q2, {UNIT: base})
    changes = diff.diff(old, new, Q2)
    assert list(changes.added["note"]) == [diff.R_UNSURE]
    assert sorted(changes.gone["reason"]) == [diff.R_UNSURE, diff.R_UNSURE]
    assert not (changes.changed["field"] == diff.F_ID_FIXED).any()


@pytest.mark.parametrize("spelling", ["full_width", "spaces"])
def test_the_same_number_written_differently_is_the_same_child_and_no_change(tmp_path, spelling):
    rows = kids(3, 4)
    q2 = [dict(r) for r in rows]
    x = rows[0]["id_number"]
    q2[0]["id_number"] = "".join(chr(ord(c) + 0xFEE0) for c in x) if spelling == "full_width" else \
        f"{x[:6]} {x[6:14]} {x[14:]}"
    changes = diff.diff(roster(tmp_path / "q1", Q1, {UNIT: rows}), roster(tmp_path / "q2", Q2, {UNIT: q2}), Q2)
    assert (len(changes.added), len(changes.gone)) == (0, 0)
    assert not (changes.changed["field"] == diff.F_ID_FIXED).any()
