"""Set-ups for incentive and payout tests: funded programme funds and participants whose
instalments are due, built in bulk (thousands in a second or two)."""

from collections.abc import Sequence

from django.utils import timezone

from applicants.disbursement.services.runs import disbursement_run_create
from applicants.disbursement.services.sending import run_send_here
from applicants.incentives.services.entitlements import instalments_make_due
from applicants.models import (
    AccountMatch,
    Card,
    Entitlement,
    Instalment,
    InstalmentKind,
    PayoutAccount,
    PayoutAccountStatus,
)
from applicants.waves.services.selection import wave_selection_run
from prakerja.ledger.models import AccountKind
from prakerja.ledger.services import Line, account_get_or_create, accounts_ensure_bulk, posting_create
from prakerja.payments.providers import PayoutChannel
from prakerja.payments.sandbox import sandbox_failure_code
from tests.applicants.wave_setups import Person, bulk_members, close
from tests.factories import WaveFactory

CHANNELS = [PayoutChannel.BNI, PayoutChannel.BRI, PayoutChannel.MANDIRI, PayoutChannel.BCA]


def fund_incentives(amount: int = 10**15) -> None:
    budget = account_get_or_create(kind=AccountKind.STATE_BUDGET)
    for kind in (AccountKind.FUND_INCENTIVE, AccountKind.FUND_SURVEY, AccountKind.FUND_TRAINING):
        fund = account_get_or_create(kind=kind)
        posting_create(
            idempotency_key=f"test-budget-{kind}",
            kind="budget.allocate",
            lines=[Line(budget.pk, -amount), Line(fund.pk, amount)],
        )


def good_number(seed: int) -> str:
    """An account number the sandbox always pays."""
    n = seed
    while sandbox_failure_code("bni", f"{n:010d}") is not None:
        n += 7919
    return f"{n:010d}"


def participants(count: int, *, tag: str = "p") -> list[Card]:
    """Cards of `count` selected participants (a closed wave, its selection run)."""
    wave = close(WaveFactory.create(national_quota=count))
    bulk_members(wave, [Person(province=("11", "32", "35", "51")[n % 4]) for n in range(count)], tag=tag)
    wave_selection_run(wave_id=wave.pk, seed=1)
    return list(Card.objects.filter(wave=wave).order_by("pk"))


def with_due_instalments(cards: Sequence[Card], *, number: int = 1, amount: int = 600_000) -> list[Instalment]:
    """Each card's first course completed and reviewed, an active bank account, and one
    post-training instalment due today (its money moved to the participant's payable)."""
    now = timezone.now()
    accounts = accounts_ensure_bulk(kind=AccountKind.PARTICIPANT_INCENTIVE, owner_refs=[str(c.pk) for c in cards])
    Entitlement.objects.bulk_create(
        [
            Entitlement(
                card=c,
                first_course_id=1,
                completed_at=now,
                reviewed_at=now,
                scheduled_at=now,
                account_id=accounts[str(c.pk)],
            )
            for c in cards
        ],
        ignore_conflicts=True,
    )
    PayoutAccount.objects.bulk_create(
        [
            PayoutAccount(
                applicant_id=c.applicant_id,
                channel=CHANNELS[c.pk % 4],
                account_number=f"{7_000_000_000 + c.pk}",
                holder_name=f"PESERTA {c.pk}",
                match=AccountMatch.EXACT,
                status=PayoutAccountStatus.ACTIVE,
                activated_at=now,
            )
            for c in cards
        ],
        ignore_conflicts=True,
    )
    instalments = Instalment.objects.bulk_create(
        [
            Instalment(
                card=c, kind=InstalmentKind.POST_TRAINING, number=number, amount=amount, due_on=timezone.localdate()
            )
            for c in cards
        ]
    )
    instalments_make_due()
    return instalments


def send_run_here(run_id: int) -> None:
    """Send a run's chunks in this process, as the workers would."""
    run_send_here(run_id=run_id)


def disburse_here(**kwargs: object) -> int | None:
    run = disbursement_run_create(**kwargs)  # type: ignore[arg-type]
    if run is None:
        return None
    send_run_here(run.pk)
    return run.pk
