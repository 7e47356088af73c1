"""Partner API v1: thin views over the services; every query scoped to the calling partner."""

import time
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from courses.models import Course, Schedule
from partners.api.authentication import PartnerSignatureAuthentication, partner_of
from partners.api.filters import CatalogFilter, ListingFilter
from partners.api.idempotency import idempotent
from partners.api.parsers import BoundedJSONParser
from partners.api.serializers import (
    CatalogCourseSerializer,
    ListingSerializer,
    ListingUpdateSerializer,
    ScheduleSerializer,
    listing_data,
)
from partners.api.services.api_log import api_request_log
from partners.models import Listing
from partners.platforms.services.listings import (
    NewCourse,
    listing_create,
    listing_create_with_new_course,
    listing_update,
)
from prakerja.core.actor import Actor


class PartnerRateThrottle(SimpleRateThrottle):
    """Requests per partner (all its keys together), rate in PARTNER_API_THROTTLE.

    A counter per partner and window (one atomic increment in Redis), not DRF's default list
    of every request's time, which grows with the rate and races between server processes."""

    scope = "partner"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return f"throttle-partner-{partner_of(request).pk}"

    @classmethod
    def current_rate(cls) -> tuple[int, int] | None:
        """(limit, seconds) of the configured rate, or None when there is no limit."""
        rate = cls.THROTTLE_RATES.get(cls.scope)
        if rate is None:
            return None
        limit, duration = cls.parse_rate(cls, rate)  # type: ignore[arg-type]
        return None if limit is None or duration is None else (limit, duration)

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        limit, duration = self.parse_rate(self.rate)
        if limit is None or duration is None:
            return True
        window = int(time.time() // duration)
        bucket = f"{self.get_cache_key(request, view)}-{window}"
        counted = getattr(request._request, "partner_throttle", None)
        if counted is not None and counted[0] == bucket:
            count = counted[1]  # counted in the authentication's Redis round trip
        else:
            cache.add(bucket, 0, timeout=duration + 1)
            try:
                count = cache.incr(bucket)
            except ValueError:  # expired between add and incr
                cache.add(bucket, 1, timeout=duration + 1)
                count = 1
        self.wait_seconds = duration - (time.time() % duration)
        # Told to the platform on every answer (RateLimit-* headers, see LoggedAPIView).
        request._request.rate_limit = (limit, max(limit - count, 0), int(self.wait_seconds) + 1)  # type: ignore[attr-defined]
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)


class NewestFirst(CursorPagination):
    ordering = "-created_at"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class ById(CursorPagination):
    ordering = "id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


SIGNED = [
    OpenApiParameter("Authorization", str, OpenApiParameter.HEADER, required=True, description="`Api-Key <key>`"),
    OpenApiParameter(
        "X-Timestamp",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="Unix time in milliseconds (13 digits); seconds (10) and microseconds (16) are accepted too",
        pattern=r"^([0-9]{10}|[0-9]{13}|[0-9]{16})$",
    ),
    OpenApiParameter(
        "X-Signature", str, OpenApiParameter.HEADER, required=True, description="hex HMAC-SHA256, see the description"
    ),
]
IDEMPOTENT = [
    *SIGNED,
    OpenApiParameter(
        "Idempotency-Key", str, OpenApiParameter.HEADER, required=True, description="Unique per intended operation"
    ),
]


class LoggedAPIView:
    """Every request of a known platform is logged (its API error rate is part of its
    evaluation), including those refused for a bad signature or a throttle."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        request._request.api_started = time.monotonic()  # type: ignore[attr-defined]
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        rate_limit = getattr(request._request, "rate_limit", None)
        if rate_limit is not None:
            response["RateLimit-Limit"], response["RateLimit-Remaining"], response["RateLimit-Reset"] = map(
                str, rate_limit
            )
        api_request_log(
            partner_id=getattr(request._request, "api_partner_id", None),
            method=request.method or "",
            route=f"{getattr(self, 'basename', '')}-{getattr(self, 'action', '') or ''}",
            status_code=response.status_code,
            started=getattr(request._request, "api_started", None),
        )
        return response


class PartnerAPIView(LoggedAPIView, viewsets.GenericViewSet[Any]):
    parser_classes = [BoundedJSONParser]
    authentication_classes = [PartnerSignatureAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [PartnerRateThrottle]
    # Any id that does not match (unknown, malformed, another platform's) is a 404 with this code.
    lookup_value_regex = "[^/]+"
    not_found_code = "not_found"


@extend_schema_view(list=extend_schema(parameters=SIGNED), retrieve=extend_schema(parameters=SIGNED))
class CatalogCourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PartnerAPIView):
    """Approved courses a platform may list."""

    serializer_class = CatalogCourseSerializer
    filterset_class = CatalogFilter
    pagination_class = ById
    not_found_code = "course_not_found"

    def get_queryset(self) -> QuerySet[Course]:
        if getattr(self, "swagger_fake_view", False):  # schema generation must not touch the database
            return Course.objects.none()
        return Course.objects.on_sale().select_related("institution", "category")

    @extend_schema(parameters=SIGNED, responses={200: ScheduleSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def schedules(self, request: Request, pk: str) -> Response:
        """The course's sessions still to start, soonest first (webinar, offline and hybrid
        courses are bought for one of them)."""
        course = self.get_object()
        upcoming = Schedule.objects.filter(course=course, starts_at__gt=timezone.now()).select_related(
            "course__regency", "course__province"
        )
        return Response(ScheduleSerializer(upcoming.order_by("starts_at", "pk"), many=True).data)


@extend_schema_view(
    list=extend_schema(parameters=SIGNED),
    retrieve=extend_schema(parameters=SIGNED),
    create=extend_schema(parameters=IDEMPOTENT),
    partial_update=extend_schema(parameters=SIGNED, request=ListingUpdateSerializer),
)
class ListingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PartnerAPIView):
    """The calling platform's own listings."""

    serializer_class = ListingSerializer
    filterset_class = ListingFilter
    pagination_class = NewestFirst
    not_found_code = "listing_not_found"

    def get_queryset(self) -> QuerySet[Listing]:
        if getattr(self, "swagger_fake_view", False):
            return Listing.objects.none()
        return Listing.objects.filter(partner=partner_of(self.request))

    def filter_queryset(self, queryset: QuerySet[Listing]) -> QuerySet[Listing]:
        # The list's filters mean nothing for one listing by id: building the FilterSet was a
        # tenth of a signed GET's CPU.
        return queryset if self.action == "retrieve" else super().filter_queryset(queryset)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The read-only fields straight from the row: ListingSerializer builds its writable
        # fields (and their validators) for every instance it shows.
        return Response(listing_data(self.get_object()))

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = ListingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        partner = partner_of(request)
        data = serializer.validated_data
        actor = Actor.partner(partner.slug)
        if "new_course" in data:
            new = data["new_course"]
            listing = listing_create_with_new_course(
                partner=partner,
                new=NewCourse(
                    institution_id=new["institution"],
                    title=new["title"],
                    description=new["description"],
                    learning_outcomes=new["learning_outcomes"],
                    category_slug=new["category"],
                    method=new["method"],
                    total_hours=new["total_hours"],
                    price=new["price"],
                    outside_price=new["outside_price"],
                    trainer_name=new["trainer_name"],
                    trainer_profile=new["trainer_profile"],
                    sessions=[(s["starts_at"], s["ends_at"]) for s in new["sessions"]],
                    session_plan=new["session_plan"],
                    min_duration_hours=new["min_duration_hours"],
                ),
                sku=data["sku"],
                price=data["price"],
                actor=actor,
            )
        else:
            listing = listing_create(
                course=data["course"],
                partner=partner,
                sku=data["sku"],
                price=data["price"],
                url=data.get("url", ""),
                actor=actor,
            )
        return Response(ListingSerializer(listing).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        listing = self.get_object()
        serializer = ListingUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        listing = listing_update(
            listing=listing,
            actor=Actor.partner(partner_of(request).slug),
            price=data.get("price"),
            is_active=data.get("is_active"),
            sku=data.get("sku"),
        )
        return Response(ListingSerializer(listing).data)
