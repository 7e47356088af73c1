"""Scheme deadlines as data: after the last day to buy (or to use the balance), to complete, or
to review, the services refuse with the deadline in the message; the balance sweep waits for
the last day of use."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from applicants.models import Card, SchemeDeadline
from applicants.waves.services.cards import balances_sweep_due, balances_sweep_year_end
from applicants.waves.services.deadlines import card_programme_year
from partners.models import Purchase, PurchaseStatus
from prakerja.audit.models import AuditEvent
from prakerja.ledger.models import LedgerAccount
from tests.conftest import run_after_commit_tasks
from tests.courses.training import training_done
from tests.factories import ListingFactory, PartnerFactory, StaffUserFactory
from tests.partners.api import SignedClient, buyer, sent_code

pytestmark = pytest.mark.django_db

PURCHASES = "/api/v1/purchases/"


@pytest.fixture
def api() -> SignedClient:
    return SignedClient.for_partner(PartnerFactory.create())


def deadlines(card: Card, **days: dt.date) -> SchemeDeadline:
    """This card's programme year, every day far ahead unless told."""
    far = timezone.localdate() + dt.timedelta(days=60)
    fields = {"last_purchase_on": far, "last_completion_on": far, "last_review_on": far, "balance_until": far}
    fields.update(days)
    row, _created = SchemeDeadline.objects.update_or_create(
        scheme_id=card.scheme_id, year=card_programme_year(card), defaults=fields
    )
    return row


def balance(card: Card) -> int:
    return LedgerAccount.objects.get(pk=card.account_id).balance


def create(api: SignedClient, card: Card, capture, **course):
    listing = ListingFactory.create(
        partner=api.partner, price=500_000, course__planned_sessions=1, **{f"course__{k}": v for k, v in course.items()}
    )
    with capture() as callbacks:
        response = api.post(
            PURCHASES, {"card_number": card.number, "platform_account_id": buyer(card.number), "listing": listing.pk}
        )
    run_after_commit_tasks(callbacks)
    return response


def day_text(day: dt.date) -> str:
    with translation.override("id"):
        return formats.date_format(day, "DATE_FORMAT")


def test_no_purchase_after_the_last_day_to_buy(api, participant_card, django_capture_on_commit_callbacks):
    # Given the last day to buy was yesterday
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    deadlines(participant_card, last_purchase_on=yesterday, balance_until=yesterday)
    # When a platform creates a purchase
    refused = create(api, participant_card, django_capture_on_commit_callbacks)
    # Then it is refused, saying the day, and nothing was created
    assert (refused.status_code, refused.json()["code"]) == (409, "purchase_deadline_passed")
    assert day_text(yesterday) in refused.json()["detail"]
    assert not Purchase.objects.exists()


def test_a_deadline_passing_between_create_and_confirm_moves_no_money(
    api, participant_card, django_capture_on_commit_callbacks
):
    # Given a purchase created while buying was still open
    row = deadlines(participant_card)
    created = create(api, participant_card, django_capture_on_commit_callbacks)
    assert created.status_code == 201, created.json()
    before = balance(participant_card)
    # When the last day to use the balance passes before the participant confirms
    row.last_purchase_on = row.balance_until = timezone.localdate() - dt.timedelta(days=1)
    row.save()
    refused = api.post(
        f"{PURCHASES}{created.json()['id']}/confirm/", {"otp": sent_code(participant_card.applicant.phone)}
    )
    # Then the confirmation is refused and no money moves
    assert (refused.status_code, refused.json()["code"]) == (409, "purchase_deadline_passed")
    assert balance(participant_card) == before
    assert Purchase.objects.get().status == PurchaseStatus.AWAITING_CONFIRMATION


def test_no_completion_after_the_last_day_to_complete(api, participant_card, django_capture_on_commit_callbacks):
    # Given a trained participant whose last day to complete was yesterday
    row = deadlines(participant_card)
    created = create(api, participant_card, django_capture_on_commit_callbacks)
    api.post(f"{PURCHASES}{created.json()['id']}/confirm/", {"otp": sent_code(participant_card.applicant.phone)})
    purchase = Purchase.objects.select_related("redeem_code").get()
    assert purchase.redeem_code is not None
    training_done(purchase.redeem_code, started=timezone.now() - dt.timedelta(days=3))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    SchemeDeadline.objects.filter(pk=row.pk).update(
        last_purchase_on=yesterday - dt.timedelta(days=1), balance_until=yesterday, last_completion_on=yesterday
    )
    body = {"certificate_number": "S-1", "certificate_url": "https://p.example/s/1"}
    # When the platform reports the completion today, then it is refused with the day
    refused = api.post(f"{PURCHASES}{purchase.pk}/complete/", {**body, "completed_at": timezone.now().isoformat()})
    assert (refused.status_code, refused.json()["code"]) == (409, "completion_deadline_passed")
    assert day_text(yesterday) in refused.json()["detail"]
    # but a completion done on the last day, reported late, is accepted
    last_day = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(20, 0)))
    late = api.post(f"{PURCHASES}{purchase.pk}/complete/", {**body, "completed_at": last_day.isoformat()})
    assert late.status_code == 200, late.json()


def test_no_review_after_the_last_day_to_review(api, participant_card, django_capture_on_commit_callbacks):
    # Given a completed course and the last day to review yesterday
    row = deadlines(participant_card)
    created = create(api, participant_card, django_capture_on_commit_callbacks)
    api.post(f"{PURCHASES}{created.json()['id']}/confirm/", {"otp": sent_code(participant_card.applicant.phone)})
    purchase = Purchase.objects.select_related("redeem_code").get()
    assert purchase.redeem_code is not None
    training_done(purchase.redeem_code)
    body = {"certificate_number": "S-1", "certificate_url": "https://p.example/s/1"}
    assert (
        api.post(
            f"{PURCHASES}{purchase.pk}/complete/", {**body, "completed_at": timezone.now().isoformat()}
        ).status_code
        == 200
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    SchemeDeadline.objects.filter(pk=row.pk).update(
        last_purchase_on=yesterday, balance_until=yesterday, last_completion_on=yesterday, last_review_on=yesterday
    )
    # When the participant writes the review, then the page says the last day and nothing is saved
    client = Client()
    client.force_login(participant_card.applicant.user)
    page = client.post(
        reverse("catalogue:purchase-review", args=[purchase.pk]),
        {"rating": "5", "text": "Materinya jelas dan langsung bisa saya praktikkan."},
    )
    assert page.status_code == 200
    assert day_text(yesterday) in page.content.decode()
    assert not purchase.course.reviews.exists()


def test_the_sweep_waits_for_the_last_day_to_use_the_balance(participant_card):
    # Given a card of this year with its balance usable until tomorrow
    year = card_programme_year(participant_card)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    deadlines(participant_card, last_purchase_on=tomorrow, balance_until=tomorrow)
    left = balance(participant_card)
    assert left > 0
    # When the year-end sweep runs today, then the card keeps its balance
    balances_sweep_year_end(year=year)
    assert balance(participant_card) == left
    assert balances_sweep_due() == 0
    # When the day after the last day comes, then the daily sweep returns it, once
    later = tomorrow + dt.timedelta(days=1)
    assert balances_sweep_due(today=later) == 1
    assert balance(participant_card) == 0
    assert balances_sweep_due(today=later) == 0
    participant_card.refresh_from_db()
    assert participant_card.status == "closed"


def test_staff_set_a_years_deadlines_in_the_admin_audited(participant_card):
    # Given a PMO administrator
    admin_user = StaffUserFactory.create(is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:applicants_schemedeadline_add")
    form = {
        "scheme": participant_card.scheme_id,
        "year": "2026",
        "last_purchase_on": "2026-12-15",
        "last_completion_on": "2026-12-22",
        "last_review_on": "2026-12-29",
        "balance_until": "2026-12-31",
    }
    # When the days are out of order, then the form says so and nothing is saved
    wrong = client.post(url, {**form, "last_completion_on": "2026-12-10"})
    assert wrong.status_code == 200
    assert not SchemeDeadline.objects.exists()
    # When they are in order, then the row is saved and audited
    assert client.post(url, form).status_code == 302
    row = SchemeDeadline.objects.get()
    assert AuditEvent.objects.filter(action="scheme_deadline.created", object_id=str(row.pk)).exists()
