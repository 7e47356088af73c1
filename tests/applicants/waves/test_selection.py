"""Selection: eligibility, priority, lottery, quotas, cards and balances."""

import datetime as dt

import pytest
from django.utils import timezone

from applicants.models import Card, Decision, Outcome, Province, Reason, RegistryKind, Step, WaveMember, WaveStatus
from applicants.waves.services.cards import card_number_generate, luhn_valid
from applicants.waves.services.selection import RULES_VERSION, selection_compute, wave_selection_run
from prakerja.ledger.models import Entry, Posting
from prakerja.ledger.selectors import ledger_check
from tests.applicants.wave_setups import close, put_on_registry
from tests.factories import ApplicantFactory, WaveFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db


def decision_of(member: WaveMember) -> Decision:
    return Decision.objects.get(member=member)


def test_ineligible_members_get_every_reason_that_applies(training_fund: int) -> None:
    # Given a wave with a civil servant who is also a student, a social-aid recipient under a
    # scheme that excludes them, a blacklisted person and an ordinary applicant
    wave = WaveFactory.create(
        scheme__name="Uji tanpa bansos lain",
        scheme__effective_from=dt.date(2019, 1, 1),
        scheme__exclude_social_aid=True,
    )
    servant, aid, blacklisted, ordinary = WaveMemberFactory.create_batch(4, wave=wave)
    put_on_registry(RegistryKind.CIVIL_SERVANT, [servant.applicant], source="BKN")
    put_on_registry(RegistryKind.STUDENT, [servant.applicant], source="Dapodik")
    put_on_registry(RegistryKind.SOCIAL_AID, [aid.applicant], source="DTKS")
    put_on_registry(RegistryKind.BLACKLIST, [blacklisted.applicant], source="PMO")

    # When the closed wave is selected
    wave_selection_run(wave_id=close(wave).pk, seed=7)

    # Then each ineligible member carries all its reasons, and only the ordinary one is selected
    assert decision_of(servant).outcome == Outcome.INELIGIBLE
    assert sorted(decision_of(servant).reasons) == [Reason.CIVIL_SERVANT, Reason.STUDENT]
    assert decision_of(aid).reasons == [Reason.SOCIAL_AID]
    assert decision_of(blacklisted).reasons == [Reason.BLACKLISTED]
    ordinary_decision = decision_of(ordinary)
    assert ordinary_decision.outcome == Outcome.SELECTED
    assert ordinary_decision.rules_version == RULES_VERSION
    assert ordinary_decision.seed == 7
    assert ordinary_decision.scheme_version == wave.scheme.version


def test_social_aid_counts_only_where_the_scheme_excludes_it(training_fund: int) -> None:
    # Given the normal scheme, which does not exclude other social aid
    wave = WaveFactory.create()
    member = WaveMemberFactory.create(wave=wave)
    put_on_registry(RegistryKind.SOCIAL_AID, [member.applicant])
    # When selected, Then the social-aid recipient is selected
    wave_selection_run(wave_id=close(wave).pk, seed=1)
    assert decision_of(member).outcome == Outcome.SELECTED


def test_age_is_counted_on_the_closing_day_in_jakarta(training_fund: int) -> None:
    # Given a wave closing on 10 March 2026 (Jakarta) under the 18-64 scheme
    closes = timezone.make_aware(dt.datetime(2026, 3, 10, 12, 0))
    wave = WaveFactory.create(opens_at=closes - dt.timedelta(days=5), closes_at=closes)
    turns_18 = WaveMemberFactory.create(wave=wave, applicant__birth=dt.date(2008, 3, 10))
    turns_18_tomorrow = WaveMemberFactory.create(wave=wave, applicant__birth=dt.date(2008, 3, 11))
    still_64 = WaveMemberFactory.create(wave=wave, applicant__birth=dt.date(1961, 3, 11))
    turned_65 = WaveMemberFactory.create(wave=wave, applicant__birth=dt.date(1961, 3, 10))
    # When selected
    wave_selection_run(wave_id=close(wave).pk, seed=1)
    # Then the birthdays on the closing day count, the ones after it do not
    assert decision_of(turns_18).outcome == Outcome.SELECTED
    assert decision_of(turns_18_tomorrow).reasons == [Reason.AGE]
    assert decision_of(still_64).outcome == Outcome.SELECTED
    assert decision_of(turned_65).reasons == [Reason.AGE]


def test_family_card_limit_counts_earlier_recipients(training_fund: int) -> None:
    # Given a family card whose one member already received a card in an earlier wave,
    # and three more members of it in this wave (limit 2 per card)
    kk = "3273011111110001"
    earlier = WaveFactory.create()
    WaveMemberFactory.create(wave=earlier, applicant__kk=kk)
    wave_selection_run(wave_id=close(earlier).pk, seed=1)
    wave = WaveFactory.create()
    family = [WaveMemberFactory.create(wave=wave, applicant__kk=kk) for _ in range(3)]
    # When selected
    wave_selection_run(wave_id=close(wave).pk, seed=3)
    # Then exactly one more is selected and the other two are stopped by the family limit
    outcomes = sorted(decision_of(m).outcome for m in family)
    assert outcomes == [Outcome.INELIGIBLE, Outcome.INELIGIBLE, Outcome.SELECTED]
    assert all(
        decision_of(m).reasons == [Reason.FAMILY_CARD_LIMIT] for m in family if decision_of(m).outcome != "selected"
    )


def test_priority_lists_come_before_the_lottery_and_quotas_hold(training_fund: int) -> None:
    # Given a wave with a national quota of 3, a province quota of 2 in West Java and 10
    # members there, two of them on a priority list
    wave = WaveFactory.create(national_quota=3)
    west_java = Province.objects.get(code="32")
    wave.province_quotas.create(province=west_java, quota=2)
    members = WaveMemberFactory.create_batch(10, wave=wave)
    put_on_registry(RegistryKind.PRIORITY, [members[3].applicant, members[8].applicant], source="Kemnaker")
    # When selected
    wave_selection_run(wave_id=close(wave).pk, seed=11)
    # Then the two priority members take the province's two places; the rest are told why
    selected = Decision.objects.filter(wave=wave, outcome=Outcome.SELECTED)
    assert {d.member_id for d in selected} == {members[3].pk, members[8].pk}
    assert all(d.reasons == [Reason.PRIORITY] for d in selected)
    others = Decision.objects.filter(wave=wave, outcome=Outcome.NOT_SELECTED)
    assert others.count() == 8
    assert all(d.reasons == [Reason.PROVINCE_QUOTA] for d in others)
    assert sorted(d.province_rank or 0 for d in Decision.objects.filter(wave=wave)) == list(range(1, 11))


def test_cards_are_funded_once_and_a_rerun_changes_nothing(training_fund: int) -> None:
    # Given a closed wave of 5 with 3 places
    wave = close(WaveFactory.create(national_quota=3))
    WaveMemberFactory.create_batch(5, wave=wave)
    # When selection runs, and runs again
    first = wave_selection_run(wave_id=wave.pk, seed=5, chunk_size=2)
    second = wave_selection_run(wave_id=wave.pk, seed=5)
    # Then 3 cards exist, each with a valid unique number and the scheme's balance, posted once
    wave.refresh_from_db()
    assert wave.status == WaveStatus.ANNOUNCED
    assert (first.decided, first.cards_issued) == (5, 3)
    assert (second.decided, second.cards_issued) == (0, 0)
    cards = list(Card.objects.filter(wave=wave))
    assert len(cards) == 3
    assert all(luhn_valid(c.number) for c in cards)
    assert Posting.objects.filter(kind="card.issue").count() == 3
    for card in cards:
        assert sum(Entry.objects.filter(account_id=card.account_id).values_list("amount", flat=True)) == 3_500_000
    assert ledger_check().ok


def test_the_lottery_depends_on_the_seed_only() -> None:
    # Given a closed wave of 30 members and 10 places
    wave = close(WaveFactory.create(national_quota=10))
    WaveMemberFactory.create_batch(30, wave=wave)
    # When computed twice with one seed and once with another
    first = selection_compute(wave=wave, seed=42)
    again = selection_compute(wave=wave, seed=42)
    other = selection_compute(wave=wave, seed=43)
    # Then the same seed gives the same result and another seed another draw
    assert first == again
    chosen = {d.member_id for d in first if d.outcome == Outcome.SELECTED}
    assert len(chosen) == 10
    assert chosen != {d.member_id for d in other if d.outcome == Outcome.SELECTED}


def test_card_numbers_have_a_check_digit_and_do_not_follow_each_other() -> None:
    numbers = [card_number_generate() for _ in range(1000)]
    assert all(len(n) == 16 and luhn_valid(n) for n in numbers)
    assert len(set(numbers)) == 1000
    # A one-digit typo is always caught
    number = numbers[0]
    typo = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    assert not luhn_valid(typo)


def test_not_selected_members_can_join_a_later_wave(training_fund: int) -> None:
    from applicants.waves.services.waves import wave_join

    # Given a member not selected in an announced wave
    wave = close(WaveFactory.create(national_quota=1))
    first, second = WaveMemberFactory.create_batch(2, wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=2)
    loser = first if decision_of(first).outcome == Outcome.NOT_SELECTED else second
    # When they join the next open wave, Then it works without retyping anything
    later = WaveFactory.create()
    member = wave_join(applicant=loser.applicant, wave=later, province=loser.province, statements_accepted=True)
    assert member.applicant.step == Step.READY
    assert ApplicantFactory._meta.model.objects.filter(pk=loser.applicant.pk).exists()


def test_everyone_is_told_the_result_in_batches(training_fund, django_capture_on_commit_callbacks, settings):
    from applicants.waves.services.announcements import wave_notify_batch
    from prakerja.messaging.models import SandboxMessage
    from tests.conftest import run_after_commit_tasks

    # Given an announced wave of three with one place, and batches of two
    settings.ANNOUNCEMENT_BATCH = 2
    wave = close(WaveFactory.create(national_quota=1))
    members = WaveMemberFactory.create_batch(3, wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=4)
    # When the batches run (twice over: a repeated batch tells nobody twice)
    last: int | None = 0
    batches = 0
    while last is not None:
        with django_capture_on_commit_callbacks() as callbacks:
            last = wave_notify_batch(wave_id=wave.pk, after=last)
        run_after_commit_tasks(callbacks)
        batches += 1
    with django_capture_on_commit_callbacks() as again:
        wave_notify_batch(wave_id=wave.pk, after=0)
    # Then each member got one email and one SMS with their result, in two batches
    assert batches == 3  # two batches and the empty one that ends the walk
    assert not again
    for member in members:
        decision = decision_of(member)
        sms = SandboxMessage.objects.get(reference=f"wave-{wave.number}-result-{member.pk}-sms")
        assert decision.notified_at is not None
        if decision.outcome == Outcome.SELECTED:
            assert member.applicant.card.number in sms.body
        else:
            assert "belum lolos" in sms.body
