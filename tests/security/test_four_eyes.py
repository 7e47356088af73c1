"""Attack: one finance user gets money out without a second person. The payout policy's
threshold decides whether a run waits for a second approver, and it is read when a run is
created; so the attacker raises the threshold, then starts a run, alone. Tried in the admin
(change the policy, propose and approve one's own change) and at the service."""

import pytest
from django.test import Client
from django.urls import reverse

from applicants.disbursement.services.runs import disbursement_run_create
from applicants.errors import ApplicantError
from applicants.incentives.services.payout_policy import payout_policy_change_approve, payout_policy_change_propose
from applicants.models import PayoutPolicy, PayoutPolicyChange, PolicyChangeStatus, RunStatus
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from tests.applicants.incentive_setups import fund_incentives, participants, with_due_instalments
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _funds(training_fund: int, regions: None, staff_groups: None) -> None:
    fund_incentives()
    PayoutPolicy.objects.update_or_create(pk=1, defaults={"approval_threshold": 1_000})


def test_one_finance_user_cannot_raise_the_threshold_and_pay_out_alone():
    # given a finance user, and Rp1,800,000 of instalments due (above the Rp1,000 threshold)
    with_due_instalments(participants(3))
    attacker = StaffUserFactory.create(group="finance")
    client = Client()
    client.force_login(attacker)

    # when it edits the policy in the admin, and proposes a higher threshold and approves it itself
    edit = client.post(reverse("admin:applicants_payoutpolicy_change", args=[1]), {"approval_threshold": 10**12})
    client.post(reverse("admin:applicants_payoutpolicychange_add"), {"approval_threshold": 10**12})
    change = PayoutPolicyChange.objects.get()
    client.post(
        reverse("admin:applicants_payoutpolicychange_changelist"),
        {"action": "approve", "_selected_action": [change.pk]},
    )
    # and then starts a run
    run = disbursement_run_create(actor=Actor.for_user(attacker))

    # then the threshold did not move, and the run waits for a second finance user
    assert edit.status_code == 403
    assert PayoutPolicy.objects.get().approval_threshold == 1_000
    change.refresh_from_db()
    assert change.status == PolicyChangeStatus.PENDING
    assert run is not None
    assert run.status == RunStatus.AWAITING_APPROVAL
    assert AuditEvent.objects.filter(action="payout_policy.change_proposed", actor_user=attacker).exists()


def test_the_service_refuses_a_self_approval_and_a_second_pending_change():
    maker = StaffUserFactory.create(group="finance")
    change = payout_policy_change_propose(actor=Actor.for_user(maker), approval_threshold=5_000)
    with pytest.raises(ApplicantError):
        payout_policy_change_approve(change=change, actor=Actor.for_user(maker))
    with pytest.raises(ApplicantError):
        payout_policy_change_propose(
            actor=Actor.for_user(StaffUserFactory.create(group="finance")), approval_threshold=9
        )
    assert PayoutPolicy.objects.get().approval_threshold == 1_000


def test_a_change_approved_by_another_finance_user_is_in_force_for_later_runs():
    # given a proposal by one finance user
    maker = StaffUserFactory.create(group="finance")
    checker = StaffUserFactory.create(group="finance")
    checker_client = Client()
    checker_client.force_login(checker)
    change = payout_policy_change_propose(actor=Actor.for_user(maker), approval_threshold=10**12)

    # when another finance user approves it in the admin
    checker_client.post(
        reverse("admin:applicants_payoutpolicychange_changelist"),
        {"action": "approve", "_selected_action": [change.pk]},
    )

    # then it is in force, and both steps are audited with who did them
    assert PayoutPolicy.objects.get().approval_threshold == 10**12
    approved = AuditEvent.objects.get(action="payout_policy.change_approved")
    assert approved.actor_user == checker
    assert approved.payload["proposed_by"] == maker.pk
    with_due_instalments(participants(1))
    run = disbursement_run_create(actor=Actor.for_user(maker))
    assert run is not None
    assert run.status != RunStatus.AWAITING_APPROVAL


def test_outside_finance_nobody_proposes_or_approves(staff_groups):
    change = payout_policy_change_propose(
        actor=Actor.for_user(StaffUserFactory.create(group="finance")), approval_threshold=7
    )
    for group in ("pmo_admin", "curator", "verifier", "partner_manager", "auditor"):
        client = Client()
        client.force_login(StaffUserFactory.create(group=group))
        assert client.get(reverse("admin:applicants_payoutpolicychange_add")).status_code == 403, group
        client.post(
            reverse("admin:applicants_payoutpolicychange_changelist"),
            {"action": "approve", "_selected_action": [change.pk]},
        )
    change.refresh_from_db()
    assert change.status == PolicyChangeStatus.PENDING
