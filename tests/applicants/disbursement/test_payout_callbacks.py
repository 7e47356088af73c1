"""The provider's callbacks: signed; duplicates, late and out-of-order ones change nothing they
should not; a reversal after success puts the money back to payable and tells the participant."""

import pytest
from django.test import Client

from applicants.models import Instalment, InstalmentStatus, Payout, PayoutStatus
from prakerja.ledger.models import AccountKind, LedgerAccount
from prakerja.ledger.selectors import account_balance, ledger_check
from prakerja.payments.callbacks import callback_body, callback_signature, snap_timestamp
from prakerja.payments.models import SandboxCallback, SandboxTransfer, SandboxTransferStatus
from prakerja.payments.providers import Outcome
from prakerja.payments.sandbox import sandbox_callbacks_deliver
from tests.applicants.incentive_setups import disburse_here, fund_incentives, participants, with_due_instalments

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _funds(training_fund: int, regions: None) -> None:
    fund_incentives()


def post(body: bytes, *, signature: str | None = None, timestamp: str | None = None) -> int:
    timestamp = timestamp or snap_timestamp()
    signature = signature or callback_signature(body=body, timestamp=timestamp)
    response = Client().post(
        "/api/v1/payouts/callback",
        data=body,
        content_type="application/json",
        headers={"X-TIMESTAMP": timestamp, "X-SIGNATURE": signature},
    )
    return response.status_code


@pytest.fixture
def unknown_payout(settings) -> Payout:
    """A payout whose transfer went through but whose answer timed out."""
    settings.SANDBOX_PAYMENT_TIMEOUT_RATE = 1.0
    with_due_instalments(participants(1))
    disburse_here()
    settings.SANDBOX_PAYMENT_TIMEOUT_RATE = 0.0
    payout = Payout.objects.get()
    assert payout.status == PayoutStatus.UNKNOWN
    return payout


def in_flight() -> int:
    return account_balance(account=LedgerAccount.objects.get(kind=AccountKind.PAYOUTS_IN_FLIGHT))


def test_a_success_callback_settles_an_unknown_payout_and_its_duplicate_changes_nothing(unknown_payout):
    body = callback_body(reference=unknown_payout.reference, outcome=Outcome.SUCCESS, amount=600_000)

    assert post(body) == 200
    assert post(body) == 200  # the duplicate

    unknown_payout.refresh_from_db()
    assert unknown_payout.status == PayoutStatus.SUCCEEDED
    assert Instalment.objects.get().status == InstalmentStatus.PAID
    assert in_flight() == 0
    assert ledger_check().ok


def test_a_reversal_after_success_returns_the_money_to_payable_and_a_late_success_is_ignored(unknown_payout):
    reference = unknown_payout.reference
    assert post(callback_body(reference=reference, outcome=Outcome.SUCCESS, amount=600_000)) == 200

    # when the bank returns the money
    assert post(callback_body(reference=reference, outcome=Outcome.REVERSED, amount=600_000)) == 200
    # and a late duplicate of the success arrives after it
    assert post(callback_body(reference=reference, outcome=Outcome.SUCCESS, amount=600_000)) == 200

    # then the payout stays reversed, the instalment is payable again with its money
    unknown_payout.refresh_from_db()
    assert unknown_payout.status == PayoutStatus.REVERSED
    instalment = Instalment.objects.get()
    assert instalment.status == InstalmentStatus.PAYABLE
    payable = LedgerAccount.objects.get(kind=AccountKind.PARTICIPANT_INCENTIVE)
    assert payable.balance == 600_000
    assert ledger_check().ok


def test_a_failure_callback_after_success_does_not_undo_the_payment(unknown_payout):
    reference = unknown_payout.reference
    post(callback_body(reference=reference, outcome=Outcome.SUCCESS, amount=600_000))
    post(callback_body(reference=reference, outcome=Outcome.FAILED, amount=600_000, code="4041811"))
    unknown_payout.refresh_from_db()
    assert unknown_payout.status == PayoutStatus.SUCCEEDED


def test_callbacks_with_a_bad_signature_an_old_timestamp_or_a_wrong_amount_are_refused(unknown_payout):
    body = callback_body(reference=unknown_payout.reference, outcome=Outcome.SUCCESS, amount=600_000)
    assert post(body, signature="bm90IGEgc2lnbmF0dXJl") == 401
    assert post(body, timestamp="2020-01-01T00:00:00+07:00") == 401
    assert post(callback_body(reference="PKJ999999999999", outcome=Outcome.SUCCESS, amount=600_000)) == 404
    assert post(callback_body(reference=unknown_payout.reference, outcome=Outcome.SUCCESS, amount=1)) == 422
    assert post(b'{"hello": "world"}') == 400
    unknown_payout.refresh_from_db()
    assert unknown_payout.status == PayoutStatus.UNKNOWN


def test_the_sandbox_delivers_late_duplicate_callbacks_and_a_reversal(settings):
    # given a sandbox that sends every callback twice and reverses every success
    settings.SANDBOX_PAYMENT_CALLBACKS = True
    settings.SANDBOX_PAYMENT_CALLBACK_DELAY_S = 0
    settings.SANDBOX_PAYMENT_DUPLICATE_RATE = 1.0
    settings.SANDBOX_PAYMENT_REVERSAL_RATE = 1.0
    settings.SANDBOX_PAYMENT_TIMEOUT_RATE = 1.0
    with_due_instalments(participants(2))
    disburse_here()
    SandboxCallback.objects.update(due_at="2020-01-01T00:00:00Z")

    # when the sandbox sends its callbacks (two successes and a reversal per payout)
    delivered = sandbox_callbacks_deliver()

    # then both payouts end reversed, their money back to payable, the sandbox's books agree
    assert delivered == 6
    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.REVERSED}
    assert set(SandboxTransfer.objects.values_list("status", flat=True)) == {SandboxTransferStatus.REVERSED}
    assert in_flight() == 0
    assert ledger_check().ok
