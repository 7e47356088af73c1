from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from prakerja.accounts import two_factor
from prakerja.core import health, views
from prakerja.identity import views as identity_views

admin.site.site_header = settings.ADMIN_SITE_HEADER
admin.site.site_title = settings.ADMIN_SITE_HEADER
admin.site.index_title = settings.ADMIN_SITE_HEADER

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/language/", views.language_switch, name="language-switch"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/2fa/", two_factor.verify, name="staff-2fa"),
    # Through the admin site's own gate (staff, active, second factor when required).
    path("admin/dashboard/refresh/", admin.site.admin_view(views.dashboard_refresh_request), name="dashboard-refresh"),
    path("admin/", admin.site.urls),
    path("api/v1/integration/", include("courses.integration.urls")),
    path("api/v1/", include("partners.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("data/", include("prakerja.opendata.urls")),
    path("dev/inbox/", views.dev_inbox, name="dev-inbox"),
    path("periksa-wajah/<uuid:job_id>/status/", identity_views.face_job_status, name="face-job-status"),
    path("", include("applicants.urls")),
    path("", include("partners.urls")),
    path("api/v1/", include("partners.api.fallback_urls")),
]
