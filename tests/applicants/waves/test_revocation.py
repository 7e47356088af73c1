"""Revocation at the first-purchase deadline, and the year-end sweep."""

import datetime as dt

import pytest
from django.utils import timezone

from applicants.errors import ApplicantError
from applicants.models import Card, CardStatus, Decision, Outcome, Reason
from applicants.waves.services.cards import (
    balances_sweep_year_end,
    card_first_purchase_record,
    cards_revoke_due,
    purchase_deadline,
)
from applicants.waves.services.selection import wave_selection_run
from applicants.waves.services.waves import wave_join
from prakerja.audit.models import AuditEvent
from prakerja.ledger.models import AccountKind, LedgerAccount
from prakerja.ledger.selectors import ledger_check
from prakerja.messaging.models import SandboxMessage
from tests.applicants.wave_setups import close
from tests.conftest import run_after_commit_tasks
from tests.factories import WaveFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db

JAKARTA = timezone.get_default_timezone()


def test_the_deadline_is_midnight_jakarta_after_the_last_day() -> None:
    # Announced 23:30 WIB on 1 March (16:30 UTC) with 15 days: the 16th is the last day
    announced = dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC)
    deadline = purchase_deadline(announced=announced, days=15)
    assert deadline == dt.datetime(2026, 3, 17, 0, 0, tzinfo=JAKARTA)
    assert deadline.astimezone(dt.UTC) == dt.datetime(2026, 3, 16, 17, 0, tzinfo=dt.UTC)


def _participants(count: int) -> list[Card]:
    wave = close(WaveFactory.create(national_quota=count))
    WaveMemberFactory.create_batch(count, wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=1)
    return list(Card.objects.filter(wave=wave).order_by("pk"))


def test_cards_without_a_purchase_are_revoked_from_the_deadline_on(
    training_fund: int, django_capture_on_commit_callbacks
) -> None:
    # Given two participants, one of whom bought a course
    idle, buyer = _participants(2)
    card_first_purchase_record(card=buyer, at=timezone.now())
    deadline = idle.purchase_deadline
    # When the job runs one second before the deadline, Then nothing happens
    assert cards_revoke_due(now=deadline - dt.timedelta(seconds=1)) == 0
    # When it runs at the deadline
    with django_capture_on_commit_callbacks() as callbacks:
        assert cards_revoke_due(now=deadline) == 1
    run_after_commit_tasks(callbacks)
    # Then the idle card is revoked, its balance is in the treasury, the person is told
    idle.refresh_from_db()
    buyer.refresh_from_db()
    assert (idle.status, buyer.status) == (CardStatus.REVOKED, CardStatus.ACTIVE)
    assert LedgerAccount.objects.get(pk=idle.account_id).balance == 0
    treasury = LedgerAccount.objects.get(kind=AccountKind.TREASURY)
    assert sum(treasury.entries.values_list("amount", flat=True)) == 3_500_000
    assert SandboxMessage.objects.filter(reference=f"card-revoked-{idle.pk}-sms").exists()
    assert AuditEvent.objects.filter(action="card.revoked").count() == 1
    # and a second run changes nothing
    assert cards_revoke_due(now=deadline + dt.timedelta(days=1)) == 0
    assert ledger_check().ok


def test_a_revoked_person_is_blacklisted_in_the_next_wave(training_fund: int) -> None:
    # Given a revoked card
    (card,) = _participants(1)
    cards_revoke_due(now=card.purchase_deadline)
    applicant = card.applicant
    # When the person tries to join the next wave, Then they are refused
    later = WaveFactory.create()
    with pytest.raises(ApplicantError, match="tidak dapat lagi"):
        wave_join(applicant=applicant, wave=later, province=applicant.province, statements_accepted=True)  # type: ignore[arg-type]
    # and were they already a member of it, selection marks them blacklisted (and prior recipient)
    from applicants.models import WaveMember

    member = WaveMember.objects.create(
        wave=later,
        applicant=applicant,
        province_id=applicant.province_id or "32",
        statements_accepted_at=timezone.now(),
    )
    wave_selection_run(wave_id=close(later).pk, seed=1)
    decision = Decision.objects.get(member=member)
    assert decision.outcome == Outcome.INELIGIBLE
    assert Reason.BLACKLISTED in decision.reasons


def test_the_year_end_sweep_returns_every_unspent_balance_once(training_fund: int) -> None:
    # Given three participants
    cards = _participants(3)
    year = timezone.localdate(cards[0].issued_at).year
    # When the sweep runs twice
    assert balances_sweep_year_end(year=year) == 3
    assert balances_sweep_year_end(year=year) == 0
    # Then every balance is zero, the treasury holds it all, the cards are closed
    assert all(LedgerAccount.objects.get(pk=c.account_id).balance == 0 for c in cards)
    treasury = LedgerAccount.objects.get(kind=AccountKind.TREASURY)
    assert sum(treasury.entries.values_list("amount", flat=True)) == 3 * 3_500_000
    assert set(Card.objects.values_list("status", flat=True)) == {CardStatus.CLOSED}
    assert AuditEvent.objects.filter(action="cards.year_end_sweep").count() == 2
