"""The rule engine, rule by rule, at its boundaries (seeds 000/001/002/003)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from xltools.core import issues, regions, schema, synthetic
from xltools.core.schema import CAT_FLOW, CAT_FLOW_STATS, CAT_LEFT, CAT_OUT, CAT_UNKNOWN
from xltools.core.profiles import load
from xltools.core.validate import validate_rows

AS_OF = dt.date(2026, 11, 24)


def make_id(code: str, birth: dt.date, male: bool = True) -> str:
    return synthetic.make_id(random.Random(1), code, birth, male)


def flow_child(seed=0, profile="chongqing", **changes) -> dict:
    row = synthetic.child(random.Random(seed), "flow", profile, AS_OF, structured=True)
    row.update(changes)
    return row


def left_child(seed=0, profile="chongqing", **changes) -> dict:
    row = synthetic.child(random.Random(seed), "left", profile, AS_OF, structured=True)
    row.update(changes)
    return row


def with_birth(row: dict, birth: dt.date, code: str = "510107") -> dict:
    male = row["sex"] == "男"
    row.update(birth_date=birth.isoformat(), id_number=make_id(code, birth, male))
    row["schooling"] = "初中" if (AS_OF.year - birth.year) >= 12 else row["schooling"]
    return row


def codes(report) -> list[str]:
    return [i.code for i in report.issues]


def status(row, kind="flow", profile="chongqing", as_of=AS_OF):
    report = validate_rows([row], kind, profile, as_of)
    return report.statuses[0], report


# --- a clean row ------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["flow", "left"])
@pytest.mark.parametrize("profile", ["national", "chongqing"])
@pytest.mark.parametrize("structured", [True, False])
def test_consistent_children_have_no_issues_and_are_in_scope(kind, profile, structured):
    rows = list(synthetic.children(200, kind, profile, AS_OF, seed=11, structured=structured))
    report = validate_rows(rows, kind, profile, AS_OF)
    assert report.issues == []
    expected = CAT_LEFT if kind == "left" else CAT_FLOW
    assert report.summary()["categories"] == {expected: 200}


# --- age: 不满十六周岁 ---------------------------------------------------------------

def test_child_turning_16_on_reference_date_is_out_of_scope():
    st, _ = status(with_birth(flow_child(), dt.date(2010, 11, 24)))
    assert (st.age, st.category, st.reasons) == (16, CAT_OUT, ["已满16周岁"])


def test_child_turning_16_the_day_after_reference_date_is_in_scope():
    st, _ = status(with_birth(flow_child(), dt.date(2010, 11, 25)))
    assert (st.age, st.category) == (15, CAT_FLOW)


def test_age_is_in_full_years_not_calendar_years():
    # id-validator's trap: born 2010-12-31 is 15 on 2026-11-22, not 16
    st, _ = status(with_birth(flow_child(), dt.date(2010, 12, 31)), as_of=dt.date(2026, 11, 22))
    assert st.age == 15 and st.category == CAT_FLOW


def test_child_born_29_february_turns_16_on_29_february_of_a_leap_year():
    row = with_birth(flow_child(left_hukou_date="2023-01-01", arrival_date="2023-01-02"), dt.date(2008, 2, 29))
    assert status(row, as_of=dt.date(2024, 2, 28))[0].age == 15
    assert status(row, as_of=dt.date(2024, 2, 29))[0].category == CAT_OUT


def test_birth_after_reference_date_is_out_with_its_reason():
    row = flow_child(birth_date="2027-01-01", id_number="")
    st, report = status(row)
    assert st.category == CAT_OUT and "出生日期晚于统计日期" in st.reasons
    assert "date.after_reference" in codes(report)


# --- 6个月以上 ------------------------------------------------------------------------

def test_exactly_six_months_since_leaving_counts():
    st, _ = status(flow_child(left_hukou_date="2026-05-24", arrival_date="2026-05-24"))
    assert st.category == CAT_FLOW


def test_six_months_less_a_day_is_out():
    st, _ = status(flow_child(left_hukou_date="2026-05-25", arrival_date="2026-05-25"))
    assert (st.category, st.reasons) == (CAT_OUT, ["离开户籍地不满6个月"])


def test_six_months_from_31_august_ends_on_the_last_day_of_february():
    row = flow_child(left_hukou_date="2025-08-31", arrival_date="2025-08-31")
    assert status(row, as_of=dt.date(2026, 2, 28))[0].category == CAT_FLOW
    assert status(row, as_of=dt.date(2026, 2, 27))[0].category == CAT_OUT


def test_missing_leaving_date_makes_the_child_pending():
    st, report = status(flow_child(left_hukou_date=""))
    assert st.category == CAT_UNKNOWN and "field.required" in codes(report)


# --- cross-county and the main-city rule ----------------------------------------------

def place(row, key, province, city, county, detail=""):
    for part, v in zip(("province", "city", "county", "detail"), (province, city, county, detail)):
        row[f"{key}_{part}"] = v
    return row


def test_move_between_two_chongqing_main_city_districts_is_statistics_only():
    # 002 二(一)1: 中心城区各区之间异地居住的除外
    row = place(flow_child(), "hukou_address", "重庆市", "重庆市", "沙坪坝区")
    st, _ = status(row)
    assert st.category == CAT_FLOW_STATS
    assert st.reasons == ["同属主城区范围内流动，不纳入监测摸排"]


def test_old_jiangbei_district_and_new_liangjiang_district_are_one_county_after_the_reform():
    # 2025-11-06: 江北区 → 两江新区; same county, so the township decides
    row = place(flow_child(), "hukou_address", "重庆市", "重庆市", "江北区", "观音桥街道1号")
    place(row, "residence", "重庆市", "重庆市", "两江新区", "两路街道1号")
    st, _ = status(row)
    assert (st.category, st.reasons) == (CAT_FLOW_STATS, ["同一县（区）内跨乡镇（街道）流动"])
    place(row, "hukou_address", "重庆市", "重庆市", "江北区", "")
    assert status(row)[0].category == CAT_UNKNOWN  # no township on the 户籍 side


def test_gaoxin_district_without_a_code_is_main_city_by_name():
    row = place(flow_child(), "residence", "重庆市", "重庆市", "西部科学城重庆高新区", "含谷镇1号")
    place(row, "hukou_address", "重庆市", "重庆市", "沙坪坝区")
    assert status(row)[0].category == CAT_FLOW_STATS


def test_move_from_outer_county_into_main_city_is_monitored():
    row = place(flow_child(), "hukou_address", "重庆市", "重庆市", "城口县")
    assert status(row)[0].category == CAT_FLOW


def test_national_profile_has_no_main_city_exception():
    row = place(flow_child(profile="national"), "hukou_address", "重庆市", "重庆市", "江北区", "观音桥街道")
    place(row, "residence", "重庆市", "重庆市", "渝北区", "两路街道")
    row["medical_insurance"] = "纳入居住地医保"
    before = dt.date(2025, 11, 5)  # the day before 江北区 and 渝北区 became 两江新区
    row.update(left_hukou_date="2024-01-01", arrival_date="2024-01-01")
    assert status(row, profile="national", as_of=before)[0].category == CAT_FLOW
    assert status(row, profile="national")[0].category == CAT_FLOW_STATS  # one county since 2025-11-06


def test_same_county_different_township_is_statistics_only():
    row = place(flow_child(), "hukou_address", "重庆市", "重庆市", "渝北区", "古路镇1组")
    place(row, "residence", "重庆市", "重庆市", "渝北区", "两路街道金港路8号")
    st, _ = status(row)
    assert (st.category, st.reasons) == (CAT_FLOW_STATS, ["同一县（区）内跨乡镇（街道）流动"])


def test_same_township_is_out():
    row = place(flow_child(), "hukou_address", "重庆市", "重庆市", "渝北区", "古路镇1组")
    place(row, "residence", "重庆市", "重庆市", "渝北区", "古路镇场镇2号")
    assert status(row)[0].reasons == ["未离开户籍地所在乡镇（街道）"]


def test_address_text_is_used_when_there_are_no_structured_cells():
    row = synthetic.child(random.Random(3), "flow", "chongqing", AS_OF, structured=False)
    row["hukou_address"] = "江北区观音桥街道1号"  # 重庆 by the profile, not 宁波
    st, _ = status(row)
    assert st.category == CAT_FLOW_STATS
    assert st.basis.startswith("户籍地：地址写明县（区）（未写省，按口径默认重庆市）、乡镇（街道）；现居住地：地址写明")


def test_id_region_code_is_only_a_hint_never_the_hukou_county():
    # issue 12: the region code is where the number was issued, not the 户籍地
    row = synthetic.child(random.Random(3), "flow", "chongqing", AS_OF, structured=False)
    row["hukou_address"] = ""
    st, report = status(row)
    assert st.category == CAT_UNKNOWN and st.basis == ""
    region = regions.lookup(row["id_number"][:6]).full_name
    assert f"身份号码地区码为{region}，仅供参考" in st.reasons[0]
    assert "field.required" in codes(report)  # still reported as missing


def test_undecidable_county_is_pending_with_a_warning():
    row = synthetic.child(random.Random(3), "flow", "chongqing", AS_OF, structured=False)
    row.update(residence="某小区3栋")
    st, report = status(row)
    assert st.category == CAT_UNKNOWN and "status.undetermined" in codes(report)


# --- 留守 -------------------------------------------------------------------------

def test_both_parents_away_is_left_behind():
    assert status(left_child(), "left")[0].category == CAT_LEFT


def test_one_parent_away_other_incapable_is_left_behind():
    row = left_child(both_parents_away="否", one_parent_incapable="是")
    assert status(row, "left")[0].category == CAT_LEFT


def test_one_parent_at_home_and_capable_is_out():
    row = left_child(both_parents_away="否", one_parent_incapable="否")
    assert status(row, "left")[0].reasons == ["父母未同时外出且另一方具有监护能力"]


def test_both_answers_yes_is_a_contradiction_warning():
    row = left_child(one_parent_incapable="是")
    assert "consistency.left_parents" in codes(status(row, "left")[1])


def test_no_caregiver_but_caregiver_filled_is_an_error():
    assert "consistency.caregiver" in codes(status(left_child(has_caregiver="无"), "left")[1])


# --- 重点关爱 ---------------------------------------------------------------------

@pytest.mark.parametrize("changes,reason", [
    ({"family_hardship": "低保家庭"}, "家庭生活困难"),
    ({"health": "残疾", "disability_type": "肢体残疾", "disability_grade": "二级"}, "自身残疾"),
    ({"guardianship_problem": "无人监护"}, "监护缺失"),
    ({"living_support": "生活无着流浪乞讨人员救助"}, "流浪"),
    ({"health": "心理/行为异常"}, "心理和行为异常"),
    ({"study_status": "辍学"}, "失学辍学"),
    ({"hukou_registered": "否", "id_number": ""}, "无户籍"),
])
def test_key_care_reasons(changes, reason):
    st, _ = status(flow_child(**changes))
    assert st.key_care and reason in st.key_care_reasons


def test_key_care_only_for_children_in_scope():
    st, _ = status(with_birth(flow_child(family_hardship="低保家庭"), dt.date(2009, 1, 1)))
    assert st.category == CAT_OUT and not st.key_care


def test_key_care_rules_name_real_options():
    for _, tests in schema.KEY_CARE_RULES:
        for key, values in tests:
            options = {o for kind in schema.KINDS for f in schema.base_form(kind) if f.key == key
                       for o in f.options}
            assert set(values) <= options, (key, set(values) - options)


# --- options ----------------------------------------------------------------------

def test_near_miss_is_reported_with_a_suggestion_not_replaced():
    report = validate_rows([flow_child(hukou_registered="本地户口")], "flow", "chongqing", AS_OF)
    issue = report.issues[0]
    assert (issue.code, issue.params["suggestion"], issue.value) == ("option.near_miss", "是", "本地户口")
    assert "疑似应为“是”" in issue.message


def test_full_width_and_spaced_options_are_accepted():
    assert codes(status(flow_child(guardianship="较 好", schooling="小学 "))[1]) == []


def test_option_outside_the_list_lists_the_options():
    issue = status(flow_child(residence_registration="居住证"))[1].issues[0]
    assert issue.code in ("option.near_miss", "option.invalid")
    issue = status(flow_child(guardianship="很好很好很好"))[1].issues[0]
    assert issue.code == "option.invalid" and "较好/一般/较差" in issue.message


def test_chongqing_insurance_wording_is_wrong_for_the_national_form():
    row = flow_child(profile="national", medical_insurance="已参保")
    assert "option" in codes(status(row, profile="national")[1])[0]


def test_several_ticks_in_a_multi_choice_cell():
    row = flow_child(health="残疾、慢性病", disability_type="肢体残疾", disability_grade="三级")
    assert codes(status(row)[1]) == []


def test_exclusive_option_with_others_is_an_error():
    assert "option.exclusive" in codes(status(flow_child(health="健康、慢性病"))[1])


def test_other_without_its_text_is_a_warning():
    assert "option.other_text" in codes(status(flow_child(family_hardship="其他"))[1])


# --- ID numbers in rows -------------------------------------------------------------

def test_wrong_check_digit_is_reported_with_the_expected_digit():
    row = flow_child()
    good = row["id_number"]
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    issue = status({**row, "id_number": bad})[1].issues[0]
    assert issue.code == "id.checksum" and issue.params["expected"] == good[17]
    assert issue.column and issue.row == 2


def test_id_typed_into_a_number_cell_is_digits_lost_never_accepted():
    row = flow_child()
    row["id_number"] = f"{float(row['id_number'][:17] + '0'):.15g}"
    assert codes(status(row)[1])[0] == "id.digits_lost"


def test_fifteen_digit_number_is_reported_with_its_18_digit_form():
    issue = status(flow_child(father_id="110105491231002"))[1].issues[0]
    assert issue.code == "id.old_format" and issue.params["converted"] == "11010519491231002X"


def test_child_born_2026_with_retired_yubei_code_is_valid():
    birth = dt.date(2026, 3, 1)
    row = with_birth(flow_child(left_hukou_date="2026-04-01", arrival_date="2026-04-01"), birth, "500112")
    row.update(schooling="学龄前", study_status="", school_name="")
    report = status(row)[1]
    assert not [c for c in codes(report) if c.startswith("id.")]


def test_birth_date_and_sex_are_checked_against_the_id():
    row = flow_child()
    row["birth_date"] = "2012-01-01"
    row["sex"] = "女" if row["sex"] == "男" else "男"
    assert {"id.birth_mismatch", "id.sex_mismatch"} <= set(codes(status(row)[1]))


def test_child_without_hukou_needs_no_id_number():
    row = flow_child(hukou_registered="否", id_number="")
    assert "field.required" not in codes(status(row)[1])


def test_same_id_twice_in_a_sheet_names_the_other_row():
    a, b = flow_child(0), flow_child(1)
    b["id_number"] = a["id_number"]
    b["birth_date"], b["sex"] = a["birth_date"], a["sex"]
    report = validate_rows([a, b, flow_child(2)], "flow", "chongqing", AS_OF)
    dups = [(i.row, i.params["other_rows"]) for i in report.issues if i.code == "id.duplicate"]
    assert dups == [(2, "3"), (3, "2")]


# --- dates, phones, consistency -------------------------------------------------------

@pytest.mark.parametrize("text", ["2024-09-01", "2024.9.1", "2024/9/1", "2024年9月1日", "20240901", "45536"])
def test_usual_date_spellings_are_accepted(text):
    row = flow_child(left_hukou_date=text, arrival_date="2024-09-02")
    assert codes(status(row)[1]) == []


def test_month_only_date_is_an_error():
    assert codes(status(flow_child(arrival_date="2024年9月"))[1]) == ["date.month_only"]


def test_arrival_before_leaving_is_out_of_order():
    row = flow_child(left_hukou_date="2024-09-01", arrival_date="2024-08-01")
    assert codes(status(row)[1]) == ["date.order"]


def test_short_phone_number_is_an_error_and_landline_is_fine():
    assert codes(status(flow_child(father_phone="1380013800"))[1]) == ["phone.format"]
    assert codes(status(flow_child(father_phone="023-67891234"))[1]) == []


def test_disability_category_must_agree_with_health_and_grade():
    got = codes(status(flow_child(disability_type="肢体残疾"))[1])
    assert "consistency.disability_health" in got and "consistency.disability_grade" in got


def test_multiple_disability_needs_its_categories():
    row = flow_child(health="残疾", disability_type="多重残疾", disability_grade="一级", disability_multi="肢体残疾")
    assert "consistency.multi_disability" in codes(status(row)[1])
    row["disability_multi"] = "肢体残疾、智力残疾"
    assert codes(status(row)[1]) == []


def test_preschool_at_twelve_is_a_warning():
    row = with_birth(flow_child(), dt.date(2014, 1, 5))
    row["schooling"] = "学龄前"
    issue = [i for i in status(row)[1].issues if i.code == "consistency.schooling_age"][0]
    assert issue.severity == "warning" and "12周岁" in issue.message


def test_service_received_here_after_arriving_too_old_is_a_warning():
    row = with_birth(flow_child(), dt.date(2016, 1, 5))
    row.update(left_hukou_date="2025-01-01", arrival_date="2025-01-01", tcm_mgmt="在居住地接受",
               schooling="小学")
    assert "consistency.service_age" in codes(status(row)[1])


def test_missing_required_column_is_one_sheet_issue_not_one_per_row():
    rows = [flow_child(i) for i in range(5)]
    for r in rows:
        del r["residence_registration"]
    report = validate_rows(rows, "flow", "chongqing", AS_OF)
    assert report.flatten(["row", "field", "code"]) == [[None, "residence_registration", "field.missing_column"]]


# --- the report -------------------------------------------------------------------

def test_every_issue_code_has_a_message_title_and_severity():
    assert set(issues.MESSAGES) == set(issues.TITLES)
    for code in issues.MESSAGES:
        assert issues.SEVERITY[code] in (issues.ERROR, issues.WARNING)


def test_report_to_dict_counts_add_up():
    rows = list(synthetic.children(50, "flow", "chongqing", AS_OF, seed=5, error_rate=0.3))
    d = validate_rows(rows, "flow", "chongqing", AS_OF).to_dict()
    assert d["summary"]["errors"] + d["summary"]["warnings"] == len(d["issues"])
    assert sum(d["summary"]["categories"].values()) == 50 == len(d["rows"])
    assert sum(r["errors"] for r in d["rows"]) == d["summary"]["errors"]


@pytest.mark.parametrize("junk", [None, "", 0, "€", "⑱", 3.5, "2024-13-45", "x" * 300])
def test_junk_in_every_column_never_crashes(junk):
    row = {k: junk for k in schema.base_form("flow").column_keys}
    report = validate_rows([row, flow_child()], "flow", "chongqing", AS_OF)
    assert len(report.statuses) == 2
    for issue in report.issues:
        assert issue.message


# --- region-code warnings through the engine ---------------------------------------

def test_unknown_region_code_is_a_warning_naming_the_code():
    row = with_birth(flow_child(3), dt.date(2015, 6, 1), code="500199")
    report = validate_rows([row], "flow", "chongqing", AS_OF)
    found = [i for i in report.issues if i.code == "id.region_unknown"]
    assert [i.severity for i in found] == ["warning"]
    assert "地区码 500199 不在行政区划代码表中" in found[0].message


def test_region_code_retired_long_before_birth_is_a_warning_naming_the_code():
    # 110103 (北京市崇文区) was abolished in 2010; a 2018 birth there is most likely mistyped
    row = with_birth(flow_child(4), dt.date(2018, 3, 3), code="110103")
    report = validate_rows([row], "flow", "chongqing", AS_OF)
    found = [i for i in report.issues if i.code == "id.region_retired"]
    assert len(found) == 1 and "地区码 110103（" in found[0].message and "出生年份为2018年" in found[0].message


def test_national_insurance_wording_in_a_chongqing_roster_suggests_the_chongqing_option():
    # A township copies the national form's 纳入居住地医保 / 未纳入医保 into a Chongqing roster: still
    # an error (the form's options are 已参保/未参保), but the message says which one is meant.
    from xltools.core.validate import suggest
    cq = load("chongqing").form("flow")["medical_insurance"].options
    assert suggest("纳入居住地医保", cq) == "已参保" and suggest("纳入户籍地医保", cq) == "已参保"
    assert suggest("未纳入医保", cq) == "未参保"
