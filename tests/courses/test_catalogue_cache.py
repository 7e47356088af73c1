"""Catalogue pages cached whole for anonymous visitors: served again from Redis, never one
visitor's page to another, and rendered afresh once a curator or a platform changes what they
show (the version is bumped when the change commits)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from courses.services.curation import course_retire
from partners.models import PartnerStatus
from partners.platforms.services.lifecycle import partner_status_change
from partners.platforms.services.listings import listing_update
from prakerja.core.actor import Actor
from tests.factories import ListingFactory, PartnerFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def on_sale():
    platform = PartnerFactory.create(name="Tokopedia", slug="tokopedia")
    listing = ListingFactory.create(
        partner=platform, course__title="Barista Kopi Profesional", course__price=300_000, price=300_000
    )
    return listing


def visit(client: Client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    return response


def test_the_second_anonymous_visit_is_served_from_the_cache(on_sale):
    # Given a page one anonymous visitor has seen
    first = visit(Client(), reverse("catalogue:list"))
    detail = reverse("catalogue:detail", args=[on_sale.course.code])
    visit(Client(), detail)

    # When another visitor asks for the same pages
    second = visit(Client(), reverse("catalogue:list"))
    second_detail = visit(Client(), detail)

    # Then both come from the cache, with the same course on them
    assert (first["X-Page-Cache"], second["X-Page-Cache"], second_detail["X-Page-Cache"]) == ("miss", "hit", "hit")
    assert "Barista Kopi Profesional" in second.content.decode()


def test_cached_pages_are_the_same_for_every_visitor_and_a_cdn_may_keep_them(on_sale, settings):
    # Given a cached page
    settings.PAGE_CACHE_PUBLIC_MAX_AGE = 45
    visit(Client(), reverse("catalogue:list"))

    # When two new visitors are served it from the cache
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = [visit(alice, reverse("catalogue:list")), visit(bob, reverse("catalogue:list"))]

    # Then both get the same bytes: no CSRF token in them, no cookie set, and a shared cache
    # may keep them for max-age, per language and only for visitors without cookies
    assert all(page["X-Page-Cache"] == "hit" for page in pages)
    assert pages[0].content == pages[1].content
    assert not TOKEN.search(pages[0].content.decode())
    assert not pages[0].cookies
    assert "csrftoken" not in alice.cookies
    for page in pages:
        assert page["Cache-Control"] == "public, max-age=45"
        assert {"cookie", "accept-language"} <= {v.strip().lower() for v in page["Vary"].split(",")}


def test_the_language_switch_is_a_get_that_returns_to_the_page(on_sale):
    # Given an anonymous visitor on the cached catalogue (in Indonesian)
    visitor = Client(enforce_csrf_checks=True)
    page = visit(visitor, reverse("catalogue:list")).content.decode()
    assert 'action="/i18n/language/" method="get"' in page

    # When they choose English
    switched = visitor.get(reverse("language-switch"), {"language": "en", "next": "/pelatihan/?q=kopi"})

    # Then they are sent back to the page with the language cookie, and see it in English
    assert (switched.status_code, switched["Location"]) == (302, "/pelatihan/?q=kopi")
    assert visitor.cookies["django_language"].value == "en"
    assert "private" in switched["Cache-Control"] or "no-cache" in switched["Cache-Control"]
    english = visit(visitor, reverse("catalogue:list"))
    assert '<html lang="en"' in english.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_language_switch_never_sends_anyone_to_another_site(target):
    response = Client().get(reverse("language-switch"), {"language": "en", "next": target})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_an_unknown_language_changes_nothing():
    response = Client().get(reverse("language-switch"), {"language": "xx", "next": "/pelatihan/"})
    assert response.status_code == 302
    assert "django_language" not in response.cookies


def test_a_cached_page_with_a_form_gets_each_visitors_own_token(rf):
    """Should a cached page hold a POST form, its token is filled in per visitor, and the page
    is private (never a CDN's)."""
    from django.template import engines

    from prakerja.core.pagecache import cached_page, page_context

    template = engines["django"].from_string("<form>{% csrf_token %}</form>")

    @cached_page("test-form-page")
    def view(request):
        from django.http import HttpResponse

        return HttpResponse(template.render(page_context(request, {}), request))

    pages = [view(rf.get("/form/")) for _ in range(2)]
    tokens = [match.group(1) for page in pages if (match := TOKEN.search(page.content.decode()))]
    assert len(tokens) == 2
    assert [page["X-Page-Cache"] for page in pages] == ["miss", "hit"]
    assert tokens[0] != tokens[1]
    assert all(page["Cache-Control"] == "private" for page in pages)


def test_a_signed_in_visitor_is_never_served_a_cached_page_nor_has_theirs_cached(on_sale):
    # Given an anonymous page in the cache, and a signed-in applicant
    visit(Client(), reverse("catalogue:list"))
    applicant = Client()
    applicant.force_login(UserFactory.create())

    # When the applicant opens the catalogue
    theirs = visit(applicant, reverse("catalogue:list"))

    # Then their page is rendered for them (their dashboard link), and the next anonymous
    # visitor still gets the anonymous page
    assert "X-Page-Cache" not in theirs
    assert theirs["Cache-Control"] == "private"
    assert reverse("applicants:dashboard") in theirs.content.decode()
    anonymous = visit(Client(), reverse("catalogue:list"))
    assert anonymous["X-Page-Cache"] == "hit"
    assert reverse("applicants:dashboard") not in anonymous.content.decode()


def test_a_price_change_is_shown_at_once(on_sale):
    # Given the course page in the cache at Rp300,000
    detail = reverse("catalogue:detail", args=[on_sale.course.code])
    visit(Client(), detail)
    assert visit(Client(), detail)["X-Page-Cache"] == "hit"

    # When the platform lowers its price
    listing_update(listing=on_sale, actor=Actor.partner("tokopedia"), price=250_000)

    # Then the next visitor sees the new price on a page rendered afresh
    after = visit(Client(), detail)
    assert after["X-Page-Cache"] == "miss"
    assert "250.000" in after.content.decode()


def test_a_suspended_platform_and_a_withdrawn_course_leave_the_cached_catalogue(on_sale):
    # Given the catalogue in the cache with a second course
    other = ListingFactory.create(partner=on_sale.partner, course__title="Fotografi Produk untuk UMKM")
    visit(Client(), reverse("catalogue:list"))
    assert "Fotografi Produk" in visit(Client(), reverse("catalogue:list")).content.decode()

    # When the curator sends the second course back, the page is rendered afresh without it
    course_retire(
        course=other.course, actor=Actor.for_user(StaffUserFactory.create()), reasons="Materi tidak sesuai lagi."
    )
    page = visit(Client(), reverse("catalogue:list")).content.decode()
    assert "Fotografi Produk" not in page
    assert "Barista Kopi Profesional" in page

    # And when the PMO suspends the platform, nothing it lists is shown any more
    partner_status_change(
        partner=on_sale.partner, to=PartnerStatus.SUSPENDED, reason="Audit.", actor=Actor.system("pmo")
    )
    assert "Barista Kopi Profesional" not in visit(Client(), reverse("catalogue:list")).content.decode()
