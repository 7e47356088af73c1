"""Every API error as {"detail": "...", "code": "..."} (plus "errors" per field for invalid input)."""

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from partners.services.purchases import PurchaseError


def api_error(*, detail: str, code: str, status_code: int, errors: Any = None) -> Response:
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors is not None:
        body["errors"] = errors
    return Response(body, status=status_code)


def partner_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, PurchaseError):
        return api_error(detail=exc.message, code=exc.code, status_code=exc.status)
    if isinstance(exc, exceptions.ValidationError):
        return api_error(
            detail="The request has invalid fields.",
            code="invalid",
            status_code=status.HTTP_400_BAD_REQUEST,
            errors=exc.detail,
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = {"detail": str(exc.detail), "code": code}
    else:  # Django's Http404 and PermissionDenied, which DRF answers without a code
        code = "not_found" if response.status_code == status.HTTP_404_NOT_FOUND else "permission_denied"
        response.data = {"detail": str(response.data.get("detail", "")), "code": code}
    return response
