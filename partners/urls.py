from django.urls import path

from partners import views

app_name = "catalogue"

urlpatterns = [
    path("pelatihan/", views.catalogue, name="list"),
    path("pelatihan/<str:code>/", views.course_detail, name="detail"),
]
