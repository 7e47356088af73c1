"""The words a participant reads about their incentives: each instalment's state on the dashboard."""

from django.utils import formats
from django.utils.translation import gettext as _

from applicants.disbursement.models import Payout, PayoutStatus
from applicants.incentives.models import Instalment
from prakerja.payments.providers import PayoutChannel, failure_reason, mask_account_number


def account_words(payout: Payout) -> str:
    return f"{PayoutChannel(payout.channel).label} {mask_account_number(payout.account_number)}"


def instalment_words(state: str, instalment: Instalment, payout: Payout | None) -> str:
    """One instalment's state (applicants.incentives.selectors.instalment_state) in words."""
    if state == "paid" and payout is not None:
        paid_at = payout.settled_at or instalment.paid_at
        paid = formats.date_format(paid_at, "j F Y") if paid_at else ""
        return _("Paid on %(day)s to %(account)s.") % {"day": paid, "account": account_words(payout)}
    if state == "returned":
        return _("Not paid: the programme's payment deadline has passed.")
    if state == "scheduled":
        return _("Scheduled for %(day)s.") % {"day": formats.date_format(instalment.due_on, "j F Y")}
    if state == "sending" and payout is not None:
        return _("Being transferred to %(account)s. Transfers take 3 to 5 working days.") % {
            "account": account_words(payout)
        }
    if state == "failed":
        # The reason from the provider's code, in the page's language (the stored text is in the
        # language of the worker that recorded it).
        reason = (
            failure_reason(payout.response_code)
            if payout is not None and payout.status == PayoutStatus.FAILED
            else instalment.held_reason
        )
        return _("The transfer failed: %(reason)s Change your account and we will send it again.") % {"reason": reason}
    if state == "review":
        return _("Being reviewed by a verifier before it is sent.")
    if state == "reversed":
        return _("The bank returned the transfer. We will send it again; check that your account is still open.")
    return _("Due: it will be sent in the next transfer run.")
