"""People for the duplicate tests: every identity field distinct unless a test makes two alike.

Names and e-mail local parts are spelled in letters from the person's number (the pass drops
digits from names and reads trailing numbers of addresses as a series)."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from applicants.models import Applicant, Step
from prakerja.accounts.models import User

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def spelled(n: int) -> str:
    """0 -> "aa", 1 -> "ab", ...: a distinct word of letters for each number."""
    word = ""
    for _ in range(3):
        n, r = divmod(n, 26)
        word = LETTERS[r] + word
    return word


@dataclass
class Someone:
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    birth: dt.date | None = None
    phash: int | None = None
    extra: dict[str, object] = field(default_factory=dict)


_counter = [0]


def people(specs: Iterable[Someone], *, step: Step = Step.READY) -> list[Applicant]:
    """Applicants built in bulk, each with a distinct NIK, e-mail, phone, name and birth date
    (unless the spec gives one)."""
    specs = list(specs)
    start = _counter[0]
    _counter[0] += len(specs)
    users = User.objects.bulk_create(
        [
            User(
                email=s.email or f"warga.{spelled(start + i)}.uji@contoh.id",
                password="!",
                full_name=s.name or f"Warga {spelled(start + i).title()}",
            )
            for i, s in enumerate(specs)
        ]
    )
    applicants = Applicant.objects.bulk_create(
        [
            Applicant(
                user=user,
                step=step,
                nik_index=f"dup-nik-{user.pk}",
                nik_masked="3273********0001",
                kk_index=f"dup-kk-{user.pk}",
                full_name=user.full_name,
                birth_date=s.birth or dt.date(1990, 1, 1) + dt.timedelta(days=start + i),
                nik_birth_date=s.birth or dt.date(1990, 1, 1) + dt.timedelta(days=start + i),
                phone=s.phone or f"+62813{start + i:08d}",
                province_id="32",
                ktp_photo="private/ktp/x.jpg" if s.phash is not None else "",
                ktp_phash=s.phash,
                # verified against the civil registry, as selection requires (issue 22)
                identity_verified_at=timezone.now(),
                **s.extra,
            )
            for i, (user, s) in enumerate(zip(users, specs, strict=True))
        ]
    )
    return applicants


def background(count: int = 30) -> list[Applicant]:
    """Unrelated people, photos far apart: a pass over them alone finds nothing."""
    return people([Someone(phash=(0x9E3779B97F4A7C15 * (i + 1)) % (1 << 63)) for i in range(count)])
