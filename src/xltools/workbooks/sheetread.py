"""What every reader of a sheet shares: a cell as text, header text matched to a field,
and what reading gives (a :class:`Roster`, or a :class:`ReadError` saying why not).

:mod:`xltools.workbooks.readers` finds a roster's header and rows in any file townships send;
:mod:`xltools.workbooks.formread` reads one child's filled 登记表.  Both match what a header
cell says (its title, label, a synonym, a district's own word, the group cell above it)
to a column key of the schema here, so a header means the same to both.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from xltools.core.schema import PLACE_HEADERS, Field, Form, base_form

PERSON_PARENTS = {"父亲": "father", "母亲": "mother", "其他监护人": "guardian", "监护人": "guardian",
                  "受委托照护人": "caregiver", "照护人": "caregiver", "委托照护人": "caregiver"}
PART_LABELS = {"省": "province", "省份": "province", "省（自治区、直辖市）": "province", "省(自治区、直辖市)": "province",
               "市": "city", "地（市、州、盟）": "city", "地(市、州、盟)": "city", "市（州）": "city", "地市": "city",
               "县(区)": "county", "县（区）": "county", "区(县)": "county", "区（县）": "county", "区县": "county",
               "县区": "county", "县": "county", "区": "county", "县（区、市、旗）": "county", "县(区、市、旗)": "county",
               "详细地址": "detail", "地址": "detail", "详址": "detail"}


class ReadError(Exception):
    """A file that cannot be read as a roster; ``code`` says why, ``message`` what to do."""

    MESSAGES = {
        "file.not_found": "找不到文件，请检查路径。",
        "file.encrypted": "工作簿已加密，请提供打开密码（validate、split 写 --password 密码；"
                          "merge、reconcile、diff 写 --password 文件名=密码）。",
        "file.wrong_password": "打开密码不对，请核对后重试。",
        "file.corrupt": "文件已损坏或不完整，无法打开；请让报送单位重新导出或重新发送。",
        "file.not_spreadsheet": "不是表格文件（支持 .xlsx、.xlsm、.xls、.ods、.csv、制表符分隔的文本、Excel 2003 XML 表格，"
                                "以及 Word 登记表 .docx）；请让报送单位用 Excel 或 WPS 另存为 .xlsx 再发送。",
        "file.no_header": "没有找到登记表的表头（如 姓名、性别、公民身份号码）；请检查是否为花名册。",
        "file.empty": "文件是空的（没有任何内容），请让报送单位重新发送。",
        "file.too_large": "文件过大或已损坏，为保护本机内存未读取；请让报送单位打开文件、删除表格以外多余的"
                          "行列（或复制有内容的区域到新工作簿）后另存为 .xlsx 再发送。",
        "file.bad_xml": "Excel 2003 XML 表格已损坏，无法读取；请用 Excel 或 WPS 打开后另存为 .xlsx 再发送。",
    }

    def __init__(self, code: str, path, detail: str = ""):
        self.code, self.path, self.detail = code, str(path), detail
        self.reason = self.MESSAGES[code] + (f"（{detail}）" if detail else "")  # without the file name
        self.message = f"{self.path}：{self.reason}"
        super().__init__(self.message)

    def __reduce__(self):  # raised in a merge worker process, re-raised in the parent
        return (type(self), (self.code, self.path, self.detail))


@dataclass
class Roster:
    path: str
    sheet: str
    kind: str | None
    header_rows: tuple[int, ...]
    columns: dict[str, str]
    ignored: list[tuple[str, str]]
    frame: pd.DataFrame
    unit: str = ""
    report_date: str = ""
    title: str = ""
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    hidden: bool = False
    # every header column: (letter, header as written, column key or '' when not used)
    headers: list[tuple[str, str, str]] = field(default_factory=list)
    # some non-empty values of each unused column (letter → values), to say what it may be
    unused_values: dict[str, list[str]] = field(default_factory=dict)
    issues: list = field(default_factory=list)  # what reading found (a form's ambiguous ticks)
    shape: str = "roster"                       # or "form": one child's 登记表 (xltools.workbooks.formread)
    notes: list[str] = field(default_factory=list)  # what the reader cleaned or could not read in cells
    # a form's answer cells: field key → (row, column letter); issues point there, not at a column
    cells: dict[str, tuple[int, str]] = field(default_factory=dict)


# --- cells --------------------------------------------------------------------------

def cell_text(value) -> str:
    """One cell as text, by the module's rules."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if value != value:
            return ""
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        if abs(value) >= 1e15:
            return f"{value:.15g}"
        return repr(float(value))
    return str(value).strip()


_FILL_IN_MARK = re.compile(r"[（(](必填|选填|必选|单选|多选|可多选|打√|请打√|年月日|yyyy-mm-dd)[)）]")


@lru_cache(maxsize=65536)
def norm_header(text: str) -> str:
    """Header text without spaces, line breaks, 必填 marks and trailing colons."""
    t = "".join(unicodedata.normalize("NFKC", str(text or "")).split())
    if "(" in t or "（" in t:
        t = _FILL_IN_MARK.sub("", t)
    return t.strip("*＊:：□")


# --- header matching -------------------------------------------------------------------

def lookup(form: Form) -> dict[str, str]:
    """Normalised header text → column key, for one form: titles, labels, synonyms, the
    provenance columns (镇街, 村社区), then the profile's and the district's own synonyms."""
    return _lookup_of(form.kind, form.headers)


@lru_cache(maxsize=None)
def _lookup_of(kind: str, extra: tuple[tuple[str, str], ...]) -> dict[str, str]:
    table = dict(_base_lookup(kind))
    table.update((norm_header(h), key) for h, key in extra)  # a district's word wins
    return table


@lru_cache(maxsize=None)
def _base_lookup(kind: str) -> dict[str, str]:
    form = base_form(kind)
    table: dict[str, str] = {}
    child_labels = {norm_header(f.label) for f in form if not f.parent_label}
    label_count: dict[str, int] = {}
    for f in form:
        label_count[norm_header(f.label)] = label_count.get(norm_header(f.label), 0) + 1
    for f in form:
        names = [f.title, *f.synonyms]
        if not f.parent_label:
            names.append(f.label)
        elif label_count[norm_header(f.label)] == 1 and norm_header(f.label) not in child_labels:
            names.append(f.label)  # e.g. 与儿童关系: only one field of the form has it
        for n in names:
            table.setdefault(norm_header(n), f.key)
    for key, names in PLACE_HEADERS.items():
        for n in names:
            table.setdefault(norm_header(n), key)
    return table


def _field_by_label(form: Form, label: str) -> Field | None:
    key = lookup(form).get(norm_header(label))
    return form.get(key) if key else None


def form_for(kind: str, profile=None) -> Form:
    """The form of ``kind`` with a profile's wording (a Profile, its name, or None for national)."""
    if profile is None:
        return base_form(kind)
    from xltools.core.profiles import Profile, load

    return (profile if isinstance(profile, Profile) else load(profile)).form(kind)


def match_header(text: str, parent: str | None, form: Form) -> str | None:
    """Header cell text (and the group cell above it, if any) → column key, or None.

    >>> f = base_form("flow")
    >>> match_header("身份证号码", None, f), match_header("公民身份号码", "父亲", f)
    ('id_number', 'father_id')
    >>> match_header("父亲", None, f), match_header(" 出生年月（必填）", None, f)
    ('father_name', 'birth_date')
    >>> match_header("县（区）", "户籍地址", f), match_header("序号", None, f)
    ('hukou_address_county', None)

    An option sub-column of a one-column-per-option layout (残疾 under 健康状况)
    gives the key of the field it fills (``health``).
    """
    key = match_cell(text, parent, form)
    if key is None and not parent and norm_header(text) in PERSON_PARENTS:
        key = person_key(form, PERSON_PARENTS[norm_header(text)], "姓名")
    return key[0] if isinstance(key, tuple) else key


def match_cell(text: str, parent: str | None, form: Form, person: str | None = None):
    """Like :func:`match_header`, but (field key, option) for an option sub-column, and
    ``person``: the parent whose columns came just before (one-row headers)."""
    t, p = norm_header(text), norm_header(parent or "")
    if not p and "·" in t:  # 户籍地址·县(区), as our 花名册 heads an address part
        p, t = t.split("·", 1)
    table = lookup(form)
    if p and p != t:
        who = PERSON_PARENTS.get(p)
        if who:
            key = person_key(form, who, t)
            if key:
                return key
        pf = _field_by_label(form, p)
        if pf is not None:
            if pf.type == "address" and t in PART_LABELS:
                return pf.part_key(PART_LABELS[t])
            if pf.is_choice:
                # a sub-column under a choice field is one of its options, even when worded
                # otherwise (the ticked text then goes to the rule engine, which says so)
                opt = _option(pf, t) or (t if t not in table and t not in PERSON_PARENTS else None)
                if opt:
                    return (pf.key, opt)
        if (p + t) in table:
            return table[p + t]
    if person and t in ("公民身份号码", "身份证号", "身份证号码", "公民身份证号码", "联系方式", "联系电话",
                        "电话", "户籍地址", "户籍地", "现居住地", "现住址", "与儿童关系", "姓名"):
        key = person_key(form, person, t)
        if key:
            return key
    return table.get(t)


def person_key(form: Form, who: str, label: str) -> str | None:
    t = norm_header(label)
    aliases = {"身份证号": "公民身份号码", "身份证号码": "公民身份号码", "公民身份证号码": "公民身份号码",
               "身份证": "公民身份号码", "电话": "联系方式", "联系电话": "联系方式", "手机": "联系方式",
               "户籍地": "户籍地址", "现住址": "现居住地", "居住地": "现居住地"}
    t = aliases.get(t, t)
    for f in form:
        if f.person == who and (norm_header(f.label) == t or (t == "户籍地址" and f.label == "户籍地")):
            return f.key
    return None


def _option(f: Field, text: str) -> str | None:
    t = norm_header(text)
    for o in f.options:
        if norm_header(o) == t:
            return o
    return None
