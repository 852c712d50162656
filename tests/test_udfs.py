"""The worksheet functions: same answers as the engine, one value per cell or row in the
input's shape, Chinese errors in the cell, and registration metadata for Excel.

Excel hands a UDF plain values (``ndim=2``: a list of rows; dates as datetime; empty
cells as None; an ID typed into a number cell as a float), so the tests feed the
functions exactly that, read from real workbooks with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import io
import random
import re
import sys
import types

import openpyxl
import pytest

from factories import AS_OF, birth_for_age, children, valid_id, write_xlsx, wrong_check_digit
from xltools.workbooks import check, readers
from xltools.core import idcard, synthetic
from xltools.ops import templates
from xltools.excel import udfs
from xltools.core.textreport import column_title
from xltools.core.validate import validate_rows

REF = dt.datetime.combine(AS_OF, dt.time())  # a date cell as Excel passes it


def values_of(path, sheet=None) -> list[list]:
    """What Excel passes for the used range: rows of values, no merge information."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.active
    return [list(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]


# --- ID numbers ----------------------------------------------------------------------

def test_id_check_says_correct_for_a_valid_number_and_explains_a_wrong_check_digit():
    good = valid_id("110105", dt.date(2015, 3, 2))
    bad = wrong_check_digit(good)
    assert udfs.XT_ID_CHECK(good, REF) == "正确"
    text = udfs.XT_ID_CHECK(bad, REF)
    assert text.startswith("错误：") and f"应为 {good[17]}" in text and bad in text


def test_id_functions_keep_the_shape_of_what_they_are_given():
    a, b = valid_id(seq=1), valid_id(seq=2, male=False)
    assert udfs.XT_SEX(a) == "男"
    assert udfs.XT_SEX([[a], [b]]) == [["男"], ["女"]]
    assert udfs.XT_SEX([[a, b]]) == [["男", "女"]]
    assert udfs.XT_SEX([[a, None], [b, a]]) == [["男", ""], ["女", "男"]]
    assert udfs.XT_SEX([a, b]) == ["男", "女"]


@pytest.mark.parametrize("name", ["XT_ID_CHECK", "XT_ID_FIX", "XT_BIRTH", "XT_SEX", "XT_REGION", "XT_AGE"])
def test_a_block_gives_what_each_cell_gives_alone(name):
    fn = getattr(udfs, name)
    block = [[valid_id("500112", dt.date(2015, 3, 2)), None, "110105491231002"],
             [wrong_check_digit(valid_id("110105")), 5.00101201012e17, valid_id("430582", dt.date(2012, 2, 29), male=False)]]
    assert fn(block) == [[fn(v) for v in row] for row in block]
    assert fn([row[0] for row in block]) == [fn(row[0]) for row in block]


def test_blank_cells_give_blank_results():
    assert udfs.XT_ID_CHECK([[None], [""], ["  "]], REF) == [[""], [""], [""]]
    assert udfs.XT_AGE([[None]], REF) == [[""]]


def test_id_check_agrees_with_the_engine_on_a_column_with_every_kind_of_mistake():
    rng = random.Random(5)
    rows = children(300, seed=5)
    for row in rows[::7]:
        synthetic.inject_error(rng, row, rng.choice(("id.checksum", "id.digits_lost")))
    column = [[r["id_number"]] for r in rows] + [["110105491231002"], ["１１０１０５１９４９１２３１００２ｘ"],
                                                 [5.00101201012e17], ["5001122015"], ["50011220150230121X"]]
    out = udfs.XT_ID_CHECK(column, REF)
    report = validate_rows([{"id_number": raw} for (raw,) in column], "flow", "chongqing", AS_OF, first_row=1)
    found = {}
    for i in report.issues:
        if i.field == "id_number" and i.row:
            found.setdefault(i.row, []).append(i)
    assert len(out) == len(column) and len(found) == 4 + len(rows[::7])  # the full-width number is valid
    for row, (text,) in enumerate(out, 1):
        issues = found.get(row, [])
        errors = [i.message for i in issues if i.severity == "error"]
        warnings = [i.message for i in issues if i.severity != "error"]
        expected = "错误：" + errors[0] if errors else "提醒：" + "；".join(warnings) if warnings else "正确"
        assert text == expected, column[row - 1]


def test_an_id_turned_into_a_number_by_excel_is_reported_as_digits_lost():
    text = udfs.XT_ID_CHECK(5.00101201012312e17, REF)
    assert text.startswith("错误：") and "以数字形式存储" in text


def test_id_check_warns_about_an_unknown_region_code():
    number = valid_id("500199", dt.date(2015, 3, 2))
    text = udfs.XT_ID_CHECK(number, REF)
    assert text.startswith("提醒：") and "500199" in text


def test_id_check_rejects_a_birth_after_the_reference_date():
    number = valid_id("110105", dt.date(2026, 10, 1))
    assert "晚于统计日期" in udfs.XT_ID_CHECK(number, "2026-09-30")
    assert udfs.XT_ID_CHECK(number, "2026-10-01") == "正确"


def test_id_fix_normalises_and_upgrades_old_numbers_and_explains_what_it_cannot_fix():
    assert udfs.XT_ID_FIX([["110105491231002"], [" 11010519491231002x "], ["１１０１０５１９４９１２３１００２Ｘ"]]) == \
        [["11010519491231002X"]] * 3
    assert udfs.XT_ID_FIX("110105194912310021").startswith("错误：")


def test_birth_sex_and_region_come_from_the_number():
    number = valid_id("500112", dt.date(2016, 2, 29), male=False)
    assert udfs.XT_BIRTH(number) == dt.datetime(2016, 2, 29)
    assert udfs.XT_SEX(number) == "女"
    region = udfs.XT_REGION(number)
    assert region.startswith("重庆市渝北区") and "1997–2025" in region
    assert udfs.XT_REGION(valid_id("110105")) == "北京市朝阳区"
    assert udfs.XT_BIRTH(wrong_check_digit(number)).startswith("错误：")


def test_old_fifteen_digit_numbers_give_the_birth_sex_and_region_of_their_eighteen_digit_form():
    old, new = "110105491231002", "11010519491231002X"
    for given in (old, float(old), int(old)):  # Excel keeps a 15-digit number exactly
        assert udfs.XT_BIRTH(given) == udfs.XT_BIRTH(new) == dt.datetime(1949, 12, 31)
        assert udfs.XT_SEX(given) == udfs.XT_SEX(new) == "女"
        assert udfs.XT_REGION(given) == udfs.XT_REGION(new) == "北京市朝阳区"
        assert udfs.XT_ID_FIX(given) == new
        assert udfs.XT_ID_CHECK(given, REF).startswith("错误：") and new in udfs.XT_ID_CHECK(given, REF)
    assert udfs.XT_BIRTH("110105491331002").startswith("错误：") and "19491331" in udfs.XT_BIRTH("110105491331002")


@pytest.mark.parametrize("junk", [None, "", 0, 0.0, -1.0, "€", "⑱", True, float("nan"), dt.time(12, 0), 1e300])
def test_junk_in_a_cell_never_gives_an_internal_error(junk):
    for f in udfs.FUNCTIONS[:6]:
        out = f([[junk], [valid_id(seq=7)]])
        assert isinstance(out, list) and out[1][0] not in ("", None), (f.__name__, junk, out)
        assert "程序内部错误" not in str(out[0][0]), (f.__name__, junk, out)


WHOLE_COLUMN = 1_048_576  # rows in E:E


def test_a_whole_column_with_trailing_blanks_is_checked_only_up_to_its_last_value(monkeypatch):
    seen = []
    bulk = idcard.bulk_check
    monkeypatch.setattr(idcard, "bulk_check", lambda values, as_of: seen.append(len(values)) or bulk(values, as_of))
    ids = [[valid_id(seq=i)] for i in range(1, 6)] + [[None]]
    column = ids + [[None]] * (WHOLE_COLUMN - len(ids))  # what Excel passes for E:E
    out = udfs.XT_ID_CHECK(column, REF)
    assert seen == [5]  # not a million blank strings
    assert len(out) == WHOLE_COLUMN and out[:6] == [["正确"]] * 5 + [[""]] and out[-1] == [""]
    ages = udfs.XT_AGE(column, REF)
    assert len(ages) == WHOLE_COLUMN and ages[:6] == udfs.XT_AGE(ids, REF) and ages[-1] == [""]
    assert udfs.XT_SEX([[None, None]] * 3) == [["", ""]] * 3


# --- ages ---------------------------------------------------------------------------------

@pytest.mark.parametrize("days_after, age", [(-1, 16), (0, 16), (1, 15)])
def test_age_in_full_years_around_the_sixteenth_birthday(days_after, age):
    born = birth_for_age(16, AS_OF, days_after)
    assert udfs.XT_AGE(dt.datetime.combine(born, dt.time()), REF) == age


def test_age_accepts_dates_as_excel_gives_them_and_id_numbers():
    born = dt.date(2010, 12, 31)
    serial = float((born - dt.date(1899, 12, 30)).days)
    given = [[dt.datetime(2010, 12, 31)], [serial], ["2010-12-31"], ["2010年12月31日"], [20101231],
             [valid_id("110105", born)]]
    assert udfs.XT_AGE(given, dt.datetime(2026, 11, 22)) == [[15]] * len(given)


def test_age_reference_date_may_be_a_date_a_serial_or_text():
    born = "2012-02-29"
    assert udfs.XT_AGE(born, "2013-02-28") == 0
    assert udfs.XT_AGE(born, dt.datetime(2013, 3, 1)) == 1
    assert udfs.XT_AGE(born, 41334.0) == 1  # 2013-03-01


def test_age_errors_are_chinese_text_in_the_cell():
    assert udfs.XT_AGE("不详", REF).startswith("错误：")
    assert "晚于统计日期" in udfs.XT_AGE("2027-01-01", REF)
    assert udfs.XT_AGE("2015-03-02", "明天").startswith("错误：统计日期")
    assert udfs.XT_AGE("2015-03-02", [[1, 2]]) == "错误：统计日期应为一个单元格。"


def test_one_call_answers_ten_thousand_rows_like_the_engine():
    rows = children(10_000, seed=11)
    ids = [[r["id_number"]] for r in rows]
    ages = udfs.XT_AGE(ids, REF)
    assert len(ages) == 10_000
    assert [a for (a,) in ages] == [idcard.get_age(r["id_number"], AS_OF) for r in rows]
    assert {t for (t,) in udfs.XT_ID_CHECK(ids, REF)} == {"正确"}


# --- roster tables ------------------------------------------------------------------------

def roster_file(tmp_path, n=40, seed=3, kind="flow", errors=("id.checksum", "phone.format", "date.month_only")):
    rows = children(n, kind, seed=seed)
    rng = random.Random(seed)
    broken = {}
    for i, code in zip(range(2, n, 5), errors * n):
        broken[i] = synthetic.inject_error(rng, rows[i], code)
    rows[1]["family_hardship"] = "低保家庭"
    keys = list(rows[0])
    grid = [["流动儿童花名册（虚构）"], [column_title(kind, k) for k in keys]] + [[r[k] for k in keys] for r in rows]
    return write_xlsx(tmp_path / "花名册.xlsx", grid), broken


def test_status_returns_age_category_and_reason_per_row_aligned_with_the_table(tmp_path):
    path, _ = roster_file(tmp_path)
    table = values_of(path)
    out = udfs.XT_STATUS(table, REF, None, "chongqing")
    engine = check.check_file(path, profile="chongqing", as_of=AS_OF)
    assert len(out) == len(table) and all(len(r) == 3 for r in out)
    assert out[0] == ["", "", ""] and out[1] == ["年龄", "类别", "类别说明"]
    for s in engine.report.statuses:
        assert out[s.row - 1] == ["" if s.age is None else s.age, s.category, "；".join(s.reasons)]


def test_flags_list_each_rows_issues_as_the_engine_words_them(tmp_path):
    path, broken = roster_file(tmp_path)
    out = udfs.XT_FLAGS(values_of(path), REF, "流动", "chongqing")
    engine = check.check_file(path, profile="chongqing", as_of=AS_OF)
    assert out[1] == ["问题"]
    by_row = {}
    for i in engine.report.issues:
        by_row.setdefault(i.row, []).append(i.message)
    assert {r for r, (text,) in enumerate(out, 1) if text and r > 2} == set(by_row)
    for row, messages in by_row.items():
        assert all(m in out[row - 1][0] for m in messages)
    assert len(broken) == len({i.row for i in engine.report.issues if i.code in broken.values()})


def test_key_care_gives_the_reasons(tmp_path):
    path, _ = roster_file(tmp_path)
    out = udfs.XT_KEY_CARE(values_of(path), REF, None, "chongqing")
    assert out[1] == ["重点关爱原因"]
    assert out[3] == ["家庭生活困难"]  # rows[1] is on the 4th line (title, header, rows[0])
    engine = check.check_file(path, profile="chongqing", as_of=AS_OF)
    assert [out[s.row - 1][0] for s in engine.report.statuses] == ["、".join(s.key_care_reasons)
                                                                   for s in engine.report.statuses]


@pytest.mark.parametrize("kind", ["flow", "left"])
def test_status_reads_our_two_row_template_header_from_values_alone(tmp_path, kind):
    rows = children(12, kind, seed=8, structured=True)
    synthetic.inject_error(random.Random(1), rows[4], "id.checksum")
    path = templates.build_template(tmp_path / "t.xlsx", kind, "chongqing", "两路街道XX社区", rows=20, data=rows)
    engine = check.check_file(path, profile="chongqing", as_of=AS_OF)  # reads the merges from the file
    table = values_of(path, readers.TEMPLATE_SHEET)
    status = udfs.XT_STATUS(table, REF, None, "chongqing")
    flags = udfs.XT_FLAGS(table, REF, None, "chongqing")
    assert status[engine.report.source["header_rows"][0] - 1] == ["年龄", "类别", "类别说明"]
    for s in engine.report.statuses:
        assert status[s.row - 1][:2] == ["" if s.age is None else s.age, s.category]
    assert [bool(flags[s.row - 1][0]) for s in engine.report.statuses] == \
        [bool(s.errors or s.warnings) for s in engine.report.statuses]
    assert sum(1 for s in engine.report.statuses if s.errors) == 1


def test_a_whole_column_table_reads_only_its_filled_rows_and_answers_every_row(tmp_path, monkeypatch):
    path, _ = roster_file(tmp_path, n=10)
    table = values_of(path)
    width = len(table[0])
    whole = table + [[None] * width for _ in range(WHOLE_COLUMN - len(table))]  # A:CD of a sheet
    read = []
    grid = readers.read_grid
    monkeypatch.setattr(readers, "read_grid", lambda g, **kw: read.append(len(g)) or grid(g, **kw))
    monkeypatch.setattr(udfs, "_CHECKED", type(udfs._CHECKED)())
    out = udfs.XT_STATUS(whole, REF, None, "chongqing")
    assert read == [len(table)]
    assert len(out) == WHOLE_COLUMN and out[:len(table)] == udfs.XT_STATUS(table, REF, None, "chongqing")
    assert out[-1] == ["", "", ""]
    assert udfs.XT_FLAGS(whole, REF, None, "chongqing")[:len(table)] == udfs.XT_FLAGS(table, REF, None, "chongqing")
    assert read == [len(table)]  # the second function reused the first one's check


def test_kind_and_profile_given_as_number_cells_are_read_as_text(tmp_path):
    path, _ = roster_file(tmp_path, n=6)
    table = values_of(path)
    assert udfs.XT_STATUS(table, REF, 1.0, "chongqing") == udfs.XT_STATUS(table, REF, "流动", "chongqing")
    assert udfs.XT_STATUS(table, REF, None, 7.0).startswith("错误：未知的地区口径“7”")


def test_a_table_without_a_roster_header_gives_one_chinese_error():
    out = udfs.XT_STATUS([["a", "b"], [1, 2]], REF)
    assert out.startswith("错误：") and "表头" in out


def test_bad_kind_or_profile_arguments_are_explained():
    table = [["姓名", "性别", "公民身份号码"], ["王小明", "男", valid_id()]]
    assert udfs.XT_STATUS(table, REF, "大人").startswith("错误：未知的表格类别")
    assert "地区口径" in udfs.XT_FLAGS(table, REF, "流动", "火星")
    assert udfs.XT_KEY_CARE("A1", REF).startswith("错误：第1个参数应为花名册区域")


def test_a_bug_inside_a_function_comes_back_as_text_not_a_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(udfs, "check_roster", broken)
    monkeypatch.setattr(udfs, "_CHECKED", type(udfs._CHECKED)())
    table = [["姓名", "性别", "公民身份号码"], ["王小明", "男", valid_id()]]
    out = udfs.XT_STATUS(table, REF, "流动")
    assert out.startswith("错误：程序内部错误（RuntimeError：boom）") and "Traceback" not in out


# --- registration with Excel ------------------------------------------------------------------

VBA_RESERVED = {
    "and", "as", "boolean", "byref", "byte", "byval", "call", "case", "close", "const", "currency", "date",
    "debug", "declare", "dim", "do", "double", "each", "else", "elseif", "empty", "end", "enum", "eqv", "erase",
    "error", "event", "exit", "false", "for", "friend", "function", "get", "global", "gosub", "goto", "if",
    "imp", "implements", "in", "input", "integer", "is", "let", "like", "lock", "long", "loop", "lset", "me",
    "mod", "name", "new", "next", "not", "nothing", "null", "object", "on", "open", "option", "optional", "or",
    "paramarray", "preserve", "print", "private", "property", "public", "put", "raiseevent", "redim", "rem",
    "resume", "return", "rset", "seek", "select", "set", "single", "static", "step", "stop", "string", "sub",
    "then", "to", "true", "type", "typeof", "until", "variant", "wend", "while", "with", "write", "xor",
}


@pytest.fixture(scope="module")
def registered():
    """``xltools.excel.udfs`` imported with xlwings' real decorators, as on Windows Excel: stand-ins
    for pywin32's modules in sys.modules, a fresh import, everything put back afterwards."""
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None
    win32com.client = client
    import xlwings
    import xltools

    with pytest.MonkeyPatch.context() as mp:
        for name, module in (("pythoncom", pythoncom), ("pywintypes", pywintypes), ("win32com", win32com),
                             ("win32com.client", client)):
            mp.setitem(sys.modules, name, module)
        for name in ("xlwings.udfs", "xltools.excel.udfs"):
            mp.delitem(sys.modules, name, raising=False)
        mp.setattr(xlwings, "udfs", None, raising=False)
        mp.setattr(xltools, "udfs", None, raising=False)
        module = importlib.import_module("xltools.excel.udfs")
        xlwings_udfs = importlib.import_module("xlwings.udfs")
        yield module, xlwings_udfs
    assert sys.modules.get("xltools.excel.udfs") is udfs and "pythoncom" not in sys.modules


def test_plain_import_registers_only_where_pywin32_is():
    windows_excel = importlib.util.find_spec("pythoncom") is not None
    assert all(hasattr(f, "__xlfunc__") == windows_excel for f in udfs.FUNCTIONS)


def test_every_function_is_registered_in_the_civil_affairs_category_and_not_volatile(registered):
    module, _ = registered
    names = [f.__name__ for f in module.FUNCTIONS]
    assert names == ["XT_ID_CHECK", "XT_ID_FIX", "XT_BIRTH", "XT_SEX", "XT_AGE", "XT_REGION", "XT_STATUS",
                     "XT_FLAGS", "XT_KEY_CARE"]
    for f in module.FUNCTIONS:
        info = f.__xlfunc__
        assert info["name"] == f.__name__ and not info["sub"]
        assert info["category"] == "民政摸排"
        assert info["volatile"] is False and info["async_mode"] is None and info["call_in_wizard"]
        assert "expand" not in info["ret"]["options"]


def test_every_function_and_argument_has_chinese_help_that_fits_excel(registered):
    module, _ = registered
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for f in module.FUNCTIONS:
        info = f.__xlfunc__
        doc = info["ret"]["doc"]
        assert doc == f.__doc__ and cjk.search(doc) and "\n" not in doc and len(doc) <= 255, f.__name__
        for a in info["args"]:
            assert cjk.search(a["doc"]) and len(a["doc"]) <= 255, (f.__name__, a["name"])


def test_ranges_arrive_as_two_dimensional_lists_and_options_are_optional(registered):
    module, _ = registered
    for f in module.FUNCTIONS:
        first, *rest = f.__xlfunc__["args"]
        assert first["options"] == {"ndim": 2} and "optional" not in first
        for a in rest:
            assert a["optional"] is None and "ndim" not in a["options"] and "convert" not in a["options"]


def test_registered_functions_answer_like_the_plain_ones(registered):
    module, _ = registered
    ids = [[valid_id(seq=3)], [wrong_check_digit(valid_id(seq=4))], [None]]
    assert module.XT_ID_CHECK(ids, REF) == udfs.XT_ID_CHECK(ids, REF)
    assert module.XT_AGE(ids, REF) == udfs.XT_AGE(ids, REF)


def test_generated_vba_wrappers_have_valid_identifiers_and_call_our_module(registered):
    module, xlwings_udfs = registered
    out = io.StringIO()
    xlwings_udfs.generate_vba_wrapper("xltools.excel.udfs", module, out, types.SimpleNamespace(Name="xltools.xlam"))
    vba = out.getvalue()
    signatures = re.findall(r"^Function (\w+)\((.*)\)$", vba, re.MULTILINE)
    assert sorted(name for name, _ in signatures) == sorted(f.__name__ for f in module.FUNCTIONS)
    for name, args in signatures:
        for arg in args.split(", "):
            ident = arg.removeprefix("Optional ")
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,254}", ident), (name, ident)
            assert ident.lower() not in VBA_RESERVED, (name, ident)
        assert f'XLPy.CallUDF("xltools.excel.udfs", "{name}", Array(' in vba
    assert "Application.Volatile" not in vba and "ActiveWorkbook" in vba
