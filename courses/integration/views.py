"""The training-institution integration protocol (../shared/integration-protocol.md): signed
POSTs under /api/v1/integration/, answered in the envelope {"success", "message", "data"}.

Authentication failures (unknown client, wrong signature, stale timestamp, replay) are decided
before the code is looked at, so they never reveal whether a code exists."""

import hmac
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
from django_ratelimit.decorators import ratelimit

from courses.integration.signing import body_forms, integration_signature
from courses.models import InstitutionStatus, IntegrationCall, LearningMethod, RedeemCode, TrainingInstitution
from courses.services.institutions import signing_keys_valid
from courses.services.redemption import (
    RedeemCodeRefused,
    attendance_link_create,
    practice_feedback_record,
    redeem_code_commit,
    redeem_code_find,
)

WINDOW_SECONDS = 300
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
}


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


def _authenticate(request: HttpRequest, path: str) -> tuple[TrainingInstitution, dict[str, Any]]:
    # Header names arrive as client_code or Client_code; both reach Django as HTTP_CLIENT_CODE.
    client_code = request.META.get("HTTP_CLIENT_CODE", "")
    timestamp = request.META.get("HTTP_TIMESTAMP", "")
    signature = request.META.get("HTTP_SIGNATURE", "").lower()
    unauthorised = ProtocolError(401, _("The request is not authorised."))
    if not client_code or not timestamp.isdigit() or not signature:
        raise unauthorised
    if abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
        raise ProtocolError(401, _("The timestamp is too far from the server's time."))
    try:
        data, forms = body_forms(request.body)
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(400, _("The body must be JSON.")) from None
    institution = TrainingInstitution.objects.filter(client_code=client_code).first()
    if institution is None or not isinstance(data, dict):
        raise unauthorised
    if not _signed_by_any(
        _sign_keys(institution, fresh=False), client_code, timestamp, path, forms, signature
    ) and not _signed_by_any(_sign_keys(institution, fresh=True), client_code, timestamp, path, forms, signature):
        raise unauthorised
    if not cache.add(f"integration-signature:{signature}", 1, timeout=WINDOW_SECONDS * 2 + 60):
        raise ProtocolError(401, _("This request was already received (replayed signature)."))
    if institution.status != InstitutionStatus.APPROVED:
        raise ProtocolError(403, _("This training institution may not use the integration now."))
    return institution, data


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
        "attendance_status": 1 if code.attendances.exists() else 0,
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


def _serve(request: HttpRequest, endpoint: str, action: Action) -> JsonResponse:
    path = f"/api/v1/integration/{endpoint}"
    institution: TrainingInstitution | None = None
    code_text = ""
    try:
        if getattr(request, "limited", False):
            raise ProtocolError(429, _("Too many requests; slow down."))
        institution, data = _authenticate(request, path)
        code_text = str(data.get("redeem_code", ""))[:32]
        if not code_text:
            raise ProtocolError(422, _("redeem_code is required."))
        message, code, sequence, extra = action(institution, data)
        response = _envelope(200, message, _data(code, sequence) | extra, success=True)
    except ProtocolError as error:
        response = _envelope(error.status, error.message, success=False)
    except RedeemCodeRefused as refused:
        response = _envelope(REFUSAL_STATUS[refused.reason], refused.message, {"reason": refused.reason}, success=False)
    IntegrationCall.objects.create(
        institution=institution,
        client_code=request.META.get("HTTP_CLIENT_CODE", "")[:64],
        endpoint=endpoint,
        redeem_code=code_text,
        http_status=response.status_code,
        success=response.status_code == 200,
        message=str(response.content[:200].decode(errors="replace")),
    )
    return response


def _status(institution: TrainingInstitution, data: dict[str, Any]) -> Outcome:
    code = redeem_code_find(code=str(data["redeem_code"]), institution_id=institution.pk)
    return _("Redeem code found."), code, None, {}


def _sequence(data: dict[str, Any], *, required: bool) -> int | None:
    sequence = data.get("sequence")
    if sequence is None and not required:
        return None
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        raise ProtocolError(422, _("sequence must be a positive whole number."))
    return sequence


def _commit(institution: TrainingInstitution, data: dict[str, Any]) -> Outcome:
    sequence = _sequence(data, required=False)
    code = redeem_code_commit(code=str(data["redeem_code"]), institution_id=institution.pk, sequence=sequence)
    return _("Redeem code used."), code, sequence, {}


def _url_generate(institution: TrainingInstitution, data: dict[str, Any]) -> Outcome:
    sequence = _sequence(data, required=True)
    assert sequence is not None
    redirect_uri, email = str(data.get("redirect_uri", "")), str(data.get("email", ""))
    try:
        URLValidator(schemes=["http", "https"])(redirect_uri)
        EmailValidator()(email)
    except ValidationError:
        raise ProtocolError(422, _("redirect_uri must be a web address and email an email address.")) from None
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
    notes, url_file, scope = str(data.get("notes", "")), str(data.get("url_file", "")), str(data.get("scope", ""))
    try:
        URLValidator(schemes=["http", "https"])(url_file)
    except ValidationError:
        raise ProtocolError(422, _("url_file must be a web address.")) from None
    if not notes.strip():
        raise ProtocolError(422, _("notes are required."))
    code = practice_feedback_record(
        code=str(data["redeem_code"]),
        institution_id=institution.pk,
        scope=scope,
        sequence=sequence,
        notes=notes,
        url_file=url_file,
    )
    return _("Feedback received."), code, sequence, {}


def _rate(group: str, request: HttpRequest) -> str:
    return str(settings.INTEGRATION_RATE)


def _protocol(endpoint: str, action: Action) -> Callable[[HttpRequest], JsonResponse]:
    @csrf_exempt
    @require_POST
    @ratelimit(key="header:client_code", rate=_rate, block=False, group="integration")
    def view(request: HttpRequest) -> JsonResponse:
        return _serve(request, endpoint, action)

    return view


redeem_code_status = _protocol("payment/redeem-code/status", _status)
redeem_code_commit_view = _protocol("payment/redeem-code/commit", _commit)
attendance_url_generate = _protocol("oauth/url-generate", _url_generate)
practice_feedback_submission = _protocol("tpm/feedback/submission", _feedback)
