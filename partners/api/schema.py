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
