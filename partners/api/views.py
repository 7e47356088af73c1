"""Partner API v1: thin views over the services; every query scoped to the calling partner."""

import re
import time
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from courses.models import Course, Schedule
from partners.api.authentication import PartnerSignatureAuthentication, partner_of, partner_request_authenticate
from partners.api.filters import CatalogFilter, ListingFilter
from partners.api.idempotency import idempotent
from partners.api.parsers import BoundedJSONParser
from partners.api.selectors import listing_of_partner
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

    @classmethod
    def current_rate(cls) -> tuple[int, int] | None:
        """(limit, seconds) of the configured rate, or None when there is no limit."""
        rate = cls.THROTTLE_RATES.get(cls.scope)
        if rate is None:
            return None
        limit, duration = cls.parse_rate(cls, rate)  # type: ignore[arg-type]
        return None if limit is None or duration is None else (limit, duration)

    def allow_request(self, request: Request, view: Any) -> bool:
        return self.allows(request._request, partner_of(request).pk)

    def allows(self, request: HttpRequest, partner_id: int) -> bool:
        """The rule itself, on the Django request (DRF's check and the lean signed GET)."""
        if self.rate is None:
            return True
        limit, duration = self.parse_rate(self.rate)
        if limit is None or duration is None:
            return True
        window = int(time.time() // duration)
        bucket = f"throttle-partner-{partner_id}-{window}"
        counted = getattr(request, "partner_throttle", None)
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
        request.rate_limit = (limit, max(limit - count, 0), int(self.wait_seconds) + 1)  # type: ignore[attr-defined]
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
        api_answer_finish(
            request._request, response, route=f"{getattr(self, 'basename', '')}-{getattr(self, 'action', '') or ''}"
        )
        return response


def api_answer_finish(request: HttpRequest, response: HttpResponseBase, *, route: str) -> None:
    """The rate limit in the answer's headers, and the request's log row."""
    rate_limit = getattr(request, "rate_limit", None)
    if rate_limit is not None:
        response["RateLimit-Limit"], response["RateLimit-Remaining"], response["RateLimit-Reset"] = map(str, rate_limit)
    api_request_log(
        partner_id=getattr(request, "api_partner_id", None),
        method=request.method or "",
        route=route,
        status_code=response.status_code,
        started=getattr(request, "api_started", None),
    )


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

    # GET /listings/{id}/, the partner API's hottest read, is served without DRF's request cycle
    # (request wrapping, content negotiation, permission and throttle objects, the ORM's compile
    # of the query): the same authentication, throttle, query scope, answer and log, for ~40%
    # less CPU (docs/benchmarks.md, issue 21, fourth round). Anything unusual about the request
    # (another Accept, ?format=, an id that is not plain digits) and every refusal go through DRF
    # itself, so their answers are DRF's by construction; tests/partners/api/test_lean_listing_get.py
    # compares both paths answer for answer.
    lean_retrieve = True
    _LEAN_ID = re.compile(r"[0-9]{1,18}")  # fits a bigint, as int() reads it (the ORM's lookup)
    _LEAN_ACCEPT = frozenset({None, "*/*", "application/json"})  # what DRF negotiates to JSON as is
    _LEAN_CLASSES = (
        (PartnerSignatureAuthentication,),
        (IsAuthenticated,),  # always true for a request the authentication let through
        (PartnerRateThrottle,),
        (JSONRenderer,),
    )

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self._lean_applies(request, kwargs):
            return self._lean_retrieve(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def _lean_applies(self, request: HttpRequest, kwargs: dict[str, Any]) -> bool:
        return (
            self.lean_retrieve
            and request.method == "GET"
            and kwargs.keys() == {"pk"}
            and self._LEAN_ID.fullmatch(kwargs["pk"]) is not None
            and request.META.get("HTTP_ACCEPT") in self._LEAN_ACCEPT
            and "format" not in request.META.get("QUERY_STRING", "")
            and (
                tuple(self.authentication_classes),
                tuple(self.permission_classes),
                tuple(self.throttle_classes),
                tuple(self.renderer_classes),
            )
            == self._LEAN_CLASSES
        )

    def _lean_retrieve(self, request: HttpRequest, pk: str) -> HttpResponseBase:
        request.api_started = time.monotonic()  # type: ignore[attr-defined]
        self.action = "retrieve"
        self.headers = self.default_response_headers
        try:
            client, api_key = partner_request_authenticate(request)
        except exceptions.APIException as refusal:
            request.user = request.auth = None  # type: ignore[assignment,attr-defined]  # as DRF's Request does
            return self._lean_refusal(request, pk, refusal)
        request.user, request.auth = client, api_key  # type: ignore[assignment,attr-defined]
        throttle = PartnerRateThrottle()
        if not throttle.allows(request, client.partner.pk):
            return self._lean_refusal(request, pk, exceptions.Throttled(throttle.wait()))
        listing = listing_of_partner(partner_id=client.partner.pk, listing_id=int(pk))
        if listing is None:
            return self._lean_refusal(request, pk, Http404())
        response = HttpResponse(JSONRenderer().render(listing_data(listing)), content_type="application/json")
        for name, value in self.headers.items():  # Allow (Vary only with several renderers)
            response[name] = value
        api_answer_finish(request, response, route=f"{self.basename}-{self.action}")
        return response

    def _lean_refusal(self, request: HttpRequest, pk: str, refusal: Exception) -> HttpResponseBase:
        """A refusal answered by DRF's own machinery, as its dispatch would have answered the same
        exception: the same body, status, headers and log row (refusals are rare; their cost does
        not matter)."""
        drf_request = self.initialize_request(request, pk=pk)
        drf_request.user, drf_request.auth = request.user, getattr(request, "auth", None)
        self.request = drf_request
        self.format_kwarg = self.get_format_suffix(pk=pk)
        drf_request.accepted_renderer, drf_request.accepted_media_type = self.perform_content_negotiation(drf_request)
        response = self.handle_exception(refusal)
        return self.finalize_response(drf_request, response, pk=pk)

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
