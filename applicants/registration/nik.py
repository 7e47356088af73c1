"""NIK (Nomor Induk Kependudukan) parsing: `PP KK CC DDMMYY SSSS`.

Province, regency/city and district codes (where first registered), the birth date with 40
added to the day for women, then a serial from 0001. There is no check digit. The two-digit
year is resolved to the most recent century in which the holder is at least MIN_HOLDER_AGE
years old: a NIK is printed on the ID card (KTP) issued at 17, and nobody registering is over
116, so exactly one century fits.
"""

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

NIK_LENGTH = 16
MIN_HOLDER_AGE = 17
_DIGITS = re.compile(r"^\d{16}$")


class Gender(StrEnum):
    MALE = "M"
    FEMALE = "F"


class NikError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province_code: str
    regency_code: str  # four digits, province included: "3201"
    district_code: str  # six digits
    birth_date: dt.date
    gender: Gender
    serial: str


def normalise_nik(raw: str) -> str:
    """Digits only: people paste NIKs with spaces, dots or dashes."""
    return re.sub(r"[\s.\-]", "", raw or "")


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _resolve_century(day: int, month: int, two_digit_year: int, today: dt.date) -> dt.date:
    for century in (2000, 1900):
        try:
            candidate = dt.date(century + two_digit_year, month, day)
        except ValueError:
            continue
        if candidate <= today and age_on(candidate, today) >= MIN_HOLDER_AGE:
            return candidate
    raise NikError("invalid_date", str(_("The NIK does not contain a valid birth date.")))


def parse_nik(raw: str, *, today: dt.date) -> NikInfo:
    nik = normalise_nik(raw)
    if not _DIGITS.match(nik):
        raise NikError("format", str(_("A NIK has exactly 16 digits.")))
    day = int(nik[6:8])
    gender = Gender.MALE
    if day > 40:
        day -= 40
        gender = Gender.FEMALE
    month = int(nik[8:10])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        raise NikError("invalid_date", str(_("The NIK does not contain a valid birth date.")))
    birth_date = _resolve_century(day, month, int(nik[10:12]), today)
    serial = nik[12:]
    if serial == "0000":
        raise NikError("serial", str(_("The NIK's last four digits cannot be 0000.")))
    if nik[:2] == "00":
        raise NikError("region", str(_("The NIK does not start with a province code.")))
    return NikInfo(
        nik=nik,
        province_code=nik[:2],
        regency_code=nik[:4],
        district_code=nik[:6],
        birth_date=birth_date,
        gender=gender,
        serial=serial,
    )


def build_nik(*, district_code: str, birth_date: dt.date, gender: Gender, serial: int) -> str:
    """The NIK for these parts (used by factories, demo data and property tests)."""
    day = birth_date.day + (40 if gender == Gender.FEMALE else 0)
    return f"{district_code}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"
