"""Clawback: a verifier opens a case against a participant found ineligible after payment (with
evidence), the participant is told to repay within 60 days, finance records repayments through
the ledger (never twice, never more than owed, also under concurrency), and unpaid cases past
their date are referred for legal follow-up."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.clawbacks.services import (
    ClawbackError,
    clawback_cancel,
    clawback_open,
    clawback_repayment_record,
    clawbacks_mark_overdue,
)
from applicants.models import (
    Applicant,
    Blacklisting,
    Card,
    CardStatus,
    Clawback,
    ClawbackRepayment,
    ClawbackStatus,
    Hold,
    HoldKind,
    Instalment,
    Payout,
    PayoutStatus,
)
from prakerja.accounts.models import User
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.core.uploads import private_file_token
from prakerja.ledger.models import AccountKind, LedgerAccount, Posting
from prakerja.ledger.selectors import account_balance, ledger_check
from prakerja.ledger.services import Line, account_get_or_create, posting_create
from prakerja.messaging.models import SandboxMessage
from tests.applicants.incentive_setups import disburse_here, fund_incentives, participants, with_due_instalments
from tests.conftest import run_after_commit_tasks
from tests.factories import StaffUserFactory
from tests.images import jpeg

INCENTIVE = 600_000
COURSE = 1_500_000


@pytest.fixture(autouse=True)
def _setup(training_fund: int, regions: None, staff_groups: None) -> None:
    fund_incentives()


def paid_participant() -> Card:
    """A participant who bought a Rp1,500,000 course and was paid a Rp600,000 incentive."""
    for card in participants(4):
        platform = account_get_or_create(kind=AccountKind.PLATFORM_PAYABLE, owner_ref="platform-1")
        posting_create(
            idempotency_key=f"purchase:test-{card.pk}",
            kind="purchase.confirm",
            lines=[Line(card.account_id, -COURSE), Line(platform.pk, COURSE)],
        )
    cards = list(Card.objects.order_by("pk"))
    with_due_instalments(cards, amount=INCENTIVE)
    disburse_here()
    paid = Payout.objects.filter(status=PayoutStatus.SUCCEEDED).values_list("instalment__card", flat=True).first()
    assert paid is not None, "the sandbox paid nobody"
    card = Card.objects.select_related("applicant__user").get(pk=paid)
    Applicant.objects.filter(pk=card.applicant_id).update(
        phone=f"+62812{card.pk:07d}", phone_verified_at=timezone.now()
    )
    card.applicant.refresh_from_db()
    return card


def staff(group: str) -> tuple[Client, User]:
    user = StaffUserFactory.create(group=group)
    client = Client()
    client.force_login(user)
    return client, user


def receivable(card: Card) -> int:
    return account_balance(account=LedgerAccount.objects.get(kind="clawback_receivable", owner_ref=f"card:{card.pk}"))


@pytest.mark.django_db
def test_a_verifier_opens_a_case_and_the_participant_is_told(django_capture_on_commit_callbacks):
    # given a paid participant and a verifier with the evidence
    card = paid_participant()
    later = Instalment.objects.create(
        card=card, kind="post_training", number=2, amount=INCENTIVE, due_on=timezone.localdate() + dt.timedelta(30)
    )
    client, _verifier = staff("verifier")

    # when the verifier opens a case from the admin, leaving the amount to the system
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("admin:applicants_clawback_add"),
            {"card_number": card.number, "reason": "Tercatat sebagai ASN sejak 2019 (data BKN).", "evidence": jpeg()},
        )
    run_after_commit_tasks(callbacks)

    # then the case asks for everything received, due in 60 days, on the ledger as a receivable
    case = Clawback.objects.get()
    assert response.status_code == 302
    assert case.training_used == COURSE
    assert case.incentives_paid == INCENTIVE
    assert case.amount == COURSE + INCENTIVE
    assert case.due_on == timezone.localdate() + dt.timedelta(days=60)
    assert receivable(card) == COURSE + INCENTIVE
    assert ledger_check().ok
    # and the person is blacklisted, told by email and SMS, and the dashboard says what to do
    assert Blacklisting.objects.filter(nik_index=card.applicant.nik_index).exists()
    later.refresh_from_db()
    # no further incentive leaves and the card cannot be spent: the case holds the participant
    assert Hold.objects.open().filter(applicant=card.applicant, kind=HoldKind.CLAWBACK, source=f"clawback:{case.pk}")
    assert Card.objects.get(pk=card.pk).status == CardStatus.SUSPENDED
    email = SandboxMessage.objects.get(reference__startswith=f"clawback-opened:{case.pk}")
    assert "Rp2.100.000" in email.body
    assert case.reference in email.body
    assert SandboxMessage.objects.filter(reference__startswith=f"clawback-opened-sms:{case.pk}").exists()
    assert AuditEvent.objects.filter(action="clawback.opened", object_id=str(case.pk)).exists()
    participant = Client()
    participant.force_login(card.applicant.user)
    dashboard = participant.get(reverse("applicants:dashboard")).content.decode()
    assert "Anda wajib mengembalikan dana program" in dashboard
    assert "Rp2.100.000" in dashboard


@pytest.mark.django_db
def test_bad_evidence_and_a_second_case_are_refused():
    # given a paid participant
    card = paid_participant()
    _client, verifier = staff("verifier")

    # when the evidence is not an image, then nothing is opened
    with pytest.raises(ClawbackError):
        clawback_open(
            card=card,
            reason="x",
            evidence=SimpleUploadedFile("bukti.jpg", b"%PDF-1.4 nope", content_type="image/jpeg"),
            actor=Actor.for_user(verifier),
        )
    assert not Clawback.objects.exists()
    # when the amount is more than received, then it is refused
    with pytest.raises(ClawbackError):
        clawback_open(
            card=card, reason="x", evidence=jpeg(), actor=Actor.for_user(verifier), amount=COURSE + INCENTIVE + 1
        )
    # when a case is open, a second one is refused
    clawback_open(card=card, reason="x", evidence=jpeg(), actor=Actor.for_user(verifier), amount=INCENTIVE)
    with pytest.raises(ClawbackError):
        clawback_open(card=card, reason="again", evidence=jpeg(), actor=Actor.for_user(verifier))
    assert Clawback.objects.count() == 1


@pytest.mark.django_db
def test_finance_records_repayments_through_the_ledger_once_each():
    # given an open case of Rp600,000
    card = paid_participant()
    _client, verifier = staff("verifier")
    case = clawback_open(card=card, reason="x", evidence=jpeg(), actor=Actor.for_user(verifier), amount=INCENTIVE)
    finance, _finance_user = staff("finance")
    changelist = reverse("admin:applicants_clawback_changelist")
    treasury = account_get_or_create(kind=AccountKind.TREASURY)
    before = account_balance(account=treasury)

    # when finance records a first payment from the bank statement, then the same line again
    for _ in range(2):
        finance.post(
            changelist,
            {
                "action": "record_repayment",
                "_selected_action": [case.pk],
                "apply": "1",
                "amount": "200000",
                "bank_reference": "BRI-20261128-0001",
                "paid_on": "2026-11-28",
            },
        )

    # then it is counted once: the treasury has it, the receivable shows the rest
    case.refresh_from_db()
    assert ClawbackRepayment.objects.count() == 1
    assert case.repaid_amount == 200_000
    assert receivable(card) == INCENTIVE - 200_000
    assert account_balance(account=treasury) == before + 200_000

    # when more than is owed is recorded, then it is refused
    with pytest.raises(ClawbackError):
        clawback_repayment_record(
            clawback=case,
            amount=500_000,
            bank_reference="BRI-2",
            paid_on=dt.date(2026, 11, 29),
            actor=Actor.for_user(_finance_user),
        )
    # when the rest comes in, then the case is repaid and the participant told
    clawback_repayment_record(
        clawback=case,
        amount=400_000,
        bank_reference="BRI-3",
        paid_on=dt.date(2026, 11, 30),
        actor=Actor.for_user(_finance_user),
    )
    case.refresh_from_db()
    assert case.status == ClawbackStatus.REPAID
    assert receivable(card) == 0
    assert ledger_check().ok
    assert AuditEvent.objects.filter(action="clawback.repayment_recorded").count() == 2


@pytest.mark.django_db
def test_only_verifiers_open_and_only_finance_records():
    card = paid_participant()
    _client, verifier = staff("verifier")
    case = clawback_open(card=card, reason="x", evidence=jpeg(), actor=Actor.for_user(verifier), amount=INCENTIVE)
    finance, _user = staff("finance")
    verifier_client, _v = staff("verifier")
    curator, _c = staff("curator")

    # finance cannot open a case; verifiers cannot record a payment; curators see nothing
    assert finance.get(reverse("admin:applicants_clawback_add")).status_code == 403
    verifier_client.post(
        reverse("admin:applicants_clawback_changelist"),
        {
            "action": "record_repayment",
            "_selected_action": [case.pk],
            "apply": "1",
            "amount": "1",
            "bank_reference": "X",
            "paid_on": "2026-11-28",
        },
    )
    assert not ClawbackRepayment.objects.exists()
    assert curator.get(reverse("admin:applicants_clawback_changelist")).status_code == 403
    assert (
        curator.get(
            reverse(
                "admin:applicants_clawback_evidence", args=[private_file_token(kind="clawback-evidence", pk=case.pk)]
            )
        ).status_code
        == 403
    )
    assert (
        finance.get(
            reverse(
                "admin:applicants_clawback_evidence", args=[private_file_token(kind="clawback-evidence", pk=case.pk)]
            )
        ).status_code
        == 200
    )


@pytest.mark.django_db
def test_unpaid_cases_past_the_date_are_referred_for_legal_follow_up(django_capture_on_commit_callbacks):
    # given a case whose date has passed with money owed, and one still in time
    card = paid_participant()
    _client, verifier = staff("verifier")
    late = clawback_open(card=card, reason="x", evidence=jpeg(), actor=Actor.for_user(verifier), amount=INCENTIVE)
    Clawback.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    other = Card.objects.exclude(pk=card.pk).select_related("applicant__user").first()
    assert other is not None
    in_time = clawback_open(card=other, reason="y", evidence=jpeg(), actor=Actor.for_user(verifier), amount=COURSE)

    # when the daily job runs (twice)
    with django_capture_on_commit_callbacks() as callbacks:
        first = clawbacks_mark_overdue()
    run_after_commit_tasks(callbacks)
    second = clawbacks_mark_overdue()

    # then only the late case is referred, once, and the participant told
    late.refresh_from_db()
    in_time.refresh_from_db()
    assert (first, second) == (1, 0)
    assert late.status == ClawbackStatus.OVERDUE
    assert late.referred_at is not None
    assert in_time.status == ClawbackStatus.OPEN
    assert SandboxMessage.objects.filter(reference__startswith=f"clawback-overdue:{late.pk}").exists()
    # and the legal list is the overdue filter, exported for follow-up
    pmo, _pmo_user = staff("pmo_admin")
    listed = pmo.get(reverse("admin:applicants_clawback_changelist"), {"status__exact": "overdue"})
    assert [c.pk for c in listed.context["cl"].result_list] == [late.pk]
    export: Any = pmo.get(reverse("admin:applicants_clawback_export"), {"status__exact": "overdue"})
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(late.reference)
    assert card.number not in lines[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("concurrency")
def test_parallel_recordings_never_take_more_than_is_owed(staff_groups):
    # given a case of Rp600,000 and eight finance users each entering a Rp600,000 payment at
    # once (four of them the same statement line)
    fund_incentives()
    card = paid_participant()
    verifier = StaffUserFactory.create(group="verifier")
    case = clawback_open(card=card, reason="x", evidence=jpeg(), actor=Actor.for_user(verifier), amount=INCENTIVE)
    clerks = [StaffUserFactory.create(group="finance") for _ in range(8)]
    start = threading.Barrier(len(clerks))

    def record(n: int) -> str:
        try:
            start.wait()
            clawback_repayment_record(
                clawback=case,
                amount=INCENTIVE,
                bank_reference="BRI-SAME" if n < 4 else f"BRI-{n}",
                paid_on=dt.date(2026, 11, 28),
                actor=Actor.for_user(clerks[n]),
            )
            return "ok"
        except ClawbackError:
            return "refused"
        finally:
            connection.close()

    # when they all record at the same moment
    with ThreadPoolExecutor(max_workers=len(clerks)) as pool:
        outcomes = list(pool.map(record, range(len(clerks))))

    # then exactly one payment counts (a replay of the same line may answer "ok"), the rest are
    # refused, and the ledger balances with nothing owed
    case.refresh_from_db()
    assert ClawbackRepayment.objects.count() == 1
    assert case.repaid_amount == INCENTIVE
    assert case.status == ClawbackStatus.REPAID
    assert outcomes.count("refused") >= 4
    assert receivable(card) == 0
    assert ledger_check().ok


@pytest.mark.django_db
def test_a_case_opened_by_mistake_is_cancelled_by_a_verifier_and_everything_it_did_is_undone():
    # given a paid participant with a case opened against them
    card = paid_participant()
    _client, verifier = staff("verifier")
    case = clawback_open(card=card, reason="NIK tertukar", evidence=jpeg(), actor=Actor.for_user(verifier))
    assert Card.objects.get(pk=card.pk).status == CardStatus.SUSPENDED
    # when finance tries to cancel it, or a verifier without a reason, it is refused
    _fclient, finance = staff("finance")
    with pytest.raises(ClawbackError):
        clawback_cancel(clawback=case, reason="salah", actor=Actor.for_user(finance))
    with pytest.raises(ClawbackError):
        clawback_cancel(clawback=case, reason=" ", actor=Actor.for_user(verifier))
    # when a verifier cancels it from the admin with a reason
    client, _ = staff("verifier")
    client.post(
        reverse("admin:applicants_clawback_changelist"),
        {"action": "cancel_case", "_selected_action": [case.pk], "apply": "1", "reason": "Salah orang: NIK tertukar"},
    )
    # then the case is cancelled, its posting reversed by a new balanced posting, the receivable back to zero
    case.refresh_from_db()
    assert case.status == ClawbackStatus.CANCELLED
    assert case.cancel_reason == "Salah orang: NIK tertukar"
    reversal = Posting.objects.get(idempotency_key=f"clawback-cancel:{case.pk}")
    assert reversal.reverses == Posting.objects.get(idempotency_key=f"clawback:{case.pk}")
    assert sum(reversal.entries.values_list("amount", flat=True)) == 0
    assert receivable(card) == 0
    assert ledger_check().ok
    # and the hold is released, the card usable, the blacklisting the case added removed, all audited
    assert not Hold.objects.open().filter(applicant=card.applicant).exists()
    assert Card.objects.get(pk=card.pk).status == CardStatus.ACTIVE
    assert not Blacklisting.objects.filter(nik_index=card.applicant.nik_index).exists()
    assert AuditEvent.objects.filter(action="clawback.cancelled", object_id=str(case.pk)).exists()
    # and a second cancellation is refused
    with pytest.raises(ClawbackError):
        clawback_cancel(clawback=case, reason="lagi", actor=Actor.for_user(verifier))


@pytest.mark.django_db
def test_a_case_repaid_in_full_is_closed_and_its_hold_lifted():
    card = paid_participant()
    _client, verifier = staff("verifier")
    _fclient, finance = staff("finance")
    case = clawback_open(card=card, reason="ASN", evidence=jpeg(), actor=Actor.for_user(verifier), amount=100_000)
    clawback_repayment_record(
        clawback=case,
        amount=100_000,
        bank_reference="BRI-77",
        paid_on=dt.date(2026, 1, 5),
        actor=Actor.for_user(finance),
    )
    case.refresh_from_db()
    assert case.status == ClawbackStatus.REPAID
    assert not Hold.objects.open().filter(applicant=card.applicant).exists()
    card.refresh_from_db()
    assert card.status == CardStatus.CLOSED
    assert LedgerAccount.objects.get(pk=card.account_id).balance == 0
    assert ledger_check().ok
