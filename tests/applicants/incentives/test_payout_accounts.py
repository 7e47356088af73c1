"""Linking a payout account: the provider's name must be the participant's own, an e-wallet
must be on the verified phone, an SMS code confirms, near matches go to a verifier."""

from collections.abc import Callable

import pytest
from django.test import Client

from applicants.errors import OtpLocked
from applicants.incentives.services.payout_accounts import (
    PayoutAccountError,
    names_compare,
    payout_account_confirm,
    payout_account_review,
    payout_account_start,
)
from applicants.models import (
    AccountMatch,
    Card,
    Instalment,
    InstalmentKind,
    OneTimeCode,
    PayoutAccount,
    PayoutAccountStatus,
)
from applicants.waves.services.selection import wave_selection_run
from prakerja.audit.models import AuditEvent
from prakerja.core.actor import Actor
from prakerja.messaging.models import SandboxMessage
from prakerja.payments.sandbox import sandbox_account_register
from tests.applicants.wave_setups import close
from tests.conftest import run_after_commit_tasks
from tests.factories import StaffUserFactory, WaveFactory, WaveMemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("identity", "holder", "expected"),
    [
        ("Siti Rahmawati", "SITI RAHMAWATI", AccountMatch.EXACT),
        ("Hj. Siti Rahmawati, S.Pd.", "siti  rahmawati", AccountMatch.EXACT),
        ("Dr. Budi Santoso", "BUDI SANTOSO SE", AccountMatch.EXACT),
        ("Siti Rahmawati", "SIT* RAH******", AccountMatch.EXACT),
        ("Siti Rahmawati", "SIT* SAN*****", None),
        ("Siti Rahmawati Putri", "SITI RAHMAWATI", AccountMatch.FUZZY),
        ("Muhammad Rizky", "MUHAMAD RIZKI", AccountMatch.FUZZY),
        ("Siti Rahmawati", "BUDI SANTOSO", None),
    ],
)
def test_names_are_compared_after_normalisation(identity, holder, expected):
    assert names_compare(identity_name=identity, holder_name=holder) == expected


@pytest.fixture
def card(training_fund: int, regions: None) -> Card:
    wave = close(WaveFactory.create(national_quota=1))
    member = WaveMemberFactory.create(wave=wave)
    wave_selection_run(wave_id=wave.pk, seed=1)
    card = Card.objects.select_related("applicant__user").get(decision_id=member.pk)
    card.applicant.full_name = "Siti Rahmawati"
    card.applicant.save(update_fields=["full_name"])
    return card


def sent_code(django_capture_on_commit_callbacks, action: Callable[[], PayoutAccount]) -> tuple[PayoutAccount, str]:
    with django_capture_on_commit_callbacks() as callbacks:
        result = action()
    run_after_commit_tasks(callbacks)
    message = SandboxMessage.objects.filter(channel="sms").order_by("-pk").first()
    assert message is not None
    return result, next(word for word in message.body.split() if word.rstrip(".").isdigit()).rstrip(".")


def test_a_bank_account_in_the_participants_name_is_linked_after_the_sms_code(card, django_capture_on_commit_callbacks):
    # given an account the bank knows under the participant's name
    sandbox_account_register(channel="bni", number="0123456789", holder_name="Siti Rahmawati")

    # when the participant links it and types the SMS code
    account, code = sent_code(
        django_capture_on_commit_callbacks,
        lambda: payout_account_start(applicant=card.applicant, channel="bni", account_number="0123-456-789"),
    )
    account = payout_account_confirm(account=account, code=code)

    # then it is in use, and the link is audited
    assert account.status == PayoutAccountStatus.ACTIVE
    assert account.account_number == "0123456789"
    assert AuditEvent.objects.filter(action="payout_account.linked", object_id=str(account.pk)).exists()


def test_someone_elses_account_is_refused_in_plain_words(card):
    sandbox_account_register(channel="bca", number="5550001111", holder_name="Budi Santoso")
    with pytest.raises(PayoutAccountError) as refused:
        payout_account_start(applicant=card.applicant, channel="bca", account_number="5550001111")
    assert "B*** S******" in refused.value.message
    assert "BUDI" not in refused.value.message
    assert not PayoutAccount.objects.exists()


def test_an_unknown_account_number_is_refused(card):
    with pytest.raises(PayoutAccountError) as refused:
        payout_account_start(applicant=card.applicant, channel="bri", account_number="999999999")
    assert refused.value.field == "account_number"


def test_an_ewallet_must_be_on_the_verified_phone(card):
    phone_digits = card.applicant.phone.lstrip("+")
    sandbox_account_register(channel="ovo", number=phone_digits, holder_name="Siti Rahmawati")
    sandbox_account_register(channel="ovo", number="6281299999999", holder_name="Siti Rahmawati")

    with pytest.raises(PayoutAccountError):
        payout_account_start(applicant=card.applicant, channel="ovo", account_number="081299999999")
    account = payout_account_start(applicant=card.applicant, channel="ovo", account_number="0" + phone_digits[2:])

    assert account.holder_name == "SIT* RAH******"
    assert account.match == AccountMatch.EXACT


def test_three_wrong_codes_lock_linking_for_an_hour(card):
    sandbox_account_register(channel="bni", number="0123456789", holder_name="Siti Rahmawati")
    account = payout_account_start(applicant=card.applicant, channel="bni", account_number="0123456789")
    for _ in range(3):
        with pytest.raises(PayoutAccountError.__mro__[1]):
            payout_account_confirm(account=account, code="000000")
    with pytest.raises(OtpLocked):
        payout_account_confirm(account=account, code="000000")
    assert OneTimeCode.objects.filter(locked_until__isnull=False).exists()


def test_a_near_match_waits_for_a_verifier_and_changing_the_account_releases_held_instalments(
    card, staff_groups, django_capture_on_commit_callbacks
):
    # given a participant with an account in use and an instalment held after a failed transfer
    sandbox_account_register(channel="bni", number="0123456789", holder_name="Siti Rahmawati")
    first, code = sent_code(
        django_capture_on_commit_callbacks,
        lambda: payout_account_start(applicant=card.applicant, channel="bni", account_number="0123456789"),
    )
    payout_account_confirm(account=first, code=code)
    held = Instalment.objects.create(
        card=card, kind=InstalmentKind.POST_TRAINING, number=1, amount=600_000, due_on="2026-01-01", held_reason="x"
    )
    OneTimeCode.objects.all().delete()  # the resend cooldown belongs to another test

    # when a new account with a slightly different name is linked
    sandbox_account_register(channel="mandiri", number="1370011112222", holder_name="Siti Rahmawati Putri")
    second, code = sent_code(
        django_capture_on_commit_callbacks,
        lambda: payout_account_start(applicant=card.applicant, channel="mandiri", account_number="1370011112222"),
    )
    second = payout_account_confirm(account=second, code=code)

    # then it waits for a verifier, the old account stays in use
    assert second.status == PayoutAccountStatus.AWAITING_REVIEW
    first.refresh_from_db()
    assert first.status == PayoutAccountStatus.ACTIVE
    # and when the verifier approves it, it replaces the old one and the held instalment is released
    verifier = StaffUserFactory.create(group="verifier")
    payout_account_review(
        account_id=second.pk, approve=True, note="Nama tengah di buku tabungan", actor=Actor.for_user(verifier)
    )
    first.refresh_from_db()
    second.refresh_from_db()
    held.refresh_from_db()
    assert (first.status, second.status) == (PayoutAccountStatus.REPLACED, PayoutAccountStatus.ACTIVE)
    assert held.held_reason == ""
    assert AuditEvent.objects.filter(action="payout_account.changed", actor_user=verifier).exists()


def test_the_pages_link_an_account_in_indonesian(card, django_capture_on_commit_callbacks):
    sandbox_account_register(channel="bni", number="0123456789", holder_name="Siti Rahmawati")
    client = Client()
    client.force_login(card.applicant.user)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/insentif/rekening/", {"channel": "bni", "account_number": "0123456789"})
    run_after_commit_tasks(callbacks)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "SITI RAHMAWATI" in page.content.decode()
    code = SandboxMessage.objects.filter(channel="sms").latest("pk").body.split(": ")[1][:6]
    done = client.post(response["Location"], {"code": code})
    assert done.status_code == 302
    dashboard = client.get("/dasbor/").content.decode()
    assert "Insentif dikirim ke" in dashboard or "BNI" in dashboard
