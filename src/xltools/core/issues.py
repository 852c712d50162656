"""Issues as structured records, and the one place their Chinese text comes from.

An :class:`Issue` carries a stable English ``code`` (``id.checksum``), its
severity, where it is (row as Excel numbers it, column letter, field) and the
parameters of its message.  The message is rendered from :data:`MESSAGES`, one
template per code, so that every report, workbook and add-in cell says the
same thing in the same words.  Each message says what is wrong and what to do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field as dc_field
from typing import Iterable

ERROR = "error"
WARNING = "warning"
SEVERITY_LABELS = {ERROR: "错误", WARNING: "提醒"}

# code -> (severity, template).  Templates use str.format with the issue's
# params plus ``field`` (the field's title) and ``value``.
MESSAGES: dict[str, tuple[str, str]] = {
    # missing and option values
    "field.required": (ERROR, "「{field}」未填写，请补填。"),
    "field.missing_column": (ERROR, "表中没有「{field}」这一列；请按登记表表式补上该列，或检查表头是否写成了别的名称。"),
    "option.invalid": (ERROR, "「{field}」填写为“{value}”，不在表中选项内；请改为：{options}。"),
    "option.near_miss": (ERROR, "「{field}」填写为“{value}”，不在表中选项内，疑似应为“{suggestion}”；请按表中选项改填。"),
    "option.exclusive": (ERROR, "「{field}」中“{option}”不能与其他选项同时勾选，请核对。"),
    "option.other_text": (WARNING, "「{field}」选了“{option}”，但未写明具体内容，请在「{companion}」中写明。"),
    "option.other_text_unused": (WARNING, "「{companion}」写了内容，但「{field}」未选“{option}”，请核对。"),
    "text.too_long": (WARNING, "「{field}」超过{max_length}个字，请核对是否填错栏目。"),
    # ID numbers
    "id.length": (ERROR, "「{field}」“{value}”应为18位，实为{length}位；请对照户口簿或身份证重新填写。"),
    "id.format": (ERROR, "「{field}」“{value}”只能是17位数字加最后1位数字或X；请对照户口簿或身份证重新填写。"),
    "id.digits_lost": (ERROR, "「{field}」以数字形式存储（“{value}”），后几位已丢失；请把单元格设为文本格式后重新录入18位号码。"),
    "id.old_format": (ERROR, "「{field}」“{value}”是15位旧号码，请改填18位号码 {converted}（已按国家标准换算，请核对）。"),
    "id.checksum": (ERROR, "「{field}」“{value}”校验位错误（按前17位应为 {expected}），号码有录错的数字；请对照户口簿或身份证核对。"),
    "id.birth_date": (ERROR, "「{field}」“{value}”中的出生日期 {birth} 不是有效日期；请核对号码。"),
    "id.birth_future": (ERROR, "「{field}」“{value}”中的出生日期 {birth} 晚于统计日期 {as_of}；请核对号码或统计日期。"),
    "id.region": (ERROR, "「{field}」“{value}”前两位 {province_code} 不是省级行政区划代码；请核对号码。"),
    "id.region_unknown": (WARNING, "「{field}」“{value}”的地区码 {region_code} 不在行政区划代码表中（{province}）；请核对号码前6位。"),
    "id.region_retired": (WARNING, "「{field}」“{value}”的地区码 {region_code}（{name}）{last_year}年后已停用，而出生年份为{birth_year}年；请核对号码前6位。"),
    "id.birth_mismatch": (ERROR, "「出生日期」{birth_date} 与公民身份号码中的出生日期 {id_birth} 不一致；请核对。"),
    "id.sex_mismatch": (ERROR, "「性别」“{sex}”与公民身份号码第17位表示的性别“{id_sex}”不一致；请核对。"),
    "id.no_hukou_but_number": (WARNING, "「是否登记户口」为“否”，却填写了公民身份号码；请核对是否已登记户口。"),
    "id.same_as_child": (ERROR, "「{field}」与儿童本人的公民身份号码相同；请核对。"),
    "id.duplicate": (ERROR, "公民身份号码 {value} 在本表第{other_rows}行也出现，同一儿童重复登记；请删除重复行或核对号码。"),
    "person.duplicate": (WARNING, "姓名“{name}”、出生日期 {birth_date} 与第{other_rows}行相同，可能重复登记；请核对。"),
    "roster.duplicate_folded": (WARNING, "“{value}”也登记在 {others}（{rule}；{confidence}）；区县花名册只计一次（本行：{action}）。请与对方镇街、村社区核对，删除一处。"),
    "roster.duplicate_open": (WARNING, "“{value}”可能与 {others} 是同一儿童（{rule}）；{confidence}。核实后删除一处，或更正身份号码。"),
    # dates
    "date.format": (ERROR, "「{field}」“{value}”不是日期；请按 2024-09-01 的格式填写。"),
    "date.month_only": (ERROR, "「{field}」“{value}”只有年月，缺少日；请填写完整日期（如 2024-09-01）。"),
    "date.after_reference": (ERROR, "「{field}」{value} 晚于统计日期 {as_of}；请核对。"),
    "date.order": (ERROR, "「{field}」{value} 早于「{before_field}」{before}；日期先后应为 出生 ≤ 离开户籍地 ≤ 来现居住地 ≤ 填报日期，请核对。"),
    # phones
    "phone.format": (ERROR, "「{field}」“{value}”不是有效电话号码；请填写11位手机号或带区号的固定电话（如 023-67891234）。"),
    # cross-field consistency
    "consistency.disability_health": (ERROR, "「残疾类别」为“{disability}”，而「健康状况」{health_text}；两者应一致，请核对。"),
    "consistency.disability_grade": (ERROR, "{text}；请核对「残疾类别」与「残疾等级」。"),
    "consistency.multi_disability": (ERROR, "「残疾类别」为“多重残疾”，须在「多重残疾类别」中列明两个及以上具体类别。"),
    "consistency.schooling_age": (WARNING, "儿童{age}周岁，「就学情况」为“{schooling}”，与年龄不符；请核对。"),
    "consistency.school_status": (WARNING, "{text}；请核对「就学情况」与「学业状况」。"),
    "consistency.service_age": (WARNING, "{text}；请核对「{field}」。"),
    "consistency.caregiver": (ERROR, "{text}；请核对「有无受委托照护人」与受委托照护人信息。"),
    "consistency.left_parents": (WARNING, "「父母双方同时外出」与「父母一方外出、另一方无监护能力」都为“是”，两者只应有一个为“是”；请核对。"),
    "consistency.guardian_missing": (WARNING, "「共同居住人」为“其他监护人”，但未填写其他监护人信息；请补填。"),
    "consistency.parent_age": (WARNING, "「{field}」显示的出生日期 {parent_birth} 与儿童出生日期 {birth_date} 相差不足14年；请核对是否填错人。"),
    # the sheet as a whole (merge)
    "column.looks_like_field": (WARNING, "{column}列“{value}”未使用，看起来是{fields}（{why}）；这些栏目在统计中会显示为“未填写”。"
                                         "如确是该栏目，请把表头改为栏目名称，或在 xltools.toml 的 [synonyms] 中写 \"{value}\" = \"{first}\"，再合并一次。"),
    "sheet.no_report_date": (WARNING, "未找到填报日期，按 {as_of}（{source}）计算年龄和外出时长；请在表头写明“填报日期：年 月 日”。"),
    "file.profile_mismatch": (WARNING, "此文件记录的地区口径是“{recorded}”，本次按“{used}”口径（{why}）检查，选项措辞不同处会报为错误；"
                                       "请用 --profile 指定正确的口径，或把不同口径的文件分开合并。"),
    # filled 登记表 read back (xltools.workbooks.formread)
    "form.tick_ambiguous": (ERROR, "「{field}」勾选了{options}，此项只能选一项；请对照纸质表核实后只保留一项。"),
    "form.tick_conflict": (ERROR, "「{field}」勾选的是“{ticked}”，同一栏却写着“{written}”，两者矛盾；请核实后只保留一种。"),
    # classification
    "status.undetermined": (WARNING, "无法判断是否跨县（区）、跨乡镇（街道）流动：{reason}。"),
}

# Short title of each code, for summaries ("错误类型" tables, the add-in's counts).
TITLES = {
    "field.required": "必填项未填写", "field.missing_column": "缺少列",
    "option.invalid": "不在选项内", "option.near_miss": "选项写法不规范",
    "option.exclusive": "互斥选项同时勾选", "option.other_text": "“其他”未写明",
    "option.other_text_unused": "“其他”说明多余", "text.too_long": "文字过长",
    "id.length": "身份号码位数不对", "id.format": "身份号码含非法字符",
    "id.digits_lost": "身份号码后几位丢失", "id.old_format": "15位旧身份号码",
    "id.checksum": "身份号码校验位错误", "id.birth_date": "身份号码出生日期无效",
    "id.birth_future": "身份号码出生日期晚于统计日期", "id.region": "身份号码省份代码无效",
    "id.region_unknown": "身份号码地区码未知", "id.region_retired": "身份号码地区码已停用",
    "id.birth_mismatch": "出生日期与身份号码不符", "id.sex_mismatch": "性别与身份号码不符",
    "id.no_hukou_but_number": "未登记户口却有身份号码", "id.same_as_child": "亲属身份号码与儿童相同",
    "id.duplicate": "身份号码重复", "person.duplicate": "疑似重复登记",
    "roster.duplicate_folded": "在别处也有登记（已合并）", "roster.duplicate_open": "可能在别处也有登记（未合并）",
    "date.format": "日期格式不对", "date.month_only": "日期缺少日",
    "date.after_reference": "日期晚于统计日期", "date.order": "日期先后顺序不对",
    "phone.format": "电话号码无效",
    "consistency.disability_health": "残疾类别与健康状况不符",
    "consistency.disability_grade": "残疾类别与残疾等级不符",
    "consistency.multi_disability": "多重残疾未列明类别", "consistency.schooling_age": "就学情况与年龄不符",
    "consistency.school_status": "就学情况与学业状况不符", "consistency.service_age": "健康管理服务与年龄不符",
    "consistency.caregiver": "受委托照护人信息不一致", "consistency.left_parents": "父母外出情况矛盾",
    "consistency.guardian_missing": "缺少其他监护人信息", "consistency.parent_age": "父母与儿童年龄差过小",
    "status.undetermined": "无法判断是否跨县流动",
    "column.looks_like_field": "疑似栏目的列未使用", "sheet.no_report_date": "未找到填报日期",
    "file.profile_mismatch": "地区口径不一致",
    "form.tick_ambiguous": "单选项勾选多个", "form.tick_conflict": "勾选与文字矛盾",
}

# Severity of each issue code, as data (the validator never hard-codes it).
SEVERITY = {code: sev for code, (sev, _) in MESSAGES.items()}


def render(code: str, params: dict) -> str:
    """The Chinese message of an issue code with its parameters."""
    _, template = MESSAGES[code]
    try:
        return template.format(**params)
    except (KeyError, IndexError):  # a missing parameter must not hide the issue
        return template.split("；")[0].replace("{", "").replace("}", "") + f"（{params}）"


@dataclass
class Issue:
    code: str
    row: int | None = None        # 1-based, as Excel numbers it; None for a sheet-level issue
    column: str = ""              # Excel column letter(s)
    field: str = ""               # field key
    label: str = ""               # field title as printed
    value: str = ""
    params: dict = dc_field(default_factory=dict)

    @property
    def severity(self) -> str:
        return SEVERITY[self.code]

    @property
    def title(self) -> str:
        return TITLES[self.code]

    @property
    def message(self) -> str:
        return render(self.code, {"field": self.label, "value": self.value, **self.params})

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("params")
        d["severity"] = self.severity
        d["message"] = self.message
        return d


def flatten(issues: Iterable[Issue], keys: Iterable[str]) -> list[list]:
    """frictionless-style: ``flatten(issues, ["row", "field", "code"])`` → ``[[5, "id_number", "id.checksum"], …]``."""
    keys = list(keys)
    return [[getattr(i, k) for k in keys] for i in issues]
