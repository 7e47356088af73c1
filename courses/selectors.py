"""Reads of the catalogue: what participants may buy, searched and filtered."""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db.models import F, FloatField, OrderBy, QuerySet, Value

from courses.models import Course
from courses.models.catalogue import SEARCH_CONFIG

MAX_QUERY_WORDS = 8

SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "relevance": ("-relevance", "id"),
    "price": ("price", "id"),
    "-price": ("-price", "id"),
    "rating": (F("rating_average").desc(nulls_last=True), "id"),
    "newest": ("-created_at", "-id"),
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


def courses_on_sale_search(filters: CourseFilters) -> QuerySet[Course]:
    """Approved courses matching the filters, best first. Full-text search (words, no
    stemming) or, for misspellings, trigram word similarity on the title."""
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
    words = re.findall(r"\w+", filters.q.lower())[:MAX_QUERY_WORDS]
    q = " ".join(words)
    if q:
        # Any word may match (people type one right word and one wrong one); documents that
        # match more words, and in the title, rank higher. Words of 3+ letters also match as
        # prefixes ("pemrog" finds "pemrograman"). \w+ words cannot break the tsquery syntax.
        raw = " | ".join(f"{word}:*" if len(word) >= 3 else word for word in words)
        query = SearchQuery(raw, config=SEARCH_CONFIG, search_type="raw")
        # Whether any word is known at all decides between words and the misspelling fallback;
        # filters that leave no result must not trigger the fallback.
        if Course.objects.filter(listable=True, search_vector=query).exists():
            courses = courses.filter(search_vector=query).annotate(relevance=SearchRank(F("search_vector"), query))
        else:
            # No word matched: most likely a misspelling. Trigram word similarity on titles
            # (GIN-indexed) is only asked then, as it costs far more than the word index.
            courses = courses.filter(title__trigram_word_similar=q).annotate(
                relevance=TrigramWordSimilarity(q, "title")
            )
    else:
        courses = courses.annotate(relevance=Value(0.0, output_field=FloatField()))
    sort = SORTS.get(filters.sort, SORTS["relevance"])
    if not q and filters.sort == "relevance":
        sort = SORTS["newest"]
    return courses.order_by(*sort)
