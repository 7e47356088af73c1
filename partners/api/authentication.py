"""Who is calling: `Authorization: Api-Key <key>` names the partner; `X-Timestamp` and
`X-Signature` prove the request was made by the holder of that key's signing secret, within
five minutes, once."""

import hmac
import re
import time
from dataclasses import dataclass
from typing import Any, cast

from django.core.cache import cache
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from partners.api.signing import SIGNATURE_FORMAT, SIGNATURE_WINDOW_SECONDS, sign, timestamp_seconds
from partners.models import Partner, PartnerAPIKey, PartnerStatus
from prakerja.core.crypto import decrypt_value

# Partners that may call the API at all; the services decide what each may do (a suspended
# platform finishes its purchases in flight but starts no new ones).
API_KEY_FORMAT = re.compile(r"[\x21-\x7e]{1,200}")
API_STATUSES = (PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED)


@dataclass(frozen=True)
class PartnerClient:
    """request.user for partner API calls."""

    partner: Partner
    key_prefix: str
    is_authenticated: bool = True
    is_staff: bool = False
    pk: None = None

    def __str__(self) -> str:
        return f"partner:{self.partner.slug}"


class AuthFailed(exceptions.AuthenticationFailed):
    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail=detail, code=code)


class PartnerSignatureAuthentication(BaseAuthentication):
    keyword = "Api-Key"

    def authenticate_header(self, request: Request) -> str:
        return self.keyword

    def authenticate(self, request: Request) -> tuple[PartnerClient, PartnerAPIKey] | None:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme != self.keyword or not key.strip():
            raise AuthFailed("Send your API key as 'Authorization: Api-Key <key>'.", "invalid_api_key")
        if not API_KEY_FORMAT.fullmatch(key.strip()):  # keys are printable ASCII; a NUL cannot be queried
            raise AuthFailed("The API key is not valid.", "invalid_api_key")
        # The library's get_from_key, with the partner fetched in the same query.
        prefix, _, _secret = key.strip().partition(".")
        api_key = cast(
            PartnerAPIKey | None,
            PartnerAPIKey.objects.get_usable_keys().select_related("partner").filter(prefix=prefix).first(),
        )
        if api_key is None or not api_key.is_valid(key.strip()):
            raise AuthFailed("The API key is not valid.", "invalid_api_key")
        if api_key.has_expired or api_key.revoked:
            raise AuthFailed("The API key has been revoked or has expired.", "invalid_api_key")
        # Known from here on: the request is logged against this platform, failed or not.
        request._request.api_partner_id = api_key.partner_id  # type: ignore[attr-defined]
        if api_key.partner.status not in API_STATUSES:
            raise AuthFailed("This platform has no access to the API.", "partner_not_allowed")
        self._check_signature(request, api_key)
        # At most once a minute per key: every request writing the same row would serialise
        # all of a platform's requests on that row's lock.
        if cache.add(f"partner-api-key-used:{api_key.pk}", 1, timeout=60):
            PartnerAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
        return PartnerClient(partner=api_key.partner, key_prefix=api_key.prefix), api_key

    def _check_signature(self, request: Request, api_key: PartnerAPIKey) -> None:
        timestamp = request.headers.get("X-Timestamp", "")
        signature = request.headers.get("X-Signature", "").lower()
        if not timestamp or not signature:
            raise AuthFailed("Sign the request: X-Timestamp and X-Signature are required.", "signature_missing")
        # Seconds, milliseconds or microseconds (10, 13 or 16 digits): identical requests need
        # different timestamps, or their signatures are equal and the second is a replay.
        sent_at = timestamp_seconds(timestamp)
        if sent_at is None:
            raise AuthFailed(
                "X-Timestamp must be Unix time in milliseconds (13 digits; 10 for seconds or 16 for microseconds).",
                "timestamp_invalid",
            )
        if abs(time.time() - sent_at) > SIGNATURE_WINDOW_SECONDS:
            raise AuthFailed(
                "X-Timestamp is more than 5 minutes away from the server's clock.", "timestamp_out_of_window"
            )
        if not SIGNATURE_FORMAT.fullmatch(signature):  # hex only: compare_digest refuses non-ASCII text
            raise AuthFailed("The signature does not match the request.", "signature_invalid")
        body: bytes = request._request.body  # the raw bytes that were signed
        secret = _signing_secret(api_key)
        expected = sign(
            secret=secret, method=request.method or "", path=request.get_full_path(), timestamp=timestamp, body=body
        )
        if not hmac.compare_digest(expected, signature):
            raise AuthFailed("The signature does not match the request.", "signature_invalid")
        # Each signature is accepted once: kept a little longer than the window it is valid in.
        if not cache.add(f"partner-api-signature:{signature}", 1, timeout=SIGNATURE_WINDOW_SECONDS * 2 + 60):
            raise AuthFailed("This signature was used before: a replayed request.", "signature_replayed")


# A key's signing secret never changes (a new secret comes with a new key), so each process
# decrypts it once; revocation is still checked in the database on every request.
_secrets: dict[str, str] = {}


def _signing_secret(api_key: PartnerAPIKey) -> str:
    secret = _secrets.get(api_key.pk)
    if secret is None:
        secret = _secrets[api_key.pk] = decrypt_value(api_key.signing_secret_encrypted)
    return secret


def partner_of(request: Any) -> Partner:
    client: PartnerClient = request.user
    return client.partner
