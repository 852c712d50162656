"""Made-up children for demos, examples, tests and benchmarks.

Every person here is invented: names are drawn from common characters, ID
numbers are generated (real region codes, random birth dates and sequence
numbers, correct check digits).  Rows are consistent with every rule of the
engine unless an error is injected on purpose with :func:`inject_error`.
"""

from __future__ import annotations

import datetime as _dt
import random
from typing import Iterator

from xltools.core import idcard
from xltools.core.dates import add_months
from xltools.core.profiles import Profile, load as load_profile

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "子涵梓轩浩宇欣怡雨桐思远俊杰一诺若曦诗琪宇航佳怡嘉豪明轩雅婷晨阳博文可馨梦瑶天佑紫萱皓轩欣妍家乐语嫣泽宇书瑶铭浩芷若睿哲"

# (province, city, county, code) where children come from; none is in Chongqing's main city.
HOMETOWNS = (
    ("四川省", "成都市", "武侯区", "510107"), ("四川省", "南充市", "顺庆区", "511302"),
    ("四川省", "达州市", "通川区", "511702"), ("贵州省", "遵义市", "汇川区", "520303"),
    ("湖南省", "邵阳市", "邵东市", "430582"), ("重庆市", "重庆市", "城口县", "500229"),
    ("重庆市", "重庆市", "云阳县", "500235"), ("重庆市", "重庆市", "开州区", "500154"),
    ("河南省", "周口市", "川汇区", "411602"), ("湖北省", "恩施土家族苗族自治州", "恩施市", "422801"),
)
# Where they live now: the survey's own district, with its townships.
RESIDENCES = {
    "chongqing": ("重庆市", "重庆市", "渝北区", "500112",
                  ("两路街道", "龙溪街道", "双凤桥街道", "回兴街道", "古路镇", "木耳镇", "玉峰山镇")),
    "national": ("内蒙古自治区", "乌海市", "海勃湾区", "150302",
                 ("新华街道", "凤凰岭街道", "滨河街道", "千里山镇")),
}
STREETS = ("金港路", "双龙大道", "宝环路", "兰馨大道", "新南路", "临港大道", "桃源路")


def make_id(rng: random.Random, code: str, birth: _dt.date, male: bool) -> str:
    seq = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    body = f"{code}{birth:%Y%m%d}{seq:03d}"
    return body + idcard.calc_check_digit(body)


def _date(rng: random.Random, start: _dt.date, end: _dt.date) -> _dt.date:
    return start + _dt.timedelta(days=rng.randrange(max(1, (end - start).days)))


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "151", "187", "177", "135")) + f"{rng.randrange(10**8):08d}"


def _schooling(age: int) -> str:
    if age < 6:
        return "学龄前"
    if age < 12:
        return "小学"
    if age < 15:
        return "初中"
    return "高中"


def child(rng: random.Random, kind: str, profile: Profile | str | None, as_of: _dt.date,
          *, structured: bool = True, township: str | None = None) -> dict[str, str]:
    """One consistent, in-scope child of ``kind`` as a mapping of column keys to text."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    form = prof.form(kind)
    male = rng.random() < 0.52
    birth = _date(rng, _dt.date(as_of.year - 15, as_of.month, 1), as_of - _dt.timedelta(days=400))
    age = as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))
    surname = rng.choice(SURNAMES)
    home = rng.choice(HOMETOWNS)
    res = RESIDENCES.get(prof.name, RESIDENCES["national"])
    town = township or rng.choice(res[4])
    if kind == "left":  # left-behind children live at their 户籍地
        res = (home[0], home[1], home[2], home[3], (town,))
    r: dict[str, str] = {
        "name": _name(rng, surname), "sex": "男" if male else "女", "birth_date": birth.isoformat(),
        "ethnicity": "汉族" if rng.random() < 0.9 else rng.choice(("土家族", "苗族", "彝族", "回族")),
        "id_number": make_id(rng, home[3], birth, male), "hukou_registered": "是",
        "guardianship": rng.choice(("较好", "较好", "一般")), "guardianship_problem": "",
        "health": "健康", "disability_type": "无", "disability_grade": "无", "rehab_aid": "否",
        "schooling": _schooling(age), "study_status": "在读", "boarding": "否",
        "school_name": "" if age < 3 else f"{town}{'幼儿园' if age < 6 else '小学' if age < 12 else '中学'}",
        "family_hardship": "无", "living_support": "无",
    }
    r["health_mgmt"] = form["health_mgmt"].options[0 if age <= 6 else -1]
    r["tcm_mgmt"] = form["tcm_mgmt"].options[0 if age < 3 else -1]
    r["medical_insurance"] = form["medical_insurance"].options[0]
    _address(r, "hukou_address", home[:3], f"{rng.choice(('城关镇', '新场镇', '太平镇'))}{rng.randrange(1, 12)}组",
             structured)
    detail = f"{town}{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
    _address(r, "residence", res[:3], detail, structured)
    for who, years, is_male in (("father", (24, 40), True), ("mother", (21, 38), False)):
        pb = _date(rng, _dt.date(birth.year - years[1], 1, 1), _dt.date(birth.year - years[0], 12, 28))
        r[f"{who}_name"] = _name(rng, surname if who == "father" else None)
        r[f"{who}_id"] = make_id(rng, home[3], pb, is_male)
        r[f"{who}_phone"] = _phone(rng)
        _address(r, f"{who}_hukou_address", home[:3], "", structured)
        _address(r, f"{who}_residence", res[:3] if kind == "flow" else ("广东省", "东莞市", "长安镇"), "",
                 structured)
    if kind == "flow":
        left = _date(rng, max(birth, as_of - _dt.timedelta(days=365 * 5)), add_months(as_of, -7))
        r.update({"co_residents": "父母双方", "residence_registration": rng.choice(("办理居住证", "暂住登记")),
                  "housing_type": rng.choice(("自购房", "出租房屋")), "left_hukou_date": left.isoformat(),
                  "arrival_date": (left + _dt.timedelta(days=rng.randrange(0, 20))).isoformat()})
        if r["health_mgmt"] == "在户籍地接受" and age <= 6:
            r["health_mgmt"] = "在居住地接受"
        if r["tcm_mgmt"] == "在户籍地接受":
            r["tcm_mgmt"] = "在户籍地接受"
    else:
        gp = rng.choice((("爷爷", True), ("奶奶", False), ("外公", True), ("外婆", False)))
        gb = _date(rng, _dt.date(birth.year - 70, 1, 1), _dt.date(birth.year - 48, 12, 28))
        r.update({"both_parents_away": "是", "one_parent_incapable": "否", "has_caregiver": "有",
                  "caregiver_relation": gp[0], "caregiver_name": _name(rng, surname if gp[0] in ("爷爷", "奶奶") else None),
                  "caregiver_id": make_id(rng, home[3], gb, gp[1]), "caregiver_phone": _phone(rng)})
        _address(r, "caregiver_hukou_address", home[:3], "", structured)
        _address(r, "caregiver_residence", home[:3], "", structured)
    keys = form.column_keys
    return {k: v for k, v in r.items() if k in keys}


def _address(r: dict, key: str, place: tuple[str, str, str], detail: str, structured: bool) -> None:
    if structured:
        for part, value in zip(("province", "city", "county", "detail"), (*place, detail)):
            r[f"{key}_{part}"] = value
    else:
        city = "" if place[1] == place[0] else place[1]
        r[key] = f"{place[0]}{city}{place[2]}{detail}"


ERRORS = ("id.checksum", "id.digits_lost", "option.near_miss", "date.month_only", "phone.format",
          "field.required", "id.sex_mismatch")


def inject_error(rng: random.Random, row: dict[str, str], code: str | None = None) -> str:
    """Break one field of ``row`` in place so that the engine reports ``code``; returns the code."""
    code = code or rng.choice(ERRORS)
    if code == "id.checksum":
        n = row["id_number"]
        pos = rng.randrange(0, 17)
        row["id_number"] = n[:pos] + str((int(n[pos]) + rng.randrange(1, 10)) % 10) + n[pos + 1:]
    elif code == "id.digits_lost":
        row["id_number"] = f"{float(row['id_number'][:17] + '0'):.15g}"
    elif code == "option.near_miss":
        row["hukou_registered"] = "本地户口"
    elif code == "date.month_only":
        row["birth_date"] = row["birth_date"][:7].replace("-", "年") + "月"
    elif code == "phone.format":
        row["father_phone"] = row["father_phone"][:10]
    elif code == "field.required":
        row["name"] = ""
    elif code == "id.sex_mismatch":
        row["sex"] = "女" if row["sex"] == "男" else "男"
    return code


def children(n: int, kind: str, profile=None, as_of: _dt.date | None = None, *, seed: int = 0,
             error_rate: float = 0.0, structured: bool = True) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    ref = as_of or _dt.date.today()
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    for _ in range(n):
        row = child(rng, kind, prof, ref, structured=structured)
        if error_rate and rng.random() < error_rate:
            inject_error(rng, row)
        yield row
