"""The real provider adapter: SNAP over HTTPS (../shared/architecture.md).

- Access token: `POST /v1.0/access-token/b2b`, X-SIGNATURE = Base64(RSA-SHA256 over
  `client_id|X-TIMESTAMP`) with our private key; the token is reused until shortly before it
  expires (about 15 minutes), never fetched per call.
- Transactions: Bearer token, X-TIMESTAMP, X-PARTNER-ID, X-EXTERNAL-ID (unique per day),
  CHANNEL-ID and X-SIGNATURE = Base64(HMAC-SHA512(client secret,
  `METHOD:path:token:lowercase(hex(SHA-256(minified body))):X-TIMESTAMP`)).
- A timeout, a connection error or a 5xx is UNKNOWN (ask the status; never resend under a new
  key); `409`/`4091800` (reference used before) is UNKNOWN too.
Tested against a local fake server that checks both signatures (tests/prakerja/test_snap.py).
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

from prakerja.payments.callbacks import STATUS_OUTCOMES, snap_timestamp
from prakerja.payments.providers import (
    FAILURE_REASONS,
    SUCCESS_CODE,
    Inquiry,
    Outcome,
    SettlementLine,
    TransferOrder,
    TransferResult,
    is_ewallet,
)

TOKEN_PATH = "/v1.0/access-token/b2b"  # noqa: S105 (a path, not a secret)
PATHS = {
    "inquiry_bank": "/v1.0/account-inquiry-external",
    "inquiry_ewallet": "/v1.0/emoney/account-inquiry",
    "transfer_bank": "/v1.0/transfer-interbank",
    "transfer_ewallet": "/v1.0/emoney/topup",
    "status_bank": "/v1.0/transfer/status",
    "status_ewallet": "/v1.0/emoney/topup-status",
}
# SNAP service codes of the original transaction, sent with its status inquiry.
BANK_SERVICE_CODE = "18"
EWALLET_SERVICE_CODE = "38"


def minified(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def token_signature(*, private_key: rsa.RSAPrivateKey, client_id: str, timestamp: str) -> str:
    signed = private_key.sign(f"{client_id}|{timestamp}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signed).decode()


def transaction_signature(*, secret: str, method: str, path: str, token: str, body: bytes, timestamp: str) -> str:
    digest = hashlib.sha256(body).hexdigest().lower()
    message = f"{method}:{path}:{token}:{digest}:{timestamp}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha512).digest()).decode()


def _amount(value: int) -> dict[str, str]:
    return {"value": f"{value}.00", "currency": "IDR"}


class SnapPaymentProvider:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        private_key_pem: str | None = None,
        partner_id: str | None = None,
        channel_id: str | None = None,
        timeout: float | None = None,
        parallel: int = 8,
    ) -> None:
        self.base_url = (base_url or settings.SNAP_BASE_URL).rstrip("/")
        self.client_id = client_id or settings.SNAP_CLIENT_ID
        self.client_secret = client_secret or settings.SNAP_CLIENT_SECRET
        key = serialization.load_pem_private_key((private_key_pem or settings.SNAP_PRIVATE_KEY).encode(), None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("SNAP needs an RSA private key")
        self.private_key = key
        self.partner_id = partner_id or settings.SNAP_PARTNER_ID
        self.channel_id = channel_id or settings.SNAP_CHANNEL_ID
        self.timeout = timeout or settings.SNAP_TIMEOUT_S
        self.parallel = parallel
        self.session = requests.Session()
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    # -- access token -------------------------------------------------------------------

    def access_token(self) -> str:
        with self._lock:
            if self._token and self._token[1] > time.monotonic():
                return self._token[0]
            timestamp = snap_timestamp()
            response = self.session.post(
                self.base_url + TOKEN_PATH,
                json={"grantType": "client_credentials"},
                headers={
                    "X-TIMESTAMP": timestamp,
                    "X-CLIENT-KEY": self.client_id,
                    "X-SIGNATURE": token_signature(
                        private_key=self.private_key, client_id=self.client_id, timestamp=timestamp
                    ),
                },
                timeout=self.timeout,
            )
            response.raise_for_status()
            data = response.json()
            lifetime = int(data.get("expiresIn", 900))
            # Renew a minute early so no call goes out with a token about to expire.
            self._token = (data["accessToken"], time.monotonic() + max(lifetime - 60, 30))
            return self._token[0]

    def _call(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        body = minified(payload)
        token = self.access_token()
        timestamp = snap_timestamp()
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "X-TIMESTAMP": timestamp,
            "X-PARTNER-ID": self.partner_id,
            "X-EXTERNAL-ID": secrets.token_hex(16),
            "CHANNEL-ID": self.channel_id,
            "X-SIGNATURE": transaction_signature(
                secret=self.client_secret, method="POST", path=path, token=token, body=body, timestamp=timestamp
            ),
        }
        response = self.session.post(self.base_url + path, data=body, headers=headers, timeout=self.timeout)
        if response.status_code == 401:  # token revoked early: fetch a new one once
            self._token = None
        try:
            data = response.json()
        except ValueError:
            data = {}
        return response.status_code, data if isinstance(data, dict) else {}

    # -- the interface ------------------------------------------------------------------

    def account_inquiry(self, *, channel: str, account_number: str) -> Inquiry:
        if is_ewallet(channel):
            path = PATHS["inquiry_ewallet"]
            payload = {"customerNumber": account_number, "additionalInfo": {"channel": channel}}
        else:
            path = PATHS["inquiry_bank"]
            payload = {"beneficiaryBankCode": channel, "beneficiaryAccountNo": account_number}
        status, data = self._call(path, payload)
        code = str(data.get("responseCode", ""))
        if status == 200 and code.startswith("200"):
            name = data.get("beneficiaryAccountName") or data.get("customerName") or ""
            return Inquiry(found=True, holder_name=str(name), code=code)
        return Inquiry(found=False, code=code)

    def _transfer(self, order: TransferOrder) -> TransferResult:
        if is_ewallet(order.channel):
            path = PATHS["transfer_ewallet"]
            payload: dict[str, Any] = {
                "partnerReferenceNo": order.reference,
                "customerNumber": order.account_number,
                "amount": _amount(order.amount),
                "additionalInfo": {"channel": order.channel},
            }
        else:
            path = PATHS["transfer_bank"]
            payload = {
                "partnerReferenceNo": order.reference,
                "beneficiaryBankCode": order.channel,
                "beneficiaryAccountNo": order.account_number,
                "amount": _amount(order.amount),
            }
        try:
            status, data = self._call(path, payload)
        except requests.RequestException:
            return TransferResult(order.reference, Outcome.UNKNOWN, "5041800")
        return _result(order.reference, status, data)

    def transfer_many(self, orders: Sequence[TransferOrder]) -> list[TransferResult]:
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            return list(pool.map(self._transfer, orders))

    def _status(self, order: TransferOrder) -> TransferResult:
        # A bank transfer and an e-wallet top-up are different services with their own books:
        # asking the bank endpoint about a top-up answers "not found", and a not-found payout
        # is sent again.
        if is_ewallet(order.channel):
            path, service_code = PATHS["status_ewallet"], EWALLET_SERVICE_CODE
        else:
            path, service_code = PATHS["status_bank"], BANK_SERVICE_CODE
        payload = {"originalPartnerReferenceNo": order.reference, "serviceCode": service_code}
        try:
            status, data = self._call(path, payload)
        except requests.RequestException:
            return TransferResult(order.reference, Outcome.UNKNOWN, "5041800")
        code = str(data.get("responseCode", ""))
        if status == 404:
            return TransferResult(order.reference, Outcome.NOT_FOUND, code)
        if status != 200:
            return TransferResult(order.reference, Outcome.UNKNOWN, code)
        outcome = STATUS_OUTCOMES.get(str(data.get("latestTransactionStatus")), Outcome.UNKNOWN)
        return TransferResult(order.reference, outcome, str(data.get("originalResponseCode") or code))

    def status_many(self, orders: Sequence[TransferOrder]) -> list[TransferResult]:
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            return list(pool.map(self._status, orders))

    def settlement_report(self, *, day: dt.date) -> list[SettlementLine]:
        status, data = self._call("/v1.0/transfer/settlement-report", {"transactionDate": day.isoformat()})
        if status != 200:
            raise RuntimeError(f"settlement report refused: {status} {data.get('responseCode')}")
        lines = []
        for row in data.get("transactions", []):
            outcome = STATUS_OUTCOMES.get(str(row.get("latestTransactionStatus")), Outcome.UNKNOWN)
            lines.append(
                SettlementLine(
                    reference=str(row["partnerReferenceNo"]),
                    amount=int(str(row["amount"]["value"]).split(".")[0]),
                    outcome=outcome,
                    at=dt.datetime.fromisoformat(row["transactionDate"]),
                )
            )
        return lines


def _result(reference: str, status: int, data: dict[str, Any]) -> TransferResult:
    code = str(data.get("responseCode", ""))
    if status >= 500 or status == 409 or not code:
        return TransferResult(reference, Outcome.UNKNOWN, code or f"{status}0000"[:7])
    if code == SUCCESS_CODE or (status == 200 and code.startswith("200")):
        return TransferResult(reference, Outcome.SUCCESS, code)
    if status == 202:
        return TransferResult(reference, Outcome.PENDING, code)
    if code in FAILURE_REASONS:  # the account's fault: terminal, nothing was sent
        return TransferResult(reference, Outcome.FAILED, code)
    # Anything else (our token, a malformed request, an unlisted code) did not say "no" about
    # the account: ask the status before anything else.
    return TransferResult(reference, Outcome.UNKNOWN, code)
