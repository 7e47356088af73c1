"""The public catalogue: courses on sale with where they are sold. It lives in the top layer
because it joins courses to the platforms' listings."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from courses.models import Course, Schedule
from courses.selectors import CourseFilters, courses_on_sale_search
from partners.models import Listing, PartnerStatus


def listings_for_sale() -> QuerySet[Listing]:
    return Listing.objects.filter(is_active=True, partner__status=PartnerStatus.ACTIVE).select_related("partner")


def catalogue_search(*, filters: CourseFilters, platform: str = "") -> QuerySet[Course]:
    """Courses on sale on at least one active platform (or on `platform`), listings prefetched."""
    sold = listings_for_sale().filter(course=OuterRef("pk"))
    if platform:
        sold = sold.filter(partner__slug=platform)
    return (
        courses_on_sale_search(filters)
        .filter(Exists(sold))
        .prefetch_related(Prefetch("listings", queryset=listings_for_sale().order_by("price"), to_attr="on_sale"))
    )


def catalogue_course(*, code: str) -> Course | None:
    upcoming = Schedule.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at")
    return (
        Course.objects.on_sale()
        .select_related("institution", "category", "province", "regency")
        .prefetch_related(
            Prefetch("listings", queryset=listings_for_sale().order_by("price"), to_attr="on_sale"),
            Prefetch("schedules", queryset=upcoming, to_attr="upcoming"),
            "trainers",
        )
        .filter(code=code)
        .first()
    )
