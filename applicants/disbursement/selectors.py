"""Reads for finance's disbursement screens: a run's payouts counted and summed by state."""

from django.db.models import Count, Sum

from applicants.disbursement.models import Payout


def payouts_state_totals(run_id: int) -> list[dict[str, object]]:
    return list(
        Payout.objects.filter(run_id=run_id)
        .values("status")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("status")
    )
