"""公民身份号码 (GB 11643-1999): check digit, normalisation, precise reasons, getters, region policy.

Numbers are made up here from region codes of the table, a birth date and a
sequence, with the check digit computed; no real person's number appears.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import exceptions as stdnum_exc
from stdnum.cn import ric as stdnum_ric

from xltools.core import idcard, regions
from xltools.core.idcard import (
    BirthAfterReference,
    DigitsLost,
    IDError,
    InvalidBirthDate,
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    InvalidRegion,
    OldFormat,
)

D = dt.date
AS_OF = D(2026, 11, 24)
CURRENT_CODES = [r.code for r in regions.current_regions()]
EVER_CODES = [r.code for r in regions.all_counties()]
GB_EXAMPLE = "11010519491231002X"  # the example of GB 11643-1999 itself


def build(code: str, birth: dt.date, seq: int) -> str:
    body = f"{code}{birth:%Y%m%d}{seq:03d}"
    return body + idcard.calc_check_digit(body)


births = st.dates(D(1900, 1, 1), AS_OF)
numbers = st.builds(build, st.sampled_from(CURRENT_CODES), births, st.integers(0, 999))


def test_region_code_table_is_not_empty():
    # The properties below sample from it; an empty table would make them vacuous.
    assert len(CURRENT_CODES) > 2000 and "500157" in CURRENT_CODES and "500112" not in CURRENT_CODES


# --- the check digit --------------------------------------------------------

def test_gb_11643_example_check_digit_is_x():
    assert idcard.calc_check_digit("11010519491231002") == "X"
    assert idcard.validate(GB_EXAMPLE) == GB_EXAMPLE


@settings(max_examples=500, deadline=None)
@given(numbers)
def test_every_number_with_a_real_region_valid_birth_and_correct_check_digit_validates(number):
    assert idcard.validate(number, AS_OF) == number
    assert idcard.is_valid(number, AS_OF)


@settings(max_examples=200, deadline=None)
@given(numbers)
def test_every_single_character_change_in_any_of_the_18_positions_is_a_checksum_error(number):
    for pos in range(18):
        for new in ("0123456789X" if pos == 17 else "0123456789"):
            if new == number[pos]:
                continue
            changed = number[:pos] + new + number[pos + 1:]
            # the check character is tested before the birth date and the region
            with pytest.raises(InvalidChecksum):
                idcard.validate(changed, AS_OF)


@settings(max_examples=200, deadline=None)
@given(numbers)
def test_every_adjacent_transposition_of_two_different_characters_is_caught(number):
    for pos in range(17):
        a, b = number[pos], number[pos + 1]
        if a == b:
            continue
        swapped = number[:pos] + b + a + number[pos + 2:]
        # an X moved into the first 17 characters is a format error, anything else a checksum error
        with pytest.raises((InvalidChecksum, InvalidFormat)):
            idcard.validate(swapped, AS_OF)


@settings(max_examples=300, deadline=None)
@given(st.builds(build, st.sampled_from(EVER_CODES), births, st.integers(0, 999)))
def test_a_county_code_that_ever_existed_is_never_an_error(number):
    # retired codes included: numbers keep the code they were issued with
    assert idcard.validate(number, AS_OF) == number


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(numbers, st.text(max_size=20), st.text("0123456789X", min_size=18, max_size=18)),
                max_size=30))
def test_bulk_check_agrees_with_validate(values):
    ok, birth, male, region = idcard.bulk_check(np.array(values, dtype=object), AS_OF)
    for v, o, b, m, r in zip(values, ok, birth, male, region):
        if o:  # bulk never accepts what validate rejects, and decodes the same way
            assert idcard.validate(v, AS_OF) == v
            assert b == np.datetime64(idcard.get_birth_date(v), "D")
            assert m == (idcard.get_sex(v) == "男") and r == int(v[:6])
        elif len(v) == 18 and v.isascii():
            assert not idcard.is_valid(v, AS_OF)


# --- normalisation ----------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "１１０１０５１９４９１２３１００２Ｘ",   # full-width digits and Ｘ
    "１１０１０５１９４９１２３１００２ｘ",   # full-width lower-case ｘ
    "11010519491231002x",                 # lower-case x
    "110105 19491231 002X",               # spaces inside
    "110105-19491231-002X",               # dashes inside
    "110105\u300019491231\u3000002X",     # ideographic spaces
    "'11010519491231002X",                # Excel's leading apostrophe (text marker)
    " 11010519491231002X\n",
])
def test_what_staff_type_compacts_to_the_same_number(raw):
    assert idcard.compact(raw) == GB_EXAMPLE
    assert idcard.validate(raw) == GB_EXAMPLE


@pytest.mark.parametrize("raw,verdict", [
    ("１１０１０５１９４９１２３１００２Ｘ", None),          # full-width: accepted, normalised
    ("11010519491231002X ", None),                         # a trailing space: accepted
    (" 110105 19491231\u00a0002x", None),                  # spaces inside, no-break space, x
    (110105194912310020.0, "id.digits_lost"),             # a number: never accepted
    ("1.10105E+17", "id.digits_lost"),
    ("110105491231002.0", "id.old_format"),                # a 15-digit number as text
    ("11010519491231002Ｙ", "id.format"),
])
def test_one_verdict_per_odd_form_of_a_typed_number(raw, verdict):
    """The same verdicts as the templates' native formulas (tests/test_templates.py checks both)."""
    if verdict is None:
        assert idcard.validate(raw) == GB_EXAMPLE
    else:
        with pytest.raises(idcard.IDError) as exc:
            idcard.validate(raw)
        assert exc.value.code == verdict


def test_fifteen_digit_number_is_old_format_with_its_18_digit_form():
    with pytest.raises(OldFormat) as exc:
        idcard.validate("110105491231002")
    assert exc.value.code == "id.old_format"
    assert exc.value.params["converted"] == GB_EXAMPLE
    assert idcard.upgrade("110105491231002") == GB_EXAMPLE
    assert isinstance(exc.value, InvalidLength)  # python-stdnum's reason for a 15-digit number


def test_fifteen_digit_number_from_a_number_cell_is_still_old_format():
    for raw in (110105491231002, 110105491231002.0, "110105491231002.0"):
        with pytest.raises(OldFormat) as exc:
            idcard.validate(raw)
        assert exc.value.params["converted"] == GB_EXAMPLE


@pytest.mark.parametrize("value", [
    5.00101201012311e17,             # what a General cell holds
    500101201012311000,              # the same read as an int
    110105194912310021,              # an 18-digit int never reaches us whole from a spreadsheet
    "5.00101E+17",                   # what the cell shows
    "5.00101201012311e+17",          # str() of the float
    "'5.00101E+17",                  # apostrophe added after the damage
    "500101201012311000.0",          # a reader that stringified the float
    "５.００１０１Ｅ＋１７",
    1.2345678901234567e16,
])
def test_number_stored_as_a_number_is_digits_lost_never_accepted(value):
    with pytest.raises(DigitsLost) as exc:
        idcard.validate(value)
    assert exc.value.code == "id.digits_lost"
    assert not idcard.is_valid(value)


# --- one exception per reason -----------------------------------------------

def test_impossible_birth_date_is_invalid_birth_date():
    number = build("110105", D(2023, 2, 1), 1)[:10] + "0230001"
    number = number[:17] + idcard.calc_check_digit(number)
    with pytest.raises(InvalidBirthDate) as exc:
        idcard.validate(number, AS_OF)
    assert exc.value.code == "id.birth_date" and exc.value.params["birth"] == "20230230"


def test_birth_before_1880_is_invalid_birth_date():
    with pytest.raises(InvalidBirthDate):
        idcard.validate(build("110105", D(1879, 12, 31), 1), AS_OF)


def test_birth_after_the_reference_date_is_birth_after_reference():
    number = build("500157", D(2026, 11, 25), 11)
    with pytest.raises(BirthAfterReference) as exc:
        idcard.validate(number, AS_OF)
    assert exc.value.code == "id.birth_future"
    assert idcard.validate(number, D(2026, 11, 25)) == number  # born on the reference date is fine


def test_province_code_99_is_invalid_region():
    with pytest.raises(InvalidRegion) as exc:
        idcard.validate(build("990105", D(1949, 12, 31), 2), AS_OF)
    assert exc.value.code == "id.region" and exc.value.params["province_code"] == "99"


@pytest.mark.parametrize("value,cls,code", [
    ("1101051949123100", InvalidLength, "id.length"),
    ("1101051949123100211", InvalidLength, "id.length"),
    ("11010519491231002Y", InvalidFormat, "id.format"),
    ("1101051949123100X2", InvalidFormat, "id.format"),
    ("110105194912310021", InvalidChecksum, "id.checksum"),
])
def test_each_reason_has_its_own_exception_and_code(value, cls, code):
    with pytest.raises(cls) as exc:
        idcard.validate(value, AS_OF)
    assert exc.value.code == code


def test_checksum_error_says_which_character_was_expected():
    with pytest.raises(InvalidChecksum) as exc:
        idcard.validate("110105194912310021")
    assert exc.value.params == {"expected": "X", "actual": "1"}


@pytest.mark.parametrize("ours,theirs", [
    (InvalidLength, stdnum_exc.InvalidLength), (OldFormat, stdnum_exc.InvalidLength),
    (InvalidFormat, stdnum_exc.InvalidFormat), (DigitsLost, stdnum_exc.InvalidFormat),
    (InvalidChecksum, stdnum_exc.InvalidChecksum), (InvalidBirthDate, stdnum_exc.InvalidComponent),
    (BirthAfterReference, stdnum_exc.InvalidComponent), (InvalidRegion, stdnum_exc.InvalidComponent),
    (IDError, stdnum_exc.ValidationError),
])
def test_exceptions_are_also_python_stdnum_exception_classes(ours, theirs):
    assert issubclass(ours, theirs) and issubclass(ours, IDError)


def test_raised_exceptions_are_instances_of_python_stdnum_classes():
    with pytest.raises(stdnum_exc.InvalidChecksum):
        idcard.validate("110105194912310021")
    with pytest.raises(stdnum_exc.InvalidComponent):
        idcard.validate(build("990105", D(1949, 12, 31), 2))


# --- robustness ---------------------------------------------------------------

@pytest.mark.parametrize("junk", [
    None, "", 0, "€", "⑱", [], ["11010519491231002X"], {}, object(), b"11010519491231002X",
    3.5, -1, float("nan"), float("inf"), True, "X" * 18, "X" * 15, "   ", "'",
    "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",   # Arabic-Indic digits: str.isdigit() is true for them
    "፩" * 18, "፩" * 15,       # Ethiopic digits: isdigit() true, int() refuses them
])
def test_junk_raises_only_id_errors_and_is_valid_never_raises(junk):
    with pytest.raises(IDError):
        idcard.validate(junk)
    assert idcard.is_valid(junk) is False
    info = idcard.inspect(junk, AS_OF)
    assert not info.valid and isinstance(info.error, IDError)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.binary()))
def test_validate_raises_nothing_but_id_errors_on_any_input(value):
    try:
        idcard.validate(value, AS_OF)
    except IDError:
        pass
    idcard.is_valid(value, AS_OF)
    idcard.inspect(value, AS_OF)


# --- region policy (module docstring) -------------------------------------------

@pytest.mark.parametrize("code", ["500112", "500105"])
def test_child_born_2026_with_a_code_abolished_2025_is_valid_without_warning(code):
    number = build(code, D(2026, 3, 1), 123)
    info = idcard.inspect(number, AS_OF)
    assert info.valid and info.error is None and info.warnings == []


@pytest.mark.parametrize("code", ["500112", "500105"])
def test_python_stdnum_rejects_a_2026_birth_with_a_code_abolished_2025(code):
    # The trap we avoid: stdnum requires the code to be in use in the birth year.
    with pytest.raises(stdnum_exc.InvalidComponent):
        stdnum_ric.validate(build(code, D(2026, 3, 1), 123))
    stdnum_ric.validate(build("500103", D(2026, 3, 1), 123))  # same birth, a live code: accepted


def test_parent_born_1985_with_a_chongqing_code_from_1997_is_valid_without_warning():
    number = build("500103", D(1985, 6, 1), 123)
    info = idcard.inspect(number, AS_OF)
    assert info.valid and info.warnings == []
    with pytest.raises(stdnum_exc.InvalidComponent):  # stdnum: 500103 only from 1997
        stdnum_ric.validate(number)
    stdnum_ric.validate(build("110105", D(1985, 6, 1), 123))


def test_code_retired_long_before_the_birth_is_a_region_retired_warning():
    number = build("110103", D(2020, 1, 1), 123)  # 崇文区, merged into 东城区 in 2010
    info = idcard.inspect(number, AS_OF)
    assert info.valid
    assert info.warnings == [("id.region_retired", {"region_code": "110103", "name": "北京市崇文区",
                                                    "last_year": 2010, "birth_year": 2020})]


def test_code_retired_within_the_grace_years_is_not_a_warning():
    last = regions.lookup("110103").last_year
    assert idcard.region_warnings(build("110103", D(last + idcard.RETIRED_GRACE_YEARS, 12, 31), 1)) == []
    assert idcard.region_warnings(build("110103", D(last + idcard.RETIRED_GRACE_YEARS + 1, 1, 1), 1)) != []


def test_county_code_that_never_existed_is_a_region_unknown_warning_but_validates():
    number = build("500199", D(2015, 1, 1), 123)
    assert idcard.validate(number, AS_OF) == number
    info = idcard.inspect(number, AS_OF)
    assert info.valid and info.region is None
    assert info.warnings == [("id.region_unknown", {"region_code": "500199", "province": "重庆市"})]


# --- getters and inspect -------------------------------------------------------

@pytest.mark.parametrize("seq,sex", [(1, "男"), (2, "女"), (9, "男"), (10, "女"), (999, "男"), (0, "女")])
def test_sex_is_male_for_an_odd_17th_digit_and_female_for_even(seq, sex):
    assert idcard.get_sex(build("110105", D(2000, 1, 1), seq)) == sex


def test_getters_of_the_gb_example():
    assert idcard.get_birth_date(GB_EXAMPLE) == D(1949, 12, 31)
    assert idcard.get_sex(GB_EXAMPLE) == "女"
    assert idcard.get_region(GB_EXAMPLE).full_name == "北京市朝阳区"
    assert idcard.get_region(build("500199", D(2015, 1, 1), 1)) is None


@pytest.mark.parametrize("ref,age", [(D(2026, 11, 23), 15), (D(2026, 11, 24), 16), (D(2026, 11, 25), 16)])
def test_child_turning_16_on_reference_date_is_16(ref, age):
    assert idcard.get_age(build("500103", D(2010, 11, 24), 1), ref) == age


def test_age_is_in_full_years_not_year_difference():
    # id-validator's year subtraction says 16; the child is 15 周岁
    assert idcard.get_age(build("500103", D(2010, 12, 31), 1), D(2026, 11, 22)) == 15


def test_born_29_february_is_a_year_older_on_1_march_in_a_common_year():
    number = build("500103", D(2012, 2, 29), 1)
    assert idcard.get_age(number, D(2028, 2, 28)) == 15
    assert idcard.get_age(number, D(2028, 2, 29)) == 16
    assert idcard.get_age(number, D(2027, 2, 28)) == 14
    assert idcard.get_age(number, D(2027, 3, 1)) == 15


def test_inspect_of_a_valid_number_fills_every_field():
    number = build("500112", D(2010, 11, 24), 123)
    info = idcard.inspect(" " + number.lower() + " ", AS_OF)
    assert (info.raw, info.number, info.valid, info.error, info.warnings) == (
        " " + number.lower() + " ", number, True, None, [])
    assert (info.birth_date, info.sex, info.age) == (D(2010, 11, 24), "男", 16)
    assert info.region.code == "500112" and info.region.county == "渝北区"
    assert info.region.history_text() == "渝北区（1997–2025）"


def test_inspect_of_a_fifteen_digit_number_reports_old_format_and_decodes_its_18_digit_form():
    info = idcard.inspect("110105491231002", AS_OF)
    assert not info.valid and isinstance(info.error, OldFormat)
    assert info.number == GB_EXAMPLE
    assert (info.birth_date, info.sex, info.age, info.region.code) == (D(1949, 12, 31), "女", 76, "110105")


def test_inspect_of_a_fifteen_digit_number_with_an_impossible_date_reports_the_date():
    info = idcard.inspect("110105491331002", AS_OF)  # month 13
    assert not info.valid and isinstance(info.error, InvalidBirthDate)
    assert info.birth_date is None and info.age is None


def test_inspect_of_an_invalid_number_has_only_the_error():
    info = idcard.inspect("110105194912310021", AS_OF)
    assert not info.valid and isinstance(info.error, InvalidChecksum)
    assert (info.number, info.birth_date, info.sex, info.age, info.region, info.warnings) == ("", None, "", None, None, [])


def test_inspect_uses_the_reference_date_for_age_and_future_births():
    number = build("500103", D(2010, 11, 24), 1)
    assert idcard.inspect(number, D(2026, 11, 23)).age == 15
    assert isinstance(idcard.inspect(number, D(2010, 11, 23)).error, BirthAfterReference)
