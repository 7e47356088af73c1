"""A card suspended by a clawback case or a block cannot be spent: a new purchase and the
confirmation of one already started are refused (`card_not_usable`, no money moves), as for a
revoked card; a purchase already paid goes on to completion, as a suspended platform's do."""

import pytest
from django.utils import timezone

from applicants.appeals.services import block_place
from applicants.models import Card, CardStatus
from courses.models import RedeemCode
from partners.models import Purchase, PurchaseStatus
from prakerja.accounts.roles import VERIFIER
from prakerja.core.actor import Actor
from prakerja.ledger.models import LedgerAccount
from tests.conftest import run_after_commit_tasks
from tests.courses.training import finished, training_done
from tests.factories import BlockReasonFactory, ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db


def test_a_suspended_card_buys_nothing_more_and_a_paid_course_still_completes(
    participant_card, staff_groups, django_capture_on_commit_callbacks
):
    # Given a paid purchase and a second one waiting for the participant's code
    api = SignedClient.for_partner(PartnerFactory.create(name="Sekolahmu"))
    listing = ListingFactory.create(
        partner=api.partner, course__price=400_000, course__outside_price=500_000, price=400_000
    )
    with django_capture_on_commit_callbacks() as callbacks:
        paid = api.post(
            "/api/v1/purchases/",
            {
                "card_number": participant_card.number,
                "platform_account_id": buyer(participant_card.number),
                "listing": listing.pk,
            },
        ).json()
    run_after_commit_tasks(callbacks)
    api.post(f"/api/v1/purchases/{paid['id']}/confirm/", {"otp": sent_code(participant_card.applicant.phone)})
    assert Purchase.objects.get(pk=paid["id"]).status == PurchaseStatus.PAID
    other = ListingFactory.create(
        partner=api.partner, course__price=300_000, course__outside_price=300_000, price=300_000
    )
    finished(paid["id"])  # the one-course rule is not tested here
    with django_capture_on_commit_callbacks() as callbacks:
        waiting = api.post(
            "/api/v1/purchases/",
            {
                "card_number": participant_card.number,
                "platform_account_id": buyer(participant_card.number),
                "listing": other.pk,
            },
        ).json()
    run_after_commit_tasks(callbacks)
    code = sent_code(participant_card.applicant.phone)
    Purchase.objects.filter(pk=paid["id"]).update(status=PurchaseStatus.PAID)
    balance = LedgerAccount.objects.get(pk=participant_card.account_id).balance

    # When a verifier blocks the participant
    block_place(
        applicant=participant_card.applicant,
        reason=BlockReasonFactory.create(code="automation"),
        note="Pembelian oleh bot",
        actor=Actor.for_user(StaffUserFactory.create(group=VERIFIER)),
    )
    assert Card.objects.get(pk=participant_card.pk).status == CardStatus.SUSPENDED

    # Then the waiting purchase cannot be confirmed and no new one can start; no money moves
    refused = api.post(f"/api/v1/purchases/{waiting['id']}/confirm/", {"otp": code})
    assert (refused.status_code, refused.json()["code"]) == (422, "card_not_usable")
    again = api.post(
        "/api/v1/purchases/",
        {
            "card_number": participant_card.number,
            "platform_account_id": buyer(participant_card.number),
            "listing": other.pk,
        },
    )
    assert (again.status_code, again.json()["code"]) == (422, "card_not_usable")
    assert LedgerAccount.objects.get(pk=participant_card.account_id).balance == balance
    # And the course already paid is completed as reported
    RedeemCode.objects.filter(purchase__pk=paid["id"]).update(status="used", used_at=timezone.now())
    training_done(RedeemCode.objects.get(purchase__pk=paid["id"]))
    done = api.post(
        f"/api/v1/purchases/{paid['id']}/complete/",
        {
            "certificate_number": "S-9",
            "certificate_url": "https://x.example.id/s/9",
            "completed_at": timezone.now().isoformat(),
        },
    )
    assert done.status_code == 200, done.content
    assert Purchase.objects.get(pk=paid["id"]).status == PurchaseStatus.COMPLETED
