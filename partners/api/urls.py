from django.urls import re_path
from rest_framework.routers import SimpleRouter

from partners.api import views, webhooks
from partners.api.errors import api_not_found

router = SimpleRouter()
router.register("catalog/courses", views.CatalogCourseViewSet, basename="catalog-course")
router.register("listings", views.ListingViewSet, basename="listing")
router.register("purchases", views.PurchaseViewSet, basename="purchase")
router.register("webhooks/endpoints", webhooks.WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", webhooks.WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("sandbox/purchases", views.SandboxPurchaseViewSet, basename="sandbox-purchase")

app_name = "partner-api"
# Anything else under /api/v1/ is a JSON 404 with a code, like the API's own.
urlpatterns = [*router.urls, re_path(r"^.*$", api_not_found, name="not-found")]
