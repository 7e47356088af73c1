"""Reads of the catalogue: what participants may buy, searched and filtered."""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, TrigramWordSimilarity
from django.db.models import F, FloatField, OrderBy, QuerySet, Value

from courses.models import Course, InstitutionStatus, TrainingInstitution
from courses.models.catalogue import SEARCH_CONFIG

MAX_QUERY_WORDS = 8

SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "relevance": ("-relevance", "pk"),
    "price": ("price", "pk"),
    "-price": ("-price", "pk"),
    "rating": (F("rating_average").desc(nulls_last=True), "pk"),
    "newest": ("-created_at", "-pk"),
}


@dataclass(frozen=True, kw_only=True)
class CourseFilters:
    q: str = ""
    category: str = ""
    method: str = ""
    province: str = ""
    price_min: int | None = None
    price_max: int | None = None
    min_rating: float | None = None
    sort: str = "relevance"


def query_words(q: str) -> list[str]:
    """The words of a search box, lower-cased, at most MAX_QUERY_WORDS (\\w+ words cannot
    break the tsquery syntax)."""
    return re.findall(r"\w+", q.lower())[:MAX_QUERY_WORDS]


def words_query(words: list[str], *, all_words: bool) -> SearchQuery:
    """Full-text query of these words; words of 3+ letters also match as prefixes ("pemrog"
    finds "pemrograman")."""
    terms = [f"{word}:*" if len(word) >= 3 else word for word in words]
    return SearchQuery((" & " if all_words else " | ").join(terms), config=SEARCH_CONFIG, search_type="raw")


def institutions_not_selling() -> list[int]:
    """Institutions whose courses are not on sale (not approved): few, so excluded by id."""
    return list(TrainingInstitution.objects.exclude(status=InstitutionStatus.APPROVED).values_list("id", flat=True))


def courses_on_sale_search(filters: CourseFilters) -> QuerySet[Course]:
    """Approved courses matching the filters, best first. A text query is matched here by
    trigram word similarity on the title: the misspelling fallback, asked only when no word of
    it is known (searching by words reads the catalogue's narrow table, partners.catalogue),
    as it costs far more than the word index."""
    courses = Course.objects.on_sale()
    if filters.category:
        courses = courses.filter(category__slug=filters.category)
    if filters.method:
        courses = courses.filter(method=filters.method)
    if filters.province:
        courses = courses.filter(province_id=filters.province)
    if filters.price_min is not None:
        courses = courses.filter(price__gte=filters.price_min)
    if filters.price_max is not None:
        courses = courses.filter(price__lte=filters.price_max)
    if filters.min_rating is not None:
        courses = courses.filter(rating_average__gte=filters.min_rating)
    q = " ".join(query_words(filters.q))
    if q:
        courses = courses.filter(title__trigram_word_similar=q).annotate(relevance=TrigramWordSimilarity(q, "title"))
    else:
        courses = courses.annotate(relevance=Value(0.0, output_field=FloatField()))
    return courses.order_by(*sort_of(filters))


def sort_of(filters: CourseFilters) -> tuple[str | OrderBy, ...]:
    """The order of a search's results; "relevance" without a text query is the newest first."""
    if not query_words(filters.q) and filters.sort == "relevance":
        return SORTS["newest"]
    return SORTS.get(filters.sort, SORTS["relevance"])
