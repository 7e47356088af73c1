"""Provider callbacks (transfer notifications): their signature, their body, and how the
sandbox hands them to us.

Signed like a SNAP transaction, with the shared callback secret: Base64(HMAC-SHA512(secret,
`POST:<path>:<lowercase hex SHA-256 of the minified body>:<X-TIMESTAMP>`)). The timestamp must be
within five minutes. The receiving view (in `applicants/`, which owns payouts) registers itself
here so that the sandbox, without a public URL in development and tests, can call it in-process
with the same bytes and headers an HTTP request would carry.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable

import requests
from django.conf import settings
from django.utils import timezone

from prakerja.core.registry import Registry
from prakerja.payments.providers import Outcome, TransferResult

CALLBACK_PATH = "/api/v1/payouts/callback"
MAX_SKEW = dt.timedelta(minutes=5)
JAKARTA = dt.timezone(dt.timedelta(hours=7))

# SNAP latestTransactionStatus values.
STATUS_OUTCOMES = {"00": Outcome.SUCCESS, "03": Outcome.PENDING, "04": Outcome.REVERSED, "06": Outcome.FAILED}
OUTCOME_STATUSES = {outcome: status for status, outcome in STATUS_OUTCOMES.items()}


def snap_timestamp(at: dt.datetime | None = None) -> str:
    return (at or timezone.now()).astimezone(JAKARTA).isoformat(timespec="seconds")


def minified(body: bytes) -> bytes:
    return json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()


def callback_signature(*, body: bytes, timestamp: str, secret: str | None = None) -> str:
    digest = hashlib.sha256(minified(body)).hexdigest().lower()
    message = f"POST:{CALLBACK_PATH}:{digest}:{timestamp}".encode()
    key = (secret or settings.PAYMENT_CALLBACK_SECRET).encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha512).digest()).decode()


def callback_verified(*, body: bytes, timestamp: str, signature: str) -> bool:
    if not signature.isascii():  # hmac.compare_digest raises on non-ASCII text
        return False
    try:
        sent_at = dt.datetime.fromisoformat(timestamp)
        expected = callback_signature(body=body, timestamp=timestamp)
    except (ValueError, RecursionError):  # not a time, not JSON, or JSON nested too deep
        return False
    if sent_at.tzinfo is None or abs(timezone.now() - sent_at) > MAX_SKEW:
        return False
    return hmac.compare_digest(expected, signature)


def callback_body(*, reference: str, outcome: Outcome, amount: int, code: str = "") -> bytes:
    return json.dumps(
        {
            "originalPartnerReferenceNo": reference,
            "latestTransactionStatus": OUTCOME_STATUSES[outcome],
            "responseCode": code or "2000000",
            "amount": {"value": f"{amount}.00", "currency": "IDR"},
            "transactionDate": snap_timestamp(),
        },
        separators=(",", ":"),
    ).encode()


def callback_parse(body: bytes) -> tuple[TransferResult, int]:
    """The result and amount a callback reports; ValueError when it is not one."""
    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    outcome = STATUS_OUTCOMES.get(str(data.get("latestTransactionStatus")))
    reference = str(data.get("originalPartnerReferenceNo") or "")
    value = str((data.get("amount") or {}).get("value") or "")
    digits = value[:-3]
    if outcome is None or not reference or not value.endswith(".00") or not (digits.isascii() and digits.isdigit()):
        raise ValueError("missing or malformed fields")
    return TransferResult(reference=reference, outcome=outcome, code=str(data.get("responseCode") or "")), int(digits)


Receiver = Callable[[bytes, dict[str, str]], int]
# The one in-process receiver (the payout callback view), registered from its AppConfig.ready.
RECEIVERS: Registry[Receiver] = Registry("payments.callback_receivers")


def register_callback_receiver(receiver: Receiver) -> None:
    RECEIVERS.register("payouts", receiver)


def callback_deliver(body: bytes) -> int:
    """Send a signed callback: over HTTP when PAYMENT_CALLBACK_URL is set, else in-process to
    the registered receiver. Returns the HTTP status."""
    timestamp = snap_timestamp()
    headers = {
        "Content-Type": "application/json",
        "X-TIMESTAMP": timestamp,
        "X-SIGNATURE": callback_signature(body=body, timestamp=timestamp),
    }
    if settings.PAYMENT_CALLBACK_URL:
        try:
            return requests.post(settings.PAYMENT_CALLBACK_URL, data=body, headers=headers, timeout=10).status_code
        except requests.RequestException:
            return 599
    receiver = RECEIVERS.one()
    if receiver is None:
        return 503
    return receiver(body, headers)
