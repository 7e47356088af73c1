from rest_framework.routers import SimpleRouter

from partners.api import purchase_views, views, webhooks

router = SimpleRouter()
router.register("catalog/courses", views.CatalogCourseViewSet, basename="catalog-course")
router.register("listings", views.ListingViewSet, basename="listing")
router.register("purchases", purchase_views.PurchaseViewSet, basename="purchase")
router.register("webhooks/endpoints", webhooks.WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", webhooks.WebhookDeliveryViewSet, basename="webhook-delivery")
router.register("sandbox/purchases", purchase_views.SandboxPurchaseViewSet, basename="sandbox-purchase")

app_name = "partner-api"
urlpatterns = router.urls
