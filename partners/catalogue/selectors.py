"""The public catalogue: courses on sale with where they are sold. It lives in the top layer
because it joins courses to the platforms' listings."""

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from courses.models import Course, CourseReview, Schedule
from courses.selectors import CourseFilters, courses_on_sale_search
from partners.models import Listing, Partner, PartnerStatus

PAGE_SIZE = 20
COUNT_CAP = 1000


def listings_for_sale() -> QuerySet[Listing]:
    return Listing.objects.filter(is_active=True, partner__status=PartnerStatus.ACTIVE).select_related("partner")


def catalogue_search(*, filters: CourseFilters, platform: str = "") -> QuerySet[Course]:
    """Courses on sale on at least one active platform (or on `platform`), best first."""
    # Platforms that may not sell are few: excluded by id, so the check is one index probe.
    not_selling = list(Partner.objects.exclude(status=PartnerStatus.ACTIVE).values_list("id", flat=True))
    sold = Listing.objects.filter(course=OuterRef("pk"), is_active=True).exclude(partner_id__in=not_selling)
    if platform:
        sold = sold.filter(partner__slug=platform)
    return courses_on_sale_search(filters).filter(Exists(sold))


class CataloguePaginator(Paginator):
    """Counts at most COUNT_CAP matches: counting every match of a broad search costs more
    than the page itself."""

    @cached_property
    def count(self) -> int:
        return int(self.object_list.order_by()[: COUNT_CAP + 1].count())  # type: ignore[attr-defined]


def catalogue_page(*, filters: CourseFilters, platform: str, number: str | int | None) -> Page:
    """One page of the catalogue in two steps: the ids of the page (a narrow query the planner
    can answer by walking an index), then those courses with everything a card shows."""
    page = CataloguePaginator(
        catalogue_search(filters=filters, platform=platform).values_list("id", flat=True), PAGE_SIZE
    ).get_page(number)
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
