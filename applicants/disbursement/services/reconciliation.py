"""The daily reconciliation of our payouts against the provider's statement."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applicants.disbursement.errors import DisbursementError
from applicants.models import (
    DisbursementRun,
    Payout,
    PayoutStatus,
    Reconciliation,
    RunStatus,
    payout_reference,
)
from prakerja.audit.services import audit_record
from prakerja.core.actor import Actor
from prakerja.payments.providers import (
    Outcome,
    payment_provider,
)


def reconciliation_make(*, run_id: int | None = None, day: dt.date | None = None) -> Reconciliation:
    """Our books against the provider's settlement report: counts, amounts, every mismatch."""
    provider = payment_provider()
    if run_id is not None:
        run = DisbursementRun.objects.get(pk=run_id)
        if run.status in (RunStatus.PREPARING, RunStatus.AWAITING_APPROVAL, RunStatus.REJECTED):
            raise DisbursementError(_("Only a run that was sent can be reconciled."))
        ours_qs = Payout.objects.filter(run=run)
        first = timezone.localdate(run.submitted_at or run.created_at)
        days = [first + dt.timedelta(days=n) for n in range((timezone.localdate() - first).days + 1)]
    elif day is not None:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        end = start + dt.timedelta(days=1)
        # Sent or settled that day (a transfer sent at 23:59 and settled after midnight counts in both).
        ours_qs = Payout.objects.filter(
            Q(created_at__gte=start, created_at__lt=end) | Q(settled_at__gte=start, settled_at__lt=end)
        )
        days = [day]
    else:
        raise ValueError("a run or a day")
    ours = {
        payout_reference(pk): (status, amount) for pk, status, amount in ours_qs.values_list("pk", "status", "amount")
    }
    theirs = {}
    for d in days:
        for line in provider.settlement_report(day=d):
            if run_id is None or line.reference in ours:
                theirs[line.reference] = line
    mismatches = []
    for reference, line in theirs.items():
        status, amount = ours.get(reference, (None, None))
        expected = PayoutStatus.REVERSED if line.outcome == Outcome.REVERSED else PayoutStatus.SUCCEEDED
        if status is None:
            mismatches.append({"reference": reference, "problem": "paid by the provider, unknown to us"})
        elif status != expected:
            mismatches.append({"reference": reference, "problem": f"provider: {line.outcome}, ours: {status}"})
        elif amount != line.amount:
            mismatches.append({"reference": reference, "problem": f"amount: provider {line.amount}, ours {amount}"})
    for reference, (status, _amount) in ours.items():
        if status == PayoutStatus.SUCCEEDED and reference not in theirs:
            mismatches.append({"reference": reference, "problem": "settled in our books, missing from the report"})
    paid_ours = [amount for status, amount in ours.values() if status == PayoutStatus.SUCCEEDED]
    paid_theirs = [line.amount for line in theirs.values() if line.outcome == Outcome.SUCCESS]
    record = Reconciliation.objects.create(
        run_id=run_id,
        day=day,
        ours_count=len(paid_ours),
        ours_amount=sum(paid_ours),
        theirs_count=len(paid_theirs),
        theirs_amount=sum(paid_theirs),
        mismatches=mismatches[:10_000],
    )
    audit_record(
        actor=Actor.system("reconciliation"),
        action="disbursement.reconciled",
        target=record,
        payload={"mismatches": len(mismatches)},
    )
    return record
