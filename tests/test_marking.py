"""A marked copy of a checked workbook: problem cells filled and commented, the input untouched."""

from __future__ import annotations

import openpyxl
import pytest

from xltools.workbooks import marking
from xltools.core.issues import Issue


def workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    for r in rows:
        ws.append(r)
    ws.merge_cells("C2:C3")  # one father for two siblings
    wb.save(path)
    return path


def test_error_cells_turn_red_reminders_yellow_with_the_message_as_a_note(tmp_path):
    src = workbook(tmp_path / "村.xlsx", [["姓名", "公民身份号码", "父亲"], ["张三", "123", "张大"], ["李四", "x", ""]])
    before = src.read_bytes()
    issues = [Issue("id.length", row=2, column="B", label="公民身份号码", value="123", params={"length": 3}),
              Issue("person.duplicate", row=3, column="A", params={"name": "李四", "birth_date": "2020-01-01",
                                                                   "other_rows": "5"}),
              Issue("field.required", row=3, column="C", label="父亲")]
    out = marking.mark_copy(src, tmp_path / "村_已标记.xlsx", "花名册", issues)
    ws = openpyxl.load_workbook(out)["花名册"]
    assert ws["B2"].fill.fgColor.rgb.endswith(marking.ERROR_FILL)
    assert ws["A3"].fill.fgColor.rgb.endswith(marking.WARNING_FILL)
    assert issues[0].message in ws["B2"].comment.text
    assert issues[2].message in ws["C2"].comment.text  # C3 is inside C2:C3
    assert ws["A2"].comment is None
    assert src.read_bytes() == before


def test_a_csv_cannot_be_marked_and_the_message_says_what_to_do(tmp_path):
    src = tmp_path / "村.csv"
    src.write_text("姓名\n张三\n", encoding="utf-8")
    with pytest.raises(marking.MarkError, match="另存为 .xlsx"):
        marking.mark_copy(src, tmp_path / "out.xlsx", "", [])


def test_the_copy_never_overwrites_the_input(tmp_path):
    src = workbook(tmp_path / "村.xlsx", [["姓名"], ["张三"]])
    with pytest.raises(marking.privacy.OutputError):
        marking.mark_copy(src, src, "花名册", [])
