from django.urls import path

from partners import participant, views

app_name = "catalogue"

urlpatterns = [
    path("pelatihan/", views.catalogue, name="list"),
    path("pelatihan/<str:code>/", views.course_detail, name="detail"),
    path("pembelian/<uuid:purchase_id>/konfirmasi/", participant.confirm, name="purchase-confirm"),
    path("pembelian/<uuid:purchase_id>/ulasan/", participant.review, name="purchase-review"),
    path("kehadiran/<str:token>/", participant.attendance, name="attendance"),
]
