"""The public catalogue: courses on sale with where they are sold. It lives in the top layer
because it joins courses to the platforms' listings."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Subquery, Window
from django.utils import timezone
from django.utils.functional import cached_property

from courses.models import Category, Course, CourseReview, Schedule
from courses.selectors import (
    CourseFilters,
    courses_on_sale_search,
    institutions_not_selling,
    query_words,
    sort_of,
    words_query,
)
from partners.models import CatalogueEntry, Listing, Partner, PartnerStatus

PAGE_SIZE = 20
COUNT_CAP = 1000


def listings_for_sale() -> QuerySet[Listing]:
    return Listing.objects.filter(is_active=True, partner__status=PartnerStatus.ACTIVE).select_related("partner")


def catalogue_search(*, filters: CourseFilters, platform: str = "") -> QuerySet[Course]:
    """Courses on sale on at least one active platform (or on `platform`) matching the filters,
    best first; a text query by trigram similarity of the titles (see catalogue_searches)."""
    # Platforms that may not sell are few: excluded by id, so the check is one index probe.
    not_selling = list(Partner.objects.exclude(status=PartnerStatus.ACTIVE).values_list("id", flat=True))
    sold = Listing.objects.filter(course=OuterRef("pk"), is_active=True).exclude(partner_id__in=not_selling)
    if platform:
        sold = sold.filter(partner__slug=platform)
    return courses_on_sale_search(filters).filter(Exists(sold))


def catalogue_entries(*, filters: CourseFilters, platform: str = "") -> QuerySet[CatalogueEntry]:
    """The narrow search rows of the courses on sale matching the filters (not the text)."""
    partners = list(Partner.objects.values_list("id", "slug", "status"))
    not_selling = [pk for pk, _, status in partners if status != PartnerStatus.ACTIVE]
    entries = CatalogueEntry.objects.exclude(partner_ids__contained_by=not_selling)
    if platform:
        selling = [pk for pk, slug, status in partners if slug == platform and status == PartnerStatus.ACTIVE]
        entries = entries.filter(partner_ids__contains=selling) if selling else entries.none()
    not_approved = institutions_not_selling()
    if not_approved:
        entries = entries.exclude(institution_id__in=not_approved)
    if filters.category:
        entries = entries.filter(category_id=Subquery(Category.objects.filter(slug=filters.category).values("pk")))
    if filters.method:
        entries = entries.filter(method=filters.method)
    if filters.province:
        entries = entries.filter(province_id=filters.province)
    if filters.price_min is not None:
        entries = entries.filter(price__gte=filters.price_min)
    if filters.price_max is not None:
        entries = entries.filter(price__lte=filters.price_max)
    if filters.min_rating is not None:
        entries = entries.filter(rating_average__gte=filters.min_rating)
    return entries


@dataclass(frozen=True)
class Search:
    """One search to try: course rows (or their narrow entries), best first; `ranked` when
    every match is ranked, so the number of matches comes with the page (a window count)."""

    rows: QuerySet[Any]
    ranked: bool


def catalogue_searches(*, filters: CourseFilters, platform: str) -> Iterator[Search]:
    """The searches to try in turn until one finds something.

    All the words first ("desain grafis pemula": the 950 courses with the three, not the
    20,000 with any); then any of them (people type one right word and one wrong one), the
    documents with more of them and in the title ranking higher; when no word is known at all,
    most likely a misspelling, trigram similarity of the titles. Filters that leave no result
    must not lead to the fallback: with filters, whether a word is known is asked without them.

    The word searches read the narrow CatalogueEntry rows through their GIN index, and each is
    one statement that ranks every match and counts them (no separate count): a `LIMIT` without
    that order is what let the planner walk the whole table hoping for an early match of a word
    nobody uses."""
    words = query_words(filters.q)
    if not words:
        yield Search(catalogue_search(filters=filters, platform=platform), ranked=False)
        return
    entries = catalogue_entries(filters=filters, platform=platform)
    sort = sort_of(filters)
    queries = [words_query(words, all_words=True)]
    if len(words) > 1:
        queries.append(words_query(words, all_words=False))
    for query in queries:
        ranked = entries.filter(search_vector=query).annotate(relevance=SearchRank(F("search_vector"), query))
        yield Search(ranked.order_by(*sort), ranked=True)
    narrowed = platform or filters != CourseFilters(q=filters.q, sort=filters.sort)
    if narrowed and _any_entry_matches(queries[-1]):
        return
    yield Search(catalogue_search(filters=filters, platform=platform), ranked=False)


def _any_entry_matches(query: SearchQuery) -> bool:
    # Ordered by rank (a sort over every match, through the index) rather than a bare EXISTS,
    # which the planner answers for an unknown word by reading the whole table.
    ranked = CatalogueEntry.objects.filter(search_vector=query).annotate(
        relevance=SearchRank(F("search_vector"), query)
    )
    return ranked.order_by("-relevance").values_list("pk", flat=True)[:1].exists()


class CataloguePaginator(Paginator):
    """Counts at most COUNT_CAP matches: counting every match of a broad search costs more
    than the page itself."""

    @cached_property
    def count(self) -> int:
        return int(self.object_list.order_by()[: COUNT_CAP + 1].count())  # type: ignore[attr-defined]


def _page_number(number: str | int | None) -> int:
    try:
        return max(1, int(number or 1))
    except (TypeError, ValueError):
        return 1


def _ranked_page(rows: QuerySet[Any], number: str | int | None) -> Page:
    """A page of a ranked search and the number of matches in one statement."""
    counted = rows.annotate(matches=Window(Count("*"))).values_list("pk", "matches")
    wanted = _page_number(number)
    found = list(counted[(wanted - 1) * PAGE_SIZE : wanted * PAGE_SIZE])
    if not found and wanted > 1:  # past the end (a typed URL): the last page, as get_page does
        first = list(counted[:1])
        wanted = max(1, -(-min(first[0][1], COUNT_CAP + 1) // PAGE_SIZE)) if first else 1
        found = list(counted[(wanted - 1) * PAGE_SIZE : wanted * PAGE_SIZE])
    paginator = CataloguePaginator(rows, PAGE_SIZE)
    paginator.__dict__["count"] = min(found[0][1], COUNT_CAP + 1) if found else 0
    return Page([pk for pk, _ in found], wanted, paginator)


def catalogue_page(*, filters: CourseFilters, platform: str, number: str | int | None) -> Page:
    """One page of the catalogue in two steps: the ids of the page (a narrow query the planner
    can answer by walking an index, or the ranked search rows), then those courses with
    everything a card shows. The first search (catalogue_searches) that finds anything gives
    the page."""
    for search in catalogue_searches(filters=filters, platform=platform):
        if search.ranked:
            page = _ranked_page(search.rows, number)
        else:
            page = CataloguePaginator(search.rows.values_list("pk", flat=True), PAGE_SIZE).get_page(number)
        if page.paginator.count:
            break
    ids = list(page.object_list)
    courses = (
        Course.objects.filter(pk__in=ids)
        .select_related("institution", "category", "regency")
        .prefetch_related(Prefetch("listings", queryset=listings_for_sale().order_by("price"), to_attr="on_sale"))
        .in_bulk()
    )
    page.object_list = [courses[pk] for pk in ids if pk in courses]
    return page


def catalogue_course(*, code: str) -> Course | None:
    upcoming = Schedule.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at")
    return (
        Course.objects.on_sale()
        .select_related("institution", "category", "province", "regency")
        .prefetch_related(
            Prefetch("listings", queryset=listings_for_sale().order_by("price"), to_attr="on_sale"),
            Prefetch("schedules", queryset=upcoming, to_attr="upcoming"),
            Prefetch("reviews", queryset=CourseReview.objects.order_by("-created_at")[:10], to_attr="recent_reviews"),
            "trainers",
        )
        .filter(code=code)
        .first()
    )
