"""Ages, month arithmetic, date spellings; region codes and address text."""

from __future__ import annotations

import datetime as dt
import doctest

import numpy as np
import pytest

from xltools.core import dates, idcard, phone, regions
from xltools.core.dates import DateError, add_months, age_on, ages_at, parse_date

D = dt.date


@pytest.mark.parametrize("ref,age", [(D(2026, 11, 23), 15), (D(2026, 11, 24), 16), (D(2026, 11, 25), 16)])
def test_age_around_the_16th_birthday(ref, age):
    assert age_on(D(2010, 11, 24), ref) == age


@pytest.mark.parametrize("ref,age", [(D(2013, 2, 28), 0), (D(2013, 3, 1), 1), (D(2016, 2, 28), 3), (D(2016, 2, 29), 4)])
def test_born_29_february_turns_a_year_older_on_1_march_in_common_years(ref, age):
    assert age_on(D(2012, 2, 29), ref) == age


def test_vectorised_age_agrees_with_age_on():
    births = [D(2012, 2, 29), D(2010, 11, 24), D(2010, 11, 25), D(2000, 1, 1)]
    for ref in (D(2013, 2, 28), D(2013, 3, 1), D(2026, 11, 24), D(2024, 2, 29)):
        arr = np.array(births + [None], dtype="datetime64[D]")
        assert list(ages_at(arr, ref)) == [age_on(b, ref) for b in births] + [-1]


@pytest.mark.parametrize("start,months,end", [(D(2024, 8, 31), 6, D(2025, 2, 28)), (D(2023, 8, 31), 6, D(2024, 2, 29)),
                                              (D(2026, 5, 24), 6, D(2026, 11, 24)), (D(2025, 12, 31), 2, D(2026, 2, 28))])
def test_add_months_clamps_like_excel_edate(start, months, end):
    assert add_months(start, months) == end
    assert dates.add_months_array(np.array([start], dtype="datetime64[D]"), months)[0] == np.datetime64(end)


@pytest.mark.parametrize("text", ["2024-09-01", "2024.9.1", "2024/9/1", "2024年9月1日", "20240901", 20240901, 45536,
                                  dt.datetime(2024, 9, 1, 8, 30), "２０２４－０９－０１", "2024-09-01 00:00:00"])
def test_usual_date_spellings(text):
    assert parse_date(text) == D(2024, 9, 1)


def test_bad_dates_say_why():
    with pytest.raises(DateError) as exc:
        parse_date("2024年9月")
    assert exc.value.code == "date.month_only"
    for junk in ("2024-02-30", "明年", "€", True):
        with pytest.raises(DateError):
            parse_date(junk)
    assert parse_date("") is None and parse_date(None) is None and parse_date(float("nan")) is None


def test_region_history():
    assert regions.lookup("500112").history_text() == "渝北区（1997–2025）"
    assert regions.lookup("500157").county == "两江新区"
    assert regions.lookup("110105").full_name == "北京市朝阳区"
    assert regions.lookup("130100").level == "city"
    assert regions.lookup("500199") is None


@pytest.mark.parametrize("text,default,code", [
    ("重庆市江北区观音桥街道建新北路1号", "", "500105"), ("浙江省宁波市江北区庄桥街道", "重庆市", "330205"),
    ("江北区观音桥", "重庆市", "500105"), ("朝阳区望京街道", "北京市", "110105"),
    ("重庆市重庆市渝北区", "", "500112"), ("重庆渝北区龙溪街道", "", "500112"), ("四川省成都市武侯区簇桥街道", "", "510107"),
])
def test_address_text_to_county_code(text, default, code):
    assert regions.parse_address(text, default).code == code


def test_county_names_that_repeat_are_not_guessed_without_context():
    assert regions.parse_address("江北区观音桥").code == ""


def test_area_without_a_code_and_the_township():
    a = regions.parse_address("重庆市西部科学城重庆高新区含谷镇1号", "重庆市", ("西部科学城重庆高新区",))
    assert (a.county, a.code, a.township) == ("西部科学城重庆高新区", "", "含谷镇")
    assert regions.parse_address("重庆市江北区观音桥街道1号").township == "观音桥街道"


def test_structured_cells_resolve_to_a_code():
    assert regions.resolve_parts("重庆市", "重庆市", "九龙坡区").code == "500107"
    assert regions.resolve_parts("", "", "九龙坡区", "重庆市").code == "500107"


@pytest.mark.parametrize("module", [dates, idcard, regions, phone])
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0
