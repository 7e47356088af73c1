"""The training-institution integration protocol (../shared/integration-protocol.md): signed
POSTs under /api/v1/integration/, answered in the envelope {"success", "message", "data"}.

Authentication failures (unknown client, wrong signature, stale timestamp, replay) are decided
before the code is looked at, so they never reveal whether a code exists."""

import hmac
import ipaddress
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from courses.integration.call_log import integration_call_log
from courses.integration.institutions import institution_for, institution_is_fresh, redis_client, version_key
from courses.integration.signing import body_forms, integration_signature
from courses.models import InstitutionStatus, IntegrationCall, LearningMethod, RedeemCode, TrainingInstitution
from courses.services.institutions import signing_keys_valid
from courses.services.redemption import (
    REDEEM_CODE_FORMAT,
    RedeemCodeRefused,
    attendance_link_create,
    practice_feedback_record,
    redeem_code_commit,
    redeem_code_find,
)

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 300
MAX_SEQUENCE = 32767  # the session number's column (PositiveSmallIntegerField)
MAX_URL_LENGTH = 500  # the columns redirect_uri and url_file are stored in
COURSE_TYPES = {
    LearningMethod.SELF_PACED: 1,
    LearningMethod.WEBINAR: 2,
    LearningMethod.OFFLINE: 3,
    LearningMethod.HYBRID: 4,
}
STATUS_CODES = {"issued": 1, "used": 2, "cancelled": 3}
REFUSAL_STATUS = {
    "not_found": 404,
    "other_institution": 403,
    "wrong_course_type": 422,
    "cancelled": 409,
    "transaction_cancelled": 409,
    "already_used": 409,
    "outside_window": 422,
    "expired": 410,
    "other_participant": 403,
    "redirect_not_allowed": 422,
    "unknown_session": 422,
    "not_started": 409,
    "already_assessed": 409,
}
PRACTICE_TASK_STATUSES = ("submitted", "assessed")


class ProtocolError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _envelope(status: int, message: str, data: dict[str, Any] | None = None, *, success: bool) -> JsonResponse:
    return JsonResponse({"success": success, "message": message, "data": data or {}}, status=status)


# Decrypted sign keys per institution, for a minute: decrypting on every call is the largest
# fixed cost of a request. A key issued meanwhile is found by the fresh read that follows a
# mismatch; a key that expired meanwhile may still be accepted for up to a minute, unless it
# was revoked (the institution's signing_keys_changed_at moved: the entry is read afresh).
_KEY_TTL_SECONDS = 60
_keys_cache: dict[int, tuple[float, object, list[str]]] = {}


def _sign_keys(institution: TrainingInstitution, *, fresh: bool) -> list[str]:
    cached = _keys_cache.get(institution.pk)
    stamp = institution.signing_keys_changed_at
    if not fresh and cached is not None and cached[0] > time.monotonic() and cached[1] == stamp:
        return cached[2]
    keys = signing_keys_valid(institution=institution)
    _keys_cache[institution.pk] = (time.monotonic() + _KEY_TTL_SECONDS, stamp, keys)
    return keys


def _signed_by_any(
    keys: list[str], client_code: str, timestamp: str, path: str, forms: list[str], signature: str
) -> bool:
    return any(
        hmac.compare_digest(
            integration_signature(
                sign_key=key, client_code=client_code, timestamp=timestamp, method="POST", path=path, body=form
            ),
            signature,
        )
        for key in keys
        for form in forms
    )


class Unauthenticated(ProtocolError):
    """Refused before the caller was known: counted against its address, not an institution."""


TIMESTAMP_FORMAT = re.compile(r"[0-9]{1,12}")
SIGNATURE_FORMAT = re.compile(r"[0-9a-f]{40}")
CLIENT_CODE_FORMAT = re.compile(r"[\x21-\x7e]{1,40}")  # printable ASCII, as the PMO issues them


def _authenticate(request: HttpRequest, path: str) -> tuple[TrainingInstitution, dict[str, Any], bool]:
    """The institution that signed the call, the body, and whether it is over its rate."""
    # Header names arrive as client_code or Client_code; both reach Django as HTTP_CLIENT_CODE.
    # Header values are whatever the client sent (Latin-1 as decoded by the server): only ASCII
    # digits and hex pass, so '²' (a digit to str.isdigit, not to int) never reaches int().
    client_code = request.META.get("HTTP_CLIENT_CODE", "")
    timestamp = request.META.get("HTTP_TIMESTAMP", "")
    signature = request.META.get("HTTP_SIGNATURE", "").lower()
    unauthorised = Unauthenticated(401, _("The request is not authorised."))
    if not (
        CLIENT_CODE_FORMAT.fullmatch(client_code)
        and TIMESTAMP_FORMAT.fullmatch(timestamp)
        and SIGNATURE_FORMAT.fullmatch(signature)
    ):
        raise unauthorised
    if abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
        raise Unauthenticated(401, _("The timestamp is too far from the server's time."))
    try:
        data, forms = body_forms(request.body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Unauthenticated(400, _("The body must be JSON.")) from None
    institution = institution_for(client_code)
    if institution is None or not isinstance(data, dict):
        raise unauthorised
    # The raw body with the cached keys first (what clients sign), then the other forms, then
    # keys read afresh: one HMAC for a well-behaved client instead of up to six.
    cached = _sign_keys(institution, fresh=False)
    if not (
        _signed_by_any(cached, client_code, timestamp, path, forms[:1], signature)
        or _signed_by_any(cached, client_code, timestamp, path, forms[1:], signature)
        or _signed_by_any(_sign_keys(institution, fresh=True), client_code, timestamp, path, forms, signature)
    ):
        raise unauthorised
    first_use, throttled, version = _guards(signature, institution.pk)
    if not institution_is_fresh(client_code, version):
        # The institution or its keys changed since this process read them (suspended, keys
        # revoked): decide on what the database says now.
        institution = institution_for(client_code, reload=True)
        if institution is None or not _signed_by_any(
            _sign_keys(institution, fresh=True), client_code, timestamp, path, forms, signature
        ):
            raise unauthorised
    if not first_use:
        raise Unauthenticated(401, _("This request was already received (replayed signature)."))
    return institution, data, throttled


_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate(text: str) -> tuple[int, int]:
    """'6000/m' -> (6000, 60); '10/5m' -> (10, 300)."""
    count, _slash, period = text.partition("/")
    multiple = int(period[:-1]) if period[:-1] else 1
    return int(count), multiple * _RATE_UNITS[period[-1]]


def _guards(signature: str, institution_id: int) -> tuple[bool, bool, bytes | None]:
    """One Redis round trip for the replay guard (the signature's first use), the institution's
    call counter this window and the institutions' version: (first use, over the limit,
    version). A replay gives its count back, so replays cannot spend an institution's allowance."""
    limit, period = _rate(str(settings.INTEGRATION_RATE))
    counter = cache.make_and_validate_key(f"integration-rate:{institution_id}:{int(time.time() // period)}")
    pipe = redis_client().pipeline(transaction=False)
    pipe.set(cache.make_and_validate_key(f"integration-signature:{signature}"), 1, nx=True, ex=WINDOW_SECONDS * 2 + 60)
    pipe.incr(counter)
    pipe.expire(counter, period + 1, nx=True)
    pipe.get(version_key())
    first_use, count, _expiry, version = pipe.execute()
    if not first_use:
        redis_client().decr(counter)
    return bool(first_use), int(count) > limit, version


def _has_attendance(code: RedeemCode) -> bool:
    # Read with the code (redeem_code_find's `has_attendance`); asked only of a code from elsewhere.
    known: bool | None = getattr(code, "has_attendance", None)
    return code.attendances.exists() if known is None else known


def _data(code: RedeemCode, sequence: int | None = None) -> dict[str, Any]:
    schedule = code.schedule
    window = ""
    if schedule is not None:
        start, end = timezone.localtime(schedule.starts_at), timezone.localtime(schedule.ends_at)
        window = f"{start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M}"
    return {
        "redeem_code": code.code,
        "course_code": code.course.code,
        "invoice_code": code.invoice_code,
        "schedule_code": schedule.code if schedule else "",
        "status": STATUS_CODES[code.status],
        "attendance_status": 1 if _has_attendance(code) else 0,
        "redeem_at": timezone.localtime(code.used_at).isoformat() if code.used_at else None,
        "dp_platform": code.platform_name,
        "schedule_start_end": window,
        "course_type": COURSE_TYPES[LearningMethod(code.method)],
        "course_type_label": str(LearningMethod(code.method).label),
        "course_learning_method": code.method,
        "is_online_attendance": code.method == LearningMethod.WEBINAR,
        "sequence": sequence or 0,
    }


Outcome = tuple[str, RedeemCode, int | None, dict[str, Any]]
Action = Callable[[TrainingInstitution, dict[str, Any]], Outcome]


def _address(group: str, request: HttpRequest) -> str:
    # The real client behind the trusted proxy (the deployment sets REMOTE_ADDR so).
    return str(request.META.get("REMOTE_ADDR", ""))


def _unauthenticated_rate(group: str, request: HttpRequest) -> str:
    return str(settings.INTEGRATION_UNAUTHENTICATED_RATE)


def _address_over_allowance(request: HttpRequest) -> bool:
    """Counts one more call from this address that failed authentication; true once there were
    too many this period. Only failures count, so an institution's own traffic never spends
    the allowance, and nobody else's traffic spends an institution's limit. A signed call from
    an address over its allowance is still served: institutions behind one NAT or proxy
    address are not locked out by a stranger sharing it."""
    return is_ratelimited(
        request, group="integration-unauthenticated", key=_address, rate=_unauthenticated_rate, increment=True
    )


def _serve(request: HttpRequest, endpoint: str, action: Action) -> JsonResponse:
    path = f"/api/v1/integration/{endpoint}"
    institution: TrainingInstitution | None = None
    code_text = ""
    try:
        try:
            institution, data, throttled = _authenticate(request, path)
        except Unauthenticated:
            if _address_over_allowance(request):
                raise Unauthenticated(429, _("Too many requests; slow down.")) from None
            raise
        if throttled:
            raise ProtocolError(429, _("Too many requests; slow down."))
        if institution.status != InstitutionStatus.APPROVED:
            raise ProtocolError(403, _("This training institution may not use the integration now."))
        code_value = data.get("redeem_code", "")
        if not isinstance(code_value, str) or not code_value.strip():
            raise ProtocolError(422, _("redeem_code is required."))
        code_text = code_value[:32]
        message, code, sequence, extra = action(institution, data)
        response = _envelope(200, message, _data(code, sequence) | extra, success=True)
    except ProtocolError as error:
        response = _envelope(error.status, error.message, success=False)
    except RedeemCodeRefused as refused:
        response = _envelope(REFUSAL_STATUS[refused.reason], refused.message, {"reason": refused.reason}, success=False)
    _log_call(request, endpoint, institution, code_text, response)
    return response


def _log_call(
    request: HttpRequest,
    endpoint: str,
    institution: TrainingInstitution | None,
    code_text: str,
    response: JsonResponse,
) -> None:
    """Every call of a known institution goes to its log. Calls nobody authenticated (anyone can
    send them, as fast as they like) leave one row per address a minute, so they are seen
    without filling the table; the same for an institution's own throttled calls."""
    address = _address("", request)
    if institution is None or response.status_code == 429:
        who = institution.pk if institution is not None else address
        if not cache.add(f"integration-call-logged:{who}:{response.status_code}", 1, timeout=60):
            return
        logger.warning("integration call refused with %s for %s on %s", response.status_code, address or "?", endpoint)
    client_code = request.META.get("HTTP_CLIENT_CODE", "")
    # The row is batched per process (call_log): `institution_id`, not the instance, so a
    # buffered row holds no reference to a cached institution.
    integration_call_log(
        IntegrationCall(
            institution_id=institution.pk if institution is not None else None,
            client_code=client_code[:64] if CLIENT_CODE_FORMAT.fullmatch(client_code) else "",
            client_address=address if institution is None and _is_ip(address) else None,
            endpoint=endpoint,
            redeem_code=code_text if REDEEM_CODE_FORMAT.fullmatch(code_text) else "",
            http_status=response.status_code,
            success=response.status_code == 200,
            message=str(response.content[:200].decode(errors="replace")),
        )
    )


def _is_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _status(institution: TrainingInstitution, data: dict[str, Any]) -> Outcome:
    code = redeem_code_find(code=str(data["redeem_code"]), institution_id=institution.pk)
    return _("Redeem code found."), code, None, {}


def _sequence(data: dict[str, Any], *, required: bool) -> int | None:
    sequence = data.get("sequence")
    if sequence is None and not required:
        return None
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not 1 <= sequence <= MAX_SEQUENCE:
        raise ProtocolError(422, _("sequence must be a whole number from 1 to %(max)s.") % {"max": MAX_SEQUENCE})
    return sequence


def _commit(institution: TrainingInstitution, data: dict[str, Any]) -> Outcome:
    sequence = _sequence(data, required=False)
    code = redeem_code_commit(code=str(data["redeem_code"]), institution_id=institution.pk, sequence=sequence)
    return _("Redeem code used."), code, sequence, {}


def _text(data: dict[str, Any], field: str) -> str:
    """A text field of the body; anything but a string (a number, a list) is refused, and so is
    a NUL character, which PostgreSQL cannot store."""
    value = data.get(field, "")
    if not isinstance(value, str) or "\x00" in value:
        raise ProtocolError(422, _("%(field)s must be text.") % {"field": field})
    return value


def _url_generate(institution: TrainingInstitution, data: dict[str, Any]) -> Outcome:
    sequence = _sequence(data, required=True)
    assert sequence is not None
    redirect_uri, email = _text(data, "redirect_uri"), _text(data, "email")
    try:
        URLValidator(schemes=["https"])(redirect_uri)
        EmailValidator()(email)
        if len(redirect_uri) > MAX_URL_LENGTH or len(email) > 254:
            raise ValidationError("too long")
    except ValidationError:
        raise ProtocolError(422, _("redirect_uri must be an https address and email an email address.")) from None
    code, token = attendance_link_create(
        code=str(data["redeem_code"]),
        institution_id=institution.pk,
        sequence=sequence,
        redirect_uri=redirect_uri,
        email=email,
    )
    url = settings.SITE_URL.rstrip("/") + reverse("catalogue:attendance", args=[token])
    return _("Attendance URL created; it works once, for 30 minutes."), code, sequence, {"url": url}


def _feedback(institution: TrainingInstitution, data: dict[str, Any]) -> Outcome:
    sequence = _sequence(data, required=True)
    assert sequence is not None
    notes, url_file, scope = _text(data, "notes"), _text(data, "url_file"), _text(data, "scope")
    try:
        URLValidator(schemes=["http", "https"])(url_file)
        if len(url_file) > MAX_URL_LENGTH:
            raise ValidationError("too long")
    except ValidationError:
        raise ProtocolError(422, _("url_file must be a web address.")) from None
    # Optional: "submitted" reports the participant's work handed in, not yet assessed; without
    # it the call is the institution's assessment (what existing clients send).
    status = data.get("status", "assessed")
    if status not in PRACTICE_TASK_STATUSES:
        raise ProtocolError(422, _('status must be "submitted" or "assessed".'))
    if status == "assessed" and not notes.strip():
        raise ProtocolError(422, _("notes are required."))
    code = practice_feedback_record(
        code=str(data["redeem_code"]),
        institution_id=institution.pk,
        scope=scope,
        sequence=sequence,
        notes=notes,
        url_file=url_file,
        status=status,
    )
    message = _("Practice task submission received.") if status == "submitted" else _("Feedback received.")
    return message, code, sequence, {"practice_task_status": status}


def _protocol(endpoint: str, action: Action) -> Callable[[HttpRequest], JsonResponse]:
    @csrf_exempt
    @require_POST
    def view(request: HttpRequest) -> JsonResponse:
        return _serve(request, endpoint, action)

    return view


redeem_code_status = _protocol("payment/redeem-code/status", _status)
redeem_code_commit_view = _protocol("payment/redeem-code/commit", _commit)
attendance_url_generate = _protocol("oauth/url-generate", _url_generate)
practice_feedback_submission = _protocol("tpm/feedback/submission", _feedback)
