"""OpenAPI description of the partner API's security scheme (imported by the views)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

SIGNING_DESCRIPTION = (
    "`Authorization: Api-Key <key>`, and every request signed: "
    "`X-Timestamp` (Unix milliseconds) and `X-Signature` = hex(HMAC-SHA256(signing secret, "
    "METHOD + '\\n' + PATH_WITH_QUERY + '\\n' + X-Timestamp + '\\n' + hex(SHA-256(raw body)))). "
    "Requests more than 5 minutes from the server's clock, and any signature seen before, are refused. "
    "Every POST needs an `Idempotency-Key`. See docs/partner-api.md for a worked example."
)


class PartnerSignatureScheme(OpenApiAuthenticationExtension):
    target_class = "partners.api.authentication.PartnerSignatureAuthentication"
    name = "PartnerApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": SIGNING_DESCRIPTION}


# A sandbox test purchase's status (it never goes further than completed).
SANDBOX_STATUS_CHOICES = [
    ("awaiting_confirmation", "awaiting_confirmation"),
    ("paid", "paid"),
    ("completed", "completed"),
]

# Every answer that is not a success, per operation: status -> the codes it can carry. The
# contract test (tests/partners/api/test_api_contract.py) makes the running server answer each of
# them and validates the answers against this schema.
AUTH = {
    401: [
        "invalid_api_key",
        "partner_not_allowed",
        "signature_missing",
        "timestamp_invalid",
        "timestamp_out_of_window",
        "signature_invalid",
        "signature_replayed",
    ],
    406: ["not_acceptable"],
    429: ["throttled"],
}
LIST = {400: ["invalid"], 404: ["invalid_cursor"]}
POST = {
    400: ["invalid", "parse_error", "idempotency_key_required"],
    409: ["idempotency_key_reused"],
    415: ["unsupported_media_type"],
}
PATCH = {400: ["invalid", "parse_error"], 415: ["unsupported_media_type"]}

OPERATION_ERRORS: dict[str, dict[int, list[str]]] = {
    "v1_catalog_courses_list": LIST,
    "v1_catalog_courses_retrieve": {404: ["course_not_found"]},
    "v1_catalog_courses_schedules_list": {404: ["course_not_found"]},
    "v1_listings_list": LIST,
    "v1_listings_create": {**POST, 422: ["listing_refused"]},
    "v1_listings_retrieve": {404: ["listing_not_found"]},
    "v1_listings_partial_update": {**PATCH, 404: ["listing_not_found"], 422: ["listing_refused"]},
    "v1_purchases_list": LIST,
    "v1_purchases_create": {
        **POST,
        403: ["partner_not_active"],
        404: ["listing_not_found", "schedule_not_found"],
        409: [
            "idempotency_key_reused",
            "listing_not_on_sale",
            "course_in_progress",
            "platform_account_mismatch",
            "platform_account_in_use",
            "purchase_deadline_passed",
        ],
        422: ["card_not_usable", "insufficient_balance", "schedule_required"],
        423: ["card_confirmation_locked"],
        429: ["card_purchase_limit"],
    },
    "v1_purchases_retrieve": {404: ["purchase_not_found"]},
    "v1_purchases_confirm_create": {
        **POST,
        404: ["purchase_not_found"],
        409: [
            "idempotency_key_reused",
            "invalid_state",
            "otp_attempts_exceeded",
            "course_in_progress",
            "platform_account_mismatch",
            "platform_account_in_use",
            "purchase_deadline_passed",
        ],
        410: ["otp_expired"],
        422: ["otp_invalid", "card_not_usable", "insufficient_balance"],
        423: ["card_confirmation_locked"],
    },
    "v1_purchases_cancel_create": {
        **POST,
        404: ["purchase_not_found"],
        409: ["idempotency_key_reused", "invalid_state", "training_started"],
    },
    "v1_purchases_complete_create": {
        **POST,
        404: ["purchase_not_found"],
        409: [
            "idempotency_key_reused",
            "invalid_state",
            "training_not_started",
            "training_incomplete",
            "certificate_number_taken",
            "completion_deadline_passed",
        ],
        422: ["invalid_completion_time"],
    },
    "v1_sandbox_purchases_create": {**POST, 403: ["partner_not_active"], 404: ["listing_not_found"]},
    "v1_sandbox_purchases_confirm_create": {
        **POST,
        404: ["purchase_not_found"],
        409: ["idempotency_key_reused", "invalid_state", "webhook_endpoint_required"],
        422: ["otp_invalid"],
    },
    "v1_sandbox_purchases_complete_create": {
        **POST,
        404: ["purchase_not_found"],
        409: ["idempotency_key_reused", "invalid_state", "webhook_not_delivered"],
    },
    "v1_webhooks_endpoints_list": LIST,
    "v1_webhooks_endpoints_create": {
        **POST,
        409: ["idempotency_key_reused", "webhook_endpoint_limit"],
        422: ["webhook_url_invalid"],
    },
    "v1_webhooks_endpoints_retrieve": {404: ["webhook_endpoint_not_found"]},
    "v1_webhooks_endpoints_rotate_secret_create": {**POST, 404: ["webhook_endpoint_not_found"]},
    "v1_webhooks_endpoints_disable_create": {**POST, 404: ["webhook_endpoint_not_found"]},
    "v1_webhooks_endpoints_enable_create": {
        **POST,
        404: ["webhook_endpoint_not_found"],
        409: ["idempotency_key_reused", "webhook_endpoint_limit"],
    },
    "v1_webhooks_endpoints_ping_create": {**POST, 404: ["webhook_endpoint_not_found"]},
    "v1_webhooks_deliveries_list": LIST,
    "v1_webhooks_deliveries_retrieve": {404: ["webhook_delivery_not_found"]},
    "v1_webhooks_deliveries_redeliver_create": {**POST, 404: ["webhook_delivery_not_found"]},
}


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    # New fields may be added to events without notice (docs, "Versioning"): not closed.
    return {"type": "object", "required": sorted(properties), "properties": properties}


_PURCHASE_EVENT = _object(
    purchase={"type": "string", "format": "uuid"},
    invoice_code={"type": "string"},
    status={"type": "string", "enum": ["paid", "redeemed", "completed", "cancelled"]},
    price={"type": "integer", "minimum": 1},
)
_LISTING_EVENT = _object(
    listing={"type": "integer"},
    course={"type": "string", "description": "The course's code."},
    sku={"type": "string"},
    reasons={"type": "array", "items": {"type": "string"}},
)
# The `data` of each webhook event (docs/partner-api.md, "Events"); tests/partners/
# test_api_webhooks.py validates the bodies the services really send against them.
EVENT_DATA_SCHEMAS: dict[str, dict[str, Any]] = {
    "purchase.confirmed": _PURCHASE_EVENT,
    "purchase.cancelled": _PURCHASE_EVENT,
    "purchase.redeemed": _PURCHASE_EVENT,
    "purchase.completed": _PURCHASE_EVENT,
    "listing.approved": _LISTING_EVENT,
    "listing.rejected": _LISTING_EVENT,
    "partner.status_changed": _object(from_={"type": "string"}, to={"type": "string"}, reason={"type": "string"}),
    "partner.warning": _object(period={"type": "string"}, score={"type": "number"}, reason={"type": "string"}),
    "sandbox.purchase.confirmed": _object(
        purchase={"type": "string", "format": "uuid"},
        status={"type": "string", "enum": ["paid"]},
        price={"type": "integer"},
        sandbox={"type": "boolean", "enum": [True]},
    ),
    "ping": _object(endpoint={"type": "integer"}),
}
# "from" is a Python keyword.
_status_changed = EVENT_DATA_SCHEMAS["partner.status_changed"]
_status_changed["properties"]["from"] = _status_changed["properties"].pop("from_")
_status_changed["required"] = sorted(_status_changed["properties"])


def webhook_body_schema(event_type: str) -> dict[str, Any]:
    """The whole body POSTed for one event type."""
    return {
        "type": "object",
        "required": ["id", "type", "created", "data"],
        "properties": {
            "id": {"type": "string", "format": "uuid", "description": "Deduplicate on it."},
            "type": {"type": "string", "enum": [event_type]},
            "created": {"type": "string", "format": "date-time"},
            "data": EVENT_DATA_SCHEMAS[event_type],
        },
    }


API_DESCRIPTION = (
    "The partner API of Kartu Prakerja for digital platforms. The guide, with the signing and "
    "webhook test vectors, idempotency, errors, rate limits, versioning and the changelog, is "
    "docs/partner-api.md. Every error is an `Error`; `detail` is Indonesian unless the request "
    "sends `Accept-Language: en`."
)

RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {"description": "Requests allowed per window (per platform).", "schema": {"type": "integer"}},
    "RateLimit-Remaining": {"description": "Requests left in this window.", "schema": {"type": "integer"}},
    "RateLimit-Reset": {"description": "Seconds until the window resets.", "schema": {"type": "integer"}},
}
REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
RETRY_AFTER_HEADER = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}


def _error_schema() -> dict[str, Any]:
    from partners.api.errors import ERROR_CODES

    return {
        "type": "object",
        "required": ["detail", "code"],
        "additionalProperties": False,
        "properties": {
            "detail": {"type": "string", "description": "For people: Indonesian, or English with Accept-Language: en."},
            "code": {"type": "string", "enum": sorted(ERROR_CODES), "description": "Stable, for programs."},
            "errors": {
                "type": "object",
                "description": "Per field (`non_field_errors` for the request as a whole): a list of messages, "
                "or an object for nested fields.",
                "additionalProperties": True,
            },
            "problems": {
                "type": "array",
                "description": "With `training_incomplete`: what is still missing, one object per problem.",
                "items": {
                    "type": "object",
                    "required": ["kind", "session", "message"],
                    "properties": {
                        "kind": {
                            "type": "string",
                            "enum": [
                                "no_session_plan",
                                "session_not_attended",
                                "practice_task_not_submitted",
                                "practice_task_not_assessed",
                                "minimum_duration",
                            ],
                        },
                        "session": {
                            "type": "integer",
                            "nullable": True,
                            "description": "The planned session concerned.",
                        },
                        "message": {"type": "string"},
                        "minimum_hours": {"type": "integer", "description": "With `minimum_duration`."},
                        "earliest_completion": {
                            "type": "string",
                            "format": "date-time",
                            "description": "With `minimum_duration`: the first moment it may be completed.",
                        },
                    },
                },
            },
        },
    }


def partner_api_postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Every operation's error answers (one Error schema, the codes per status), the
    RateLimit-*, Retry-After and Idempotent-Replayed headers, and the API's description."""
    from partners.api.errors import ERROR_CODES

    result.setdefault("info", {})["description"] = API_DESCRIPTION
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = _error_schema()
    # The webhook bodies we POST to your endpoints, one schema per event type.
    for event_type in EVENT_DATA_SCHEMAS:
        name = "WebhookBody_" + event_type.replace(".", "_")
        components[name] = {**webhook_body_schema(event_type), "description": f"The body of a `{event_type}` webhook."}
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "id":
                    # Purchases (and test purchases) have UUIDs, everything else integers; any
                    # other value is answered 404 with the resource's code.
                    uuid_ids = "/purchases/" in path
                    parameter["schema"] = {"type": "string", "format": "uuid"} if uuid_ids else {"type": "integer"}
            errors = {**AUTH}
            for status, codes in OPERATION_ERRORS.get(operation.get("operationId", ""), {}).items():
                errors[status] = sorted({*errors.get(status, []), *codes})
            for response in operation["responses"].values():
                response.setdefault("headers", {}).update(RATE_LIMIT_HEADERS)
                if method == "post":
                    response["headers"].update(REPLAYED_HEADER)
            for status, codes in sorted(errors.items()):
                assert all(ERROR_CODES[code] == status for code in codes), (operation["operationId"], status, codes)
                headers = {**RATE_LIMIT_HEADERS, **(RETRY_AFTER_HEADER if status == 429 else {})}
                if method == "post" and status < 500:
                    headers.update(REPLAYED_HEADER)
                if status in (401, 406):
                    headers = {}  # refused before the platform is known: no rate limit applies yet
                operation["responses"][str(status)] = {
                    "description": "Error codes: " + ", ".join(f"`{code}`" for code in codes) + ".",
                    "headers": headers,
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [
                                    {"$ref": "#/components/schemas/Error"},
                                    {"type": "object", "properties": {"code": {"enum": codes}}},
                                ]
                            },
                            "examples": {code: {"value": {"detail": "…", "code": code}} for code in codes},
                        }
                    },
                }
    return result
