"""The payment provider's callback endpoint: signed, and harmless when duplicated, late or out
of order (every change is conditional on the payout's state)."""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from applicants.disbursement.services.answers import payout_id_of, payouts_apply
from applicants.models import Payout
from prakerja.payments.callbacks import callback_parse, callback_verified

log = logging.getLogger(__name__)


def payout_callback_receive(body: bytes, headers: dict[str, str]) -> int:
    """Verify, parse and apply one callback; returns the HTTP status to answer with."""
    lowered = {key.lower(): value for key, value in headers.items()}
    if not callback_verified(
        body=body, timestamp=lowered.get("x-timestamp", ""), signature=lowered.get("x-signature", "")
    ):
        return 401
    try:
        result, amount = callback_parse(body)
    except (ValueError, TypeError, AttributeError, RecursionError):
        return 400
    payout_id = payout_id_of(result.reference)
    known = Payout.objects.filter(pk=payout_id).values_list("amount", flat=True).first() if payout_id else None
    if known is None:
        log.warning("payout callback for an unknown reference %s", result.reference)
        return 404
    if known != amount:
        log.error("payout callback amount %s differs from ours %s for %s", amount, known, result.reference)
        return 422
    payouts_apply([result])
    return 200


@csrf_exempt
@require_POST
def payout_callback(request: HttpRequest) -> HttpResponse:
    status = payout_callback_receive(request.body, dict(request.headers))
    code = {200: "2000000", 400: "4000001", 401: "4010000", 404: "4040001", 422: "4220001"}[status]
    return JsonResponse({"responseCode": code, "responseMessage": "OK" if status == 200 else "Rejected"}, status=status)
