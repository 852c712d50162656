"""Ages in full years, month arithmetic like Excel's EDATE, and dates as staff write them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.core import dates
from xltools.core.dates import DateError, add_months, age_on, parse_date

D = dt.date


# --- 周岁 ----------------------------------------------------------------------

def test_child_the_day_before_the_16th_birthday_is_15():
    assert age_on(D(2010, 11, 24), D(2026, 11, 23)) == 15


def test_child_turning_16_on_reference_date_is_16():
    assert age_on(D(2010, 11, 24), D(2026, 11, 24)) == 16


def test_child_the_day_after_the_16th_birthday_is_16():
    assert age_on(D(2010, 11, 24), D(2026, 11, 25)) == 16


def test_age_is_full_years_not_the_difference_of_years():
    assert age_on(D(2010, 12, 31), D(2026, 11, 22)) == 15


def test_born_on_the_reference_date_is_0():
    assert age_on(D(2026, 11, 24), D(2026, 11, 24)) == 0


@pytest.mark.parametrize("ref,age", [
    (D(2013, 2, 28), 0), (D(2013, 3, 1), 1),    # common year: a year older on 1 March
    (D(2016, 2, 28), 3), (D(2016, 2, 29), 4),    # leap year: on 29 February
    (D(2028, 2, 28), 15), (D(2028, 2, 29), 16),  # the 16th birthday falls in a leap year
    (D(2029, 2, 28), 16), (D(2029, 3, 1), 17),
])
def test_born_29_february(ref, age):
    assert age_on(D(2012, 2, 29), ref) == age


def test_born_29_february_turns_16_on_1_march_in_a_common_year():
    birth = D(2008, 2, 29)  # 16th birthday in 2024, a leap year; try a common-year one too
    assert age_on(birth, D(2024, 2, 28)) == 15 and age_on(birth, D(2024, 2, 29)) == 16
    birth = D(2004, 2, 29)  # 16th "birthday" in 2020 (leap), 17th in 2021 (common)
    assert age_on(birth, D(2021, 2, 28)) == 16 and age_on(birth, D(2021, 3, 1)) == 17


@settings(max_examples=500, deadline=None)
@given(st.dates(D(1900, 1, 1), D(2100, 12, 31)), st.dates(D(1900, 1, 1), D(2100, 12, 31)))
def test_age_agrees_with_the_definition_by_add_months(birth, ref):
    if ref < birth:
        birth, ref = ref, birth
    age = age_on(birth, ref)
    # the n-th birthday is the first day on which n full years have passed (29 Feb → 1 Mar)
    def birthday(n):
        try:
            return birth.replace(year=birth.year + n)
        except ValueError:
            return D(birth.year + n, 3, 1)
    assert birthday(age) <= ref < birthday(age + 1)


# --- months ----------------------------------------------------------------------

@pytest.mark.parametrize("start,months,end", [
    (D(2024, 8, 31), 6, D(2025, 2, 28)),   # clamped to a common February
    (D(2023, 8, 31), 6, D(2024, 2, 29)),   # clamped to a leap February
    (D(2026, 5, 24), 6, D(2026, 11, 24)),  # exactly 6 months
    (D(2025, 12, 31), 2, D(2026, 2, 28)),
    (D(2024, 3, 31), 1, D(2024, 4, 30)),
    (D(2024, 1, 15), 12, D(2025, 1, 15)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2026, 11, 24), -6, D(2026, 5, 24)),
    (D(2025, 8, 31), -6, D(2025, 2, 28)),
    (D(2024, 1, 31), 0, D(2024, 1, 31)),
])
def test_add_months_clamps_like_excel_edate(start, months, end):
    assert add_months(start, months) == end


def test_six_months_minus_a_day_exactly_and_plus_a_day():
    left, ref = D(2026, 5, 24), D(2026, 11, 24)
    assert add_months(left, 6) == ref                        # exactly 6 months: counts
    assert add_months(left + dt.timedelta(days=1), 6) > ref  # a day short
    assert add_months(left - dt.timedelta(days=1), 6) < ref  # a day more


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dates(D(1900, 1, 1), D(2100, 1, 31)), min_size=1, max_size=20), st.integers(-36, 36))
def test_add_months_array_agrees_with_add_months(days, months):
    arr = np.array(days + [None], dtype="datetime64[D]")
    out = dates.add_months_array(arr, months)
    assert list(out[:-1]) == [np.datetime64(add_months(d, months), "D") for d in days]
    assert np.isnat(out[-1])


# --- what a cell holds ---------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "2024-09-01", "2024.9.1", "2024/9/1", "2024年9月1日", "2024年09月01日", "2024-9-1", "2024.09.01",
    "20240901", 20240901, 20240901.0, "20240901.0",
    45536, 45536.0, 45536.75, "45536",                  # Excel serials (a time fraction dropped)
    dt.datetime(2024, 9, 1, 8, 30), D(2024, 9, 1),
    "２０２４－０９－０１", "２０２４年９月１日", "２０２４０９０１",  # full-width digits
    " 2024-09-01 ", "2024 - 09 - 01",
    "2024-09-01 00:00:00", "2024-09-01 8:30", "2024-09-01 08:30:15", "2024-09-01T08:30",
    "2024-09-01T00:00:00.000000000",                       # str() of a numpy datetime64[ns]
])
def test_usual_spellings_of_1_september_2024(value):
    assert parse_date(value) == D(2024, 9, 1)


@pytest.mark.parametrize("value", ["", "   ", None, float("nan")])
def test_empty_is_none(value):
    assert parse_date(value) is None


@pytest.mark.parametrize("value", ["2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "20240230", 20241301])
def test_impossible_day_is_a_date_error(value):
    with pytest.raises(DateError) as exc:
        parse_date(value)
    assert exc.value.code == "date.format"


@pytest.mark.parametrize("value", ["2024年9月", "2024-09", "2024.9", "2024/9", "２０２４年９月",
                                   2024.9, "202409", 202409])
def test_year_and_month_only_is_date_error_month_only(value):
    with pytest.raises(DateError) as exc:
        parse_date(value)
    assert exc.value.code == "date.month_only"


@pytest.mark.parametrize("value", ["2024", 2024, 2024.0, 1999])
def test_a_year_alone_is_a_date_error_not_a_day_in_1905(value):
    # as an Excel serial 2024 would be 1905-07-16
    with pytest.raises(DateError) as exc:
        parse_date(value)
    assert exc.value.code == "date.format"


@pytest.mark.parametrize("value", ["明年", "€", "abc", "2024-09-01x", "24-9-1", "9/1/2024", "1899-12-31",
                                   True, False, 0, -5, 3e7, float("inf"), 60])
def test_junk_is_a_date_error(value):
    with pytest.raises(DateError):
        parse_date(value)


def test_a_small_number_is_taken_as_an_excel_serial():
    # Documents current behaviour: '⑱' (NFKC '18') and 18 are serial 18 = 1900-01-18, not an error.
    assert parse_date("⑱") == parse_date(18) == D(1900, 1, 18)


def test_date_error_is_a_value_error_with_a_code():
    with pytest.raises(ValueError):
        parse_date("明年")
    assert DateError("x").code == "date.format"


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.none()))
def test_parse_date_raises_nothing_but_date_error(value):
    try:
        result = parse_date(value)
    except DateError:
        return
    assert result is None or isinstance(result, dt.date)


# --- Excel serials -------------------------------------------------------------------

@pytest.mark.parametrize("serial,day", [(1, D(1900, 1, 1)), (59, D(1900, 2, 28)), (61, D(1900, 3, 1)),
                                        (45536, D(2024, 9, 1)), (2958465, D(9999, 12, 31))])
def test_excel_serials_in_the_1900_date_system(serial, day):
    assert dates.from_excel_serial(serial) == day
    assert dates.to_excel_serial(day) == serial


def test_excel_serial_60_is_the_fictitious_29_february_1900():
    with pytest.raises(DateError):
        dates.from_excel_serial(60)


@settings(max_examples=300, deadline=None)
@given(st.dates(D(1900, 1, 1), D(9999, 12, 31)))
def test_excel_serial_round_trip(day):
    assert dates.from_excel_serial(dates.to_excel_serial(day)) == day
