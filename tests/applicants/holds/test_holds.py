"""Holds on participants' money: placed set-based by the checks that find a reason, released only
by a verifier (with a reason, audited) or by the case that placed them; a held participant's due
instalment is not paid by a run, whatever the participant or finance does meanwhile."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from applicants.disbursement.services.runs import disbursement_run_create
from applicants.holds.models import Hold, HoldKind
from applicants.holds.selectors import applicant_is_held
from applicants.holds.services import HoldError, hold_release, holds_place, holds_release_for_source
from applicants.models import Card, Payout
from prakerja.accounts.roles import FINANCE, VERIFIER
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from tests.applicants.incentive_setups import fund_incentives, participants, with_due_instalments
from tests.factories import StaffUserFactory


@pytest.fixture(autouse=True)
def _setup(training_fund: int, regions: None, staff_groups: None) -> None:
    fund_incentives()


def test_a_held_participant_is_left_out_of_the_run_until_a_verifier_releases_the_hold() -> None:
    # Given two participants with a due instalment, one of them held by a registry check
    cards = participants(2)
    with_due_instalments(cards, amount=600_000)
    held, free = cards
    placed = holds_place(
        kind=HoldKind.REGISTRY,
        source="registry:1",
        reason="Deceased persons v2",
        actor=Actor.system("disbursement"),
        applicant_ids=[held.applicant_id],
    )
    assert len(placed) == 1
    assert applicant_is_held(held.applicant_id)
    # When a run is made
    disbursement_run_create()
    # Then only the free participant gets a payout
    assert set(Payout.objects.values_list("instalment__card", flat=True)) == {free.pk}
    # When a verifier releases the hold with a reason, the next run pays the held participant too
    verifier = StaffUserFactory.create(group=VERIFIER)
    hold_release(
        hold=Hold.objects.get(pk=placed[0]),
        reason="Not the same person (other birth date)",
        actor=Actor.for_user(verifier),
    )
    disbursement_run_create()
    assert set(Payout.objects.values_list("instalment__card", flat=True)) == {free.pk, held.pk}
    assert AuditEvent.objects.filter(action="hold.placed").count() == 1
    assert AuditEvent.objects.get(action="hold.released").actor_user == verifier


def test_placing_the_same_source_twice_holds_once_and_selects_set_based() -> None:
    # Given three participants, held for one source by a SELECT
    cards = participants(3)
    ids = [c.applicant_id for c in cards]
    first = holds_place(
        kind=HoldKind.DUPLICATE,
        source="duplicates:7",
        reason="Same phone number",
        actor=Actor.system("duplicates"),
        select_sql="SELECT id FROM applicants_applicant WHERE id = ANY(%(ids)s)",
        params={"ids": ids},
    )
    # When the same check runs again
    again = holds_place(
        kind=HoldKind.DUPLICATE,
        source="duplicates:7",
        reason="Same phone number",
        actor=Actor.system("x"),
        applicant_ids=ids,
    )
    # Then nobody is held twice
    assert len(first) == 3
    assert again == []
    assert Hold.objects.open().count() == 3
    # And closing the case releases all its holds at once
    assert (
        holds_release_for_source(
            kind=HoldKind.DUPLICATE, source="duplicates:7", reason="Group cleared", actor=Actor.system("x")
        )
        == 3
    )
    assert not Hold.objects.open().exists()


@pytest.mark.parametrize("group", [FINANCE, None])
def test_only_a_verifier_releases_a_hold(group: str | None) -> None:
    # Given a held participant
    card = participants(1)[0]
    (hold_id,) = holds_place(
        kind=HoldKind.CLAWBACK,
        source="clawback:1",
        reason="Clawback",
        actor=Actor.system("x"),
        applicant_ids=[card.applicant_id],
    )
    user = StaffUserFactory.create(group=group) if group else StaffUserFactory.create()
    # When finance (or staff without the group) tries to release it, it is refused
    with pytest.raises(HoldError):
        hold_release(hold=Hold.objects.get(pk=hold_id), reason="retry", actor=Actor.for_user(user))
    assert applicant_is_held(card.applicant_id)


def test_a_release_needs_a_reason() -> None:
    card = participants(1)[0]
    (hold_id,) = holds_place(
        kind=HoldKind.BLOCK,
        source="block:1",
        reason="Blocked",
        actor=Actor.system("x"),
        applicant_ids=[card.applicant_id],
    )
    verifier = StaffUserFactory.create(group=VERIFIER)
    with pytest.raises(HoldError):
        hold_release(hold=Hold.objects.get(pk=hold_id), reason="  ", actor=Actor.for_user(verifier))


def test_the_verifiers_queue_lists_open_holds_in_a_few_queries(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    # Given 30 open holds
    cards: list[Card] = participants(30)
    holds_place(
        kind=HoldKind.REGISTRY,
        source="registry:9",
        reason="Wage earners v1",
        actor=Actor.system("x"),
        applicant_ids=[c.applicant_id for c in cards],
    )
    verifier = StaffUserFactory.create(group=VERIFIER)
    client.force_login(verifier)
    # When a verifier opens the queue of open holds
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:applicants_hold_changelist") + "?state=open")
    # Then every hold is listed with its reason
    assert response.status_code == 200
    assert response.content.count(b"Wage earners v1") == 30
