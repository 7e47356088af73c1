"""Every API error as {"detail": "...", "code": "..."} (plus "errors" per field for invalid input).

`ERROR_CODES` is the catalogue of every code the partner API can answer, with its HTTP status:
the OpenAPI schema's error enum and the table in docs/partner-api.md are checked against it
(tests/partners/api/test_api_contract.py), so a new code cannot ship undocumented.

`detail` is for people, in Indonesian unless the request says `Accept-Language: en`."""

from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from prakerja.core.errors import DomainError

ERROR_CODES: dict[str, int] = {
    # Authentication and signing
    "invalid_api_key": 401,
    "partner_not_allowed": 401,
    "signature_missing": 401,
    "timestamp_invalid": 401,
    "timestamp_out_of_window": 401,
    "signature_invalid": 401,
    "signature_replayed": 401,
    # The request itself
    "invalid": 400,
    "parse_error": 400,
    "idempotency_key_required": 400,
    "idempotency_key_reused": 409,
    "not_found": 404,
    "invalid_cursor": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "unsupported_media_type": 415,
    "throttled": 429,
    # Catalogue and listings
    "course_not_found": 404,
    "listing_not_found": 404,
    "listing_refused": 422,
    # Purchases
    "purchase_not_found": 404,
    "schedule_not_found": 404,
    "schedule_required": 422,
    "partner_not_active": 403,
    "listing_not_on_sale": 409,
    "card_not_usable": 422,
    "insufficient_balance": 422,
    "invalid_state": 409,
    "otp_invalid": 422,
    "otp_expired": 410,
    "otp_attempts_exceeded": 409,
    "card_purchase_limit": 429,
    "card_confirmation_locked": 423,
    "training_started": 409,
    "course_in_progress": 409,
    "platform_account_mismatch": 409,
    "platform_account_in_use": 409,
    "training_not_started": 409,
    "invalid_completion_time": 422,
    "training_incomplete": 409,
    "certificate_number_taken": 409,
    "purchase_deadline_passed": 409,
    "completion_deadline_passed": 409,
    # Webhooks and the sandbox
    "webhook_endpoint_not_found": 404,
    "webhook_delivery_not_found": 404,
    "webhook_url_invalid": 422,
    "webhook_endpoint_limit": 409,
    "webhook_endpoint_required": 409,
    "webhook_not_delivered": 409,
}

# DRF's own codes, renamed to the catalogue's.
_DRF_CODES = {
    "not_authenticated": "invalid_api_key",
    "authentication_failed": "invalid_api_key",
    "permission_denied": "partner_not_allowed",
}


# Authentication refusals, in the request's language (the authentication class says them in
# English for the logs).
_AUTH_DETAILS = {
    "invalid_api_key": gettext_lazy("The API key is missing, not valid, revoked or expired."),
    "partner_not_allowed": gettext_lazy("This platform has no access to the API."),
    "signature_missing": gettext_lazy("Sign the request: X-Timestamp and X-Signature are required."),
    "timestamp_invalid": gettext_lazy(
        "X-Timestamp must be Unix time in milliseconds (13 digits; 10 for seconds or 16 for microseconds)."
    ),
    "timestamp_out_of_window": gettext_lazy("X-Timestamp is more than 5 minutes away from the server's clock."),
    "signature_invalid": gettext_lazy("The signature does not match the request."),
    "signature_replayed": gettext_lazy("This signature was used before: a replayed request."),
}


def api_error(
    *, detail: str, code: str, status_code: int, errors: Any = None, problems: list[dict[str, Any]] | None = None
) -> Response:
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors is not None:
        body["errors"] = errors
    if problems:
        body["problems"] = problems
    return Response(body, status=status_code)


def field_errors(detail: Any) -> dict[str, Any]:
    """Errors are always an object: per field, or under `non_field_errors` for the request."""
    if isinstance(detail, dict):
        return detail
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def domain_error_response(error: DomainError) -> Response:
    """A service's refusal: its stable code (one of ERROR_CODES; a domain error whose code the
    API does not document answers "invalid_state"), its sentence and its HTTP status; a refusal
    that lists several problems (curation) has them under `errors`; one that says what is
    missing as data (`training_incomplete`) has it under `problems`."""
    code = error.code if error.code in ERROR_CODES else "invalid_state"
    if error.details:
        return api_error(detail=error.message, code=code, status_code=error.status, problems=error.details)
    if error.problems:
        return api_error(
            detail=" ".join(error.problems),
            code=code,
            status_code=error.status,
            errors=field_errors(error.problems),
        )
    return api_error(detail=error.message, code=code, status_code=error.status)


def _detail(exc: exceptions.APIException, code: str) -> str:
    # Our own sentences for DRF's generic errors: DRF's Indonesian catalogue lacks some of them.
    if isinstance(exc, exceptions.Throttled):
        return _("Too many requests: try again in %(wait)s seconds.") % {"wait": int(getattr(exc, "wait", None) or 1)}
    if isinstance(exc, exceptions.ParseError):
        return _("The request body is not valid JSON.")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("This method is not allowed here.")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _("Send the body as application/json.")
    if isinstance(exc, exceptions.NotAcceptable):
        return _("This API answers only application/json.")
    if code in _AUTH_DETAILS:
        return str(_AUTH_DETAILS[code])
    return str(exc.detail)


def partner_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, exceptions.ValidationError):
        return api_error(
            detail=_("The request has invalid fields."),
            code="invalid",
            status_code=status.HTTP_400_BAD_REQUEST,
            errors=field_errors(exc.detail),
        )
    view = context.get("view")
    if isinstance(exc, exceptions.NotFound) and getattr(view, "action", None) == "list":
        # The only 404 of a list: a `cursor` that is not one of ours.
        return api_error(detail=_("Invalid cursor."), code="invalid_cursor", status_code=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, Http404 | exceptions.NotFound):
        # A view names what it looks up (course, listing, purchase...): "purchase_not_found",
        # the same for an id that does not exist, is malformed or is another platform's.
        code = getattr(view, "not_found_code", "not_found")
        return api_error(detail=_("Not found."), code=code, status_code=status.HTTP_404_NOT_FOUND)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        code = _DRF_CODES.get(code, code)
        response.data = {"detail": _detail(exc, code), "code": code}
    else:  # Django's PermissionDenied, which DRF answers without a code
        response.data = {"detail": str(response.data.get("detail", "")), "code": "permission_denied"}
    return response


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api/v1/: a JSON 404 with a code, never Django's HTML page."""
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
