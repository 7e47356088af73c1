"""What an open group does and what a verifier's decision undoes: selection leaves its members
pending with the reason, payout runs hold them, clearing releases and settles, confirming blocks
the extra accounts."""

import pytest
from django.utils import timezone

from applicants.disbursement.services.runs import disbursement_run_create
from applicants.duplicates.models import DuplicateGroup, GroupStatus, MemberRole
from applicants.duplicates.services.payouts import duplicates_hold_open
from applicants.duplicates.services.review import (
    DuplicateReviewError,
    duplicate_group_clear,
    duplicate_group_confirm,
)
from applicants.duplicates.services.scan import duplicates_scan
from applicants.holds.models import Hold, HoldKind
from applicants.holds.selectors import applicant_held_by_case
from applicants.holds.services import hold_release
from applicants.models import (
    Applicant,
    Blacklisting,
    Card,
    CardStatus,
    Decision,
    Outcome,
    Payout,
    Reason,
    WaveMember,
)
from applicants.waves.selectors import programme_status
from applicants.waves.services.selection import wave_selection_run
from prakerja.accounts.roles import PMO_ADMIN, VERIFIER
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.messaging.models import OutboxMessage
from tests.applicants.duplicates.setups import Someone, people, spelled
from tests.applicants.incentive_setups import fund_incentives, participants, with_due_instalments
from tests.applicants.wave_setups import close
from tests.conftest import run_after_commit_tasks
from tests.factories import StaffUserFactory, WaveFactory

pytestmark = pytest.mark.django_db
SHARED_PHONE = "+6281277778888"


@pytest.fixture(autouse=True)
def _setup(training_fund: int, regions: None, staff_groups: None) -> None:
    pass


def verifier() -> Actor:
    return Actor.for_user(StaffUserFactory.create(group=VERIFIER))


def wave_of(specs: list[Someone], *, quota: int = 10) -> tuple[list[WaveMember], int]:
    wave = close(WaveFactory.create(national_quota=quota))
    now = timezone.now()
    members = WaveMember.objects.bulk_create(
        [WaveMember(wave=wave, applicant=a, province_id="32", statements_accepted_at=now) for a in people(specs)]
    )
    return members, wave.pk


def outcome(member: WaveMember) -> tuple[str, list[str]]:
    decision = Decision.objects.get(member=member)
    return decision.outcome, decision.reasons


def test_selection_runs_the_pass_first_and_leaves_an_open_groups_members_pending(
    settings, django_capture_on_commit_callbacks
) -> None:
    # Given a closed wave in which two members share a phone, and the pass switched on
    settings.DUPLICATES_SCAN_BEFORE_RUNS = True
    (one, two, other), wave_id = wave_of([Someone(phone=SHARED_PHONE), Someone(phone=SHARED_PHONE), Someone()])
    # When the wave is selected (and its result told)
    with django_capture_on_commit_callbacks() as callbacks:
        wave_selection_run(wave_id=wave_id, seed=3)
    run_after_commit_tasks(callbacks)
    # Then the pair is neither selected nor refused: pending, with the review as the reason
    assert outcome(one) == (Outcome.PENDING, [Reason.DUPLICATE_REVIEW])
    assert outcome(two) == (Outcome.PENDING, [Reason.DUPLICATE_REVIEW])
    assert outcome(other)[0] == Outcome.SELECTED
    assert not Card.objects.filter(applicant_id__in=[one.applicant_id, two.applicant_id]).exists()
    # and the member sees it on the dashboard, in words, with no other wave to join meanwhile
    status = programme_status(Applicant.objects.get(pk=one.applicant_id))
    assert status.state == "pending"
    assert status.reasons == (str(Reason.DUPLICATE_REVIEW.label),)
    assert status.open_waves == ()
    group = DuplicateGroup.objects.get()

    # When a verifier clears the group (different people)
    with django_capture_on_commit_callbacks() as callbacks:
        duplicate_group_clear(group=group, reason="Kakak beradik, satu ponsel", actor=verifier())
    with django_capture_on_commit_callbacks():  # the e-mails the announcement queues stay queued
        run_after_commit_tasks(callbacks)
    # Then both are decided now, as the lottery would have: places were left, so selected, with cards
    assert outcome(one)[0] == Outcome.SELECTED
    assert outcome(two)[0] == Outcome.SELECTED
    assert Card.objects.filter(applicant_id__in=[one.applicant_id, two.applicant_id]).count() == 2
    # and they are told (the pending notice first, then the result under a reference of its own)
    references = set(OutboxMessage.objects.values_list("reference", flat=True))
    assert any(r.endswith(f"-{one.pk}-pending-email") for r in references)
    assert any(r.endswith(f"-{one.pk}-email") for r in references)
    assert AuditEvent.objects.filter(action="duplicates.group_cleared").count() == 1
    assert AuditEvent.objects.filter(action="wave.decision_settled").count() == 2


def test_a_pending_member_settled_after_the_places_are_gone_is_not_selected() -> None:
    # Given a one-place wave, the place taken, and a pending pair
    (one, two, other), wave_id = wave_of([Someone(phone=SHARED_PHONE), Someone(phone=SHARED_PHONE), Someone()], quota=1)
    duplicates_scan(actor=Actor.system("test"))
    wave_selection_run(wave_id=wave_id, seed=3)
    assert outcome(other)[0] == Outcome.SELECTED
    # When the group is cleared, Then the pair is not selected, with the national quota as the reason
    duplicate_group_clear(group=DuplicateGroup.objects.get(), reason="Orang berbeda", actor=verifier())
    assert outcome(one) == (Outcome.NOT_SELECTED, [Reason.NATIONAL_QUOTA])
    assert outcome(two) == (Outcome.NOT_SELECTED, [Reason.NATIONAL_QUOTA])


def test_a_payout_run_holds_an_open_groups_participants_until_a_verifier_clears_it(settings) -> None:
    # Given three participants with an instalment due, two of them sharing a phone
    fund_incentives()
    cards = participants(3)
    for n, card in enumerate(cards):  # otherwise unalike (participants() names them alike)
        Applicant.objects.filter(pk=card.applicant_id).update(
            full_name=f"Peserta {spelled(n + 500)}", phone=SHARED_PHONE if n < 2 else "+6281200000001"
        )
        card.applicant.user.__class__.objects.filter(pk=card.applicant.user_id).update(
            email=f"peserta.{spelled(n + 500)}@contoh.id"
        )
    with_due_instalments(cards)
    settings.DUPLICATES_SCAN_BEFORE_RUNS = True
    # When a payout run is made
    disbursement_run_create()
    # Then the pair is held as suspected duplicates and only the third is paid
    group = DuplicateGroup.objects.get()
    held = set(Hold.objects.open().filter(kind=HoldKind.DUPLICATE).values_list("applicant_id", "source"))
    assert held == {
        (cards[0].applicant_id, f"duplicates:{group.pk}"),
        (cards[1].applicant_id, f"duplicates:{group.pk}"),
    }
    assert set(Payout.objects.values_list("instalment__card", flat=True)) == {cards[2].pk}
    # When a verifier clears the group, Then its holds are released and the next run pays the pair
    duplicate_group_clear(group=group, reason="Suami istri, satu ponsel", actor=verifier())
    assert not Hold.objects.open().exists()
    disbursement_run_create()
    assert set(Payout.objects.values_list("instalment__card", flat=True)) == {c.pk for c in cards}


def test_confirming_a_duplicate_keeps_one_account_and_blocks_the_others() -> None:
    # Given an open group of three accounts of one person, one of them a participant
    fund_incentives()
    cards = participants(1)
    kept = Applicant.objects.get(pk=cards[0].applicant_id)
    Applicant.objects.filter(pk=kept.pk).update(phone=SHARED_PHONE, full_name="Peserta Tunggal")
    extra_one, extra_two = people([Someone(phone=SHARED_PHONE), Someone(phone=SHARED_PHONE)])
    duplicates_scan(actor=Actor.system("test"))
    duplicates_hold_open(actor=Actor.system("test"))
    group = DuplicateGroup.objects.get(signal="phone")
    assert Hold.objects.open().filter(applicant=kept).exists()
    # When a verifier confirms it, keeping the participant's account
    duplicate_group_confirm(group=group, keep_applicant_id=kept.pk, reason="Satu orang, tiga akun", actor=verifier())
    # Then the extras are blacklisted and held for good, the kept account is free again
    group.refresh_from_db()
    assert group.status == GroupStatus.CONFIRMED
    roles = dict(group.members.values_list("applicant_id", "role"))
    assert roles == {kept.pk: MemberRole.KEPT, extra_one.pk: MemberRole.EXTRA, extra_two.pk: MemberRole.EXTRA}
    assert set(Blacklisting.objects.values_list("applicant_id", flat=True)) == {extra_one.pk, extra_two.pk}
    assert set(Hold.objects.open().values_list("applicant_id", "source")) == {
        (extra_one.pk, f"duplicates:{group.pk}:confirmed"),
        (extra_two.pk, f"duplicates:{group.pk}:confirmed"),
    }
    event = AuditEvent.objects.get(action="duplicates.group_confirmed")
    assert event.payload["kept"] == kept.pk
    # and a later wave finds the extras ineligible
    wave_id = close(WaveFactory.create(national_quota=5)).pk
    members = WaveMember.objects.bulk_create(
        [
            WaveMember(wave_id=wave_id, applicant=a, province_id="32", statements_accepted_at=timezone.now())
            for a in (extra_one, extra_two)
        ]
    )
    wave_selection_run(wave_id=wave_id, seed=1)
    assert [outcome(m) for m in members] == [(Outcome.INELIGIBLE, [Reason.BLACKLISTED])] * 2


def test_a_confirmed_extra_accounts_card_is_suspended_until_a_verifier_releases_it() -> None:
    # Given two participants' accounts found to share one phone
    cards = participants(2)
    Applicant.objects.filter(pk__in=[c.applicant_id for c in cards]).update(phone=SHARED_PHONE)
    duplicates_scan(actor=Actor.system("test"))
    duplicates_hold_open(actor=Actor.system("test"))
    group = DuplicateGroup.objects.get(signal="phone")
    # When a verifier confirms one person holds both, keeping the first
    duplicate_group_confirm(
        group=group, keep_applicant_id=cards[0].applicant_id, reason="Satu orang, dua akun", actor=verifier()
    )
    # Then the extra account's card can no longer be spent, and counts as held by a case
    statuses = dict(Card.objects.values_list("pk", "status"))
    assert statuses == {cards[0].pk: CardStatus.ACTIVE, cards[1].pk: CardStatus.SUSPENDED}
    assert applicant_held_by_case(cards[1].applicant_id)
    event = AuditEvent.objects.get(action="duplicates.group_confirmed")
    assert event.payload["cards_suspended"] == [cards[1].pk]
    # When a verifier later releases the extra's hold (two people after all)
    hold = Hold.objects.open().get(applicant_id=cards[1].applicant_id)
    hold_release(hold=hold, reason="Kakak beradik, terbukti dua orang", actor=verifier())
    # Then the card is usable again
    assert Card.objects.get(pk=cards[1].pk).status == CardStatus.ACTIVE
    assert not applicant_held_by_case(cards[1].applicant_id)


def test_only_a_verifier_decides_and_only_once() -> None:
    # Given an open group
    people([Someone(phone=SHARED_PHONE), Someone(phone=SHARED_PHONE)])
    duplicates_scan(actor=Actor.system("test"))
    group = DuplicateGroup.objects.get()
    # When a PMO administrator tries, Then refused
    pmo = Actor.for_user(StaffUserFactory.create(group=PMO_ADMIN))
    with pytest.raises(DuplicateReviewError):
        duplicate_group_clear(group=group, reason="x", actor=pmo)
    # When a verifier clears without a reason, Then refused; with one, done; a second time refused
    with pytest.raises(DuplicateReviewError):
        duplicate_group_clear(group=group, reason="  ", actor=verifier())
    duplicate_group_clear(group=group, reason="Orang berbeda", actor=verifier())
    with pytest.raises(DuplicateReviewError):
        duplicate_group_confirm(group=group, keep_applicant_id=0, reason="x", actor=verifier())
