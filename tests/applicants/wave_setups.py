"""Helpers for wave and selection tests."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from applicants.models import (
    Applicant,
    Card,
    Decision,
    NoticeAcceptance,
    RegistryEntry,
    RegistryImport,
    RegistryKind,
    Step,
    Wave,
    WaveMember,
    WaveStatus,
)
from applicants.privacy.selectors import notice_current
from prakerja.accounts.models import User


def put_on_registry(
    kind: RegistryKind, applicants: Iterable[Applicant], *, source: str = "Uji", amount: int | None = None
) -> RegistryImport:
    """A finished, current import of `kind` holding these applicants' NIKs (with a monthly wage
    `amount` on each row, for the wage-earners list)."""
    latest = RegistryImport.objects.filter(kind=kind, source=source).count()
    RegistryImport.objects.filter(kind=kind, source=source).update(is_current=False)
    registry_import = RegistryImport.objects.create(
        kind=kind, source=source, version=latest + 1, status="done", is_current=True
    )
    RegistryEntry.objects.bulk_create(
        [RegistryEntry(registry_import=registry_import, nik_index=a.nik_index or "", amount=amount) for a in applicants]
    )
    return registry_import


def close(wave: Wave) -> Wave:
    Wave.objects.filter(pk=wave.pk).update(status=WaveStatus.CLOSED)
    wave.refresh_from_db()
    return wave


@dataclass(frozen=True)
class Person:
    """A wave member for bulk set-ups: identity reduced to what selection reads."""

    province: str = "32"
    family: str | None = None
    birth: dt.date = dt.date(1995, 5, 17)
    review: str = "none"
    verified: bool = True  # identity verified against the civil registry


def _spelled(n: int) -> str:
    """A distinct word of letters per number (0 -> "a", 25 -> "z", 26 -> "ba"): the duplicate
    pass drops digits from names, so "Peserta 1" and "Peserta 2" would be one suspected group
    and selection would leave every member pending. Names carry the wave's word too, after a
    word of its own (the pass also drops spaces: "a b" would be "ab"), so that members of two
    waves are not alike either."""
    word = ""
    while True:
        n, r = divmod(n, 26)
        word = "abcdefghijklmnopqrstuvwxyz"[r] + word
        if n == 0:
            return word


def bulk_members(wave: Wave, people: Sequence[Person], *, tag: str = "m") -> list[WaveMember]:
    """Create ready applicants (users without usable passwords) and their memberships at once;
    far faster than the factories for hundreds of members."""
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=f"{tag}{wave.pk}-{n}@bulk.id",
                password="!",
                full_name=f"Peserta {_spelled(n)} Gelombang {_spelled(wave.pk)}",
            )
            for n in range(len(people))
        ]
    )
    applicants = Applicant.objects.bulk_create(
        [
            Applicant(
                user=user,
                step=Step.READY,
                nik_index=f"{tag}-nik-{user.pk}",
                nik_masked="3273********0001",
                kk_index=person.family or f"{tag}-kk-{user.pk}",
                full_name=user.full_name,
                nik_birth_date=person.birth,
                birth_date=person.birth,
                review_status=person.review,
                identity_verified_at=now if person.verified else None,
                province_id=person.province,
            )
            for user, person in zip(users, people, strict=True)
        ]
    )
    if (notice := notice_current()) is not None:
        # As registration records it: the notice in force was accepted with the account.
        NoticeAcceptance.objects.bulk_create(
            [NoticeAcceptance(applicant=a, notice=notice, accepted_at=now) for a in applicants]
        )
    return WaveMember.objects.bulk_create(
        [
            WaveMember(wave=wave, applicant=a, province_id=p.province, statements_accepted_at=now)
            for a, p in zip(applicants, people, strict=True)
        ]
    )


def earlier_cards(wave: Wave, families: Sequence[str]) -> None:
    """Give one earlier recipient per entry (a family card may appear twice), without money."""
    members = bulk_members(wave, [Person(family=f) for f in families], tag="early")
    now = timezone.now()
    decisions = Decision.objects.bulk_create(
        [
            Decision(
                member=m,
                wave=wave,
                outcome="selected",
                scheme=wave.scheme,
                scheme_version=1,
                rules_version="test",
                seed=0,
                decided_at=now,
            )
            for m in members
        ]
    )
    Card.objects.bulk_create(
        [
            Card(
                number=f"9{d.member_id:015d}",
                applicant_id=d.member.applicant_id,
                decision=d,
                wave=wave,
                scheme=wave.scheme,
                account_id=-d.member_id,
                issued_at=now,
                purchase_deadline=now,
            )
            for d in decisions
        ]
    )
