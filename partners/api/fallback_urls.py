"""Included last by the root URLconf: any path under /api/v1/ that no app serves (the partner
API, the institution protocol, the payment callback) is a JSON 404 with a code, like the API's
own, never Django's HTML page."""

from django.urls import re_path

from partners.api.errors import api_not_found

urlpatterns = [re_path(r"^.*$", api_not_found, name="partner-api-not-found")]
