"""The empty registration form is served from the page cache, each visitor with their own CSRF
token, and the account is created with it as before."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from prakerja.accounts.models import User

pytestmark = pytest.mark.django_db
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_the_cached_form_gives_each_visitor_their_own_token_and_registers(regions):
    # Given the form in the cache
    assert Client().get(reverse("applicants:register"))["X-Page-Cache"] == "miss"

    # When two new visitors open it
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = [alice.get(reverse("applicants:register")), bob.get(reverse("applicants:register"))]

    # Then both come from the cache, each with a token of their own cookie, never for a CDN
    assert [page["X-Page-Cache"] for page in pages] == ["hit", "hit"]
    tokens = [match.group(1) for page in pages if (match := TOKEN.search(page.content.decode()))]
    assert len(tokens) == 2
    assert tokens[0] != tokens[1]
    assert all(page["Cache-Control"] == "private" for page in pages)

    # And the account is created with that token
    password = "Belajar-Terus-2026"
    response = alice.post(
        reverse("applicants:register"),
        {
            "csrfmiddlewaretoken": tokens[0],
            "email": "alice@contoh.id",
            "password1": password,
            "password2": password,
            "terms": "on",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="alice@contoh.id").exists()


def test_a_form_with_errors_is_never_cached(regions):
    client = Client()
    response = client.post(reverse("applicants:register"), {"email": "bukan-email"})
    assert response.status_code == 200
    assert "X-Page-Cache" not in response
