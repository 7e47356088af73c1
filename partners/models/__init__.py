from partners.models.agreement import (
    STANDARD_TERMS_VERSION,
    Agreement,
    ApplicationStatus,
    PlatformApplication,
    StatusChange,
)
from partners.models.api import ApiRequestLog, IdempotencyRecord, PartnerAPIKey
from partners.models.catalogue import CatalogueEntry
from partners.models.evaluation import (
    FRACTION_KPIS,
    Evaluation,
    EvaluationDecision,
    EvaluationResult,
    EvaluationStatus,
    Kpi,
    Recommendation,
    Scorecard,
    ScorecardRule,
)
from partners.models.integration import IntegrationCheck
from partners.models.ownership import PlatformOwner
from partners.models.platform import Listing, Partner, PartnerStatus
from partners.models.purchase import CardCodeGuard, PlatformAccountBinding, Purchase, PurchaseStatus
from partners.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "FRACTION_KPIS",
    "STANDARD_TERMS_VERSION",
    "Agreement",
    "ApiRequestLog",
    "ApplicationStatus",
    "CardCodeGuard",
    "CatalogueEntry",
    "DeliveryStatus",
    "Evaluation",
    "EvaluationDecision",
    "EvaluationResult",
    "EvaluationStatus",
    "IdempotencyRecord",
    "IntegrationCheck",
    "Kpi",
    "Listing",
    "Partner",
    "PartnerAPIKey",
    "PartnerStatus",
    "PlatformAccountBinding",
    "PlatformApplication",
    "PlatformOwner",
    "Purchase",
    "PurchaseStatus",
    "Recommendation",
    "Scorecard",
    "ScorecardRule",
    "StatusChange",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
