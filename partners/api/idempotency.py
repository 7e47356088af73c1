"""Idempotency-Key on every POST: the first response is stored and replayed for repeats of the
same request; the same key with another request is refused."""

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from partners.api.authentication import partner_of
from partners.api.errors import api_error, partner_exception_handler
from partners.models import IdempotencyRecord
from prakerja.core.errors import DomainError

Handler = Callable[..., Response]


def _replay(*, partner_id: int, key: str, digest: str) -> Response:
    existing = IdempotencyRecord.objects.get(partner_id=partner_id, key=key)
    if existing.request_hash != digest:
        return api_error(
            detail=_("This Idempotency-Key was used for a different request."),
            code="idempotency_key_reused",
            status_code=409,
        )
    # Never still running here: the record is written in the first request's transaction, and a
    # duplicate waits on its unique index until that commits (or rolls back, and then it runs).
    assert existing.status_code is not None
    replay = Response(existing.body, status=existing.status_code)
    replay["Idempotent-Replayed"] = "true"
    return replay


def idempotent(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 100 or not key.isprintable():  # a NUL or control character cannot be stored
            return api_error(
                detail=_("Send an Idempotency-Key header (up to 100 characters) with every POST."),
                code="idempotency_key_required",
                status_code=400,
            )
        partner = partner_of(request)
        digest = hashlib.sha256(
            b"\n".join([(request.method or "").encode(), request.path.encode(), request._request.body])
        ).hexdigest()
        # One transaction for the record, the change and the stored response: one commit per
        # POST. A concurrent request with the same key waits on the key's unique index until
        # this one commits, then replays its response; if this one fails, nothing is kept.
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(partner=partner, key=key, request_hash=digest)
            except IntegrityError:
                return _replay(partner_id=partner.pk, key=key, digest=digest)
            try:
                response = handler(view, request, *args, **kwargs)
            except (DomainError, exceptions.APIException, Http404) as exc:
                handled = partner_exception_handler(exc, {"view": view, "request": request})
                assert handled is not None
                response = handled
            record.status_code = response.status_code
            # A secret shown once is not kept in clear here: a replay answers it as null.
            redact = getattr(view, "idempotency_redact", ())
            record.body = (
                {key: (None if key in redact else value) for key, value in response.data.items()}
                if redact and isinstance(response.data, dict)
                else response.data
            )
            record.save(update_fields=["status_code", "body"])
            return response

    return wrapper
