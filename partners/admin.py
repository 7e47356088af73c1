"""The admin screens of the partners app, one module per domain (Django discovers this one)."""

from partners.api import admin as api_admin
from partners.evaluation import admin as evaluation_admin
from partners.evaluation import admin_scorecards
from partners.onboarding import admin as onboarding_admin
from partners.platforms import admin as platforms_admin
from partners.purchases import admin as purchases_admin
from partners.webhooks import admin as webhooks_admin

__all__ = [
    "admin_scorecards",
    "api_admin",
    "evaluation_admin",
    "onboarding_admin",
    "platforms_admin",
    "purchases_admin",
    "webhooks_admin",
]
