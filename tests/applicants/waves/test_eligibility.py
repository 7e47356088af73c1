"""Eligibility at selection, one case per registry kind and per ineligibility reason, so that
dropping any list or rule from the selection's statement fails a test (not only the benchmark)."""

import datetime as dt
from collections.abc import Callable

import pytest

from applicants.models import (
    EXCLUDING_REGISTRY_KINDS,
    INELIGIBILITY_REASONS,
    Applicant,
    Blacklisting,
    Block,
    Outcome,
    Reason,
    RegistryKind,
    Scheme,
    Wave,
    WaveMember,
)
from applicants.waves.services.selection import REGISTRY_REASONS, DecisionRow, selection_compute
from tests.applicants.wave_setups import Person, bulk_members, close, earlier_cards, put_on_registry
from tests.factories import BlockReasonFactory, SchemeFactory, StaffUserFactory, WaveFactory

pytestmark = pytest.mark.django_db

THRESHOLD = 3_500_000
ABOVE = THRESHOLD + 1


def strict_wave() -> Wave:
    """A closed wave under a scheme that excludes social aid and wages above Rp3,500,000."""
    scheme = SchemeFactory.create(
        name="Uji semua daftar", effective_from=dt.date(2019, 1, 1), exclude_social_aid=True, wage_threshold=THRESHOLD
    )
    return close(WaveFactory.create(scheme=scheme, national_quota=10))


def decided(wave: Wave) -> dict[int, DecisionRow]:
    return {d.member_id: d for d in selection_compute(wave=wave, seed=1)}


def test_every_excluding_registry_kind_has_its_reason() -> None:
    # The parametrisations below cover every kind: a new kind without a rule fails here.
    assert set(REGISTRY_REASONS) == set(EXCLUDING_REGISTRY_KINDS) == set(RegistryKind) - {RegistryKind.PRIORITY}
    assert set(REGISTRY_REASONS.values()) <= INELIGIBILITY_REASONS


@pytest.mark.parametrize("kind", sorted(EXCLUDING_REGISTRY_KINDS))
def test_a_member_on_an_excluding_registry_is_ineligible_with_its_reason(kind: RegistryKind) -> None:
    # Given a wave with a member on the list (a wage above the threshold) and one on no list
    wave = strict_wave()
    listed, ordinary = bulk_members(wave, [Person(), Person()])
    put_on_registry(kind, [listed.applicant], amount=ABOVE if kind == RegistryKind.WAGE_EARNER else None)
    # When the selection is computed
    decisions = decided(wave)
    # Then the listed member is ineligible for exactly that list's reason, the other selected
    assert decisions[listed.pk].outcome == Outcome.INELIGIBLE
    assert decisions[listed.pk].reasons == [REGISTRY_REASONS[kind]]
    assert decisions[ordinary.pk].outcome == Outcome.SELECTED


def _older_version(wave: Wave, applicant: Applicant) -> None:
    put_on_registry(RegistryKind.CIVIL_SERVANT, [applicant], source="BKN")
    put_on_registry(RegistryKind.CIVIL_SERVANT, [], source="BKN")  # version 2 no longer lists them


def _scheme(**changes: object) -> Callable[[Wave, Applicant], None]:
    def change(wave: Wave, applicant: Applicant) -> None:
        Scheme.objects.filter(pk=wave.scheme_id).update(**changes)
        wave.scheme.refresh_from_db()

    return change


# Lists a member may be on and still be selected, and why.
NOT_EXCLUDED: dict[str, tuple[Callable[[Wave, Applicant], object], list[str]]] = {
    "social aid where the scheme allows it": (
        lambda w, a: (_scheme(exclude_social_aid=False)(w, a), put_on_registry(RegistryKind.SOCIAL_AID, [a])),
        [],
    ),
    "a wage exactly at the threshold": (
        lambda w, a: put_on_registry(RegistryKind.WAGE_EARNER, [a], amount=THRESHOLD),
        [],
    ),
    "a wage row without an amount": (lambda w, a: put_on_registry(RegistryKind.WAGE_EARNER, [a]), []),
    "any wage under a scheme without a threshold": (
        lambda w, a: (_scheme(wage_threshold=None)(w, a), put_on_registry(RegistryKind.WAGE_EARNER, [a], amount=10**9)),
        [],
    ),
    "a priority list": (lambda w, a: put_on_registry(RegistryKind.PRIORITY, [a]), [Reason.PRIORITY]),
    "a list version replaced by one without them": (_older_version, []),
}


@pytest.mark.parametrize("case", sorted(NOT_EXCLUDED))
def test_lists_that_do_not_exclude_leave_the_member_selected(case: str) -> None:
    # Given a member on a list that does not count against them here
    wave = strict_wave()
    (member,) = bulk_members(wave, [Person()])
    setup, reasons = NOT_EXCLUDED[case]
    setup(wave, member.applicant)
    # When the selection is computed, Then they are selected
    decision = decided(wave)[member.pk]
    assert (decision.outcome, decision.reasons) == (Outcome.SELECTED, reasons)


def _registry_setup(kind: RegistryKind) -> Callable[[Wave, WaveMember], object]:
    amount = ABOVE if kind == RegistryKind.WAGE_EARNER else None
    return lambda wave, member: put_on_registry(kind, [member.applicant], source=f"uji-{kind}", amount=amount)


def _too_young(wave: Wave, member: WaveMember) -> None:
    Applicant.objects.filter(pk=member.applicant_id).update(nik_birth_date=dt.date(2015, 1, 1))


def _identity_not_cleared(wave: Wave, member: WaveMember) -> None:
    Applicant.objects.filter(pk=member.applicant_id).update(review_status="pending")


def _blacklisted_by_the_programme(wave: Wave, member: WaveMember) -> None:
    Blacklisting.objects.create(
        nik_index=member.applicant.nik_index or "", applicant=member.applicant, reason="revoked"
    )


def _blocked_after_joining(wave: Wave, member: WaveMember) -> None:
    Block.objects.create(
        applicant=member.applicant, reason=BlockReasonFactory.create(), note="joki", placed_by=StaffUserFactory.create()
    )


def _family_full(wave: Wave, member: WaveMember) -> None:
    family = "kk-penuh"
    Applicant.objects.filter(pk=member.applicant_id).update(kk_index=family)
    earlier_cards(close(WaveFactory.create(scheme=wave.scheme)), [family, family])


def _prior_card(wave: Wave, member: WaveMember) -> None:
    from applicants.models import Card, Decision

    earlier = close(WaveFactory.create(scheme=wave.scheme))
    (old,) = bulk_members(earlier, [Person()], tag="old")
    decision = Decision.objects.create(
        member=old, wave=earlier, outcome="selected", scheme=wave.scheme, scheme_version=1, rules_version="t", seed=0,
        decided_at=old.joined_at,
    )  # fmt: skip
    Card.objects.create(
        number="9000000000000017", applicant_id=member.applicant_id, decision=decision, wave=earlier,
        scheme=wave.scheme, account_id=-1, issued_at=old.joined_at, purchase_deadline=old.joined_at,
    )  # fmt: skip


def _identity_unverified(wave: Wave, member: WaveMember) -> None:
    Applicant.objects.filter(pk=member.applicant_id).update(identity_verified_at=None)


# Every ineligibility reason, and how a member comes to have it. Registry reasons through each
# list; the blacklist and prior recipients also through the programme's own records.
REASON_CASES: list[tuple[Reason, str, Callable[[Wave, WaveMember], object]]] = [
    *((reason, f"list {kind}", _registry_setup(kind)) for kind, reason in REGISTRY_REASONS.items()),
    (Reason.AGE, "too young on the closing day", _too_young),
    (Reason.IDENTITY_REVIEW, "identity not cleared", _identity_not_cleared),
    (Reason.IDENTITY_UNVERIFIED, "no selfie verified with the civil registry", _identity_unverified),
    (Reason.BLACKLISTED, "revoked by the programme", _blacklisted_by_the_programme),
    (Reason.BLOCKED, "blocked after joining the wave", _blocked_after_joining),
    (Reason.PRIOR_RECIPIENT, "a card from an earlier wave", _prior_card),
    (Reason.FAMILY_CARD_LIMIT, "two earlier cards on the family card", _family_full),
]


def test_every_ineligibility_reason_has_a_case() -> None:
    assert {reason for reason, _how, _setup in REASON_CASES} == INELIGIBILITY_REASONS


@pytest.mark.parametrize(("reason", "how", "setup"), REASON_CASES, ids=[how for _r, how, _s in REASON_CASES])
def test_each_ineligibility_reason_makes_a_member_ineligible(
    reason: Reason, how: str, setup: Callable[[Wave, WaveMember], object]
) -> None:
    # Given a wave of two, one of whom has this reason
    wave = strict_wave()
    member, ordinary = bulk_members(wave, [Person(), Person()])
    setup(wave, member)
    # When the selection is computed
    decisions = decided(wave)
    # Then that member is ineligible and told exactly this reason; the other one is selected
    assert decisions[member.pk].outcome == Outcome.INELIGIBLE
    assert decisions[member.pk].reasons == [reason]
    assert decisions[ordinary.pk].outcome == Outcome.SELECTED
