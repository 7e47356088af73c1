"""The public catalogue: search (Indonesian, misspellings), filters, listings, query counts."""

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import CourseStatus
from partners.models import PartnerStatus
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
    # institutions and platforms not selling (2), "does any word match", capped count,
    # the page's ids, their courses, listings prefetch
    with django_assert_num_queries(7):
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
