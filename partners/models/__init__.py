from partners.models.agreement import (
    STANDARD_TERMS_VERSION,
    Agreement,
    ApplicationStatus,
    PlatformApplication,
    StatusChange,
)
from partners.models.api import IdempotencyRecord, PartnerAPIKey
from partners.models.platform import Listing, Partner, PartnerStatus
from partners.models.purchase import Purchase, PurchaseStatus
from partners.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "STANDARD_TERMS_VERSION",
    "Agreement",
    "ApplicationStatus",
    "DeliveryStatus",
    "IdempotencyRecord",
    "Listing",
    "Partner",
    "PartnerAPIKey",
    "PartnerStatus",
    "PlatformApplication",
    "Purchase",
    "PurchaseStatus",
    "StatusChange",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
