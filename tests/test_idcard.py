"""公民身份号码 (GB 11643-1999): normalisation, precise reasons, getters, region policy."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum import exceptions as stdnum_exc

from xltools import idcard, regions
from xltools.idcard import (BirthAfterReference, DigitsLost, IDError, InvalidBirthDate, InvalidChecksum,
                            InvalidFormat, InvalidLength, InvalidRegion, OldFormat)

TODAY = dt.date(2026, 11, 24)
CODES = [r.code for r in regions.current_regions()]


def build(code: str, birth: dt.date, seq: int) -> str:
    body = f"{code}{birth:%Y%m%d}{seq:03d}"
    return body + idcard.calc_check_digit(body)


numbers = st.builds(build, st.sampled_from(CODES), st.dates(dt.date(1950, 1, 1), TODAY), st.integers(0, 999))


@settings(max_examples=500, deadline=None)
@given(numbers)
def test_every_number_with_a_correct_check_digit_validates(number):
    assert idcard.validate(number, TODAY) == number


@settings(max_examples=300, deadline=None)
@given(numbers, st.integers(0, 17), st.integers(1, 10))
def test_every_single_character_change_is_caught(number, pos, delta):
    chars = "0123456789X" if pos == 17 else "0123456789"
    new = chars[(chars.index(number[pos]) + delta) % len(chars)]
    if new == number[pos]:
        return
    changed = number[:pos] + new + number[pos + 1:]
    with pytest.raises(IDError):
        idcard.validate(changed, TODAY)


@settings(max_examples=300, deadline=None)
@given(numbers, st.integers(0, 16))
def test_every_adjacent_swap_is_caught(number, pos):
    a, b = number[pos], number[pos + 1]
    if a == b:
        return
    swapped = number[:pos] + b + a + number[pos + 2:]
    with pytest.raises(IDError):
        idcard.validate(swapped, TODAY)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(numbers, st.text(max_size=20)), max_size=30))
def test_bulk_check_agrees_with_validate(values):
    import numpy as np

    ok, birth, male, region = idcard.bulk_check(np.array(values, dtype=object), TODAY)
    for v, o in zip(values, ok):
        if o:  # bulk never accepts what validate rejects
            assert idcard.validate(v, TODAY) == v
        elif len(v) == 18 and v.isascii():
            assert not idcard.is_valid(v, TODAY)


@pytest.mark.parametrize("raw", ["１１０１０５１９４９１２３１００２Ｘ", "11010519491231002x", "110105 19491231 002X",
                                 "110105-19491231-002X", "'11010519491231002X", " 11010519491231002X "])
def test_normalisation_of_what_staff_type(raw):
    assert idcard.validate(raw) == "11010519491231002X"


def test_gb_11643_example_and_its_fifteen_digit_form():
    assert idcard.calc_check_digit("11010519491231002") == "X"
    with pytest.raises(OldFormat) as exc:
        idcard.validate("110105491231002")
    assert exc.value.params["converted"] == "11010519491231002X"


@pytest.mark.parametrize("value", [5.00101201012311e17, 500101201012311000, "5.00101E+17", "500101201012311000.0"])
def test_number_that_was_stored_as_a_number_is_digits_lost(value):
    with pytest.raises(DigitsLost) as exc:
        idcard.validate(value)
    assert exc.value.code == "id.digits_lost"


@pytest.mark.parametrize("value,cls", [
    ("1101051949123100", InvalidLength), ("11010519491231002Y", InvalidFormat),
    ("110105194912310021", InvalidChecksum), (build("110105", dt.date(2023, 2, 1), 1)[:10] + "0230" + "0019", InvalidChecksum),
    (build("990105", dt.date(1949, 12, 31), 2), InvalidRegion),
])
def test_each_reason_has_its_own_exception(value, cls):
    with pytest.raises(cls):
        idcard.validate(value, TODAY)


def test_impossible_birth_date_is_invalid_birth_date():
    body = "11010520230230001"
    with pytest.raises(InvalidBirthDate) as exc:
        idcard.validate(body + idcard.calc_check_digit(body))
    assert exc.value.code == "id.birth_date"


def test_birth_after_reference_date():
    number = build("500112", dt.date(2026, 12, 1), 11)
    with pytest.raises(BirthAfterReference):
        idcard.validate(number, TODAY)
    assert idcard.validate(number, dt.date(2026, 12, 1)) == number


def test_exceptions_are_also_python_stdnum_exceptions():
    assert issubclass(InvalidChecksum, stdnum_exc.InvalidChecksum)
    assert issubclass(InvalidLength, stdnum_exc.InvalidLength)
    assert issubclass(InvalidFormat, stdnum_exc.InvalidFormat)
    assert issubclass(InvalidRegion, stdnum_exc.InvalidComponent)


def test_child_born_2026_with_retired_chongqing_codes_is_valid_without_warning():
    for code in ("500112", "500105"):
        number = build(code, dt.date(2026, 3, 1), 123)
        with pytest.raises(stdnum_exc.ValidationError):  # the trap in python-stdnum 2.2
            stdnum_ric.validate(number)
        info = idcard.inspect(number, TODAY)
        assert info.valid and info.warnings == []


def test_parent_born_1985_with_a_chongqing_code_is_valid_without_warning():
    number = build("500103", dt.date(1985, 6, 1), 123)
    with pytest.raises(stdnum_exc.ValidationError):
        stdnum_ric.validate(number)
    assert idcard.inspect(number, TODAY).warnings == []


def test_code_retired_long_before_birth_is_a_warning():
    number = build("110103", dt.date(2020, 1, 1), 123)  # 崇文区, merged in 2010
    info = idcard.inspect(number, TODAY)
    assert info.valid and [c for c, _ in info.warnings] == ["id.region_retired"]


def test_county_code_that_never_existed_is_a_warning_not_an_error():
    number = build("500199", dt.date(2015, 1, 1), 123)
    info = idcard.inspect(number, TODAY)
    assert info.valid and [c for c, _ in info.warnings] == ["id.region_unknown"]


def test_getters():
    n = "11010519491231002X"
    assert idcard.get_birth_date(n) == dt.date(1949, 12, 31)
    assert idcard.get_sex(n) == "女" and idcard.get_sex(build("110105", dt.date(2000, 1, 1), 1)) == "男"
    assert idcard.get_age(n, dt.date(2026, 12, 30)) == 76 and idcard.get_age(n, dt.date(2026, 12, 31)) == 77
    assert idcard.get_region(n).full_name == "北京市朝阳区"


@pytest.mark.parametrize("junk", [None, "", 0, "€", "⑱", [], 3.5, float("nan"), "X" * 18, True])
def test_junk_raises_only_id_errors_and_is_valid_never_raises(junk):
    with pytest.raises(IDError):
        idcard.validate(junk)
    assert idcard.is_valid(junk) is False
