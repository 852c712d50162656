"""Worksheet functions (xlwings UDFs) over the engine: one call checks a whole column or table.

Every function takes a cell, a column or a table and returns one value per
cell (ID functions) or per row (table functions) in the same shape, so a
single array formula such as ``=XT_AGE(E5:E10004, $C$2)`` checks 10,000 rows
in one round trip through COM.  The ID functions run on
:func:`xltools.core.idcard.bulk_check` and :func:`xltools.core.idcard.validate`; the
table functions find the columns by their headers with
:func:`xltools.workbooks.readers.read_grid` (one- or two-row headers, as in the files)
and run the rule engine (:func:`xltools.workbooks.check.check_roster`).  Messages come from
:mod:`xltools.core.issues`.  An error is Chinese text in the cell (``错误：…``),
never a traceback.

Registration: on Windows Excel (pywin32 present) ``xlwings.udfs`` holds the
decorators that attach ``__xlfunc__``; elsewhere xlwings' own no-op
decorators are used, and without xlwings local no-ops, so the functions stay
plain Python everywhere.  Help texts are kept within the 255 characters that
Excel's ``MacroOptions`` accepts.  No function is volatile and none uses
``expand``: Excel 365 spills an array result by itself, and 2016/2019 take it
as a Ctrl+Shift+Enter array formula over a selected range.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections import OrderedDict

try:  # the registering decorators: Windows Excel with pywin32 (or tests with stand-ins for it)
    from xlwings.udfs import xlarg as _arg, xlfunc as _func
except ImportError:
    try:  # xlwings elsewhere: its decorators are no-ops
        from xlwings import arg as _arg, func as _func
    except ImportError:  # no xlwings at all: the functions are still plain Python
        def _func(f=None, **_):
            return f if f is not None else (lambda g: g)

        def _arg(*_, **__):
            return lambda g: g

from xltools.core import dates, idcard
from xltools.workbooks import readers
from xltools.workbooks.check import check_roster
from xltools.core.issues import SEVERITY_LABELS, Issue
from xltools.workbooks.roster import STATUS_LABELS
from xltools.core.profiles import load as load_profile
from xltools.core.schema import base_form, parse_kind

CATEGORY = "民政摸排"
OK = "正确"
FLAGS_LABEL = "问题"
STATUS_KEYS = ("age", "category", "reasons")
ID_TITLE = base_form("flow")["id_number"].title
ANY_DATE = _dt.date(9999, 12, 31)  # birth date, sex, region: the same whatever the reference date

DOC_IDS = "公民身份号码：一个单元格、一列或一块区域（如 E5:E10004）；号码应为文本格式。"
DOC_AS_OF = "统计日期：日期单元格、日期序列号或文字（如 2026-09-30）；不写为今天（不会每天自动重算，建议写明）。"
DOC_TABLE = "花名册区域，含表头行（一行或两行表头，可含上方的标题和填报单位行），如 A3:CD1004；按表头名称找列。"
DOC_KIND = "表格类别：“流动”或“留守”；不写时按表头判断。"
DOC_PROFILE = "地区口径：national（全国）或 chongqing（重庆）；不写为全国。"


class UDFError(Exception):
    """A problem with a whole call (a bad argument, no header): its text goes to the cell."""


def _safe(fn):
    """Whatever goes wrong comes back as Chinese text in the cell."""
    @functools.wraps(fn)
    def wrapper(*args):
        try:
            return fn(*args)
        except (UDFError, readers.ReadError) as exc:
            return f"错误：{exc}"
        except Exception as exc:  # a bug: readable text in the cell, not a traceback
            return f"错误：程序内部错误（{type(exc).__name__}：{exc}）；请把表格和公式告诉维护人员。"
    return wrapper


# --- shapes ------------------------------------------------------------------

def _flat(values) -> tuple[list, object]:
    """The cells of a scalar, a list or a list of rows, and the shape to rebuild.

    Trailing blank rows are left out: a whole-column range (``E:E``) brings
    1,048,576 rows, nearly all blank, and :func:`_shaped` gives them back blank."""
    if not isinstance(values, (list, tuple)):
        return [values], None
    if not values or not all(isinstance(r, (list, tuple)) for r in values):
        return list(values), len(values)
    n = _filled_rows(values)
    return [v for r in values[:n] for v in r], ([len(r) for r in values[:n]], [len(r) for r in values[n:]])


def _shaped(flat: list, shape):
    if shape is None:
        return flat[0]
    if isinstance(shape, int):
        return flat
    widths, blank = shape
    out, i = [], 0
    for n in widths:
        out.append(flat[i:i + n])
        i += n
    return out + [[""] * n for n in blank]


def _blank_row(row) -> bool:
    n = row.count(None)  # identity test at C speed: the usual trailing row is all None
    return n == len(row) or n + row.count("") == len(row) or all(_blank(v) for v in row)


def _filled_rows(rows) -> int:
    """How many rows there are up to the last one with something in it."""
    n = len(rows)
    while n and _blank_row(rows[n - 1]):
        n -= 1
    return n


def _as_of(value) -> _dt.date:
    if isinstance(value, (list, tuple)):
        raise UDFError("统计日期应为一个单元格。")
    try:
        return dates.parse_date(value) or _dt.date.today()
    except dates.DateError as exc:
        raise UDFError(f"统计日期{exc}；请写成 2026-09-30 或引用一个日期单元格。") from None


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


# --- ID numbers ----------------------------------------------------------------

def _warning_text(number: str, warnings) -> str:
    return "提醒：" + "；".join(Issue(c, label=ID_TITLE, value=number, params=p).message for c, p in warnings)


def _error_text(exc: idcard.IDError, raw) -> str:
    return "错误：" + Issue(exc.code, label=ID_TITLE, value=readers.cell_text(raw), params=exc.params).message


def _validated(raw, as_of: _dt.date) -> str:
    """The compact number, a 15-digit old number as its 18-digit form; IDError otherwise."""
    try:
        return idcard.validate(raw, as_of)
    except idcard.OldFormat as exc:
        return idcard.validate(exc.params["converted"], as_of)


def _inspect_all(values, as_of: _dt.date, old_ok: bool = True) -> list:
    """Per cell: None (blank), an error text, or (number, birth date, male, warnings).

    ``old_ok``: a 15-digit old number stands for its 18-digit form (its birth
    date, sex and region are the same); only 核对号码 reports it as an error."""
    flat = [None if _blank(v) else v for v in values]
    texts = [readers.cell_text(v) if isinstance(v, str) else "" for v in flat]
    ok, birth, male, _ = idcard.bulk_check(texts, as_of)
    out: list = [None] * len(flat)
    warned: dict[str, list] = {}
    for i, raw in enumerate(flat):
        if raw is None:
            continue
        if ok[i]:
            number = texts[i]
            b = birth[i].item()
            is_male = bool(male[i])
        else:
            try:
                number = _validated(raw, as_of) if old_ok else idcard.validate(raw, as_of)
            except idcard.IDError as exc:
                out[i] = _error_text(exc, raw)
                continue
            b, is_male = idcard.get_birth_date(number), idcard.get_sex(number) == "男"
        key = number[:10]  # region code and birth year decide the warnings
        if key not in warned:
            warned[key] = idcard.region_warnings(number)
        out[i] = (number, b, is_male, warned[key])
    return out


def _per_id(ids, as_of, fn, old_ok: bool = True):
    flat, shape = _flat(ids)
    infos = _inspect_all(flat, as_of, old_ok)
    return _shaped(["" if x is None else x if isinstance(x, str) else fn(x, raw)
                    for x, raw in zip(infos, flat)], shape)


@_func(category=CATEGORY)
@_arg("ids", ndim=2, doc=DOC_IDS)
@_arg("as_of", doc=DOC_AS_OF)
@_safe
def XT_ID_CHECK(ids, as_of=None):
    """核对公民身份号码（位数、校验位、出生日期、地区码）：每个号码返回“正确”“提醒：…”或“错误：…”及改法；空格返回空。"""
    def text(info, raw):
        number, _, _, warnings = info
        if warnings:
            return _warning_text(number, warnings)
        return OK
    return _per_id(ids, _as_of(as_of), text, old_ok=False)


@_func(category=CATEGORY)
@_arg("ids", ndim=2, doc="公民身份号码：一个单元格、一列或一块区域；15位旧号码换算为18位。")
@_safe
def XT_ID_FIX(ids):
    """规范公民身份号码：全角转半角、去掉空格和横线、小写x改大写，15位旧号码换算为18位；号码有错时返回“错误：…”。"""
    flat, shape = _flat(ids)
    today = _dt.date.today()
    out = []
    for raw in flat:
        if _blank(raw):
            out.append("")
            continue
        try:
            out.append(_validated(raw, today))
        except idcard.IDError as exc:
            out.append(_error_text(exc, raw))
    return _shaped(out, shape)


@_func(category=CATEGORY)
@_arg("ids", ndim=2, doc=DOC_IDS)
@_safe
def XT_BIRTH(ids):
    """公民身份号码中的出生日期（日期值，请把单元格设为日期格式）；号码有错时返回“错误：…”。"""
    return _per_id(ids, ANY_DATE, lambda info, raw: _dt.datetime.combine(info[1], _dt.time()))


@_func(category=CATEGORY)
@_arg("ids", ndim=2, doc=DOC_IDS)
@_safe
def XT_SEX(ids):
    """公民身份号码表示的性别（第17位奇数为男、偶数为女）：返回“男”或“女”；号码有错时返回“错误：…”。"""
    return _per_id(ids, ANY_DATE, lambda info, raw: "男" if info[2] else "女")


@_func(category=CATEGORY)
@_arg("ids", ndim=2, doc=DOC_IDS)
@_safe
def XT_REGION(ids):
    """公民身份号码前6位表示的地区（省、市、县区，含区划沿革，如 重庆市渝北区（沿革：渝北区（1997–2025））；号码有错时返回“错误：…”。"""
    def region(info, raw):
        number, _, _, warnings = info
        r = idcard.get_region(number)
        if r is None:
            return _warning_text(number, warnings)
        if len(r.history) > 1 or r.last_year:
            return f"{r.full_name}（沿革：{r.history_text()}）"
        return r.full_name
    return _per_id(ids, ANY_DATE, region)


@_func(category=CATEGORY)
@_arg("values", ndim=2, doc="出生日期或公民身份号码：一个单元格、一列或一块区域；日期可为日期单元格或文字（如 2015-03-02）。")
@_arg("as_of", doc=DOC_AS_OF)
@_safe
def XT_AGE(values, as_of=None):
    """到统计日期的周岁（满16周岁即不在监测范围）：给出生日期或公民身份号码均可；无法计算时返回“错误：…”。"""
    ref = _as_of(as_of)
    flat, shape = _flat(values)
    seen: dict = {}
    out = []
    for v in flat:
        key = (type(v), v)
        if key not in seen:
            seen[key] = _age(v, ref)
        out.append(seen[key])
    return _shaped(out, shape)


def _age(v, ref: _dt.date):
    if _blank(v):
        return ""
    if _looks_like_id(v):
        try:
            number = _validated(v, ref)
        except idcard.IDError as exc:
            return _error_text(exc, v)
        born = idcard.get_birth_date(number)
    else:
        try:
            born = dates.parse_date(v)
        except dates.DateError as exc:
            return f"错误：{exc}；请填写出生日期（如 2015-03-02）或公民身份号码。"
        if born is None:  # what parse_date takes for no date at all
            return ""
    if born > ref:
        return f"错误：出生日期 {born.isoformat()} 晚于统计日期 {ref.isoformat()}；请核对。"
    return dates.age_on(born, ref)


def _looks_like_id(v) -> bool:
    """An ID number (or what Excel made of one), not a date: 15 or more characters or digits."""
    if isinstance(v, float):
        return v >= 1e14
    if isinstance(v, int) and not isinstance(v, bool):
        return v >= 10 ** 14
    if isinstance(v, str):
        try:
            return len(idcard.compact(v)) >= 15
        except idcard.IDError:
            return True
    return False


# --- roster tables -------------------------------------------------------------------

_CHECKED: OrderedDict = OrderedDict()  # the last few tables checked: 状态, 问题 and 重点关爱 share one run
_CACHE_SIZE = 3


def _checked(table, as_of, kind, profile):
    """(roster, report) of a table given as rows of cell values, header included."""
    if not isinstance(table, (list, tuple)) or not table or not isinstance(table[0], (list, tuple)):
        raise UDFError("第1个参数应为花名册区域（含表头行），如 A3:CD1004。")
    try:  # a number cell (1 for 附件1) arrives as 1.0
        wanted = parse_kind(readers.cell_text(kind)) if not _blank(kind) else None
        prof = load_profile(None if _blank(profile) else readers.cell_text(profile))
    except ValueError as exc:
        raise UDFError(str(exc)) from None
    ref = None if _blank(as_of) else _as_of(as_of)
    table = table[:_filled_rows(table)]  # a whole-column range: 1,048,576 rows, nearly all blank
    key = (tuple(map(tuple, table)), ref, wanted, prof.name)
    if key in _CHECKED:
        _CHECKED.move_to_end(key)
        return _CHECKED[key]
    roster = readers.read_grid(table, kind=wanted, profile=prof, name="所选区域")
    chosen = wanted or roster.kind
    if not chosen:
        raise UDFError("无法从表头判断是流动儿童表还是留守儿童表；请在第3个参数写“流动”或“留守”。")
    report = check_roster(roster, chosen, prof, ref)
    _CHECKED[key] = (roster, report)
    while len(_CHECKED) > _CACHE_SIZE:
        _CHECKED.popitem(last=False)
    return roster, report


def _per_row(table, roster, header: list, values: dict[int, list]) -> list[list]:
    """One output row per table row: the header labels on the header's first row,
    the values on the data rows (keyed by 1-based row), blanks elsewhere."""
    width = len(header)
    out = [[""] * width for _ in range(len(table))]
    out[roster.header_rows[0] - 1] = list(header)
    for row, vals in values.items():
        out[row - 1] = vals
    return out


def _table_function(fn):
    """Register a function of the roster table: (table, [as_of, kind, profile])."""
    fn = _safe(fn)
    fn = _arg("profile", doc=DOC_PROFILE)(fn)
    fn = _arg("kind", doc=DOC_KIND)(fn)
    fn = _arg("as_of", doc="统计日期；不写时取所选区域中表头上方的填报日期（区域要从那一行选起），再没有则为今天。")(fn)
    fn = _arg("table", ndim=2, doc=DOC_TABLE)(fn)
    return _func(category=CATEGORY)(fn)


@_table_function
def XT_STATUS(table, as_of=None, kind=None, profile=None):
    """每名儿童的年龄（周岁）、类别（流动儿童监测摸排对象/仅纳入统计分析、留守儿童、不符合、待核实）和类别说明，三列，与所选区域逐行对齐。"""
    roster, report = _checked(table, as_of, kind, profile)
    st = report.statuses
    values = {}
    for i, row in enumerate(roster.frame.index):
        age = int(st.age[i])
        values[int(row)] = ["" if age < 0 else age, st.category[i], "；".join(st.reasons.get(i, ()))]
    return _per_row(table, roster, [STATUS_LABELS[k] for k in STATUS_KEYS], values)


@_table_function
def XT_FLAGS(table, as_of=None, kind=None, profile=None):
    """每行的问题（与“xltools validate”同一套规则）：每条写明“错误：”或“提醒：”及改法，多条换行分隔；空白表示没有发现问题。"""
    roster, report = _checked(table, as_of, kind, profile)
    by_row: dict[int, list[str]] = {}
    sheet_level = []
    for issue in report.issues:
        text = f"{SEVERITY_LABELS[issue.severity]}：{issue.message}"
        (sheet_level if issue.row is None else by_row.setdefault(issue.row, [])).append(text)
    values = {int(r): ["\n".join(by_row.get(int(r), ()))] for r in roster.frame.index}
    return _per_row(table, roster, ["\n".join([FLAGS_LABEL, *sheet_level])], values)


@_table_function
def XT_KEY_CARE(table, as_of=None, kind=None, profile=None):
    """每名儿童是否为重点关爱服务对象：返回原因（如 家庭生活困难、自身残疾，多项用“、”分隔）；空白表示不是。"""
    roster, report = _checked(table, as_of, kind, profile)
    st = report.statuses
    values = {int(r): ["、".join(st.key_care_reasons.get(i, ()))] for i, r in enumerate(roster.frame.index)}
    return _per_row(table, roster, [STATUS_LABELS["key_care_reasons"]], values)


FUNCTIONS = (XT_ID_CHECK, XT_ID_FIX, XT_BIRTH, XT_SEX, XT_AGE, XT_REGION, XT_STATUS, XT_FLAGS, XT_KEY_CARE)
