"""Who is calling: `Authorization: Api-Key <key>` names the partner; `X-Timestamp` and
`X-Signature` prove the request was made by the holder of that key's signing secret, within
five minutes, once."""

import copy
import hmac
import re
import time
from dataclasses import dataclass
from typing import Any, cast

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
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

    def authenticate(self, request: Request) -> tuple[PartnerClient, PartnerAPIKey]:
        return partner_request_authenticate(request._request)


def partner_request_authenticate(request: HttpRequest) -> tuple[PartnerClient, PartnerAPIKey]:
    """The platform that signed this request and the key it used; AuthFailed otherwise. One
    Redis round trip when the key is cached (replay guard, keys' version, throttle counter,
    last-used mark); the throttle's count is left on the request (`partner_throttle`). DRF's
    authentication class and the lean signed GET of a listing (partners.api.listing_read)
    both call this."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme != PartnerSignatureAuthentication.keyword or not key.strip():
        raise AuthFailed("Send your API key as 'Authorization: Api-Key <key>'.", "invalid_api_key")
    if not API_KEY_FORMAT.fullmatch(key.strip()):  # keys are printable ASCII; a NUL cannot be queried
        raise AuthFailed("The API key is not valid.", "invalid_api_key")
    prefix, _, _secret = key.strip().partition(".")
    api_key = _usable_key(prefix)
    if api_key is None or not api_key.is_valid(key.strip()):
        raise AuthFailed("The API key is not valid.", "invalid_api_key")
    _check_key(request, api_key)
    _check_signature(request, api_key)
    signature = request.headers.get("X-Signature", "").lower()
    fresh, used_first, throttle = _guards(api_key, signature)
    if not fresh:
        # The key or its platform changed since this process read them (revoked, suspended):
        # read them again and decide on what the database says now.
        api_key = _usable_key(prefix, reload=True)
        if api_key is None or not api_key.is_valid(key.strip()):
            raise AuthFailed("The API key is not valid.", "invalid_api_key")
        _check_key(request, api_key)
    if not used_first:
        if throttle is not None:  # a replay does not use up the platform's rate
            _version_client().decr(cache.make_and_validate_key(throttle[0]))
        raise AuthFailed("This signature was used before: a replayed request.", "signature_replayed")
    request.partner_throttle = throttle  # type: ignore[attr-defined]
    return PartnerClient(partner=copy.copy(api_key.partner), key_prefix=api_key.prefix), api_key


def _check_key(request: HttpRequest, api_key: PartnerAPIKey) -> None:
    if api_key.has_expired or api_key.revoked:
        raise AuthFailed("The API key has been revoked or has expired.", "invalid_api_key")
    # Known from here on: the request is logged against this platform, failed or not.
    request.api_partner_id = api_key.partner_id  # type: ignore[attr-defined]
    if api_key.partner.status not in API_STATUSES:
        raise AuthFailed("This platform has no access to the API.", "partner_not_allowed")


def _check_signature(request: HttpRequest, api_key: PartnerAPIKey) -> None:
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
        raise AuthFailed("X-Timestamp is more than 5 minutes away from the server's clock.", "timestamp_out_of_window")
    if not SIGNATURE_FORMAT.fullmatch(signature):  # hex only: compare_digest refuses non-ASCII text
        raise AuthFailed("The signature does not match the request.", "signature_invalid")
    body: bytes = request.body  # the raw bytes that were signed
    secret = _signing_secret(api_key)
    expected = sign(
        secret=secret, method=request.method or "", path=request.get_full_path(), timestamp=timestamp, body=body
    )
    if not hmac.compare_digest(expected, signature):
        raise AuthFailed("The signature does not match the request.", "signature_invalid")


# Keys and their platforms, read once per process and reused while nothing changed them: every
# request asks Redis (in the round trip it makes anyway for the replay guard and the throttle)
# whether a key or a platform was saved since (`api_keys_changed`, bumped by partners.apps on
# every save and by api_key_revoke), and reads the database again if so. KEY_CACHE_SECONDS
# bounds what a write that bumps nothing (a bulk update, raw SQL) can leave unseen.
KEY_CACHE_SECONDS = 10
KEYS_VERSION = "partner-api-keys-version"


@dataclass
class _Cached:
    api_key: PartnerAPIKey | None
    version: bytes | None
    read_at: float


_keys: dict[str, _Cached] = {}


_client: list[Any] = []


def _version_client() -> Any:
    # One client object per process (the cache backend builds a new one on every call; the
    # connection pool behind it is the same, and redis-py's pools are safe across forks).
    if not _client:
        _client.append(cache._cache.get_client(write=True))  # type: ignore[attr-defined]
    return _client[0]


def api_keys_changed() -> None:
    """Every process reads keys and platforms from the database again on its next request."""
    client, key = _version_client(), cache.make_and_validate_key(KEYS_VERSION)
    client.incr(key)
    _keys.clear()


def api_keys_changed_now_and_on_commit(**_: Any) -> None:
    """For a change being made: now (this transaction's own requests, e.g. in tests) and once
    it commits (a process may have read the old row again in between)."""
    api_keys_changed()
    transaction.on_commit(api_keys_changed)


def _usable_key(prefix: str, *, reload: bool = False) -> PartnerAPIKey | None:
    cached = _keys.get(prefix)
    if cached is not None and not reload and time.monotonic() - cached.read_at < KEY_CACHE_SECONDS:
        return cached.api_key
    # The version first: a change committed after this read bumps it again.
    version = _version_client().get(cache.make_and_validate_key(KEYS_VERSION))
    # The library's get_from_key, with the partner fetched in the same query.
    api_key = cast(
        PartnerAPIKey | None,
        PartnerAPIKey.objects.get_usable_keys().select_related("partner").filter(prefix=prefix).first(),
    )
    if len(_keys) > 1000:
        _keys.clear()
    _keys[prefix] = _Cached(api_key=api_key, version=version, read_at=time.monotonic())
    return api_key


def _guards(api_key: PartnerAPIKey, signature: str) -> tuple[bool, bool, tuple[str, int] | None]:
    """One Redis round trip: the replay guard (each signature accepted once, kept a little
    longer than the window it is valid in), the keys' version, the platform's throttle counter
    and the once-a-minute last-used mark. (fresh, first use of the signature, (bucket, count))."""
    make = cache.make_and_validate_key
    pipe = _version_client().pipeline(transaction=False)
    pipe.set(make(f"partner-api-signature:{signature}"), 1, nx=True, ex=SIGNATURE_WINDOW_SECONDS * 2 + 60)
    pipe.get(make(KEYS_VERSION))
    bucket = _throttle_bucket(api_key.partner_id)
    if bucket is not None:
        pipe.incr(make(bucket[0]))
        pipe.expire(make(bucket[0]), bucket[1] + 1, nx=True)
    # At most once a minute per key: every request writing the same row would serialise all of
    # a platform's requests on that row's lock.
    pipe.set(make(f"partner-api-key-used:{api_key.pk}"), 1, nx=True, ex=60)
    answers = pipe.execute()
    if answers[-1]:
        PartnerAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    cached = _keys.get(api_key.prefix)
    fresh = cached is not None and cached.version == answers[1]
    throttle = (bucket[0], int(answers[2])) if bucket is not None else None
    return fresh, bool(answers[0]), throttle


def _throttle_bucket(partner_id: int) -> tuple[str, int] | None:
    """The platform's throttle counter for this window, and the window's length."""
    from partners.api.views import PartnerRateThrottle

    rate = PartnerRateThrottle.current_rate()
    if rate is None:
        return None
    _limit, duration = rate
    return f"throttle-partner-{partner_id}-{int(time.time() // duration)}", duration


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
