"""Locked 附件1/附件2 templates that check themselves, generated from the schema.

One workbook per village: a 填报 sheet (one row per child, two-level header,
a dropdown for every □ group, data validation, native-formula checks), a 说明
sheet, a hidden 选项 sheet holding every list as a defined name, and a hidden
``_xltools`` sheet with the metadata the merge uses to recognise our files.

Design choices (also in the README):
- A single-choice □ group is one column with a list dropdown.  A multi-choice
  group (健康状况, 家庭困难情况, 生活保障情况, 监护问题, 多重残疾类别) is one column
  per option under the group's header, each a "√"/blank dropdown: it prints
  like the paper form, works the same in Excel, WPS and LibreOffice, and is
  what staff already do by hand (the readers read it back the same way).
- The child's 户籍地址 and 现居住地 are 省 / 市 / 县(区) dependent dropdowns
  (defined names per province and per city, INDIRECT) plus 详细地址; the
  parents', guardian's and caregiver's addresses are one text cell each.
- Checks use only functions that Excel 2010+, WPS and LibreOffice evaluate
  (SUMPRODUCT, MID, DATE, DATEDIF, EDATE, COUNTIF, IF, OR/AND); the text in
  自动检查 comes from :data:`xltools.core.issues.TITLES`, the same words the Python
  engine uses, and a test has LibreOffice recalculate filled templates and
  compares them with the engine row by row.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from xltools.workbooks import atomic, xlsxfinish
from xltools.core import places, regions
from xltools.workbooks.readers import META_SHEET
from xltools.core.issues import TITLES
from xltools.core.profiles import Profile, load as load_profile
from xltools.core.rowtable import split_multi
from xltools.core.schema import TEMPLATE_COMPUTED, TEXT_LIMIT
from xltools.core.schema import (
    ADDRESS_PARTS,
    CAT_FLOW,
    CAT_FLOW_STATS,
    CAT_LEFT,
    CAT_OUT,
    CAT_UNKNOWN,
    FORM_NUMBERS,
    SCHEMA_VERSION,
    Field,
    Form,
)

TICK = "√"
HEADER_TOP, HEADER_SUB = 3, 4   # 1-based Excel rows of the two header rows
FIRST_DATA = 5
DEFAULT_ROWS = 1000
CREATED = _dt.datetime(2026, 1, 1)  # fixed, so that the same inputs give the same bytes
LISTS_SHEET = "选项"
DATE_MIN, DATE_MAX = _dt.date(1990, 1, 1), _dt.date(2099, 12, 31)
ID_WEIGHTS = "{7;9;10;5;8;4;2;1;6;3;7;9;10;5;8;4;2}"
ID_POSITIONS = "{" + ";".join(str(i) for i in range(1, 18)) + "}"


@dataclass(frozen=True)
class Column:
    """One column of the 填报 sheet."""

    key: str            # column key in the roster (field key, address part key) or helper name
    top: str            # upper header cell ('' when the header spans both rows)
    sub: str            # lower header cell
    role: str           # choice, tick, date, id, phone, text, part, formula
    field: Field | None = None
    option: str = ""    # for a tick column
    width: float = 10


def layout(form: Form) -> list[Column]:
    """The input columns of a form, in printed order."""
    cols: list[Column] = []
    for f in form:
        top = f.parent_label or ""
        if f.type == "multi_choice":
            cols += [Column(f.key, f.label, o, "tick", f, o, max(4.5, len(o) * 1.6)) for o in f.options]
        elif f.type == "address" and f.person == "child":
            cols += [Column(f.part_key(p), f.label, label, "part", f, width=30 if p == "detail" else 10)
                     for p, label in ADDRESS_PARTS]
        elif f.type == "address":
            cols.append(Column(f.key, top, f.label, "text", f, width=24))
        else:
            role = {"choice": "choice", "date": "date", "id_number": "id", "phone": "phone"}.get(f.type, "text")
            width = {"id": 21, "date": 12, "phone": 14}.get(role, max(8, min(24, len(f.label) * 1.8)))
            cols.append(Column(f.key, top, f.label, role, f, width=width))
    return cols


def read_units(path) -> list[str]:
    """Unit names from a one-column .xlsx/.xls/.csv list (a header cell such as 单位 is skipped)."""
    import python_calamine as pc

    p = Path(path)
    if p.suffix.lower() in (".csv", ".txt"):
        raw = p.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                rows = [[line.split(",")[0]] for line in raw.decode(enc).splitlines()]
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError(f"{path}：无法识别文件编码，请另存为 UTF-8 或 GBK 的 CSV。")
    else:
        rows = pc.CalamineWorkbook.from_path(str(p)).get_sheet_by_index(0).to_python()
    units = [str(r[0]).strip() for r in rows if r and str(r[0]).strip()]
    if units and units[0] in ("单位", "填报单位", "村（社区）", "村社区", "镇街", "名称", "单位名称"):
        units = units[1:]
    return list(dict.fromkeys(units))


UNIT_PLACEHOLDER = "XLTOOLS-UNIT-PLACEHOLDER"


def build_templates(out_dir, kind: str, profile=None, units: list[str] = (), **kw) -> list[Path]:
    """One template per unit in ``out_dir``, named after the unit.

    The workbooks differ only in the unit's name, which XlsxWriter stores once in the
    shared-strings part (the 填报单位 cell and the metadata sheet both point to it): one
    master is built with a placeholder and each unit's file is the master with that
    string replaced — the same content as building each file, ~50× faster."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    units = list(dict.fromkeys(u for u in units if u.strip()))
    if not units:
        return []
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        master = build_template(Path(tmp) / "master.xlsx", kind, profile, UNIT_PLACEHOLDER, **kw)
        with zipfile.ZipFile(master) as z:
            parts = [(info, z.read(info.filename)) for info in z.infolist()]
    paths = []
    needle = f"<t>{UNIT_PLACEHOLDER}</t>".encode()
    for unit in units:
        stamped = f"<t>{_xml_escape(unit)}</t>".encode()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
            for info, data in parts:
                if info.filename == "xl/sharedStrings.xml":
                    if needle not in data:
                        raise RuntimeError("template master has no unit placeholder")
                    data = data.replace(needle, stamped)
                zout.writestr(info, data)
        paths.append(atomic.write_bytes(out / template_name(kind, unit), buf.getvalue()))
    return paths


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def template_name(kind: str, unit: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", unit).strip("_") or "未命名单位"
    return f"{safe}_{FORM_NUMBERS[kind]}_{'流动' if kind == 'flow' else '留守'}儿童基本情况登记表.xlsx"


class _Refs:
    """Cell references of one data row, by column key."""

    def __init__(self, cols: list[Column]):
        self.letters: dict[str, str] = {}
        self.ticks: dict[str, list[tuple[str, str]]] = {}
        for i, c in enumerate(cols):
            letter = xl_col_to_name(i)
            if c.role == "tick":
                self.ticks.setdefault(c.key, []).append((c.option, letter))
            else:
                self.letters[c.key] = letter

    def __call__(self, key: str) -> str:
        return f"${self.letters[key]}{{r}}"

    def helper(self, name: str) -> str:
        return f"${self.letters[name]}{{r}}"

    def has(self, key: str) -> bool:
        return key in self.letters or key in self.ticks

    def ticked(self, key: str, option: str) -> str:
        letter = dict(self.ticks[key])[option]
        return f'(${letter}{{r}}="{TICK}")'

    def any_ticked(self, key: str) -> str:
        return "(" + "+".join(f'(${l}{{r}}="{TICK}")' for _, l in self.ticks[key]) + ">0)"


# Codes of the hidden ID-status helper column, in the order the engine tests them.
ID_STATUS = ("id.length", "id.old_format", "id.format", "id.checksum", "id.birth_date", "id.digits_lost")
ID_OK = 9
DIGITS_LOST = "#"  # the normalised-ID helper's value for a number that lost its last digits


def _substitutions() -> list[tuple[str, str]]:
    """idcard's normalisation as SUBSTITUTE pairs: every character whose folding or removal
    can change a verdict.  Other full-width letters stay as they are: they make the number
    malformed (id.format) folded or not, and the length does not change."""
    from xltools.core.idcard import FULL_WIDTH, SEPARATORS

    matters = set("0123456789Xx.Ee+") | set(SEPARATORS)
    pairs = [(c, "" if a in SEPARATORS else ("X" if a == "x" else a)) for c, a in FULL_WIDTH.items() if a in matters]
    pairs += [(c, "") for c in SEPARATORS if ord(c) >= 32]  # CLEAN() drops the control characters
    return pairs + [("x", "X")]


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def id_text_formula(x: str) -> str:
    """The cell's text after idcard.compact's steps 1–3 (full-width, separators, x)."""
    out = f"CLEAN({x})"
    for old, new in _substitutions():
        out = f"SUBSTITUTE({out},{_quote(old)},{_quote(new)})"
    return out


def _as_number(v: str) -> str:
    # idcard._numeric: 15 digits at most survive; more (or a fraction) means digits were lost
    return f'IF(OR(ABS({v})>=1E+15,{v}<>INT({v})),"{DIGITS_LOST}",TEXT({v},"0"))'


def id_normal_formula(x: str, text: str) -> str:
    """The normalised number (idcard.compact), or :data:`DIGITS_LOST`; ``text`` is the
    cell holding :func:`id_text_formula` of ``x``."""
    floating = (f'AND(OR(ISNUMBER(FIND(".",{text})),ISNUMBER(FIND("E",UPPER({text})))),'
                f'ISNUMBER(-{text}))')
    return (f'IF(ISNUMBER({x}),{_as_number(x)},IF({floating},{_as_number("(--" + text + ")")},'
            f'SUBSTITUTE({text},".","")))')


def _id_blank(x: str) -> str:
    """The ID cell holds nothing a reader keeps (readers strip the cell's spaces)."""
    return f'AND(NOT(ISNUMBER({x})),TRIM(CLEAN({x}))="")'


def _id_status(x: str, n: str) -> str:
    """0 empty, 1–6 the problem in :data:`ID_STATUS` order, 9 valid — for an ID cell ``x``
    whose normalised form is in ``n``."""
    lost = ID_STATUS.index("id.digits_lost") + 1
    digits = f"SUMPRODUCT(--ISNUMBER(-MID({n},{ID_POSITIONS},1)))=17"
    last = f'OR(ISNUMBER(-RIGHT({n},1)),RIGHT({n},1)="X")'
    check = (f'MID("10X98765432",MOD(SUMPRODUCT(MID({n},{ID_POSITIONS},1)*{ID_WEIGHTS}),11)+1,1)'
             f"=RIGHT({n},1)")
    old = f"SUMPRODUCT(--ISNUMBER(-MID({n},{{1;2;3;4;5;6;7;8;9;10;11;12;13;14;15}},1)))=15"
    y, m, d = f"--MID({n},7,4)", f"--MID({n},11,2)", f"--MID({n},13,2)"
    real = f"AND({y}>=1880,{m}>=1,{m}<=12,{d}>=1,DAY(DATE({y},{m},{d}))={d},MONTH(DATE({y},{m},{d}))={m})"
    return (f'IF({_id_blank(x)},0,IF({n}="{DIGITS_LOST}",{lost},IF(AND(LEN({n})=15,{old}),2,IF(LEN({n})<>18,1,'
            f'IF(NOT(AND({digits},{last})),3,IF(NOT({check}),4,IF(NOT({real}),5,{ID_OK})))))))')


def _id_birth(x: str) -> str:
    return f"DATE(--MID({x},7,4),--MID({x},11,2),--MID({x},13,2))"


def _checks(form: Form, refs: _Refs, report: str) -> list[tuple[str, str, str]]:
    """(code, label prefix, condition) for the 自动检查 column; conditions use {r}."""
    out: list[tuple[str, str, str]] = []
    for f in form:  # required fields
        if not f.required or f.companion_of:
            continue
        if f.type == "multi_choice":
            cond = f"NOT{refs.any_ticked(f.key)}"
        elif f.type == "address" and f.person == "child":
            cond = "AND(" + ",".join(f'{refs(f.part_key(p))}=""' for p, _ in ADDRESS_PARTS) + ")"
        elif refs.has(f.key):
            cond = _id_blank(refs(f.key)) if f.type == "id_number" else f'{refs(f.key)}=""'
            if f.key == "id_number" and refs.has("hukou_registered"):
                cond = f'AND({cond},{refs("hukou_registered")}<>"否")'
        else:
            continue
        out.append(("field.required", f.title, cond))
    for f in form.by_type("choice"):  # a pasted value outside the list
        x = refs(f.key)
        out.append(("option.invalid", f.title, f'AND({x}<>"",COUNTIF({_list_name(f)},{x})=0)'))
    for f in form.by_type("id_number"):
        st = refs.helper(f"{f.key}__status")
        for n, code in enumerate(ID_STATUS, 1):
            out.append((code, f.title, f"{st}={n}"))
    ok = f'{refs.helper("id_number__status")}={ID_OK}'
    born = refs.helper("id_number__birth")
    if refs.has("birth_date"):
        out.append(("id.birth_mismatch", "", f'AND({ok},ISNUMBER({refs("birth_date")}),{refs("birth_date")}<>{born})'))
    x = refs.helper("id_number__norm")
    out.append(("id.sex_mismatch", "",
                f'AND({ok},OR({refs("sex")}="男",{refs("sex")}="女"),'
                f'{refs("sex")}<>IF(MOD(--MID({x},17,1),2)=1,"男","女"))'))
    dates = [f for f in form.by_type("date")]
    for f in dates:
        d = refs(f.key)
        out.append(("date.format", f.title, f'AND({d}<>"",NOT(ISNUMBER({d})))'))
        out.append(("date.after_reference", f.title, f"AND(ISNUMBER({d}),ISNUMBER({report}),{d}>{report})"))
    chain = [k for k in ("birth_date", "left_hukou_date", "arrival_date") if refs.has(k)]
    for a, b in zip(chain, chain[1:]):
        out.append(("date.order", form[b].title, f"AND(ISNUMBER({refs(a)}),ISNUMBER({refs(b)}),{refs(b)}<{refs(a)})"))
    for f in form.by_type("phone"):
        p = refs(f.key)
        mobile = f'AND(LEN({p})=11,LEFT({p},1)="1",ISNUMBER(-{p}))'
        flat = f'SUBSTITUTE({p},"-","")'
        landline = f'AND(LEFT({p},1)="0",LEN({flat})>=10,LEN({flat})<=12,ISNUMBER(-{flat}))'
        out.append(("phone.format", f.title, f'AND({p}<>"",NOT(OR({mobile},{landline})))'))
    if refs.has("disability_type") and "health" in refs.ticks:
        dt_, dis = refs("disability_type"), refs.ticked("health", "残疾")
        out.append(("consistency.disability_health", "", f'OR(AND({dt_}<>"",{dt_}<>"无",NOT{dis}),AND({dt_}="无",{dis}))'))
        if refs.has("disability_grade"):
            g = refs("disability_grade")
            out.append(("consistency.disability_grade", "",
                        f'OR(AND({dt_}<>"",{dt_}<>"无",OR({g}="",{g}="无")),AND({dt_}="无",{g}<>"",{g}<>"无"))'))
    return out


def _list_name(f: Field) -> str:
    return f"选项_{f.key}"


def _age(refs: _Refs, report: str) -> str:
    birth = f'IF(ISNUMBER({refs("birth_date")}),{refs("birth_date")},{refs.helper("id_number__birth")})'
    return f'IFERROR(IF(AND(ISNUMBER({report}),{birth}<>""),IF({birth}>{report},"",DATEDIF({birth},{report},"Y")),""),"")'


def _category(form: Form, refs: _Refs, report: str, age_ref: str, province: str) -> str:
    """类别, natively: the same decisions as xltools.core.status, on the structured cells."""
    birth = f'IF(ISNUMBER({refs("birth_date")}),{refs("birth_date")},{refs.helper("id_number__birth")})'
    future = f'IFERROR({birth}>{report},FALSE)'
    out16 = f'OR({future},AND(ISNUMBER({age_ref}),{age_ref}>=16))'
    if form.kind == "left":
        both, one = refs("both_parents_away"), refs("one_parent_incapable")
        return (f'IF({out16},"{CAT_OUT}",IF({age_ref}="","{CAT_UNKNOWN}",IF(OR({both}="是",{one}="是"),"{CAT_LEFT}",'
                f'IF(AND({both}="否",{one}="否"),"{CAT_OUT}","{CAT_UNKNOWN}"))))')
    left = refs("left_hukou_date")
    hp, hk, hc = refs("hukou_address_province"), refs("hukou_address_county"), refs("hukou_address_city")
    rp, rk, rc = refs("residence_province"), refs("residence_county"), refs("residence_city")
    six = f"EDATE({left},6)<={report}"
    # another province or city: decided whatever the county (as places.compare)
    other = (f'OR(AND({hp}<>"",{rp}<>"",{hp}<>{rp}),'
             f'AND(OR({hp}={rp},{hp}="",{rp}=""),{hc}<>"",{rc}<>"",{hc}<>{rc}))')

    def pair(a: str, b: str) -> str:  # one reading of each side: S(tatistics), F(low) or ? (needs a township)
        main = (f'AND(COUNTIF(主城区,{a})>0,COUNTIF(主城区,{b})>0,'
                f'OR({hp}="",{hp}="{province}"),OR({rp}="",{rp}="{province}"))')
        return f'IF({a}={b},"?",IF({main},"S","F"))'
    h1, h2, r1, r2 = (refs.helper(n) for n in ("hukou__county1", "hukou__county2", "residence__county1",
                                                   "residence__county2"))
    first = pair(h1, r1)
    agree = f'AND({first}={pair(h1, r2)},{first}={pair(h2, r1)},{first}={pair(h2, r2)})'
    # the same county needs the townships, which only the engine reads from the 详细地址: 待核实
    decided = (f'IF(AND({agree},{first}<>"?"),IF({first}="S","{CAT_FLOW_STATS}","{CAT_FLOW}"),'
               f'"{CAT_UNKNOWN}")')
    return (f'IF(OR({out16},AND(ISNUMBER({left}),NOT({six}))),"{CAT_OUT}",IF({age_ref}="","{CAT_UNKNOWN}",'
            f'IF(NOT(ISNUMBER({left})),"{CAT_UNKNOWN}",IF(AND({hp}="",{hk}=""),"{CAT_UNKNOWN}",'
            f'IF({other},"{CAT_FLOW}",IF(OR({hk}="",{rk}=""),"{CAT_UNKNOWN}",{decided}))))))')


def _county_helpers(refs: _Refs, report: str) -> list[tuple[str, str]]:
    """Hidden helpers: each side's county after every change in force at the report date.

    A county split by a change (渝北区: five towns to 北碚区; 北碚区: five streets to
    两江新区) has two readings when the township is not known, as in the engine.
    """
    out = []
    for side in ("hukou_address", "residence"):
        p, k = refs(f"{side}_province"), refs(f"{side}_county")
        first, second = k, k
        for ch in places.changes():
            name = lambda c: regions.lookup(c).county  # noqa: E731
            when = f'{report}>=DATE({ch.date.year},{ch.date.month},{ch.date.day}),OR({p}="{ch.province}",{p}="")'
            whole = ",".join(f'{k}="{name(c)}"' for c in ch.whole)
            first = f'IF(AND({when},OR({whole})),"{ch.into_name}",{first})'
            split = [(ex.source, ex.to) for ex in ch.exceptions] + [(m.source, ch.into) for m in ch.townships]
            for src, dst in split:
                second = f'IF(AND({when},{k}="{name(src)}"),"{name(dst)}",{second})'
            second = f'IF(AND({when},OR({whole})),IF({second}<>{k},{second},"{ch.into_name}"),{second})'
        out += [(f"{side.split('_')[0]}__county1", first), (f"{side.split('_')[0]}__county2", second)]
    return out


def build_template(path, kind: str, profile: Profile | str | None = None, unit: str = "", *,
                   rows: int = DEFAULT_ROWS, password: str | None = None, report_date: _dt.date | None = None,
                   data: list[dict] | None = None) -> Path:
    """Write one template (optionally prefilled with ``data`` rows of column keys → text)."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    form = prof.form(kind)
    cols = layout(form)
    refs = _Refs(cols)
    n_rows = max(rows, len(data or ()))
    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False})
        wb.set_properties({"created": CREATED, "title": form.title, "author": "xltools",
                           "comments": f"xltools {SCHEMA_VERSION} {kind} {prof.name}"})
        ws = wb.add_worksheet("填报")
        # Our formulas use no dynamic-array functions (villages run Excel 2010 and WPS), so
        # XlsxWriter's per-formula rewriting for them (30 regex passes) is skipped.
        ws._prepare_formula = lambda formula, expand_future_functions=False: formula.lstrip("=")
        guide = wb.add_worksheet("说明")
        lists = wb.add_worksheet(LISTS_SHEET)
        meta = wb.add_worksheet(META_SHEET)
        _write_lists(wb, lists, form, prof)
        _write_sheet(wb, ws, form, prof, cols, refs, unit, n_rows, report_date, data or [], password)
        _write_guide(wb, guide, form, prof)
        for i, pair in enumerate((("kind", kind), ("profile", prof.name), ("schema_version", SCHEMA_VERSION),
                                  ("unit", unit), ("rows", str(n_rows)), ("first_data_row", str(FIRST_DATA)),
                                  ("generator", "xltools"))):
            meta.write_row(i, 0, pair)
        lists.hide()
        meta.hide()
        meta.protect(password or "")
        lists.protect(password or "")
        ws.activate()
        wb.close()
        xlsxfinish.finish(tmp)
    return path


def _write_lists(wb, ws, form: Form, prof: Profile) -> None:
    col = 0
    for f in form.by_type("choice"):
        ws.write(0, col, f.title)
        ws.write_column(1, col, f.options)
        wb.define_name(_list_name(f), f"='{LISTS_SHEET}'!${xl_col_to_name(col)}$2:${xl_col_to_name(col)}${len(f.options) + 1}")
        col += 1
    ws.write(0, col, TICK)
    ws.write(1, col, TICK)
    wb.define_name("选项_勾选", f"='{LISTS_SHEET}'!${xl_col_to_name(col)}$2")
    col += 1
    # main-city districts of the profile (names, for the 类别 formula)
    names = sorted(prof.main_city_names()) or ["（无）"]
    ws.write(0, col, "主城区")
    ws.write_column(1, col, names)
    wb.define_name("主城区", f"='{LISTS_SHEET}'!${xl_col_to_name(col)}$2:${xl_col_to_name(col)}${len(names) + 1}")
    col += 1
    # regions: provinces, cities per province, counties per city (current codes)
    tree: dict[str, dict[str, list[str]]] = {}
    for r in regions.current_regions():
        tree.setdefault(r.province, {}).setdefault(r.city, []).append(r.county)
    extra = [n for d in prof.main_city if not d.codes for n in (d.name,)]
    if prof.default_province and extra:
        city = tree.get(prof.default_province, {})
        key = next(iter(city), prof.default_province)
        city.setdefault(key, [])
        city[key] += [e for e in extra if e not in city[key]]
    # every county code ever used (ID numbers keep retired codes): code, province, county
    codes = regions.all_counties()
    ws.write(0, col, "地区码")
    for i, r in enumerate(codes, 1):
        ws.write_string(i, col, r.code)
        ws.write_string(i, col + 1, r.province)
        ws.write_string(i, col + 2, r.county)
    wb.define_name("地区码", f"='{LISTS_SHEET}'!${xl_col_to_name(col)}$2:${xl_col_to_name(col + 2)}${len(codes) + 1}")
    col += 3
    provinces = list(tree)
    ws.write(0, col, "省")
    ws.write_column(1, col, provinces)
    wb.define_name("地区_省", f"='{LISTS_SHEET}'!${xl_col_to_name(col)}$2:${xl_col_to_name(col)}${len(provinces) + 1}")
    col += 1
    for p, cities in tree.items():
        ws.write(0, col, p)
        ws.write_column(1, col, list(cities))
        wb.define_name(f"市_{p}", f"='{LISTS_SHEET}'!${xl_col_to_name(col)}$2:${xl_col_to_name(col)}${len(cities) + 1}")
        col += 1
    for p, cities in tree.items():
        for c, counties in cities.items():
            ws.write(0, col, p + c)
            ws.write_column(1, col, counties)
            wb.define_name(f"县_{p}{c}", f"='{LISTS_SHEET}'!${xl_col_to_name(col)}$2:${xl_col_to_name(col)}${len(counties) + 1}")
            col += 1


def _write_sheet(wb, ws, form, prof, cols, refs, unit, n_rows, report_date, data, password) -> None:
    F = lambda **kw: wb.add_format({"font_name": "宋体", "font_size": 10, "valign": "vcenter", **kw})
    title_f = F(bold=True, font_size=16, align="center")
    head_f = F(bold=True, align="center", border=1, text_wrap=True, bg_color="#DDEBF7")
    input_f = F(border=1, locked=False)
    text_f = F(border=1, locked=False, num_format="@")
    date_f = F(border=1, locked=False, num_format="yyyy-mm-dd")
    tick_f = F(border=1, locked=False, align="center")
    calc_f = F(border=1, bg_color="#F2F2F2")
    check_f = F(border=1, bg_color="#F2F2F2", font_color="#C00000", text_wrap=True)
    label_f = F(bold=True)
    n_in = len(cols)
    extra = [(title, sub, width) for (title, sub), width in zip(TEMPLATE_COMPUTED, (6, 16, 40))]
    last = n_in + len(extra) - 1
    ws.merge_range(0, 0, 0, last, f"{form.number}　{form.title}", title_f)
    ws.write(1, 0, "填报单位：", label_f)
    ws.merge_range(1, 1, 1, 5, unit, F(locked=False, bottom=1))
    ws.write(1, 6, "填报日期：", label_f)
    rd = "$H$2"
    if report_date:
        ws.write_datetime(1, 7, _dt.datetime.combine(report_date, _dt.time()), F(locked=False, num_format="yyyy-mm-dd", bottom=1))
    else:
        ws.write_blank(1, 7, None, F(locked=False, num_format="yyyy-mm-dd", bottom=1))
    ws.data_validation(1, 7, 1, 7, {"validate": "date", "criteria": "between", "minimum": DATE_MIN,
                                     "maximum": DATE_MAX, "input_title": "填报日期",
                                     "input_message": "按 2024-09-30 的格式填写，年龄和外出时长按此日期计算。",
                                     "error_title": "日期不对", "error_message": "请填写有效日期，如 2024-09-30。"})
    # two-level header
    top0, sub0 = HEADER_TOP - 1, HEADER_SUB - 1
    i = 0
    while i < n_in:
        c = cols[i]
        if not c.top:
            ws.merge_range(top0, i, sub0, i, c.sub, head_f)
            i += 1
            continue
        j = i
        while j + 1 < n_in and cols[j + 1].top == c.top and (cols[j + 1].field is c.field or c.role != "tick"
                                                              and cols[j + 1].role != "tick"):
            j += 1
        if j > i:
            ws.merge_range(top0, i, top0, j, c.top, head_f)
        else:
            ws.write(top0, i, c.top, head_f)
        for k in range(i, j + 1):
            ws.write(sub0, k, cols[k].sub, head_f)
        i = j + 1
    for k, (top, sub, width) in enumerate(extra):
        ws.merge_range(top0, n_in + k, sub0, n_in + k, top if not sub else f"{top}\n{sub}", head_f)
    # Input cells are unlocked through their column's format (no cell element per blank
    # cell: that is what keeps a 1,000-row template small and fast to write).
    col_formats = {"tick": F(locked=False, align="center"), "date": F(locked=False, num_format="yyyy-mm-dd"),
                   "choice": F(locked=False)}
    text_col = F(locked=False, num_format="@")
    for k, c in enumerate(cols):
        ws.set_column(k, k, c.width, col_formats.get(c.role, text_col))
    for k, (_, _, width) in enumerate(extra):
        ws.set_column(n_in + k, n_in + k, width)
    ws.set_row(sub0, 48)
    first, lastrow = FIRST_DATA - 1, FIRST_DATA - 1 + n_rows - 1
    # validations, one range per column
    for k, c in enumerate(cols):
        opts = _validation(c, refs, k)
        if opts:
            rc = ws.data_validation(first, k, lastrow, k, opts)
            if rc != 0:
                raise ValueError(f"data validation for {c.key} rejected by xlsxwriter ({rc})")
    # cells
    formats = {"tick": tick_f, "date": date_f, "id": text_f, "phone": text_f, "text": text_f, "part": text_f,
               "choice": input_f}
    age_col, cat_col, chk_col = n_in, n_in + 1, n_in + 2
    # hidden helper columns: the status of every ID number, the child's birth date from the ID
    # (formulas of other helpers are written as functions: they refer to helpers by letter)
    helpers = []
    for f in form.by_type("id_number"):
        helpers += [(f"{f.key}__text", lambda k=f.key: id_text_formula(refs(k))),
                    (f"{f.key}__norm", lambda k=f.key: id_normal_formula(refs(k), refs.helper(f"{k}__text"))),
                    (f"{f.key}__status", lambda k=f.key: _id_status(refs(k), refs.helper(f"{k}__norm")))]
    helpers.append(("id_number__birth", f'IF({{st}}={ID_OK},{_id_birth("{norm}")},"")'))
    if form.kind == "flow":  # the county of each side after the reforms (places.changes), two readings each
        helpers += _county_helpers(refs, rd)
    first_helper = n_in + len(extra)
    for k, (name, _) in enumerate(helpers):
        refs.letters[name] = xl_col_to_name(first_helper + k)
    helpers = [(n, (f() if callable(f) else f).replace("{st}", refs.helper("id_number__status"))
                .replace("{norm}", refs.helper("id_number__norm"))) for n, f in helpers]
    for k in range(len(helpers)):
        ws.set_column(first_helper + k, first_helper + k, 10, None, {"hidden": True})
    age_ref = f"${xl_col_to_name(age_col)}{{r}}"
    age_f = _age(refs, rd)
    cat_f = _category(form, refs, rd, age_ref, prof.default_province)
    checks = _checks(form, refs, rd)
    in_last = xl_col_to_name(n_in - 1)
    # AND() does not short-circuit in spreadsheets: a guarded part can still be an error
    # (e.g. the sex digit of a malformed ID), so an error means "not this problem".
    parts = [f'IF(IFERROR({cond},FALSE),"{(label + "：") if label else ""}{TITLES[code]}；","")'
             for code, label, cond in checks]
    chk_f = f'IF(COUNTA($A{{r}}:${in_last}{{r}})=0,"",' + "&".join(parts) + ")"
    for r in range(first, lastrow + 1):
        row = data[r - first] if r - first < len(data) else None
        for k, c in enumerate(cols if row else ()):
            value = _cell_value(row, c)
            fmt = formats[c.role]
            if value == "":
                continue
            elif c.role == "date" and isinstance(value, _dt.date):
                ws.write_datetime(r, k, _dt.datetime.combine(value, _dt.time()), fmt)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):  # as a General cell holds it
                ws.write_number(r, k, value, fmt)
            else:
                ws.write_string(r, k, str(value), fmt)
        # The first data row holds each formula; the others share it (see xltools.workbooks.xlsxfinish).
        rr = str(r + 1)
        master = r == first
        for col, formula, fmt in ((age_col, age_f, calc_f),
                                  (cat_col, f'IF(COUNTA($A{{r}}:${in_last}{{r}})=0,"",IFERROR({cat_f},"{CAT_UNKNOWN}"))',
                                   calc_f),
                                  (chk_col, chk_f, check_f),
                                  *((first_helper + k, f, calc_f) for k, (_, f) in enumerate(helpers))):
            ws.write_formula(r, col, formula.replace("{r}", rr) if master else xlsxfinish.SHARED_MARK, fmt, "")
    # Conditional formats, most specific first: LibreOffice applies only the first rule that
    # holds on a cell (Excel merges them all), so the always-true border rule comes last.
    red = wb.add_format({"bg_color": "#FF9999", "font_color": "#9C0006", "bold": True, "border": 1})
    for f in form.by_type("id_number"):  # the bad cell itself: an ID number with a problem
        k = next(i for i, c in enumerate(cols) if c.key == f.key)
        status = refs.helper(f"{f.key}__status").replace("{r}", str(FIRST_DATA))
        ws.conditional_format(first, k, lastrow, k, {"type": "formula", "criteria": f"=AND({status}>=1,{status}<={len(ID_STATUS)})",
                                                     "format": red})
    for f in form.by_type("date"):  # a date typed as text
        k = next(i for i, c in enumerate(cols) if c.key == f.key)
        cell = f"${xl_col_to_name(k)}{FIRST_DATA}"
        ws.conditional_format(first, k, lastrow, k, {"type": "formula",
                                                     "criteria": f'=AND({cell}<>"",NOT(ISNUMBER({cell})))', "format": red})
    bad = wb.add_format({"bg_color": "#FCE4E4", "border": 1})
    grey = wb.add_format({"font_color": "#808080", "bg_color": "#EDEDED", "border": 1})
    chk_letter, cat_letter = xl_col_to_name(chk_col), xl_col_to_name(cat_col)
    ws.conditional_format(first, 0, lastrow, n_in - 1, {"type": "formula", "criteria": f'=${chk_letter}{FIRST_DATA}<>""', "format": bad})
    out_rule = {"type": "formula", "criteria": f'=${cat_letter}{FIRST_DATA}="{CAT_OUT}"', "format": grey}
    ws.conditional_format(first, 0, lastrow, n_in - 1, out_rule)     # same range as the rules around it
    ws.conditional_format(first, n_in, lastrow, last, dict(out_rule))  # 年龄/类别/自动检查
    ws.conditional_format(first, 0, lastrow, n_in - 1, {"type": "formula", "criteria": "=TRUE",
                                                          "format": wb.add_format({"border": 1})})
    # protection and printing
    ws.freeze_panes(FIRST_DATA - 1, 1)  # header rows and the 姓名 column stay in view
    ws.protect(password or "", {"format_columns": True, "format_rows": True, "autofilter": True, "sort": False,
                                "select_locked_cells": True, "select_unlocked_cells": True})
    ws.set_landscape()
    ws.set_paper(8)  # A3
    ws.repeat_rows(HEADER_TOP - 1, HEADER_SUB - 1)
    ws.fit_to_pages(3, 0)  # ~80 columns: three A3 pages wide, the header repeated on each
    ws.set_header(f"&C{form.title}")
    ws.set_footer("&L填表人：　　　　审核人：　　　　（盖章）&R第 &P 页，共 &N 页")
    ws.print_area(0, 0, lastrow, last)


def _cell_value(row: dict, c: Column):
    if c.role == "tick":
        return TICK if c.option in split_multi(row.get(c.key, "")) else ""
    v = row.get(c.key, "")
    if c.role == "date" and v:
        try:
            return _dt.date.fromisoformat(v)
        except ValueError:
            return v
    return v


def _validation(c: Column, refs: _Refs, k: int) -> dict | None:
    f = c.field
    title = (f.title if f else c.sub)[:32]
    if c.role == "choice":
        return {"validate": "list", "source": f"={_list_name(f)}", "input_title": title,
                "input_message": "请从下拉列表中选择。"[:255],
                "error_title": "不在选项内", "error_message": f"「{f.title}」只能从下拉列表中选择：{'/'.join(f.options)}"[:255]}
    if c.role == "tick":
        return {"validate": "list", "source": "=选项_勾选", "input_title": f"{f.label}：{c.option}"[:32],
                "input_message": "符合时选“√”，不符合留空；可勾选多项。",
                "error_title": "请选“√”", "error_message": "此格只能填“√”或留空。"}
    if c.role == "date":
        return {"validate": "date", "criteria": "between", "minimum": DATE_MIN, "maximum": DATE_MAX,
                "input_title": title, "input_message": "按 2024-09-01 的格式填写。",
                "error_title": "日期不对", "error_message": "请填写有效日期，如 2024-09-01。"}
    if c.role == "id":
        return {"validate": "length", "criteria": "==", "value": 18, "input_title": title,
                "input_message": "18位公民身份号码，最后一位可为X；单元格已设为文本，直接输入即可。",
                "error_title": "号码位数不对", "error_message": "公民身份号码应为18位，请对照户口簿核对。"}
    if c.role == "phone":
        return {"validate": "length", "criteria": "between", "minimum": 7, "maximum": 13, "input_title": title,
                "input_message": "11位手机号，或带区号的固定电话（如 023-67891234）。",
                "error_title": "电话号码不对", "error_message": "请填写11位手机号或带区号的固定电话。"}
    if c.role == "part":
        part = c.key.rsplit("_", 1)[1]
        if part == "province":
            return {"validate": "list", "source": "=地区_省", "input_title": f"{f.label}：省",
                    "input_message": "请选择省（自治区、直辖市）。", "error_type": "warning",
                    "error_title": "不在列表中", "error_message": "请从列表中选择省份。"}
        if part in ("city", "county"):
            prov = refs.letters[f.part_key("province")]
            city = refs.letters[f.part_key("city")]
            src = (f'=INDIRECT("市_"&${prov}{FIRST_DATA})' if part == "city"
                   else f'=INDIRECT("县_"&${prov}{FIRST_DATA}&${city}{FIRST_DATA})')
            return {"validate": "list", "source": src, "input_title": f"{f.label}：{c.sub}"[:32],
                    "input_message": "先选省，再选市、县（区）。", "error_type": "warning",
                    "error_title": "不在列表中", "error_message": "请先选择省和市，再从列表中选择。"}
    # free text (names, school, 详细地址, the adults' addresses): a length limit
    limit = (f.max_length if f is not None and f.max_length else TEXT_LIMIT)
    name = f"{f.title}·{c.sub}" if c.role == "part" else (f.title if f else c.sub)
    return {"validate": "length", "criteria": "<=", "value": limit, "input_title": name[:32],
            "input_message": f"不超过{limit}个字。", "error_type": "warning",
            "error_title": "文字过长", "error_message": f"「{name}」不超过{limit}个字。"[:255]}


def _write_guide(wb, ws, form: Form, prof: Profile) -> None:
    h = wb.add_format({"bold": True, "font_size": 14})
    p = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.set_column(0, 0, 66)  # fits an A4 portrait page at 100%
    ws.set_paper(9)
    lines = [
        (h, f"{form.number}　{form.title}　填写说明"),
        (p, f"适用口径：{prof.label}（{prof.source}）。本表由 xltools 生成，版本 {SCHEMA_VERSION}。"),
        (h, "哪些儿童应登记"),
    ]
    if form.kind == "flow":
        lines.append((p, "随父母或其他监护人双方或一方离开户籍地，跨县（区）异地居住或生活6个月以上、不满十六周岁的未成年人。"
                         + (f"{prof.main_city_label}（{'、'.join(d.name for d in prof.main_city)}）之间异地居住的不纳入监测摸排，"
                            "但跨乡镇（街道）的仍纳入统计分析。" if prof.main_city else "")))
    else:
        lines.append((p, "父母双方外出务工，或一方外出务工另一方无监护能力、不满十六周岁的未成年人；父母外出按连续6个月以上掌握。"))
    lines += [
        (h, "怎么填"),
        (p, "1. 先在第2行填写填报单位和填报日期（年龄、外出时长按填报日期计算）。\n"
            "2. 每名儿童填一行，从第5行开始；带下拉箭头的格子请从列表中选择。\n"
            "3. 可多选的栏目（如健康状况、家庭困难情况）每个选项一列，符合的选“√”，不符合的留空。\n"
            "4. 户籍地址、现居住地先选省，再选市、县（区），最后填写详细地址（乡镇街道、村社区、门牌）。\n"
            "5. 公民身份号码格子已设为文本，直接输入18位号码即可，不会变成科学计数法。\n"
            "6. 日期按 2024-09-01 的格式填写。"),
        (h, "颜色和自动检查"),
        (p, "最右边三列由表格自动计算，不用填写：“年龄”是到填报日期的周岁；“类别”是按登记口径的判断；"
            "“自动检查”列出这一行发现的问题，空白表示未发现问题。\n"
            "有问题的行显示为浅红色；不符合登记条件的行（如已满16周岁）显示为灰色。\n"
            "自动检查只覆盖常见错误（必填项、身份号码校验位、出生日期和性别、日期先后、电话、残疾信息）；"
            "区县汇总时还会用 xltools 做完整校验。"),
        (h, "表格保护"),
        (p, "表头和计算列已锁定，只能在白色格子中填写。打印时横向A3，每页重复表头。"),
    ]
    for i, (fmt, text) in enumerate(lines):
        ws.write(i, 0, text, fmt)
        # spreadsheets do not grow rows for wrapped text on load: size them (~32 CJK chars a line)
        n = sum(max(1, -(-len(line) // 32)) for line in text.split("\n"))
        ws.set_row(i, 16 * n + 6 if fmt is p else 24)
    ws.protect()
