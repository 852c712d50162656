"""The two official forms as data: fields, labels, option lists, constraints.

附件1《流动儿童基本情况登记表》 (kind ``flow``) and 附件2《留守儿童基本情况登记表》
(kind ``left``) are declared here once, in the order the paper forms print them.
Templates, the rule engine, the readers, the add-in and the merge all read this
module; none of them spells an option or a label again.

The base wording is the national one (seed 001, 乌海市 work plan).  A locality
profile (``profiles/*.toml``, see :mod:`xltools.core.profiles`) overrides what its
own forms print differently, e.g. Chongqing's 纳入医保情况 = 已参保/未参保.

Choices made where the forms are ambiguous are written down in ``note`` of the
field they concern, and listed in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from functools import cached_property
from typing import Iterator

SCHEMA_VERSION = "2026.11.1"

KINDS = ("flow", "left")
KIND_LABELS = {"flow": "流动", "left": "留守"}
FORM_TITLES = {"flow": "流动儿童基本情况登记表", "left": "留守儿童基本情况登记表"}
FORM_NUMBERS = {"flow": "附件1", "left": "附件2"}

FIELD_TYPES = ("text", "date", "id_number", "phone", "choice", "multi_choice", "address")

# Groups as the forms print them (left column of the paper form).
G_CHILD = "儿童基本信息"
G_PARENTS = "父母基本信息"
G_GUARDIAN = "其他监护人基本信息"
G_CARE = "委托照护状况"
G_FAMILY = "家庭生活情况"

# Parts of a structured address.  Cross-county moves are decided on 县(区).
ADDRESS_PARTS = (("province", "省"), ("city", "市"), ("county", "县(区)"), ("detail", "详细地址"))

ETHNIC_GROUPS = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)  # GB/T 3304 order

DISABILITY_CATEGORIES = ("视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾")

YES_NO = ("是", "否")
# The columns our village templates compute by formula right of the form's fields (title, subtitle):
# the engine computes them again, so a reader never takes them as data, nor reports them as unused.
TEMPLATE_COMPUTED = (("年龄", "周岁"), ("类别", ""), ("自动检查", "（空白表示未发现问题）"))
TEMPLATE_COMPUTED_NOTE = "模板自动计算的列，不读取（年龄、类别由本工具按统计日期重新计算）"


def is_template_computed(header: str) -> bool:
    """True for a header of our templates' formula columns (“年龄 周岁”, “类别”, “自动检查 …”)."""
    words = header.replace("/", " ").split()
    return bool(words) and words[0] in {title for title, _ in TEMPLATE_COMPUTED}

TEXT_LIMIT = 100  # the length a free-text answer without a max_length of its own may have


@dataclass(frozen=True)
class Field:
    """One field of a form.

    ``header`` is the two-level header as the form reads (group cell over
    field cell, e.g. ``("父亲", "公民身份号码")``); ``title`` is the label
    that is unambiguous on its own (``父亲公民身份号码``) and is used in
    messages and one-row headers.
    """

    key: str
    label: str
    group: str
    type: str
    forms: frozenset[str]
    options: tuple[str, ...] = ()
    required: bool = False
    person: str | None = None        # child/father/mother/guardian/caregiver
    parent_label: str | None = None  # upper header cell (父亲, 母亲, 其他监护人 …)
    other_option: str | None = None  # the option whose text goes to ``companion``
    companion: str | None = None     # key of the free-text field for other_option
    companion_of: str | None = None  # for a companion: the choice field it completes
    sub_options: tuple[str, ...] = ()  # e.g. 多重残疾's categories
    sub_option_trigger: str | None = None
    synonyms: tuple[str, ...] = ()   # other headers staff use for this field
    max_length: int | None = None
    exclusive: tuple[str, ...] = ()  # options that cannot be ticked with any other
    note: str = ""

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r} for {self.key}")
        if self.type in ("choice", "multi_choice") and not self.options:
            raise ValueError(f"{self.key}: a choice field needs options")

    @property
    def header(self) -> tuple[str, str]:
        return (self.parent_label or self.group, self.label)

    @property
    def title(self) -> str:
        if self.parent_label and self.parent_label != self.label:
            return f"{self.parent_label}{self.label}"
        return self.label

    @property
    def is_choice(self) -> bool:
        return self.type in ("choice", "multi_choice")

    def part_key(self, part: str) -> str:
        """Column key of one part of an address field (``hukou_address_county``)."""
        return f"{self.key}_{part}"

    @property
    def part_keys(self) -> tuple[str, ...]:
        if self.type != "address":
            return ()
        return tuple(self.part_key(p) for p, _ in ADDRESS_PARTS)


def _f(key, label, group, type_, forms="flow left", **kw) -> Field:
    return Field(key=key, label=label, group=group, type=type_, forms=frozenset(forms.split()), **kw)


def _person_fields(person: str, who: str, group: str, forms: str, *, relation=None,
                   hukou_label="户籍地址") -> list[Field]:
    """Name, ID, phone, 户籍地址, 现居住地 of a parent, guardian or caregiver."""
    p = dict(person=person, parent_label=who)
    name = _f(f"{person}_name", "姓名", group, "text", forms, max_length=30,
              synonyms=(f"{who}姓名", who), **p)
    ident = _f(f"{person}_id", "公民身份号码", group, "id_number", forms,
               synonyms=(f"{who}身份证号", f"{who}身份证号码", f"{who}公民身份号码", f"{who}身份证"), **p)
    phone = _f(f"{person}_phone", "联系方式", group, "phone", forms,
               synonyms=(f"{who}电话", f"{who}联系电话", f"{who}手机", f"{who}手机号"), **p)
    hukou = _f(f"{person}_hukou_address", hukou_label, group, "address", forms,
               synonyms=(f"{who}户籍地址", f"{who}户籍地"), **p)
    res = _f(f"{person}_residence", "现居住地", group, "address", forms,
             synonyms=(f"{who}现居住地", f"{who}现住址", f"{who}居住地址"), **p)
    out = [name]
    if relation is not None:
        out.append(relation)
    return out + [ident, phone, hukou, res]


def _build_fields() -> tuple[Field, ...]:
    C, F = G_CHILD, G_FAMILY
    fields: list[Field] = [
        _f("name", "姓名", C, "text", required=True, person="child", max_length=30,
           synonyms=("儿童姓名", "姓 名", "学生姓名", "幼儿姓名")),
        _f("sex", "性别", C, "choice", options=("男", "女"), required=True, person="child",
           synonyms=("儿童性别",),
           note="纸质表未印选项；按身份证号第17位核对。"),
        _f("birth_date", "出生日期", C, "date", required=True, person="child",
           synonyms=("出生年月", "出生年月日", "生日", "出生时间")),
        _f("ethnicity", "民族", C, "choice", options=ETHNIC_GROUPS + ("其他",), required=True,
           person="child", note="56个民族按GB/T 3304顺序，外加“其他”（未识别民族、入籍外国人）。"),
        _f("id_number", "公民身份号码", C, "id_number", required=True, person="child",
           synonyms=("身份证号", "身份证号码", "公民身份证号码", "公民身份证号", "儿童身份证号",
                     "儿童身份证号码", "证件号码", "身份证"),
           note="“是否登记户口”为“否”的儿童可以没有身份号码，此时不要求填写。"),
        _f("hukou_registered", "是否登记户口", C, "choice", options=YES_NO, required=True,
           person="child", synonyms=("是否登记户籍", "有无户口", "是否有户口", "户口", "户口登记", "户口登记情况",
                                     "是否登记户口（是/否）")),
        _f("hukou_address", "户籍地址", C, "address", required=True, person="child",
           synonyms=("户籍地", "户口所在地", "户籍所在地", "户籍住址", "儿童户籍地址", "户籍地址（省市县）",
                     "户籍地（省市县）")),
        _f("residence", "现居住地", C, "address", required=True, person="child",
           synonyms=("现住址", "现居住地址", "居住地址", "现住地址", "居住地", "儿童现居住地", "现居住地址（省市县）")),
        _f("co_residents", "共同居住人", C, "choice", "flow",
           options=("父母双方", "父母一方", "其他监护人"), required=True,
           synonyms=("与谁同住", "共同生活人", "共同居住人员", "同住人", "与谁共同居住")),
        _f("residence_registration", "居住登记", C, "choice", "flow",
           options=("办理居住证", "暂住登记", "未登记"), required=True,
           synonyms=("居住证办理情况", "是否办理居住证", "居住证", "居住证办理", "居住登记情况", "居住证情况")),
        _f("housing_type", "居住类型", C, "choice", "flow", options=("自购房", "出租房屋", "其他")),
        _f("left_hukou_date", "离开户籍地日期", C, "date", "flow", required=True,
           synonyms=("离开户籍地时间", "外出时间", "离开户籍地日期（年月日）")),
        _f("arrival_date", "来现居住地日期", C, "date", "flow", required=True,
           synonyms=("来现居住地时间", "来本地时间", "来现居住地日期（年月日）")),
        _f("guardianship", "监护情况", C, "choice", options=("较好", "一般", "较差"), required=True),
        _f("guardianship_problem", "监护问题", C, "multi_choice", "flow",
           options=("父或母或其他监护人无监护能力", "父或母或其他监护人监护能力不足", "无人监护"),
           exclusive=("无人监护",),
           synonyms=("监护情况（无监护能力等）", "监护缺失情况"),
           note="纸质表在“监护情况”第二行列出，未印标题；可多选（“无人监护”不与其他项并存），无此情况留空。"),
        _f("guardianship_problem", "监护问题", C, "multi_choice", "left",
           options=("父或母无监护能力", "受委托照护人照护能力不足", "无人监护"),
           exclusive=("无人监护",),
           synonyms=("监护情况（无监护能力等）", "监护缺失情况"),
           note="纸质表在“监护情况”第二行列出，未印标题；可多选（“无人监护”不与其他项并存），无此情况留空。"),
    ]
    health = _f("health", "健康状况", C, "multi_choice", required=True,
                options=("健康", "残疾", "重病", "慢性病", "心理/行为异常"), exclusive=("健康",),
                note="可多选（如 残疾、慢性病）；“健康”不与其他项并存。")
    hm_flow = ("在户籍地接受", "在居住地接受", "未接受")
    hm_left = ("已接受", "未接受")
    services = [
        _f("health_mgmt", "0-6岁儿童健康管理服务", C, "choice", "flow", options=hm_flow,
           synonyms=("0-6岁健康管理服务", "0～6岁儿童健康管理服务", "0-6岁儿童健康管理")),
        _f("tcm_mgmt", "0-36个月儿童中医药健康管理服务", C, "choice", "flow", options=hm_flow,
           synonyms=("0-36个月中医药健康管理服务", "0～36个月儿童中医药健康管理服务", "中医药健康管理服务")),
        _f("health_mgmt", "0-6岁儿童健康管理服务", C, "choice", "left", options=hm_left,
           synonyms=("0-6岁健康管理服务", "0～6岁儿童健康管理服务", "0-6岁儿童健康管理")),
        _f("tcm_mgmt", "0-36个月儿童中医药健康管理服务", C, "choice", "left", options=hm_left,
           synonyms=("0-36个月中医药健康管理服务", "0～36个月儿童中医药健康管理服务", "中医药健康管理服务")),
    ]
    insurance = [
        _f("medical_insurance", "纳入医保情况", C, "choice", "flow", required=True,
           options=("纳入户籍地医保", "纳入居住地医保", "未纳入医保"),
           synonyms=("医保情况", "参保情况", "是否参保", "参加医保情况", "医保", "医疗保险", "参保")),
        _f("medical_insurance", "纳入医保情况", C, "choice", "left", required=True,
           options=("已纳入医保", "未纳入医保"),
           synonyms=("医保情况", "参保情况", "是否参保", "参加医保情况", "医保", "医疗保险", "参保"),
           note="全国表（乌海）附件2此栏选项在原文中缺失，采用重庆附件2的措辞：已纳入医保/未纳入医保。"),
    ]
    disability = [
        _f("disability_type", "残疾类别", C, "choice", required=True,
           options=("无",) + DISABILITY_CATEGORIES + ("多重残疾",),
           sub_options=DISABILITY_CATEGORIES, sub_option_trigger="多重残疾",
           companion="disability_multi", synonyms=("残疾类型",)),
        _f("disability_multi", "多重残疾类别", C, "multi_choice", options=DISABILITY_CATEGORIES,
           companion_of="disability_type",
           note="残疾类别为“多重残疾”时必填，列明两个及以上具体类别。"),
        _f("disability_grade", "残疾等级", C, "choice", options=("无", "一级", "二级", "三级", "四级")),
        _f("rehab_aid", "接受康复救助情况", C, "choice", options=YES_NO,
           synonyms=("是否接受康复救助", "康复救助情况")),
    ]
    def school(forms: str) -> dict[str, Field]:
        return {f.key: f for f in (
            _f("schooling", "就学情况", C, "choice", forms, required=True,
               options=("学龄前", "小学", "初中", "高中", "中等职业教育", "特殊教育", "无就学能力", "失学"),
               synonyms=("就学阶段", "在学情况", "入学情况")),
            _f("school_name", "就读学校", C, "text", forms, max_length=60,
               synonyms=("学校名称", "就读学校名称", "所在学校")),
            _f("boarding", "是否学校寄宿", C, "choice", forms, options=YES_NO,
               synonyms=("是否寄宿", "寄宿情况")),
            _f("study_status", "学业状况", C, "choice", forms,
               options=("在读", "辍学", "休学", "毕业", "结业", "肄业"), synonyms=("学业情况",)),
        )}

    # 附件1 prints school before health; 附件2 prints health, services, insurance
    # and disability first, then school with 学业状况 before 是否学校寄宿.
    s1, s2 = school("flow"), school("left")
    fields += [s1["schooling"], s1["school_name"], s1["boarding"], s1["study_status"]]
    fields += [health] + services + insurance + disability
    fields += [s2["schooling"], s2["school_name"], s2["study_status"], s2["boarding"]]

    fields += _person_fields("father", "父亲", G_PARENTS, "flow left")
    fields += _person_fields("mother", "母亲", G_PARENTS, "flow left")
    fields += _person_fields(
        "guardian", "其他监护人", G_GUARDIAN, "flow",
        relation=_f("guardian_relation", "与儿童关系", G_GUARDIAN, "text", "flow",
                    person="guardian", parent_label="其他监护人", max_length=20,
                    synonyms=("其他监护人与儿童关系", "与儿童的关系", "监护人关系")))
    fields += [
        _f("both_parents_away", "父母双方同时外出", G_PARENTS, "choice", "left", options=YES_NO,
           required=True, synonyms=("父母是否均外出", "父母双方外出", "父母均外出务工")),
        _f("one_parent_incapable", "父母一方外出、另一方无监护能力", G_PARENTS, "choice", "left",
           options=YES_NO, required=True,
           synonyms=("父母一方外出另一方无监护能力", "一方外出另一方无监护能力")),
        _f("has_caregiver", "有无受委托照护人", G_CARE, "choice", "left", options=("有", "无"),
           required=True, synonyms=("是否有受委托照护人",)),
        _f("caregiver_relation", "与儿童关系", G_CARE, "choice", "left",
           options=("爷爷", "奶奶", "外公", "外婆", "其他"), other_option="其他",
           companion="caregiver_relation_other", person="caregiver", parent_label="受委托照护人",
           synonyms=("受委托照护人与儿童关系", "照护人与儿童关系")),
        _f("caregiver_relation_other", "与儿童关系（其他）", G_CARE, "text", "left",
           companion_of="caregiver_relation", person="caregiver", parent_label="受委托照护人",
           max_length=20),
    ]
    # 附件2 prints 联系方式 right after 与儿童关系, then 受委托照护人姓名 and the rest.
    cg = {f.key: f for f in _person_fields("caregiver", "受委托照护人", G_CARE, "left",
                                           hukou_label="户籍地")}
    fields += [cg[k] for k in ("caregiver_phone", "caregiver_name", "caregiver_id",
                               "caregiver_hukou_address", "caregiver_residence")]
    fields += [
        _f("family_hardship", "家庭困难情况", F, "multi_choice",
           options=("无", "低保家庭", "特困家庭", "低保边缘家庭", "刚性支出困难家庭", "防止返贫监测家庭", "其他"),
           other_option="其他", companion="family_hardship_other", required=True, exclusive=("无",),
           note="可多选（如 低保家庭、防止返贫监测家庭）；“无”不与其他项并存。"),
        _f("family_hardship_other", "家庭困难情况（其他）", F, "text", companion_of="family_hardship",
           max_length=60),
        _f("living_support", "生活保障情况", F, "multi_choice",
           options=("无", "低保", "特困", "急难社会救助", "孤儿基本生活保障", "事实无人抚养儿童基本生活保障",
                    "残疾人两项补贴", "生活无着流浪乞讨人员救助", "慈善帮扶", "其他"),
           other_option="其他", companion="living_support_other", required=True, exclusive=("无",),
           note="可多选；“无”不与其他项并存。"),
        _f("living_support_other", "生活保障情况（其他）", F, "text", companion_of="living_support",
           max_length=60),
    ]
    return tuple(fields)


FIELDS: tuple[Field, ...] = _build_fields()

# Columns that say where a child was registered (provenance, not fields of the form):
# a township's own sheet often has them; the merge uses them for 镇街 and 村社区.
PLACE_HEADERS = {
    "town": ("镇街", "镇（街道）", "乡镇（街道）", "乡镇街道", "所在镇街", "所在乡镇", "乡镇", "街道", "镇", "乡镇（街道办事处）"),
    "village": ("村社区", "村（社区）", "村(社区)", "村（居）", "村居", "社区", "村", "所在村", "所在社区",
                "所在村（社区）", "村（居）委会", "村居委会", "村（社区）名称"),
}
PLACE_LABELS = {"town": "镇街", "village": "村社区"}

# Sheet-level cells above the table.
SHEET_FIELDS = (
    Field(key="unit", label="填报单位", group="表头", type="text", forms=frozenset(KINDS),
          synonyms=("单位",), note="重庆表印作“单位：区+镇街+社区”。"),
    Field(key="report_date", label="填报日期", group="表头", type="date", forms=frozenset(KINDS)),
)


@dataclass(frozen=True)
class Form:
    kind: str
    fields: tuple[Field, ...]
    # (header text, column key) a locality or a district adds to the fields' own synonyms
    # (profiles' and xltools.toml's [synonyms]); the readers match headers with them too
    headers: tuple[tuple[str, str], ...] = ()
    _index: dict = dc_field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({f.key: f for f in self.fields})

    @cached_property
    def column_keys(self) -> frozenset[str]:
        """Every column key of the form: field keys and address part keys."""
        return frozenset(f.key for f in self.fields) | frozenset(k for f in self.fields for k in f.part_keys)

    @property
    def title(self) -> str:
        return FORM_TITLES[self.kind]

    @property
    def number(self) -> str:
        return FORM_NUMBERS[self.kind]

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def __getitem__(self, key: str) -> Field:
        return self._index[key]

    def get(self, key: str) -> Field | None:
        return self._index.get(key)

    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def by_type(self, *types: str) -> list[Field]:
        return [f for f in self.fields if f.type in types]

    def columns(self) -> list[tuple[str, Field, str | None]]:
        """Flat columns in form order: (column key, field, address part or None)."""
        out = []
        for f in self.fields:
            if f.type == "address":
                out += [(f.part_key(p), f, p) for p, _ in ADDRESS_PARTS]
            else:
                out.append((f.key, f, None))
        return out


def base_form(kind: str) -> Form:
    """The national wording of one form, before any locality profile."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    return Form(kind, tuple(f for f in FIELDS if kind in f.forms))


# The names a kind is called by (case-insensitive), for cells and for ``--kind``.
KIND_NAMES = {"flow": ("流动", "流动儿童", "附件1", "flow", "1"),
              "left": ("留守", "留守儿童", "附件2", "left", "2")}


def parse_kind(text: str, strict: bool = False) -> str:
    """'流动'/'流动儿童'/'附件1'/'flow' → 'flow'; '留守…'/'附件2'/'left' → 'left'.

    A cell may say more ('流动儿童花名册'); ``strict`` (a command-line option) takes only
    the names of :data:`KIND_NAMES`.

    >>> parse_kind('流动儿童花名册'), parse_kind('LEFT', strict=True)
    ('flow', 'left')
    """
    t = (text or "").strip().lower()
    for kind, names in KIND_NAMES.items():
        if t in names or (not strict and t.startswith(names[0])):
            return kind
    listed = "；".join(f"{KIND_NAMES[k][0]}（也可写 {'、'.join(KIND_NAMES[k][1:])}）" for k in KINDS)
    raise ValueError(f"未知的表格类别“{text}”，可写：{listed}。")


# --- the paper forms' layout (xltools.ops.forms prints and reads it) ---------------------------
# Per kind, the sections in print order; each section is its lines, and a line names the
# fields that share one row of the paper form (000/001).  Two person fields on one line
# (father_name, mother_name) are the 父亲/母亲 side-by-side columns; the label of a person's
# 姓名 there is the person (``parent_label``), as the forms print it.  A companion
# (多重残疾类别) has a line of its own; an "其他" companion (其他____) is the blank after
# the option.  The unit/date line and the signature lines are printed above and below.
_PARENT_LINES = (("father_name", "mother_name"), ("father_id", "mother_id"),
                 ("father_phone", "mother_phone"), ("father_hukou_address", "mother_hukou_address"),
                 ("father_residence", "mother_residence"))
_DISABILITY_LINES = (("medical_insurance",), ("disability_type",), ("disability_multi",),
                     ("disability_grade", "rehab_aid"))
FORM_LAYOUT: dict[str, tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]] = {
    "flow": (
        (G_CHILD, (("name", "sex"), ("birth_date", "ethnicity"), ("id_number", "hukou_registered"),
                   ("hukou_address",), ("residence",), ("co_residents",), ("residence_registration",),
                   ("housing_type",), ("left_hukou_date", "arrival_date"), ("guardianship",),
                   ("guardianship_problem",), ("schooling",), ("school_name", "boarding"),
                   ("study_status",), ("health",), ("health_mgmt",), ("tcm_mgmt",)) + _DISABILITY_LINES),
        (G_PARENTS, _PARENT_LINES),
        (G_GUARDIAN, (("guardian_name", "guardian_relation"), ("guardian_id", "guardian_phone"),
                      ("guardian_hukou_address",), ("guardian_residence",))),
        (G_FAMILY, (("family_hardship",), ("living_support",))),
    ),
    "left": (
        (G_CHILD, (("name", "sex"), ("birth_date", "ethnicity"), ("id_number", "hukou_registered"),
                   ("hukou_address",), ("residence",), ("guardianship",), ("guardianship_problem",),
                   ("health",), ("health_mgmt",), ("tcm_mgmt",)) + _DISABILITY_LINES +
                  (("schooling",), ("school_name",), ("study_status", "boarding"))),
        (G_PARENTS, _PARENT_LINES + (("both_parents_away",), ("one_parent_incapable",))),
        (G_CARE, (("has_caregiver",), ("caregiver_relation",), ("caregiver_phone", "caregiver_name"),
                  ("caregiver_id",), ("caregiver_hukou_address",), ("caregiver_residence",))),
        (G_FAMILY, (("family_hardship",), ("living_support",))),
    ),
}
# Signature lines under the table, and the footer the printed forms carry.
FORM_SIGNATURES = ("填表人", "审核人")
# Choice fields the paper forms leave as a blank to write in (no □ printed).
FORM_WRITTEN_CHOICES = ("sex", "ethnicity")
FORM_MARKS = {"blank": "☐", "ticked": "☑"}  # how our forms print an option box

# Separators staff use between several ticked options in one cell.
MULTI_SEPARATORS = "、,，;；/ \n"
MULTI_JOINER = "、"

# What staff write instead of the printed option; used only to *suggest* the
# printed wording in a message (near misses are reported, never replaced).
VALUE_HINTS = {
    "是": ("有", "√", "✓", "☑", "是的", "已登记", "本地户口", "已办理", "y", "yes"),
    "否": ("无", "没有", "×", "✗", "未登记", "未办理", "n", "no"),
    "有": ("是", "√", "✓", "☑"),
    "无": ("否", "没有", "×"),
    "男": ("男性", "男孩", "m"),
    "女": ("女性", "女孩", "f"),
    # the national form's 纳入医保情况 wording in a Chongqing roster, and back
    "已参保": ("纳入户籍地医保", "纳入居住地医保", "已纳入医保", "参保", "已参加医保"),
    "未参保": ("未纳入医保", "没有参保", "未参加医保"),
    "未纳入医保": ("未参保", "没有参保", "未参加医保"),
}

# 重点关爱服务对象 (seeds 000/001/002: 家庭生活困难、自身残疾、监护缺失、流浪、心理和行为异常;
# seed 003's priority groups add 失学辍学、无户籍、患病).  Each reason: the fields and the
# option values that make a child meet it.  Values are checked against the forms by a test.
KEY_CARE_RULES: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("家庭生活困难", (("family_hardship", ("低保家庭", "特困家庭", "低保边缘家庭", "刚性支出困难家庭",
                                           "防止返贫监测家庭", "其他")),)),
    ("自身残疾", (("health", ("残疾",)), ("disability_type", DISABILITY_CATEGORIES + ("多重残疾",)))),
    ("监护缺失", (("guardianship", ("较差",)),
                 ("guardianship_problem", ("父或母或其他监护人无监护能力", "父或母或其他监护人监护能力不足",
                                           "父或母无监护能力", "受委托照护人照护能力不足", "无人监护")))),
    ("流浪", (("living_support", ("生活无着流浪乞讨人员救助",)),)),
    ("心理和行为异常", (("health", ("心理/行为异常",)),)),
    ("失学辍学", (("schooling", ("失学",)), ("study_status", ("辍学",)))),
    ("无户籍", (("hukou_registered", ("否",)),)),
    ("患重病", (("health", ("重病",)),)),
)

# 类别 of a row (the status the rule engine gives every child).
CAT_FLOW = "流动儿童（监测摸排对象）"
CAT_FLOW_STATS = "流动儿童（仅纳入统计分析）"
CAT_LEFT = "留守儿童"
CAT_OUT = "不符合"
CAT_UNKNOWN = "待核实"
CATEGORIES = (CAT_FLOW, CAT_FLOW_STATS, CAT_LEFT, CAT_OUT, CAT_UNKNOWN)
