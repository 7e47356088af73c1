"""Finance and verifier screens: runs with totals per state, maker-checker in the admin, the
payout list's query count, the audited CSV export, the name-review queue; who may do what."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from applicants.disbursement.services.runs import disbursement_run_create
from applicants.incentives.services.entitlements import incentives_return_unpaid
from applicants.models import (
    AccountMatch,
    DisbursementRun,
    Instalment,
    InstalmentStatus,
    PayoutAccount,
    PayoutAccountStatus,
    PayoutPolicy,
    RunStatus,
    Scheme,
)
from prakerja.accounts.models import User
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.ledger.models import AccountKind, LedgerAccount
from prakerja.ledger.selectors import account_balance, ledger_check
from tests.applicants.incentive_setups import disburse_here, fund_incentives, participants, with_due_instalments
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _funds(training_fund: int, regions: None, staff_groups: None) -> None:
    fund_incentives()


def logged_in(group: str) -> tuple[Client, User]:
    user = StaffUserFactory.create(group=group)
    client = Client()
    client.force_login(user)
    return client, user


def test_a_second_finance_user_approves_a_run_in_the_admin_and_the_maker_cannot():
    # given a run above the threshold started by one finance user
    PayoutPolicy.objects.update_or_create(pk=1, defaults={"approval_threshold": 1_000})
    with_due_instalments(participants(3))
    maker_client, maker = logged_in("finance")
    run = disbursement_run_create(actor=Actor.for_user(maker))
    assert run is not None
    changelist = reverse("admin:applicants_disbursementrun_changelist")

    # when the maker tries to approve it, then it is refused
    maker_client.post(changelist, {"action": "approve", "_selected_action": [run.pk]})
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_APPROVAL

    # when another finance user approves it, then it is sending, and the page shows the totals
    checker_client, checker = logged_in("finance")
    checker_client.post(changelist, {"action": "approve", "_selected_action": [run.pk]})
    run.refresh_from_db()
    assert run.status == RunStatus.SUBMITTING
    assert run.approved_by == checker
    page = checker_client.get(reverse("admin:applicants_disbursementrun_change", args=[run.pk])).content.decode()
    assert "Rp1.800.000" in page


def test_staff_outside_finance_cannot_approve_or_see_payouts():
    PayoutPolicy.objects.update_or_create(pk=1, defaults={"approval_threshold": 1_000})
    with_due_instalments(participants(1))
    run = disbursement_run_create()
    assert run is not None
    curator, _ = logged_in("curator")
    assert curator.get(reverse("admin:applicants_payout_changelist")).status_code == 403
    verifier, _ = logged_in("verifier")
    verifier.post(
        reverse("admin:applicants_disbursementrun_changelist"), {"action": "approve", "_selected_action": [run.pk]}
    )
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_APPROVAL


def test_the_payout_list_reads_a_fixed_number_of_queries_and_exports_an_audited_csv(django_assert_max_num_queries):
    with_due_instalments(participants(30))
    disburse_here()
    client, _ = logged_in("finance")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:applicants_payout_changelist")).status_code == 200

    response = client.post(
        reverse("admin:applicants_payout_changelist"),
        {"action": "export_csv", "_selected_action": ["1"], "select_across": "1"},
    )
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    lines = body.strip().splitlines()
    assert lines[0].startswith("payout,reference,run")
    assert len(lines) == 31
    assert "700000" not in body  # account numbers are masked
    assert AuditEvent.objects.filter(action="payouts.exported").exists()


def test_a_verifier_approves_a_near_match_name_with_a_note():
    card = participants(1)[0]
    account = PayoutAccount.objects.create(
        applicant=card.applicant,
        channel="bca",
        account_number="1234567890",
        holder_name="PESERTA 0 PUTRI",
        match=AccountMatch.FUZZY,
        status=PayoutAccountStatus.AWAITING_REVIEW,
    )
    client, _ = logged_in("verifier")
    url = reverse("admin:applicants_payoutaccount_changelist")
    asked = client.post(url, {"action": "approve_name", "_selected_action": [account.pk]})
    assert "Reason" in asked.content.decode() or "Alasan" in asked.content.decode()
    client.post(
        url, {"action": "approve_name", "_selected_action": [account.pk], "reason": "Nama tengah", "apply": "1"}
    )
    account.refresh_from_db()
    assert account.status == PayoutAccountStatus.ACTIVE
    assert account.review_note == "Nama tengah"


def test_after_the_deadline_unpaid_incentives_return_to_the_treasury():
    # given two due instalments and one scheduled for next month, and the deadline passed
    cards = participants(2)
    with_due_instalments(cards)
    Instalment.objects.create(card=cards[0], kind="post_training", number=2, amount=600_000, due_on=dt.date(2099, 1, 1))
    Scheme.objects.filter(pk=cards[0].scheme_id).update(incentive_deadline=dt.date(2020, 12, 31))
    treasury = LedgerAccount.objects.get_or_create(kind=AccountKind.TREASURY, owner_ref="")[0]
    before = account_balance(account=treasury)

    # when the daily job runs
    returned = incentives_return_unpaid()

    # then the due money is in the treasury and nothing is left to pay
    assert returned == 3
    assert set(Instalment.objects.values_list("status", flat=True)) == {InstalmentStatus.RETURNED}
    assert account_balance(account=treasury) - before == 1_200_000
    assert disbursement_run_create() is None
    assert DisbursementRun.objects.count() == 0
    assert ledger_check().ok
