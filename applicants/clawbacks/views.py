"""The clawback panel on a participant's dashboard: what they owe and how to repay it."""

from applicants.clawbacks.services import REPAY_TO
from applicants.dashboard import Panel
from applicants.models import (
    LIVE_CLAWBACK_STATUSES,
    Applicant,
    Clawback,
)
from prakerja.core.formatting import rupiah


def clawback_panel(applicant: Applicant) -> Panel | None:
    """A live clawback case: what is owed, by when, and how to pay (shown first)."""
    case = (
        Clawback.objects.filter(applicant=applicant, status__in=LIVE_CLAWBACK_STATUSES).order_by("-opened_at").first()
    )
    if case is None:
        return None
    context = {
        "case": case,
        "outstanding": rupiah(case.outstanding),
        "amount": rupiah(case.amount),
        "repaid": rupiah(case.repaid_amount),
        "pay_to": REPAY_TO.format(reference=case.reference),
    }
    return Panel(template="applicants/_clawback_panel.html", context=context, order=10)
