"""Region codes with their history (GB/T 2260 via python-stdnum's loc.dat) and address text."""

from __future__ import annotations

import pytest

from xltools.core import regions
from xltools.core.regions import Address, lookup, parse_address, resolve_parts

HIGH_TECH = "西部科学城重庆高新区"  # a county-level area of 重庆 without a code of its own


# --- codes and their history ------------------------------------------------------

def test_500112_is_yubei_district_from_1997_to_2025():
    r = lookup("500112")
    assert (r.code, r.province, r.city, r.county, r.level) == ("500112", "重庆市", "重庆市", "渝北区", "county")
    assert (r.first_year, r.last_year) == (1997, 2025)
    assert r.history_text() == "渝北区（1997–2025）"
    assert r.full_name == "重庆市渝北区"
    assert r.in_use(1997) and r.in_use(2025) and not r.in_use(1996) and not r.in_use(2026)
    assert r.name_in(2020) == "渝北区"


def test_500105_jiangbei_district_is_retired_in_2025():
    assert lookup("500105").full_name == "重庆市江北区" and lookup("500105").last_year == 2025


def test_500157_is_liangjiang_new_area_from_2025_and_still_in_use():
    r = lookup("500157")
    assert (r.county, r.full_name, r.first_year, r.last_year) == ("两江新区", "重庆市两江新区", 2025, None)
    assert r.history_text() == "两江新区（2025–今）"


def test_110105_is_chaoyang_in_beijing_without_known_dates():
    r = lookup("110105")
    assert (r.full_name, r.city, r.first_year, r.last_year) == ("北京市朝阳区", "北京市", None, None)
    assert r.history_text() == "朝阳区"


def test_a_city_code_is_a_city_level_region():
    r = lookup("330200")
    assert (r.level, r.province, r.city, r.county, r.full_name) == ("city", "浙江省", "宁波市", "", "浙江省宁波市")


def test_a_province_code_is_a_province_level_region():
    r = lookup("500000")
    assert (r.level, r.province, r.city, r.county) == ("province", "重庆市", "", "")
    assert regions.province_of("500112") == "重庆市" and regions.province_of("99") is None


@pytest.mark.parametrize("code", ["500199", "990000", "000000", "", "5001", "abcdef"])
def test_a_code_that_never_existed_is_none(code):
    assert lookup(code) is None


def test_lookup_reads_only_the_first_six_digits():
    assert lookup("11010519491231002X").code == "110105"


def test_current_regions_are_county_codes_still_in_use_in_code_order():
    current = regions.current_regions()
    codes = [r.code for r in current]
    assert codes == sorted(codes)
    assert all(r.level == "county" and r.last_year is None for r in current)
    assert "500157" in codes and "110105" in codes and "500112" not in codes and "500105" not in codes


def test_all_counties_include_retired_codes():
    codes = {r.code for r in regions.all_counties()}
    assert {"500112", "500105", "110103", "500157"} <= codes
    assert not any(c.endswith("00") for c in codes)


# --- address text ---------------------------------------------------------------

@pytest.mark.parametrize("text,default,code", [
    ("重庆市江北区观音桥街道建新北路1号", "", "500105"),
    ("浙江省宁波市江北区庄桥街道", "", "330205"),
    ("浙江省宁波市江北区庄桥街道", "重庆市", "330205"),   # the text's province beats the default
    ("宁波市江北区庄桥街道", "重庆市", "330205"),         # so does its city
    ("江北区观音桥", "重庆市", "500105"),
    ("江北区", "浙江省", "330205"),
    ("朝阳区望京街道", "北京市", "110105"),
    ("吉林省长春市朝阳区", "北京市", "220104"),
    ("重庆市重庆市渝北区", "", "500112"),                # municipality written twice
    ("北京市北京市朝阳区", "", "110105"),
    ("重庆重庆市渝北区", "", "500112"),
    ("重庆渝北区龙溪街道", "", "500112"),                 # province without 市
    ("北京朝阳区", "", "110105"),
    ("重庆市两江新区鸳鸯街道", "", "500157"),
    ("四川省成都市武侯区簇桥街道", "", "510107"),
    ("吉林市船营区", "", "220204"),                      # a city named like its province
    ("海南藏族自治州共和县", "", "632521"),               # in 青海, not 海南省
])
def test_address_text_to_county_code(text, default, code):
    assert parse_address(text, default).code == code


def test_address_fields_of_a_municipality():
    a = parse_address("重庆市江北区观音桥街道建新北路1号")
    assert a == Address("重庆市", "重庆市", "江北区", "500105", "观音桥街道", "观音桥街道建新北路1号")


def test_address_fields_of_a_province():
    a = parse_address("浙江省宁波市江北区庄桥街道")
    assert (a.province, a.city, a.county, a.code, a.township) == ("浙江省", "宁波市", "江北区", "330205", "庄桥街道")


@pytest.mark.parametrize("text", ["江北区观音桥", "朝阳区望京街道"])
def test_a_county_name_that_repeats_is_not_guessed_without_context(text):
    a = parse_address(text)
    assert a.code == "" and a.county == ""


def test_a_default_province_does_not_override_the_text():
    assert parse_address("朝阳区", "北京市").code == "110105"
    assert parse_address("江北区观音桥", "北京市").code == ""  # no 江北区 in 北京


def test_an_area_without_a_code_keeps_its_name_and_an_empty_code():
    a = parse_address("重庆市西部科学城重庆高新区含谷镇1号", "重庆市", (HIGH_TECH,))
    assert (a.province, a.city, a.county, a.code, a.township) == ("重庆市", "重庆市", HIGH_TECH, "", "含谷镇")
    assert a.county_key == f"重庆市|重庆市|{HIGH_TECH}"
    assert parse_address(f"{HIGH_TECH}含谷镇", "重庆市", (HIGH_TECH,)).county == HIGH_TECH


def test_an_area_without_a_code_counts_only_in_the_default_province():
    a = parse_address("四川省成都市高新区", "重庆市", (HIGH_TECH,))
    assert a.county != HIGH_TECH and a.province == "四川省"


@pytest.mark.parametrize("text,township", [
    ("重庆市江北区观音桥街道1号", "观音桥街道"),
    ("重庆市江北区观音桥街道办事处", "观音桥街道办事处"),
    ("重庆市北碚区童家溪镇同兴村", "童家溪镇"),
    ("重庆市城口县东安镇", "东安镇"),
    ("重庆市九龙坡区石桥铺", ""),
    ("渝北区两路街道", "两路街道"),   # county ambiguous (old 四川 code): still not part of the township
])
def test_township_is_extracted_after_the_county(text, township):
    assert parse_address(text).township == township


def test_county_key_is_the_code_when_known():
    assert parse_address("重庆市江北区").county_key == "500105"
    assert Address().county_key == ""


@pytest.mark.parametrize("text", ["", "   ", None, "€", "⑱", "12345", "某某村"])
def test_text_without_a_place_gives_no_code(text):
    a = parse_address(text)
    assert a.code == "" and a.county == ""


# --- structured cells (three dropdowns) -------------------------------------------

@pytest.mark.parametrize("parts,default,code", [
    (("重庆市", "重庆市", "九龙坡区"), "", "500107"),
    (("重庆市", "", "九龙坡区"), "", "500107"),
    (("", "", "九龙坡区"), "重庆市", "500107"),
    (("重庆市", "重庆市", "江北区"), "", "500105"),
    (("浙江省", "宁波市", "江北区"), "重庆市", "330205"),
    (("北京市", "北京市", "朝阳区"), "", "110105"),
    (("重庆市", "重庆市", "两江新区"), "", "500157"),
])
def test_structured_cells_resolve_to_a_code(parts, default, code):
    assert resolve_parts(*parts, default).code == code


def test_structured_cells_with_an_area_without_a_code():
    a = resolve_parts("重庆市", "重庆市", HIGH_TECH, "重庆市", (HIGH_TECH,))
    assert (a.county, a.code) == (HIGH_TECH, "")


def test_structured_cells_with_an_unknown_county_keep_the_names():
    a = resolve_parts("重庆市", "重庆市", "不存在区")
    assert a == Address("重庆市", "重庆市", "不存在区", "", "", "")


def test_structured_cells_all_empty_is_an_empty_address():
    assert resolve_parts("", "", "") == Address()
