"""Blocks and appeals: staff block a person for a listed reason (the card suspended, a BLOCK hold
on their money), the person reads the reason in Indonesian and appeals once with evidence from
the dashboard, a verifier decides with a reason within the target time; an upheld appeal
reinstates the card (a revoked card's balance back from the treasury by a balanced posting,
while its programme year runs) or the applicant's eligibility."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.appeals.services import AppealError, appeal_decide, appeal_submit, block_place
from applicants.models import (
    Appeal,
    AppealStatus,
    Applicant,
    Blacklisting,
    Block,
    BlockStatus,
    Card,
    CardStatus,
    Decision,
    Hold,
    HoldKind,
    Reason,
    SchemeDeadline,
    Step,
)
from applicants.waves.selectors import applicant_blocked_reason
from applicants.waves.services.cards import cards_revoke_due, programme_year_open
from applicants.waves.services.deadlines import card_programme_year
from applicants.waves.services.selection import wave_selection_run
from prakerja.accounts.roles import FINANCE, VERIFIER
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.ledger.models import LedgerAccount, Posting
from prakerja.ledger.selectors import ledger_check
from tests.applicants.incentive_setups import participants
from tests.applicants.wave_setups import Person, bulk_members, close
from tests.factories import ApplicantFactory, BlockReasonFactory, StaffUserFactory, WaveFactory
from tests.images import jpeg

pytestmark = pytest.mark.django_db

STATEMENT = "Saya sendiri yang mengikuti pelatihan; wajah saya berbeda karena kacamata baru."


@pytest.fixture(autouse=True)
def _setup(training_fund: int, regions: None, staff_groups: None) -> None:
    pass


def verifier() -> Actor:
    return Actor.for_user(StaffUserFactory.create(group=VERIFIER))


def balance(card: Card) -> int:
    return LedgerAccount.objects.get(pk=card.account_id).balance


def evidence() -> dict[str, Any]:
    return {"ktp_photo": jpeg(name="ktp.jpg"), "kk_photo": jpeg(name="kk.jpg"), "selfie": jpeg(name="selfie.jpg")}


def test_a_blocked_participant_appeals_once_and_the_upheld_appeal_reinstates_the_card(
    django_assert_max_num_queries: Any,
) -> None:
    # Given a participant with a usable card, blocked by a verifier for "someone else trained"
    card = participants(1)[0]
    before = balance(card)
    reason = BlockReasonFactory.create(code="someone_else", label_id="Pelatihan dikerjakan orang lain (joki)")
    block = block_place(applicant=card.applicant, reason=reason, note="Wajah sesi 2 berbeda", actor=verifier())
    # Then the card is suspended and the money held
    assert Card.objects.get(pk=card.pk).status == CardStatus.SUSPENDED
    assert Hold.objects.open().filter(applicant=card.applicant, kind=HoldKind.BLOCK, source=f"block:{block.pk}")

    # When the person opens the dashboard, they read the reason in Indonesian and may appeal
    client = Client()
    client.force_login(card.applicant.user)
    page = client.get(reverse("applicants:dashboard")).content.decode()
    assert reason.label_id in page
    assert reason.explanation_id in page
    assert reverse("applicants:appeal") in page
    assert "Wajah sesi 2" not in page  # the staff note stays with staff

    # When they appeal with a statement and the three photos
    response = client.post(reverse("applicants:appeal"), {"statement": STATEMENT, **evidence()})
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.status == AppealStatus.PENDING
    assert appeal.decide_by - appeal.submitted_at == dt.timedelta(days=14)
    assert all(getattr(appeal, f).name.startswith("private/appeals/") for f in ("ktp_photo", "kk_photo", "selfie"))
    # Then a second appeal of the same block is refused, and the page no longer offers one
    with pytest.raises(AppealError):
        appeal_submit(applicant=card.applicant, statement=STATEMENT, **evidence())
    assert client.get(reverse("applicants:appeal")).status_code == 302
    assert 'data-testid="appeal-status"' in client.get(reverse("applicants:dashboard")).content.decode()

    # When a verifier upholds it with a reason
    appeal_decide(appeal=appeal, upheld=True, reason="Wajah cocok dengan swafoto dan KTP", actor=verifier())
    # Then the block is lifted, the hold released, the card usable with its balance untouched
    assert Block.objects.get(pk=block.pk).status == BlockStatus.LIFTED
    assert not Hold.objects.open().filter(applicant=card.applicant).exists()
    assert Card.objects.get(pk=card.pk).status == CardStatus.ACTIVE
    assert balance(card) == before
    # And every step is audited
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"block.placed", "hold.placed", "card.suspended", "appeal.submitted", "appeal.decided"} <= actions
    assert {"hold.released", "card.unsuspended"} <= actions


def test_an_upheld_appeal_of_a_revoked_card_brings_its_balance_back_from_the_treasury() -> None:
    # Given a card revoked at the deadline (balance returned to the treasury, NIK blacklisted)
    card = participants(1)[0]
    issued = balance(card)
    cards_revoke_due(now=card.purchase_deadline)
    card.refresh_from_db()
    assert card.status == CardStatus.REVOKED
    assert balance(card) == 0
    assert Blacklisting.objects.filter(applicant_id=card.applicant_id).exists()
    # and the revocation is reconsidered: blocked for "course not finished", appealed
    reason = BlockReasonFactory.create(code="course_not_finished", label_id="Pelatihan tidak diselesaikan")
    block = block_place(applicant=card.applicant, reason=reason, note="Pencabutan ditinjau", actor=verifier())
    assert block.card_status_before == CardStatus.REVOKED
    appeal = appeal_submit(applicant=card.applicant, statement=STATEMENT, **evidence())

    # When a verifier upholds the appeal within the programme year
    decided = appeal_decide(appeal=appeal, upheld=True, reason="Pembelian tercatat di platform", actor=verifier())

    # Then the balance is back on the card by one balanced posting, the blacklisting is gone,
    # and the card has a new first-purchase deadline
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE
    assert balance(card) == issued == decided.reinstated_amount
    posting = Posting.objects.get(idempotency_key=f"appeal-reinstate:{appeal.pk}")
    assert sum(posting.entries.values_list("amount", flat=True)) == 0
    assert card.purchase_deadline > timezone.now()
    assert not Blacklisting.objects.filter(applicant_id=card.applicant_id).exists()
    assert ledger_check().ok


def test_once_the_programme_year_is_over_the_balance_stays_in_the_treasury() -> None:
    # Given a card issued last year and revoked, blocked and appealed
    card = participants(1)[0]
    cards_revoke_due(now=card.purchase_deadline)
    Card.objects.filter(pk=card.pk).update(issued_at=timezone.now() - dt.timedelta(days=400))
    block_place(applicant=card.applicant, reason=BlockReasonFactory.create(), note="x", actor=verifier())
    appeal = appeal_submit(applicant=card.applicant, statement=STATEMENT, **evidence())
    # When the appeal is upheld
    decided = appeal_decide(appeal=appeal, upheld=True, reason="Data sudah dibetulkan", actor=verifier())
    # Then nothing comes back and the card stays revoked (the block is lifted)
    assert decided.reinstated_amount == 0
    assert Card.objects.get(pk=card.pk).status == CardStatus.REVOKED
    assert not Posting.objects.filter(idempotency_key=f"appeal-reinstate:{appeal.pk}").exists()


def _balance_until(card: Card, day: dt.date) -> None:
    SchemeDeadline.objects.create(
        scheme_id=card.scheme_id,
        year=card_programme_year(card),
        last_purchase_on=min(day, timezone.localdate()),
        last_completion_on=min(day, timezone.localdate()),
        last_review_on=min(day, timezone.localdate()),
        balance_until=day,
    )


def test_a_scheme_whose_balance_runs_into_the_next_year_still_reinstates_the_balance() -> None:
    # Given a card issued last calendar year, whose scheme lets the balance be used until next month
    card = participants(1)[0]
    issued = balance(card)
    cards_revoke_due(now=card.purchase_deadline)
    Card.objects.filter(pk=card.pk).update(issued_at=timezone.now() - dt.timedelta(days=400))
    card.refresh_from_db()
    _balance_until(card, timezone.localdate() + dt.timedelta(days=30))
    block_place(applicant=card.applicant, reason=BlockReasonFactory.create(), note="x", actor=verifier())
    appeal = appeal_submit(applicant=card.applicant, statement=STATEMENT, **evidence())
    # When the appeal is upheld
    decided = appeal_decide(appeal=appeal, upheld=True, reason="Pembelian tercatat", actor=verifier())
    # Then the programme year is the scheme's, not the calendar's: the balance comes back
    assert decided.reinstated_amount == issued
    assert Card.objects.get(pk=card.pk).status == CardStatus.ACTIVE


def test_a_programme_year_ends_on_its_last_day_to_use_the_balance() -> None:
    # Given a card issued this year whose scheme's last day to use the balance was yesterday
    card = participants(1)[0]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    _balance_until(card, yesterday)
    # Then its programme year is over, though the calendar year is not; the day before, it ran
    assert not programme_year_open(card)
    assert programme_year_open(card, today=yesterday)


def test_a_rejected_appeal_keeps_the_block_and_only_a_verifier_decides() -> None:
    card = participants(1)[0]
    block_place(applicant=card.applicant, reason=BlockReasonFactory.create(), note="x", actor=verifier())
    appeal = appeal_submit(applicant=card.applicant, statement=STATEMENT, **evidence())
    finance = Actor.for_user(StaffUserFactory.create(group=FINANCE))
    with pytest.raises(AppealError):
        appeal_decide(appeal=appeal, upheld=True, reason="coba", actor=finance)
    with pytest.raises(AppealError):
        appeal_decide(appeal=appeal, upheld=False, reason="  ", actor=verifier())
    appeal_decide(appeal=appeal, upheld=False, reason="KTP pada swafoto milik orang lain", actor=verifier())
    assert Card.objects.get(pk=card.pk).status == CardStatus.SUSPENDED
    assert Hold.objects.open().filter(applicant=card.applicant, kind=HoldKind.BLOCK).exists()
    # and the decision shows on the dashboard, with no second appeal offered
    client = Client()
    client.force_login(card.applicant.user)
    page = client.get(reverse("applicants:dashboard")).content.decode()
    assert "KTP pada swafoto milik orang lain" in page
    assert reverse("applicants:appeal") not in page


def test_a_blocked_applicant_may_not_join_a_wave_until_the_appeal_is_upheld() -> None:
    applicant = ApplicantFactory.create(reached=Step.READY)
    reason = BlockReasonFactory.create(code="automation")
    block_place(applicant=applicant, reason=reason, note="Pendaftaran 40 akun dari satu alamat", actor=verifier())
    assert applicant_blocked_reason(Applicant.objects.get(pk=applicant.pk)) == reason.explanation_id
    appeal = appeal_submit(applicant=applicant, statement=STATEMENT, **evidence())
    appeal_decide(appeal=appeal, upheld=True, reason="Satu akun, perangkat bersama di balai desa", actor=verifier())
    assert applicant_blocked_reason(Applicant.objects.get(pk=applicant.pk)) is None


def test_a_member_blocked_after_joining_a_wave_is_left_out_of_its_selection() -> None:
    # Given a closed wave of two members, one blocked after she joined
    wave = close(WaveFactory.create(national_quota=5))
    members = bulk_members(wave, [Person(), Person()])
    blocked = Applicant.objects.get(pk=members[0].applicant_id)
    block_place(applicant=blocked, reason=BlockReasonFactory.create(), note="Foto KTP orang lain", actor=verifier())
    # When the selection runs
    wave_selection_run(wave_id=wave.pk, seed=1)
    # Then the blocked member is ineligible, with the reason she can act on, and gets no card
    decisions = dict(Decision.objects.values_list("member__applicant_id", "reasons"))
    assert decisions[blocked.pk] == [Reason.BLOCKED]
    assert decisions[members[1].applicant_id] == []
    assert not Card.objects.filter(applicant=blocked).exists()
    assert Card.objects.filter(applicant_id=members[1].applicant_id).exists()


def test_the_appeal_queue_flags_overdue_appeals_and_filters_in_a_few_queries(
    django_assert_max_num_queries: Any,
) -> None:
    # Given 12 appealed blocks, 4 of them past the target time
    cards = participants(12)
    reason = BlockReasonFactory.create()
    for card in cards:
        block_place(applicant=card.applicant, reason=reason, note="x", actor=verifier())
        appeal_submit(applicant=card.applicant, statement=STATEMENT, **evidence())
    late = list(Appeal.objects.order_by("pk").values_list("pk", flat=True)[:4])
    Appeal.objects.filter(pk__in=late).update(decide_by=timezone.now() - dt.timedelta(hours=1))
    client = Client()
    client.force_login(StaffUserFactory.create(group=VERIFIER))
    # When a verifier lists the overdue pending appeals for the reason
    url = reverse("admin:applicants_appeal_changelist")
    with django_assert_max_num_queries(14):
        response = client.get(
            url, {"overdue": "yes", "status__exact": "pending", "block__reason__id__exact": str(reason.pk)}
        )
    # Then exactly the late ones are listed
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 4
    with django_assert_max_num_queries(14):
        everything = client.get(url)
    assert len(everything.context["cl"].result_list) == 12
    # And an appeal's evidence opens for the verifier behind a signed link
    detail = client.get(reverse("admin:applicants_appeal_change", args=[late[0]])).content.decode()
    link = detail.split('href="/admin/applicants/appeal/evidence/selfie/')[1].split('"')[0]
    photo = client.get(f"/admin/applicants/appeal/evidence/selfie/{link}")
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"


def test_appeal_evidence_is_deleted_by_the_retention_job_a_year_after_the_decision(settings: Any) -> None:
    # Given two decided appeals, one decided more than the retention period ago, and a pending one
    from django.core.files.storage import default_storage

    from applicants.privacy.retention import retention_run

    cards = participants(3)
    appeals = []
    for card in cards:
        block_place(applicant=card.applicant, reason=BlockReasonFactory.create(), note="x", actor=verifier())
        appeals.append(appeal_submit(applicant=card.applicant, statement=STATEMENT, **evidence()))
    old, recent, pending = appeals
    for appeal in (old, recent):
        appeal_decide(appeal=appeal, upheld=False, reason="Bukti tidak cukup", actor=verifier())
    Appeal.objects.filter(pk=old.pk).update(
        decided_at=timezone.now() - dt.timedelta(days=settings.APPEAL_EVIDENCE_RETENTION_DAYS + 1)
    )
    paths = [old.ktp_photo.name, old.kk_photo.name, old.selfie.name]
    # When the retention job runs
    result = retention_run()
    # Then only the old appeal's photos are gone; its statement and decision stay
    assert result.appeal_evidence_deleted == 1
    old.refresh_from_db()
    assert old.evidence_deleted_at is not None
    assert not old.ktp_photo
    assert not old.selfie
    assert old.decision_reason == "Bukti tidak cukup"
    assert not any(default_storage.exists(path) for path in paths)
    for kept in (recent, pending):
        kept.refresh_from_db()
        assert kept.evidence_deleted_at is None
        assert default_storage.exists(kept.selfie.name)
