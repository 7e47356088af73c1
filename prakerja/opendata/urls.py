from django.urls import path

from prakerja.opendata import views

app_name = "opendata"

urlpatterns = [
    path("", views.page, name="page"),
    path("en/", views.page, {"language": "en"}, name="page-en"),
    path("releases/<str:release>/<str:filename>", views.download, name="download"),
]
