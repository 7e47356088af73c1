import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from applicants.registration.nik import MIN_HOLDER_AGE, Gender, NikError, age_on, build_nik, parse_nik

TODAY = dt.date(2026, 11, 27)


def test_a_mans_nik_gives_his_birth_date_and_region():
    info = parse_nik("3273011705950001", today=TODAY)
    assert info.birth_date == dt.date(1995, 5, 17)
    assert info.gender == Gender.MALE
    assert (info.province_code, info.regency_code, info.district_code, info.serial) == ("32", "3273", "327301", "0001")


def test_a_womans_birth_day_has_forty_added():
    info = parse_nik("3273015705950002", today=TODAY)
    assert info.birth_date == dt.date(1995, 5, 17)
    assert info.gender == Gender.FEMALE


def test_spaces_dots_and_dashes_are_ignored():
    assert parse_nik("3273 01 1705.95-0001", today=TODAY).nik == "3273011705950001"


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("327301170595000", "format"),  # 15 digits
        ("32730117059500011", "format"),  # 17 digits
        ("32730117059500A1", "format"),
        ("3273011705950000", "serial"),
        ("3273013202950001", "invalid_date"),  # 32 February
        ("3273013102950001", "invalid_date"),  # 31 February
        ("3273017213950001", "invalid_date"),  # woman, day 32
        ("3273011713950001", "invalid_date"),  # month 13
        ("3273012902010001", "invalid_date"),  # 29 Feb 2001 / 1901: neither a leap year
        ("0073011705950001", "region"),
    ],
)
def test_impossible_niks_are_refused(nik, code):
    with pytest.raises(NikError) as error:
        parse_nik(nik, today=TODAY)
    assert error.value.code == code


def test_the_century_follows_the_holders_age():
    # Born 2008: 18 in 2026, so 20xx. Born "10" would be 16 in 2010, so 1910.
    assert parse_nik("3273011705080001", today=TODAY).birth_date == dt.date(2008, 5, 17)
    assert parse_nik("3273011705100001", today=TODAY).birth_date == dt.date(1910, 5, 17)


@given(
    birth=st.dates(min_value=dt.date(1911, 1, 1), max_value=dt.date(2009, 11, 27)),
    gender=st.sampled_from(list(Gender)),
    serial=st.integers(1, 9999),
    district=st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
)
# The regex strategy and the assume() make generation slow on a loaded machine; the health
# check's timing says nothing about the property.
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_valid_nik_parses_back_to_its_parts(birth, gender, serial, district):
    assume(MIN_HOLDER_AGE <= age_on(birth, TODAY) <= 115)
    info = parse_nik(build_nik(district_code=district, birth_date=birth, gender=gender, serial=serial), today=TODAY)
    assert (info.birth_date, info.gender, int(info.serial), info.district_code) == (birth, gender, serial, district)


@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_any_sixteen_digits_either_parse_or_fail_with_a_reason(digits):
    code = None
    try:
        info = parse_nik(digits, today=TODAY)
    except NikError as error:
        code = error.code
    if code is not None:
        assert code in {"invalid_date", "serial", "region"}
    else:
        assert age_on(info.birth_date, TODAY) >= MIN_HOLDER_AGE
        assert info.serial != "0000"
