"""The public catalogue: search (Indonesian, misspellings), filters, listings, query counts."""

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import Course, CourseStatus, InstitutionStatus
from courses.selectors import CourseFilters
from partners.catalogue.selectors import catalogue_page
from partners.models import CatalogueEntry, Listing, PartnerStatus
from tests.factories import CategoryFactory, CourseFactory, ListingFactory, PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    tokopedia = PartnerFactory.create(name="Tokopedia", slug="tokopedia")
    pijar = PartnerFactory.create(name="Pijar Mahir", slug="pijar-mahir")
    food = CategoryFactory.create(name="Makanan dan Minuman", slug="makanan-dan-minuman")
    courses = {
        "python": CourseFactory.create(
            title="Pemrograman Python untuk Pemula", description="Belajar dasar pemrograman."
        ),
        "barista": CourseFactory.create(
            title="Barista Kopi Profesional", category=food, price=300_000, outside_price=350_000
        ),
        "roti": CourseFactory.create(
            title="Membuat Kue dan Roti", category=food, method="offline", province_id="32", regency_id="3273"
        ),
        "excel": CourseFactory.create(
            title="Analisis Data dengan Excel", description="Pivot, grafik dan rumus untuk pemrograman laporan."
        ),
    }
    ListingFactory.create(course=courses["python"], partner=tokopedia, price=450_000)
    ListingFactory.create(course=courses["python"], partner=pijar, price=480_000)
    ListingFactory.create(course=courses["barista"], partner=pijar)
    ListingFactory.create(course=courses["roti"], partner=tokopedia)
    ListingFactory.create(course=courses["excel"], partner=tokopedia)
    # Not on sale: a draft, and an approved course no platform sells.
    CourseFactory.create(title="Pemrograman Java", status=CourseStatus.DRAFT)
    CourseFactory.create(title="Pemrograman Go")
    return courses


def titles(response) -> list[str]:
    return [course.title for course in response.context["page"].object_list]


def search(**params: str):
    return Client().get(reverse("catalogue:list"), params)


def test_the_catalogue_lists_only_courses_on_sale(catalogue):
    assert sorted(titles(search())) == sorted(c.title for c in catalogue.values())


def test_words_find_courses_and_the_title_ranks_first(catalogue):
    assert titles(search(q="pemrograman")) == ["Pemrograman Python untuk Pemula", "Analisis Data dengan Excel"]


@pytest.mark.parametrize("typo", ["pemrogaman python", "barista kopii", "kue roti"])
def test_misspelled_or_partial_queries_still_find_the_course(catalogue, typo):
    assert len(titles(search(q=typo))) >= 1


def test_a_misspelled_query_finds_the_right_course_first(catalogue):
    assert titles(search(q="pemrogaman"))[0] == "Pemrograman Python untuk Pemula"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "makanan-dan-minuman"}, {"barista", "roti"}),
        ({"method": "offline"}, {"roti"}),
        ({"province": "32"}, {"roti"}),
        ({"platform": "pijar-mahir"}, {"python", "barista"}),
        ({"price_max": "300000"}, {"barista"}),
        ({"price_min": "400000", "platform": "tokopedia"}, {"python", "roti", "excel"}),
    ],
)
def test_filters(catalogue, params, expected):
    assert set(titles(search(**params))) == {catalogue[k].title for k in expected}


def test_minimum_rating_and_sorting(catalogue):
    catalogue["barista"].rating_average = 4.8
    catalogue["barista"].save()
    assert titles(search(min_rating="4.5")) == ["Barista Kopi Profesional"]
    prices = [c.price for c in search(sort="price").context["page"].object_list]
    assert prices == sorted(prices)


def test_a_suspended_platforms_listings_disappear(catalogue):
    pijar = catalogue["barista"].listings.get().partner
    pijar.status = PartnerStatus.SUSPENDED
    pijar.save()
    assert "Barista Kopi Profesional" not in titles(search())
    response = Client().get(reverse("catalogue:detail", args=[catalogue["python"].code]))
    assert [listing.partner.name for listing in response.context["course"].on_sale] == ["Tokopedia"]


def test_the_list_page_runs_a_fixed_number_of_queries(catalogue, django_assert_num_queries):
    for n in range(10):
        ListingFactory.create(course=CourseFactory.create(title=f"Kursus Tambahan {n}"))
    search(q="kursus")  # fills the cached filter choices
    # platforms and institutions not selling (2), the page's ids with the number of matches
    # (one ranked statement), their courses, listings prefetch
    with django_assert_num_queries(5):
        response = search(q="kursus")
    assert len(titles(response)) == 10


def test_the_course_page_shows_where_it_is_sold_and_at_what_price(catalogue):
    response = Client().get(reverse("catalogue:detail", args=[catalogue["python"].code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Tokopedia" in body
    assert "Rp450.000" in body
    assert "Rina Kusuma" in body


def test_courses_not_on_sale_have_no_page(catalogue):
    draft = CourseFactory.create(status=CourseStatus.DRAFT)
    assert Client().get(reverse("catalogue:detail", args=[draft.code])).status_code == 404


def test_one_wrong_word_next_to_a_right_one_still_finds_the_course(catalogue):
    assert titles(search(q="kursus pemrograman"))[0] == "Pemrograman Python untuk Pemula"


def test_all_the_words_first(catalogue):
    # given courses with some of the words and one with all of them
    for title in ("Desain Grafis untuk Pemula", "Desain Grafis Lanjutan", "Fotografi untuk Pemula"):
        ListingFactory.create(course=CourseFactory.create(title=title, description="Materi praktik."))
    # when a visitor searches for the three words
    found = titles(search(q="desain grafis pemula"))
    # then only the course with all of them is shown
    assert found == ["Desain Grafis untuk Pemula"]


def test_a_word_nobody_uses_next_to_known_ones_falls_back_to_any_word(catalogue):
    assert titles(search(q="barista kopi latte")) == ["Barista Kopi Profesional"]


def test_filters_that_leave_nothing_do_not_lead_to_the_misspelling_fallback(catalogue):
    # "kopi" is a known word; no offline course has it: nothing, not titles that look alike
    assert titles(search(q="kopi", method="offline")) == []


def test_a_misspelled_query_runs_a_fixed_number_of_queries(catalogue, django_assert_num_queries):
    search(q="pemrogaman")
    # platforms, institutions, the ranked word search (nothing), then the trigram fallback:
    # platforms not selling, institutions, capped count, ids, courses, listings
    with django_assert_num_queries(9):
        response = search(q="pemrogaman")
    assert titles(response)[0] == "Pemrograman Python untuk Pemula"


def test_search_rows_follow_every_write_to_courses_and_listings(catalogue):
    """The narrow search rows are kept by triggers: saves, QuerySet.update() and deletes."""
    barista = catalogue["barista"]
    # given a price change written without a save (no signal)
    Course.objects.filter(pk=barista.pk).update(price=90_000, outside_price=100_000)
    # then the word search and its price filter see it
    assert titles(search(q="barista", price_max="100000")) == ["Barista Kopi Profesional"]
    # when the course is retired, it leaves the search
    Course.objects.filter(pk=barista.pk).update(status=CourseStatus.RETIRED)
    assert titles(search(q="barista")) == []
    assert not CatalogueEntry.objects.filter(pk=barista.pk).exists()
    # when approved again, it comes back with the platform that lists it
    Course.objects.filter(pk=barista.pk).update(status=CourseStatus.APPROVED)
    assert titles(search(q="barista")) == ["Barista Kopi Profesional"]
    # when its only listing is deactivated, and then deleted, it is not on sale
    listing = barista.listings.get()
    Listing.objects.filter(pk=listing.pk).update(is_active=False)
    assert titles(search(q="barista")) == []
    Listing.objects.filter(pk=listing.pk).update(is_active=True)
    assert titles(search(q="barista", platform="pijar-mahir")) == ["Barista Kopi Profesional"]
    listing.delete()
    assert titles(search(q="barista")) == []
    assert CatalogueEntry.objects.get(pk=barista.pk).partner_ids == []


def test_word_search_leaves_out_suspended_platforms_and_institutions(catalogue):
    pijar = catalogue["barista"].listings.get().partner
    pijar.status = PartnerStatus.SUSPENDED
    pijar.save()
    assert titles(search(q="barista")) == []
    # (the form offers active platforms only: asked of the selector directly)
    page = catalogue_page(filters=CourseFilters(q="pemrograman"), platform="pijar-mahir", number=1)
    assert page.object_list == []
    assert titles(search(q="pemrograman", platform="tokopedia"))[0] == "Pemrograman Python untuk Pemula"
    institution = catalogue["python"].institution
    institution.status = InstitutionStatus.SUSPENDED
    institution.save()
    assert "Pemrograman Python untuk Pemula" not in titles(search(q="pemrograman"))


def test_a_page_past_the_end_of_a_word_search_shows_the_last_page(catalogue):
    for n in range(25):
        ListingFactory.create(course=CourseFactory.create(title=f"Kursus Tambahan {n}"))
    response = search(q="kursus", page="9")
    assert response.context["page"].number == 2
    assert len(titles(response)) == 5
