from django.urls import path

from partners.catalogue import views
from partners.onboarding import views as onboarding_views
from partners.purchases import participant

app_name = "catalogue"

urlpatterns = [
    path("pelatihan/", views.catalogue, name="list"),
    path("pelatihan/<str:code>/", views.course_detail, name="detail"),
    path("pembelian/<uuid:purchase_id>/konfirmasi/", participant.confirm, name="purchase-confirm"),
    path("pembelian/<uuid:purchase_id>/ulasan/", participant.review, name="purchase-review"),
    path("kehadiran/<str:token>/", participant.attendance, name="attendance"),
    path("kehadiran/<str:token>/periksa/<uuid:job_id>/", participant.attendance_checking, name="attendance-checking"),
    path("mitra/daftar/", onboarding_views.apply, name="platform-apply"),
]
