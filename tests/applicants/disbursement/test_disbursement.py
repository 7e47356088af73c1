"""Disbursement runs: every due instalment paid exactly once at the provider, whatever it
answers; the ledger follows each payout's state."""

from collections import Counter

import pytest
from django.db.models import Sum

from applicants.disbursement.errors import DisbursementError
from applicants.disbursement.services.reconciliation import reconciliation_make
from applicants.disbursement.services.runs import (
    disbursement_run_approve,
    disbursement_run_create,
    disbursement_run_reject,
)
from applicants.disbursement.services.sending import payout_chunk_submit
from applicants.disbursement.services.sweeping import payout_retry, payouts_resolve
from applicants.models import (
    DisbursementRun,
    Instalment,
    InstalmentStatus,
    Payout,
    PayoutAccount,
    PayoutChunk,
    PayoutStatus,
    RunStatus,
    payout_reference,
)
from prakerja.core.actor import Actor
from prakerja.ledger.models import AccountKind, LedgerAccount
from prakerja.ledger.selectors import account_balance, ledger_check
from prakerja.messaging.models import SandboxMessage
from prakerja.payments.models import SandboxTransfer, SandboxTransferStatus
from prakerja.payments.providers import TransferOrder, payment_provider
from prakerja.payments.sandbox import sandbox_failure_code
from tests.applicants.incentive_setups import (
    disburse_here,
    fund_incentives,
    participants,
    send_run_here,
    with_due_instalments,
)
from tests.conftest import run_after_commit_tasks
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _funds(training_fund: int, regions: None) -> None:
    fund_incentives()


def paid_at_provider() -> Counter[int]:
    """Rupiah the sandbox really sent (and kept) per instalment."""
    sent: Counter[int] = Counter()
    by_reference = {payout_reference(p.pk): p.instalment_id for p in Payout.objects.all()}
    for transfer in SandboxTransfer.objects.filter(status=SandboxTransferStatus.SUCCESS):
        sent[by_reference[transfer.reference]] += transfer.amount
    return sent


def balance(kind: AccountKind) -> int:
    return account_balance(account=LedgerAccount.objects.get(kind=kind, owner_ref=""))


def payable_total() -> int:
    return LedgerAccount.objects.filter(kind=AccountKind.PARTICIPANT_INCENTIVE).aggregate(s=Sum("balance"))["s"]


def test_a_run_pays_every_due_instalment_once_and_the_ledger_follows():
    # given 30 participants with a Rp600,000 instalment due
    instalments = with_due_instalments(participants(30))

    # when a run is made and sent
    run_id = disburse_here()
    assert run_id is not None

    # then each instalment was paid exactly once at the provider
    assert paid_at_provider() == {i.pk: 600_000 for i in instalments}
    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.SUCCEEDED}
    assert set(Instalment.objects.values_list("status", flat=True)) == {InstalmentStatus.PAID}
    run = DisbursementRun.objects.get(pk=run_id)
    assert (run.status, run.payout_count, run.total_amount) == (RunStatus.SUBMITTED, 30, 18_000_000)
    # and the money went payable -> in flight -> settled
    assert balance(AccountKind.PAYOUTS_IN_FLIGHT) == 0
    assert balance(AccountKind.PAYOUTS_SETTLED) == 18_000_000
    assert payable_total() == 0
    assert ledger_check().ok

    # and a second run finds nothing to pay
    assert disbursement_run_create() is None
    assert Payout.objects.count() == 30


def test_a_timeout_stays_unknown_until_the_status_inquiry_settles_it(settings):
    # given a provider whose every answer times out after the transfer went through
    settings.SANDBOX_PAYMENT_TIMEOUT_RATE = 1.0
    instalments = with_due_instalments(participants(10))
    disburse_here()
    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.UNKNOWN}
    assert balance(AccountKind.PAYOUTS_IN_FLIGHT) == 6_000_000
    # and another run makes no second payout for them
    assert disbursement_run_create() is None

    # when the provider answers again and the sweeper asks
    settings.SANDBOX_PAYMENT_TIMEOUT_RATE = 0.0
    counts = payouts_resolve()

    # then they are settled by the inquiry, each paid once
    assert counts["succeeded"] == 10
    assert paid_at_provider() == {i.pk: 600_000 for i in instalments}
    assert balance(AccountKind.PAYOUTS_IN_FLIGHT) == 0
    assert ledger_check().ok


def test_a_5xx_that_never_reached_the_provider_is_resent_under_the_same_key(settings):
    # given a provider failing with 5xx before anything happened
    settings.SANDBOX_PAYMENT_ERROR_RATE = 1.0
    instalments = with_due_instalments(participants(5))
    disburse_here()
    assert SandboxTransfer.objects.count() == 0
    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.UNKNOWN}

    # when it recovers and the sweeper asks: "not found", so the same reference is sent again
    settings.SANDBOX_PAYMENT_ERROR_RATE = 0.0
    payouts_resolve()

    # then each is paid once, under its first payout's reference
    assert paid_at_provider() == {i.pk: 600_000 for i in instalments}
    assert Payout.objects.count() == 5
    assert set(SandboxTransfer.objects.values_list("reference", flat=True)) == {
        payout_reference(pk) for pk in Payout.objects.values_list("pk", flat=True)
    }


def test_a_worker_that_died_after_sending_leaves_nothing_to_pay_twice(settings):
    # given a run whose chunk was claimed and sent by a worker that died before recording the answers
    settings.PAYOUT_STALE_AFTER_S = 0
    instalments = with_due_instalments(participants(8))
    run = disbursement_run_create()
    assert run is not None
    chunk = PayoutChunk.objects.get(run=run)
    payouts = list(Payout.objects.filter(run=run).order_by("pk"))
    payment_provider().transfer_many(
        [TransferOrder(payout_reference(p.pk), p.channel, p.account_number, p.amount) for p in payouts[:5]]
    )
    PayoutChunk.objects.filter(pk=chunk.pk).update(claimed_at="2020-01-01T00:00:00Z", attempts=1)

    # when the chunk runs again (redelivered, or re-queued by the sweeper)
    payout_chunk_submit(chunk_id=chunk.pk)

    # then the status inquiry found five paid, the other three were sent now: nothing twice
    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.SUCCEEDED}
    assert paid_at_provider() == {i.pk: 600_000 for i in instalments}
    assert SandboxTransfer.objects.count() == 8
    chunk.refresh_from_db()
    assert chunk.attempts == 2
    assert chunk.finished_at is not None


def account_number(*, fails: bool) -> str:
    """A BNI number the sandbox (at its current failure rate) always refuses, or always pays."""
    n = 1
    while (sandbox_failure_code("bni", f"{n:010d}") is not None) != fails:
        n += 1
    return f"{n:010d}"


def test_a_terminal_failure_returns_the_money_and_waits_for_a_new_account(settings, django_capture_on_commit_callbacks):
    # given a participant whose bank refuses the transfer (closed or invalid account)
    settings.SANDBOX_PAYMENT_FAILURE_RATE = 0.5
    cards = participants(2)
    instalments = with_due_instalments(cards)
    PayoutAccount.objects.filter(applicant_id=cards[0].applicant_id).update(
        channel="bni", account_number=account_number(fails=True)
    )
    PayoutAccount.objects.filter(applicant_id=cards[1].applicant_id).update(
        channel="bni", account_number=account_number(fails=False)
    )

    # when the run is sent
    with django_capture_on_commit_callbacks() as callbacks:
        disburse_here()

    # then the payout failed with a reason, the money is back in the participant's payable
    failed = Payout.objects.get(instalment=instalments[0])
    assert failed.status == PayoutStatus.FAILED
    assert failed.failure_reason
    assert Payout.objects.get(instalment=instalments[1]).status == PayoutStatus.SUCCEEDED
    instalment = Instalment.objects.get(pk=instalments[0].pk)
    assert instalment.status == InstalmentStatus.PAYABLE
    assert instalment.held_reason == failed.failure_reason
    payable = LedgerAccount.objects.get(kind=AccountKind.PARTICIPANT_INCENTIVE, owner_ref=str(cards[0].pk))
    assert payable.balance == 600_000
    assert balance(AccountKind.PAYOUTS_IN_FLIGHT) == 0
    # and the participant is told to change the account
    with django_capture_on_commit_callbacks() as sends:
        run_after_commit_tasks(callbacks)
    run_after_commit_tasks(sends)
    notice = SandboxMessage.objects.get(reference__startswith=f"payout-failed-email:{failed.pk}:")
    assert "gagal" in notice.body
    assert "/insentif/rekening/" in notice.body

    # and the next run does not try the same account again
    assert disbursement_run_create() is None

    # when the account is corrected and finance releases the instalment
    PayoutAccount.objects.filter(applicant_id=cards[0].applicant_id).update(account_number=account_number(fails=False))
    payout_retry(payout_id=failed.pk, actor=Actor.for_user(StaffUserFactory.create()))
    disburse_here()

    # then it is paid once, by a second payout
    assert paid_at_provider()[instalments[0].pk] == 600_000
    assert Payout.objects.filter(instalment=instalments[0]).count() == 2
    assert ledger_check().ok


def test_a_run_above_the_threshold_waits_for_a_second_finance_user(staff_groups):
    # given a policy: runs above Rp1,000,000 need approval
    from applicants.models import PayoutPolicy

    PayoutPolicy.objects.update_or_create(pk=1, defaults={"approval_threshold": 1_000_000})
    with_due_instalments(participants(3))
    maker = StaffUserFactory.create(group="finance")
    checker = StaffUserFactory.create(group="finance")

    # when the maker starts a run of Rp1,800,000
    run = disbursement_run_create(actor=Actor.for_user(maker))
    assert run is not None

    # then nothing is sent until someone else approves
    assert run.status == RunStatus.AWAITING_APPROVAL
    assert SandboxTransfer.objects.count() == 0
    with pytest.raises(DisbursementError):
        disbursement_run_approve(run_id=run.pk, actor=Actor.for_user(maker))
    approved = disbursement_run_approve(run_id=run.pk, actor=Actor.for_user(checker))
    assert approved.status == RunStatus.SUBMITTING
    assert approved.approved_by == checker
    send_run_here(run.pk)
    assert SandboxTransfer.objects.count() == 3


def test_a_rejected_run_returns_its_money_to_payable(staff_groups):
    from applicants.models import PayoutPolicy

    PayoutPolicy.objects.update_or_create(pk=1, defaults={"approval_threshold": 0})
    with_due_instalments(participants(2))
    run = disbursement_run_create(actor=Actor.for_user(StaffUserFactory.create(group="finance")))
    assert run is not None

    disbursement_run_reject(
        run_id=run.pk, actor=Actor.for_user(StaffUserFactory.create(group="finance")), reason="Data belum final"
    )

    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.CANCELLED}
    assert balance(AccountKind.PAYOUTS_IN_FLIGHT) == 0
    assert payable_total() == 1_200_000
    # and the instalments are picked up by the next run
    again = disbursement_run_create(actor=Actor.for_user(StaffUserFactory.create()))
    assert again is not None
    assert again.payout_count == 2


def test_reconciliation_lists_every_mismatch_with_the_settlement_report(settings):
    # given a run fully paid, and one payout whose answer was lost (the provider paid it)
    with_due_instalments(participants(4))
    run_id = disburse_here()
    assert run_id is not None
    clean = reconciliation_make(run_id=run_id)
    assert (clean.ours_count, clean.theirs_count, clean.mismatches) == (4, 4, [])
    lost = Payout.objects.filter(run_id=run_id).order_by("pk")[0]
    Payout.objects.filter(pk=lost.pk).update(status=PayoutStatus.UNKNOWN)

    # when the day is reconciled
    report = reconciliation_make(run_id=run_id)

    # then the difference is listed
    assert report.theirs_count == 4
    assert report.ours_count == 3
    assert report.mismatches == [{"reference": lost.reference, "problem": "provider: success, ours: unknown"}]


def test_the_dashboard_gives_the_failure_reason_in_the_pages_language(settings):
    # given a payout refused for the account's sake
    from django.test import Client
    from django.utils.translation import override

    from prakerja.payments.providers import failure_reason

    settings.SANDBOX_PAYMENT_FAILURE_RATE = 0.5
    card = participants(1)[0]
    with_due_instalments([card])
    PayoutAccount.objects.filter(applicant_id=card.applicant_id).update(
        channel="bni", account_number=account_number(fails=True)
    )
    disburse_here()
    payout = Payout.objects.get()
    client = Client()
    client.force_login(card.applicant.user)

    # when the participant reads the dashboard in Indonesian, then in English
    indonesian = client.get("/dasbor/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/dasbor/"})
    english = client.get("/dasbor/").content.decode()

    # then each says why, in its own language, and offers to change the account
    assert 'data-state="failed"' in indonesian
    assert "Transfer gagal" in indonesian
    assert "The transfer failed" in english
    with override("en"):
        assert failure_reason(payout.response_code) in english
    with override("id"):
        assert failure_reason(payout.response_code) in indonesian
