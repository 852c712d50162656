"""Which department verifies which fields of the 花名册, and the answers they give.

From the work plans: seed 001 (乌海市, 二、工作内容（一）2–6) gives 入学入园 to 教育,
办理居住证 to 公安, 0-6岁儿童健康管理服务 and 0-36个月儿童中医药健康管理服务 to
卫生健康, 参加医保 to 医保, 残疾等级 and 康复救助 to 残联; seed 002 (重庆, 二、3)
asks the district to send the roster to 教育、公安、卫生健康、医保、疾控、残联 for
verification.  The issue adds 是否登记户口 to 公安 and 残疾类别 to 残联.

疾控 verifies vaccinations and 妇联 family-education work: neither is a field of
the 登记表, so neither gets a verification file.

Fields are schema keys; labels come from the schema.  A department gets only its
own fields (data minimisation) plus :data:`IDENTIFY`, what it needs to find the
child in its own records.  卫健 gets only the children the two services concern
(up to 6 周岁).

The verification file's wording (its sheet, headers and the type its hidden sheet
records) is declared here too: :mod:`xltools.ops.split` writes the file and
:mod:`xltools.ops.reconcile` reads it back, and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from xltools.core.schema import Field, Form

# What a department needs to find the child (roster column keys).
IDENTIFY = ("town", "village", "name", "sex", "birth_date", "id_number")
# The verification file (核实表) split writes and reconcile reads back: its sheet, the type its
# hidden sheet records, and its column headers, worded once.
CHECK_SHEET = "核实"
FILE_TYPE = "department_check"
H_VALUE, H_RESULT, H_CORRECTION, H_REMARK = "花名册填报值", "核实结果", "更正值", "备注"


@dataclass(frozen=True)
class Department:
    name: str                    # short name used in file names and sheets: 教育
    full_name: str               # 教育部门
    fields: tuple[str, ...]      # schema keys it verifies (those of the form at hand are used)
    aliases: tuple[str, ...] = ()  # how its own lists name it (file names, titles)
    max_age: int | None = None   # only children up to this age (周岁) are sent

    def fields_of(self, form: Form) -> list[Field]:
        return [form[k] for k in self.fields if k in form]

    def sends(self, age) -> bool:
        """Whether a child of this 年龄 is sent to the department (an unknown age is)."""
        return self.max_age is None or age is None or age != age or age <= self.max_age


DEPARTMENTS: tuple[Department, ...] = (
    Department("教育", "教育部门", ("schooling", "school_name", "study_status", "boarding"),
               ("教育局", "教委", "教体局", "学校")),
    Department("公安", "公安部门", ("residence_registration", "hukou_registered"),
               ("公安局", "公安分局", "派出所")),
    Department("卫健", "卫生健康部门", ("health_mgmt", "tcm_mgmt"),
               ("卫生健康", "卫健委", "卫生健康委", "卫健局", "卫生院"), max_age=6),
    Department("医保", "医保部门", ("medical_insurance",), ("医保局", "医疗保障")),
    Department("残联", "残联", ("disability_type", "disability_grade", "rehab_aid"), ("残疾人联合会",)),
)

# The answers a department gives per field, worded once.
AGREE, DISAGREE, NOT_FOUND = "一致", "不一致", "查无此人"
ANSWERS = (AGREE, DISAGREE, NOT_FOUND)
# How departments' own lists word them (normalised: no spaces).
ANSWER_SYNONYMS = {
    AGREE: ("一致", "相符", "属实", "无误", "正确", "核实无误", "信息一致", "是", "√", "准确"),
    DISAGREE: ("不一致", "不符", "不相符", "有误", "不正确", "错误", "需更正", "更正", "信息有误", "否", "×"),
    NOT_FOUND: ("查无此人", "无此人", "查无", "未查到", "未找到", "无记录", "查无记录", "系统无此人",
                "无信息", "未查询到"),
}


def find(name: str) -> Department:
    """A department by its short name, full name or alias (教育 / 教育局 / 教育部门)."""
    text = (name or "").strip()
    for d in DEPARTMENTS:
        if text in (d.name, d.full_name, *d.aliases):
            return d
    raise ValueError(f"未知的部门“{name}”，可选：{'、'.join(d.name for d in DEPARTMENTS)}。")


def guess(text: str) -> Department | None:
    """The department a file name or title mentions (教育局反馈.xlsx → 教育), if exactly one."""
    hits = [d for d in DEPARTMENTS if any(w in (text or "") for w in (d.name, d.full_name, *d.aliases))]
    return hits[0] if len(hits) == 1 else None


def is_plain_answer(text: str) -> bool:
    """Whether ``text`` is only a verdict (``核实无误``), with nothing more said."""
    t = "".join(str(text or "").split())
    return any(t in words for words in ANSWER_SYNONYMS.values())


def answer(text: str) -> str | None:
    """A department's verdict in our wording (``核实无误`` → 一致), or None when it is none of them."""
    t = "".join(str(text or "").split())
    if not t:
        return None
    for verdict in (NOT_FOUND, DISAGREE, AGREE):  # 不一致 contains 一致: test the longer words first
        if t in ANSWER_SYNONYMS[verdict]:
            return verdict
    for verdict in (NOT_FOUND, DISAGREE, AGREE):
        if any(len(w) > 1 and w in t for w in ANSWER_SYNONYMS[verdict]):
            return verdict
    return None
