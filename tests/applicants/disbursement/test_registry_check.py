"""Registries re-checked before every payout: a participant found on a list in use when a run is
prepared, or on one imported before the run's payouts are sent, is held for a verifier and paid
only after the hold is released."""

from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from applicants.disbursement.services.registry_check import registry_hold_reason
from applicants.disbursement.services.runs import disbursement_run_approve, disbursement_run_create
from applicants.holds.models import Hold, HoldKind
from applicants.holds.services import hold_release
from applicants.models import (
    EXCLUDING_REGISTRY_KINDS,
    Card,
    Payout,
    PayoutPolicy,
    PayoutStatus,
    RegistryImport,
    RegistryKind,
    RunStatus,
    Scheme,
)
from prakerja.accounts.roles import FINANCE, VERIFIER
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.ledger.models import AccountKind, LedgerAccount
from prakerja.ledger.selectors import account_balance, ledger_check
from prakerja.payments.models import SandboxTransfer
from tests.applicants.incentive_setups import disburse_here, fund_incentives, participants, send_run_here
from tests.applicants.incentive_setups import with_due_instalments as due
from tests.applicants.wave_setups import put_on_registry
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

ABOVE = 3_500_001


@pytest.fixture(autouse=True)
def _funds(training_fund: int, regions: None, staff_groups: None) -> None:
    fund_incentives()


def on_list(kind: RegistryKind, cards: list[Card], *, source: str = "Uji", amount: int | None = None) -> RegistryImport:
    if kind == RegistryKind.WAGE_EARNER and amount is None:
        amount = ABOVE
    return put_on_registry(kind, [c.applicant for c in cards], source=source, amount=amount)


def paid_cards() -> set[int]:
    """Cards whose payout was handed to the provider (the sandbox refuses a few account numbers:
    those count as sent too)."""
    sent = Payout.objects.exclude(status__in=[PayoutStatus.CREATED, PayoutStatus.CANCELLED])
    return set(sent.values_list("instalment__card", flat=True))


def release(hold: Hold) -> None:
    verifier = StaffUserFactory.create(group=VERIFIER)
    hold_release(hold=hold, reason="Checked: another person with a similar record", actor=Actor.for_user(verifier))


def in_flight() -> int:
    return account_balance(account=LedgerAccount.objects.get(kind=AccountKind.PAYOUTS_IN_FLIGHT, owner_ref=""))


@pytest.mark.parametrize("kind", sorted(EXCLUDING_REGISTRY_KINDS))
def test_a_participant_found_on_a_list_before_a_run_is_held_and_not_paid(kind: RegistryKind) -> None:
    # Given two selected participants with an instalment due, and, since their selection, one of
    # them on this list (a wage above the threshold; social aid under a scheme that excludes it)
    hit, free = participants(2)
    due([hit, free])
    if kind == RegistryKind.SOCIAL_AID:
        Scheme.objects.filter(pk=hit.scheme_id).update(exclude_social_aid=True)
    registry_import = on_list(kind, [hit], source="Instansi")
    # When a run is made and sent
    run_id = disburse_here()
    # Then only the other participant is paid; the hit is held for review, naming the list and version
    assert paid_cards() == {free.pk}
    hold = Hold.objects.get(applicant_id=hit.applicant_id)
    assert (hold.kind, hold.source, hold.released_at) == (HoldKind.REGISTRY, f"registry:{registry_import.pk}", None)
    assert hold.reason == registry_hold_reason(registry_import)
    assert "version 1" in hold.reason or "versi 1" in hold.reason
    assert (hit.applicant.nik_index or "-") not in hold.reason
    assert AuditEvent.objects.filter(action="hold.placed", object_id=str(hold.pk)).exists()
    checked = AuditEvent.objects.get(action="disbursement.registry_checked", object_id=str(run_id))
    assert checked.payload["held"] == {str(registry_import.pk): 1}


@pytest.mark.parametrize(
    ("kind", "amount", "scheme_excludes_social_aid"),
    [
        (RegistryKind.WAGE_EARNER, 3_500_000, False),  # at the threshold, not above it
        (RegistryKind.SOCIAL_AID, None, False),  # the normal scheme allows other social aid
        (RegistryKind.PRIORITY, None, False),  # orders the lottery, never stops money
    ],
)
def test_lists_that_do_not_exclude_under_the_cards_scheme_hold_nobody(
    kind: RegistryKind, amount: int | None, scheme_excludes_social_aid: bool
) -> None:
    (card,) = participants(1)
    due([card])
    on_list(kind, [card], amount=amount)
    disburse_here()
    assert paid_cards() == {card.pk}
    assert not Hold.objects.exists()


def test_a_released_hit_is_paid_in_the_next_run_and_not_held_again_by_the_same_list() -> None:
    # Given a participant held by a registry hit in a run
    (card,) = participants(1)
    due([card])
    registry_import = on_list(RegistryKind.DECEASED, [card], source="Dukcapil")
    assert disburse_here() is None  # nobody else to pay: no run
    hold = Hold.objects.get()
    # When a verifier releases the hold and the next run is made
    release(hold)
    disburse_here()
    # Then the instalment is paid, and the same import placed no second hold
    assert paid_cards() == {card.pk}
    assert Hold.objects.count() == 1
    # But a new version of that list is a new claim: checked again before the next payout
    due([card], number=2)
    newer = on_list(RegistryKind.DECEASED, [card], source="Dukcapil")
    disburse_here()
    assert Hold.objects.open().get().source == f"registry:{newer.pk}"
    assert registry_import.pk != newer.pk


def test_a_list_imported_while_a_run_awaits_approval_stops_that_participants_payout() -> None:
    # Given a run of two waiting for a second finance user
    PayoutPolicy.objects.update_or_create(pk=1, defaults={"approval_threshold": 0})
    hit, free = participants(2)
    due([hit, free])
    run = disbursement_run_create(actor=Actor.for_user(StaffUserFactory.create(group=FINANCE)))
    assert run is not None
    assert run.status == RunStatus.AWAITING_APPROVAL
    assert Payout.objects.filter(run=run).count() == 2
    # When a civil-servant list naming one of them is imported, and the run is then approved and sent
    registry_import = on_list(RegistryKind.CIVIL_SERVANT, [hit], source="BKN")
    disbursement_run_approve(run_id=run.pk, actor=Actor.for_user(StaffUserFactory.create(group=FINANCE)))
    send_run_here(run.pk)
    # Then the provider received only the other participant's transfer
    assert SandboxTransfer.objects.count() == 1
    assert paid_cards() == {free.pk}
    held_payout = Payout.objects.get(instalment__card=hit)
    assert held_payout.status == PayoutStatus.CANCELLED
    assert Hold.objects.open().get().source == f"registry:{registry_import.pk}"
    # and its money is back in the participant's payable, nothing left in flight
    assert in_flight() == 0
    assert ledger_check().ok
    run.refresh_from_db()
    assert registry_import.pk in run.registry_imports_checked
    # When the hold is released, Then the next run pays them
    PayoutPolicy.objects.filter(pk=1).update(approval_threshold=10**12)
    release(Hold.objects.get())
    disburse_here()
    assert paid_cards() == {hit.pk, free.pk}


def test_a_list_imported_between_a_runs_preparation_and_its_sending_is_checked_by_the_chunk() -> None:
    # Given a run prepared (no approval needed) whose chunks have not been sent yet
    hit, free = participants(2)
    due([hit, free])
    run = disbursement_run_create()
    assert run is not None
    assert run.status == RunStatus.SUBMITTING
    # When a blacklist naming one participant finishes importing, then the chunk is sent
    on_list(RegistryKind.BLACKLIST, [hit], source="PMO")
    send_run_here(run.pk)
    # Then the participant on it is not paid and is held
    assert paid_cards() == {free.pk}
    assert SandboxTransfer.objects.count() == 1
    assert Hold.objects.open().filter(applicant_id=hit.applicant_id).exists()
    assert in_flight() == 0
    run.refresh_from_db()
    assert run.status == RunStatus.SUBMITTED
    assert run.registry_hits == 1


def test_the_check_of_a_run_of_many_is_set_based(django_assert_max_num_queries: Any) -> None:
    # Given 40 participants due, 10 of them on two lists
    cards = participants(40)
    due(cards)
    on_list(RegistryKind.STUDENT, cards[:5], source="Dapodik")
    on_list(RegistryKind.WAGE_EARNER, cards[5:10], source="BPJS")
    # When the run is prepared, the number of queries does not grow with the participants
    with django_assert_max_num_queries(80):
        run = disbursement_run_create()
    assert run is not None
    assert Hold.objects.open().count() == 10
    assert Payout.objects.filter(run=run).aggregate(n=Sum("amount"))["n"] == 30 * 600_000


def test_the_participant_is_told_the_payment_is_being_reviewed_without_the_lists_name(client: Client) -> None:
    # Given a participant held before payout by the deceased-persons list
    (card,) = participants(1)
    due([card])
    on_list(RegistryKind.DECEASED, [card], source="Dukcapil")
    disburse_here()
    client.force_login(card.applicant.user)
    # When they open the dashboard
    response = client.get(reverse("applicants:dashboard"))
    # Then they read that the payment is being reviewed and how to complain, and nothing of the list
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="payment-review"' in page
    assert "sedang ditinjau" in page
    assert reverse("applicants:complaint-new") in page
    assert 'data-state="review"' in page
    for secret in ("Dukcapil", "meninggal", "Deceased", "registry:"):
        assert secret not in page


def test_the_verifiers_queue_links_each_registry_hold_to_its_import(client: Client) -> None:
    (card,) = participants(1)
    due([card])
    registry_import = on_list(RegistryKind.STATE_OFFICIAL, [card], source="KPK")
    disburse_here()
    client.force_login(StaffUserFactory.create(group=VERIFIER))
    response = client.get(reverse("admin:applicants_hold_changelist") + "?state=open")
    assert reverse("admin:applicants_registryimport_change", args=[registry_import.pk]) in response.content.decode()
