"""Property: once a clawback case is opened, no sequence of what the participant does (link a new
payout account and confirm it with the SMS code) and what finance does (retry the failed
payouts, run a disbursement, make instalments due) pays the participant, schedules a new
instalment or opens a paid survey, until a verifier closes the case (repaid in full) or cancels
it. Cancelling it lets the next run pay; closing it never does."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from applicants.clawbacks.services import clawback_cancel, clawback_open, clawback_repayment_record
from applicants.disbursement.services.sweeping import payout_retry
from applicants.incentives.services.entitlements import (
    entitlement_schedule_if_ready,
    instalments_make_due,
    survey_next,
)
from applicants.incentives.services.payout_accounts import payout_account_confirm, payout_account_start
from applicants.models import (
    Applicant,
    Card,
    CardStatus,
    Clawback,
    ClawbackStatus,
    Entitlement,
    Instalment,
    InstalmentKind,
    InstalmentStatus,
    OneTimeCode,
    Payout,
    PayoutAccount,
    PayoutStatus,
)
from prakerja.accounts.roles import FINANCE, VERIFIER
from prakerja.core.actor import Actor
from prakerja.ledger.models import AccountKind
from prakerja.ledger.selectors import ledger_check
from prakerja.ledger.services import Line, account_get_or_create, posting_create
from prakerja.messaging.models import SandboxMessage
from prakerja.payments.sandbox import sandbox_account_register, sandbox_failure_code
from tests.applicants.incentive_setups import disburse_here, fund_incentives, participants, with_due_instalments
from tests.conftest import run_after_commit_tasks
from tests.factories import StaffUserFactory
from tests.images import jpeg

pytestmark = pytest.mark.django_db

COURSE = 1_500_000
NAME = "Siti Rahmawati"


@pytest.fixture(autouse=True)
def _some_accounts_fail(settings: Any) -> None:
    # The sandbox refuses a fixed share of account numbers (by their hash): the test needs one
    # that fails and others that do not. The test settings make every account good by default.
    settings.SANDBOX_PAYMENT_FAILURE_RATE = 0.02


def _number(*, fails: bool, start: int) -> str:
    for n in range(start, start + 100_000):
        if (sandbox_failure_code("bni", f"{n:010d}") is not None) == fails:
            return f"{n:010d}"
    raise AssertionError("no such account number: is the sandbox's failure rate 0?")


class World:
    """One participant who bought a course, whose first transfer failed (the bank refused the
    account), with a clawback case opened against them."""

    def __init__(self, capture: Callable[[], Any]) -> None:
        self.capture = capture
        self.card = participants(1, tag="claw")[0]
        Applicant.objects.filter(pk=self.card.applicant_id).update(
            full_name=NAME, phone="+6281200000001", phone_verified_at="2026-01-01T00:00:00Z"
        )
        self.applicant = Applicant.objects.select_related("user").get(pk=self.card.applicant_id)
        platform = account_get_or_create(kind=AccountKind.PLATFORM_PAYABLE, owner_ref="platform-prop")
        posting_create(
            idempotency_key=f"purchase:prop-{self.card.pk}",
            kind="purchase.confirm",
            lines=[Line(self.card.account_id, -COURSE), Line(platform.pk, COURSE)],
        )
        (self.instalment,) = with_due_instalments([self.card])
        PayoutAccount.objects.filter(applicant_id=self.card.applicant_id).update(
            channel="bni", account_number=_number(fails=True, start=1000)
        )
        disburse_here()
        assert Payout.objects.get(instalment=self.instalment).status == PayoutStatus.FAILED
        # a second instalment still to come, and a completed, reviewed course not yet scheduled
        Instalment.objects.create(
            card=self.card, kind=InstalmentKind.POST_TRAINING, number=2, amount=600_000, due_on="2020-01-01"
        )
        self.verifier = StaffUserFactory.create(group=VERIFIER)
        self.finance = StaffUserFactory.create(group=FINANCE)
        self.case = clawback_open(
            card=Card.objects.select_related("applicant__user").get(pk=self.card.pk),
            reason="Tercatat sebagai ASN (data BKN).",
            evidence=jpeg(),
            amount=COURSE,
            actor=Actor.for_user(self.verifier),
        )
        self.accounts = 0

    def payouts(self) -> set[tuple[int, str]]:
        return set(Payout.objects.filter(instalment__card=self.card).values_list("pk", "status"))

    # -- the participant ------------------------------------------------------------------

    def relink(self, fails: bool) -> None:
        """A new account in the participant's own name, confirmed with the SMS code."""
        self.accounts += 1
        number = _number(fails=fails, start=5000 + 1000 * self.accounts)
        sandbox_account_register(channel="bni", number=number, holder_name=NAME)
        OneTimeCode.objects.all().delete()  # the resend cooldown is not what is tested
        with self.capture() as callbacks:
            account = payout_account_start(applicant=self.applicant, channel="bni", account_number=number)
        run_after_commit_tasks(callbacks)
        message = SandboxMessage.objects.filter(channel="sms").order_by("-pk").first()
        assert message is not None
        code = next(word for word in message.body.split() if word.rstrip(".").isdigit()).rstrip(".")
        payout_account_confirm(account=account, code=code)

    # -- finance -----------------------------------------------------------------------

    def retry(self) -> None:
        for payout_id in Payout.objects.filter(instalment__card=self.card, status=PayoutStatus.FAILED).values_list(
            "pk", flat=True
        ):
            payout_retry(payout_id=payout_id, actor=Actor.for_user(self.finance))

    def disburse(self) -> None:
        disburse_here()

    def make_due(self) -> None:
        instalments_make_due()
        entitlement_schedule_if_ready(card_id=self.card.pk)


ACTIONS = st.lists(
    st.sampled_from(["relink_good", "relink_bad", "retry", "disburse", "make_due"]), min_size=1, max_size=6
)


@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(actions=ACTIONS, ending=st.sampled_from(["cancel", "repay"]))
def test_a_clawback_hold_survives_every_participant_and_finance_action(
    actions: list[str],
    ending: str,
    training_fund: int,
    regions: None,
    staff_groups: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with transaction.atomic():
        fund_incentives()
        # Given a participant with a failed transfer and a clawback case opened against them
        world = World(django_capture_on_commit_callbacks)
        before = world.payouts()
        scheduled_before = Instalment.objects.filter(card=world.card).count()

        # When the participant and finance do anything, in any order
        for action in actions:
            if action == "relink_good":
                world.relink(fails=False)
            elif action == "relink_bad":
                world.relink(fails=True)
            elif action == "retry":
                world.retry()
            elif action == "disburse":
                world.disburse()
            else:
                world.make_due()
            # Then no payout is made, no instalment is added, no paid survey opens, the card stays suspended
            assert world.payouts() == before, action
            assert Instalment.objects.filter(card=world.card).count() == scheduled_before
            assert survey_next(card=world.card) is None
            assert Card.objects.get(pk=world.card.pk).status == CardStatus.SUSPENDED

        # When a verifier ends the case
        if ending == "cancel":
            clawback_cancel(
                clawback=world.case, reason="Salah orang: NIK tertukar", actor=Actor.for_user(world.verifier)
            )
            world.relink(fails=False)  # an account the bank pays
            world.disburse()
            # Then the participant is paid again and the card is usable
            assert Card.objects.get(pk=world.card.pk).status == CardStatus.ACTIVE
            assert Payout.objects.filter(instalment__card=world.card, status=PayoutStatus.SUCCEEDED).exists()
        else:
            clawback_repayment_record(
                clawback=world.case,
                amount=COURSE,
                bank_reference=f"BRI-{world.case.pk}",
                paid_on=dt.date(2026, 1, 2),
                actor=Actor.for_user(world.finance),
            )
            world.relink(fails=False)
            world.retry()
            world.disburse()
            # Then the case is closed, the hold lifted, and nothing unpaid is ever paid: it went back
            assert Clawback.objects.get(pk=world.case.pk).status == ClawbackStatus.REPAID
            assert world.payouts() == before
            assert not Instalment.objects.filter(
                card=world.card, status__in=[InstalmentStatus.SCHEDULED, InstalmentStatus.PAYABLE]
            ).exists()
            assert Card.objects.get(pk=world.card.pk).status == CardStatus.CLOSED
        assert Entitlement.objects.filter(card=world.card).exists()
        assert ledger_check().ok
        transaction.set_rollback(True)
