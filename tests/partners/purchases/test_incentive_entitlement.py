"""From a completed, reviewed first course and a linked account to scheduled incentives, a
payout, and the survey incentives after it."""

import datetime as dt
import itertools

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applicants.incentives.services.entitlements import entitlement_course_completed, entitlement_course_reviewed
from applicants.models import (
    Card,
    Entitlement,
    Instalment,
    InstalmentKind,
    InstalmentStatus,
    PayoutAccount,
    PayoutAccountStatus,
    Survey,
)
from courses.models import CourseReview
from partners.models import Purchase
from prakerja.ledger.models import AccountKind, LedgerAccount
from prakerja.payments.sandbox import sandbox_account_register
from tests.applicants.incentive_setups import disburse_here, fund_incentives
from tests.conftest import run_after_commit_tasks
from tests.courses.training import training_done
from tests.factories import ListingFactory, PartnerFactory, SchemeFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db


def complete_a_course(card: Card, django_capture_on_commit_callbacks, *, review: bool = True) -> Purchase:
    api = SignedClient.for_partner(PartnerFactory.create())
    listing = ListingFactory.create(
        partner=api.partner, course__price=300_000, course__outside_price=300_000, price=300_000
    )
    with django_capture_on_commit_callbacks() as callbacks:
        created = api.post(
            "/api/v1/purchases/",
            {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk},
        ).json()
    run_after_commit_tasks(callbacks)
    client = Client()
    client.force_login(card.applicant.user)
    client.post(reverse("catalogue:purchase-confirm", args=[created["id"]]), {"otp": sent_code(card.applicant.phone)})
    purchase = Purchase.objects.get(pk=created["id"])
    assert purchase.redeem_code is not None
    training_done(purchase.redeem_code)
    api.post(
        f"/api/v1/purchases/{purchase.pk}/complete/",
        {
            "certificate_number": "S-1",
            "certificate_url": "https://x.example/1",
            "completed_at": timezone.now().isoformat(),
        },
    )
    if review:
        text = "Materinya jelas dan langsung bisa saya praktikkan di warung."
        client.post(reverse("catalogue:purchase-review", args=[purchase.pk]), {"rating": "5", "text": text})
    return purchase


def link_account(card: Card, django_capture_on_commit_callbacks) -> None:
    sandbox_account_register(channel="bri", number="0022331144", holder_name=card.applicant.full_name)
    client = Client()
    client.force_login(card.applicant.user)
    with django_capture_on_commit_callbacks() as callbacks:
        started = client.post("/insentif/rekening/", {"channel": "bri", "account_number": "0022331144"})
    run_after_commit_tasks(callbacks)
    client.post(started["Location"], {"code": sent_code(card.applicant.phone)})
    assert PayoutAccount.objects.filter(applicant=card.applicant, status=PayoutAccountStatus.ACTIVE).exists()


def a_survey(number: int) -> Survey:
    """Surveys are seeded by a migration, but transactional tests elsewhere flush them."""
    survey, created = Survey.objects.get_or_create(number=number, defaults={"title": f"Survei {number}"})
    if created:
        survey.questions.create(order=0, text="Apa status pekerjaan Anda?", choices="Bekerja\nMencari kerja")
        survey.questions.create(order=1, text="Apa yang Anda pelajari?")
    return survey


def dashboard_states(card: Card) -> str:
    client = Client()
    client.force_login(card.applicant.user)
    return client.get(reverse("applicants:dashboard")).content.decode()


def test_the_first_completed_and_reviewed_course_and_an_account_schedule_the_incentive(
    participant_card, django_capture_on_commit_callbacks
):
    fund_incentives()
    a_survey(1)
    # given a participant who completed and reviewed the first course
    complete_a_course(participant_card, django_capture_on_commit_callbacks)
    entitlement = Entitlement.objects.get(card=participant_card)
    assert entitlement.completed_at
    assert entitlement.reviewed_at
    # and the review counts for the platform it was bought on (the platforms' evaluation)
    assert CourseReview.objects.get(card=participant_card).platform_id == Purchase.objects.get().partner_id
    # and no incentive yet: there is no account to pay it to
    assert not Instalment.objects.exists()
    assert 'data-step="account"' in dashboard_states(participant_card)

    # when the participant links an account in their own name
    link_account(participant_card, django_capture_on_commit_callbacks)

    # then the normal scheme's single Rp600,000 instalment is due, its money in the payable
    instalment = Instalment.objects.get()
    assert (instalment.kind, instalment.number, instalment.amount) == (InstalmentKind.POST_TRAINING, 1, 600_000)
    assert instalment.status == InstalmentStatus.PAYABLE
    payable = LedgerAccount.objects.get(kind=AccountKind.PARTICIPANT_INCENTIVE, owner_ref=str(participant_card.pk))
    assert payable.balance == 600_000
    assert 'data-state="due"' in dashboard_states(participant_card)

    # when the run pays it, the dashboard says so, and the first survey opens
    disburse_here()
    page = dashboard_states(participant_card)
    assert 'data-state="paid"' in page
    assert "Dibayar" in page
    assert reverse("applicants:survey", args=[1]) in page

    # when the participant answers survey 1, its incentive is due at once
    client = Client()
    client.force_login(participant_card.applicant.user)
    survey = a_survey(1)
    answers = {
        str(q.pk): (q.choice_list[0] if q.choice_list else "Saya belajar membuat kue.") for q in survey.questions.all()
    }
    assert client.post(reverse("applicants:survey", args=[1]), answers).status_code == 302
    survey_instalment = Instalment.objects.get(kind=InstalmentKind.SURVEY)
    assert (survey_instalment.number, survey_instalment.amount) == (1, 50_000)
    assert survey_instalment.status == InstalmentStatus.PAYABLE
    # and answering it twice is refused
    assert client.post(reverse("applicants:survey", args=[1]), answers).status_code == 302
    assert Instalment.objects.filter(kind=InstalmentKind.SURVEY).count() == 1


def test_only_the_first_completed_course_counts_and_2020_pays_four_monthly_instalments(
    participant_card, django_capture_on_commit_callbacks
):
    fund_incentives()
    semi_bansos = SchemeFactory.create(
        name="Semi-bansos (uji)", effective_from=dt.date(2019, 4, 1), incentive_count=4, training_balance=1_000_000
    )
    Card.objects.filter(pk=participant_card.pk).update(scheme_id=semi_bansos.pk)
    link_account(participant_card, django_capture_on_commit_callbacks)
    now = timezone.now()
    # given a first course completed and a second one reviewed
    entitlement_course_completed(card_id=participant_card.pk, course_id=11, purchase_ref="a", completed_at=now)
    entitlement_course_completed(card_id=participant_card.pk, course_id=12, purchase_ref="b", completed_at=now)
    entitlement_course_reviewed(card_id=participant_card.pk, course_id=12, reviewed_at=now)
    assert not Instalment.objects.exists()

    # when the first course is reviewed
    entitlement_course_reviewed(card_id=participant_card.pk, course_id=11, reviewed_at=now)

    # then four monthly instalments: the first due now, the rest scheduled a month apart
    instalments = list(Instalment.objects.order_by("number"))
    assert [i.number for i in instalments] == [1, 2, 3, 4]
    assert [i.status for i in instalments] == [InstalmentStatus.PAYABLE] + [InstalmentStatus.SCHEDULED] * 3
    due = [i.due_on for i in instalments]
    assert all((b - a).days in (28, 29, 30, 31) for a, b in itertools.pairwise(due))
