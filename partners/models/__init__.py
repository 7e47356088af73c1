from partners.models.api import IdempotencyRecord, PartnerAPIKey
from partners.models.platform import Listing, Partner, PartnerStatus
from partners.models.purchase import Purchase, PurchaseStatus

__all__ = [
    "IdempotencyRecord",
    "Listing",
    "Partner",
    "PartnerAPIKey",
    "PartnerStatus",
    "Purchase",
    "PurchaseStatus",
]
