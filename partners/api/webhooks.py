"""Webhooks, self-service: a platform manages its endpoints and secrets, reads its delivery log
and asks for redelivery (docs/partner-api.md, "Webhooks"). Thin views over
partners.webhooks.services.webhooks; every query scoped to the calling platform."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from partners.api.authentication import partner_of
from partners.api.idempotency import idempotent
from partners.api.views import IDEMPOTENT, SIGNED, NewestFirst, PartnerAPIView
from partners.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from partners.webhooks.services.webhooks import (
    EVENT_TYPES,
    webhook_endpoint_create,
    webhook_endpoint_ping,
    webhook_endpoint_rotate,
    webhook_endpoint_set_active,
    webhook_redeliver,
)
from prakerja.core.actor import Actor


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    url = serializers.CharField(max_length=500, help_text="https:// URL of your receiver (public address).")

    class Meta:
        model = WebhookEndpoint
        fields: tuple[str, ...] = (
            "id",
            "url",
            "is_active",
            "created_at",
            "secret_rotated_at",
            "previous_secret_expires_at",
        )
        read_only_fields: tuple[str, ...] = (
            "id",
            "is_active",
            "created_at",
            "secret_rotated_at",
            "previous_secret_expires_at",
        )


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The signing secret: shown only in this answer, keep it safe (null in an "
        "Idempotency-Key replay: rotate again if it was lost).",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = (*WebhookEndpointSerializer.Meta.fields, "secret")
        read_only_fields = fields


class WebhookEndpointCreateSerializer(serializers.Serializer[Any]):
    url = serializers.CharField(max_length=500, help_text="https:// URL of your receiver (public address).")


class WebhookEventSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=[(t, t) for t in EVENT_TYPES])
    created = serializers.DateTimeField(source="created_at")
    data = serializers.JSONField(  # type: ignore[assignment]  # a field, not Serializer.data
        source="payload", help_text="As in the webhook's body (see the event catalogue)."
    )


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    event = WebhookEventSerializer(read_only=True)
    endpoint = serializers.IntegerField(source="endpoint_id", read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "event",
            "endpoint",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
        )
        read_only_fields = fields


class DeliveryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = django_filters.ChoiceFilter(field_name="event__type", choices=[(t, t) for t in EVENT_TYPES])
    event = django_filters.UUIDFilter(field_name="event_id")
    endpoint = django_filters.NumberFilter(field_name="endpoint_id")

    class Meta:
        model = WebhookDelivery
        fields = ("status", "event_type", "event", "endpoint")


def _actor(request: Request) -> Actor:
    return Actor.partner(partner_of(request).slug)


NEW_ENDPOINT = OpenApiExample(
    "Register a receiver", value={"url": "https://platform.example.id/prakerja/webhook"}, request_only=True
)


@extend_schema_view(
    list=extend_schema(parameters=SIGNED),
    retrieve=extend_schema(parameters=SIGNED),
    create=extend_schema(
        parameters=IDEMPOTENT,
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointWithSecretSerializer},
        examples=[NEW_ENDPOINT],
    ),
    rotate_secret=extend_schema(
        parameters=IDEMPOTENT, request=None, responses={200: WebhookEndpointWithSecretSerializer}
    ),
    disable=extend_schema(parameters=IDEMPOTENT, request=None, responses={200: WebhookEndpointSerializer}),
    enable=extend_schema(parameters=IDEMPOTENT, request=None, responses={200: WebhookEndpointSerializer}),
    ping=extend_schema(parameters=IDEMPOTENT, request=None, responses={202: WebhookDeliverySerializer}),
)
class WebhookEndpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PartnerAPIView):
    """Your webhook receivers. A new endpoint and a rotation answer the signing secret once."""

    serializer_class = WebhookEndpointSerializer
    pagination_class = NewestFirst
    not_found_code = "webhook_endpoint_not_found"
    # The signing secret is shown once: an Idempotency-Key replay answers it as null.
    idempotency_redact = ("secret",)

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return WebhookEndpoint.objects.filter(partner=partner_of(self.request))

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = WebhookEndpointCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = webhook_endpoint_create(
            partner=partner_of(request), url=serializer.validated_data["url"], actor=_actor(request)
        )
        body = dict(WebhookEndpointSerializer(created.endpoint).data, secret=created.secret)
        return Response(body, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="rotate-secret")
    @idempotent
    def rotate_secret(self, request: Request, pk: str) -> Response:
        rotated = webhook_endpoint_rotate(endpoint=self.get_object(), actor=_actor(request))
        return Response(dict(WebhookEndpointSerializer(rotated.endpoint).data, secret=rotated.secret))

    @action(detail=True, methods=["post"])
    @idempotent
    def disable(self, request: Request, pk: str) -> Response:
        endpoint = webhook_endpoint_set_active(endpoint=self.get_object(), active=False, actor=_actor(request))
        return Response(WebhookEndpointSerializer(endpoint).data)

    @action(detail=True, methods=["post"])
    @idempotent
    def enable(self, request: Request, pk: str) -> Response:
        endpoint = webhook_endpoint_set_active(endpoint=self.get_object(), active=True, actor=_actor(request))
        return Response(WebhookEndpointSerializer(endpoint).data)

    @action(detail=True, methods=["post"])
    @idempotent
    def ping(self, request: Request, pk: str) -> Response:
        delivery = webhook_endpoint_ping(endpoint=self.get_object(), actor=_actor(request))
        fresh = WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(fresh).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(parameters=SIGNED),
    retrieve=extend_schema(parameters=SIGNED),
    redeliver=extend_schema(parameters=IDEMPOTENT, request=None, responses={202: WebhookDeliverySerializer}),
)
class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PartnerAPIView):
    """The delivery log: every event sent to each of your endpoints, newest first."""

    serializer_class = WebhookDeliverySerializer
    filterset_class = DeliveryFilter
    pagination_class = NewestFirst
    not_found_code = "webhook_delivery_not_found"

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return WebhookDelivery.objects.filter(endpoint__partner=partner_of(self.request)).select_related("event")

    @action(detail=True, methods=["post"])
    @idempotent
    def redeliver(self, request: Request, pk: str) -> Response:
        delivery = self.get_object()
        webhook_redeliver(delivery=delivery, actor=_actor(request))
        return Response(
            WebhookDeliverySerializer(self.get_queryset().get(pk=delivery.pk)).data, status=status.HTTP_202_ACCEPTED
        )
