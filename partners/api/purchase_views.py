"""The partner API's purchases: create, confirm with the participant's code, start, complete,
cancel; and the sandbox's purchases for integration testing."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from partners.api.authentication import partner_of
from partners.api.filters import PurchaseFilter
from partners.api.idempotency import idempotent
from partners.api.schema import SANDBOX_STATUS_CHOICES, PartnerSignatureScheme
from partners.api.serializers import (
    PurchaseCompleteSerializer,
    PurchaseConfirmSerializer,
    PurchaseCreateSerializer,
    PurchaseSerializer,
    platform_account_field,
)
from partners.api.views import IDEMPOTENT, SIGNED, NewestFirst, PartnerAPIView
from partners.models import IntegrationCheck, Purchase
from partners.onboarding.services.integration_check import (
    integration_check_complete,
    integration_check_confirm,
    integration_check_start,
)
from partners.purchases.services.purchases import (
    PurchaseError,
    purchase_cancel,
    purchase_complete,
    purchase_confirm,
    purchase_create,
)

CREATE_EXAMPLE = OpenApiExample(
    "Buy a listing",
    value={"card_number": "5380342687319785", "platform_account_id": "usr_8f3a2c91", "listing": 12},
    request_only=True,
)


@extend_schema_view(
    list=extend_schema(parameters=SIGNED),
    retrieve=extend_schema(parameters=SIGNED),
    create=extend_schema(
        parameters=IDEMPOTENT,
        request=PurchaseCreateSerializer,
        responses={201: PurchaseSerializer},
        examples=[CREATE_EXAMPLE],
    ),
    confirm=extend_schema(
        parameters=IDEMPOTENT,
        request=PurchaseConfirmSerializer,
        responses={200: PurchaseSerializer},
        examples=[OpenApiExample("The participant's code", value={"otp": "482913"}, request_only=True)],
    ),
    cancel=extend_schema(parameters=IDEMPOTENT, request=None, responses={200: PurchaseSerializer}),
    complete=extend_schema(
        parameters=IDEMPOTENT,
        request=PurchaseCompleteSerializer,
        responses={200: PurchaseSerializer},
        examples=[
            OpenApiExample(
                "Certificate issued",
                value={
                    "certificate_number": "SERT/2026/11/000123",
                    "certificate_url": "https://platform.example.id/sertifikat/000123.pdf",
                    "completed_at": "2026-11-20T15:30:00+07:00",
                },
                request_only=True,
            )
        ],
    ),
)
class PurchaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PartnerAPIView):
    """Purchases made on the calling platform."""

    serializer_class = PurchaseSerializer
    filterset_class = PurchaseFilter
    pagination_class = NewestFirst
    not_found_code = "purchase_not_found"

    def get_queryset(self) -> QuerySet[Purchase]:
        if getattr(self, "swagger_fake_view", False):
            return Purchase.objects.none()
        return Purchase.objects.filter(partner=partner_of(self.request)).select_related("course", "card", "redeem_code")

    def _fresh(self, purchase: Purchase, code: int = status.HTTP_200_OK) -> Response:
        reloaded = self.get_queryset().get(pk=purchase.pk)
        return Response(PurchaseSerializer(reloaded).data, status=code)

    @staticmethod
    def _as_written(purchase: Purchase, code: int = status.HTTP_200_OK) -> Response:
        """The answer from the purchase the service just wrote, with its course, card and
        redeem code loaded (create and confirm): no second read of what was written. The
        test pins that it is the same as a fresh read."""
        return Response(PurchaseSerializer(purchase).data, status=code)

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = PurchaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        purchase = purchase_create(
            partner=partner_of(request),
            card_number=data["card_number"],
            platform_account=data["platform_account_id"],
            listing_id=data["listing"],
            schedule_id=data.get("schedule"),
        )
        return self._as_written(purchase, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    @idempotent
    def confirm(self, request: Request, pk: str) -> Response:
        serializer = PurchaseConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        purchase = purchase_confirm(purchase_id=pk, otp=serializer.validated_data["otp"], partner=partner_of(request))
        return self._as_written(purchase)

    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, pk: str) -> Response:
        return self._fresh(purchase_cancel(purchase_id=pk, partner=partner_of(request)))

    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request: Request, pk: str) -> Response:
        serializer = PurchaseCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        purchase = purchase_complete(
            purchase_id=pk,
            partner=partner_of(request),
            certificate_number=data["certificate_number"],
            certificate_url=data["certificate_url"],
            completed_at=data["completed_at"],
        )
        return self._fresh(purchase)


class SandboxPurchaseCreateSerializer(serializers.Serializer[Any]):
    listing = serializers.IntegerField()
    # Required as in production, so the integration proves the platform sends it; not stored.
    platform_account_id = platform_account_field(
        help_text="Your id of the test buyer's account, as a real purchase sends it (not stored)."
    )


class SandboxPurchaseSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    listing = serializers.IntegerField(source="listing_id")
    price = serializers.IntegerField()
    status = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=SANDBOX_STATUS_CHOICES))
    def get_status(self, check: IntegrationCheck) -> str:
        if check.completed_at is not None:
            return "completed"
        return "paid" if check.confirmed_at is not None else "awaiting_confirmation"


class SandboxPurchaseCreatedSerializer(SandboxPurchaseSerializer):
    sandbox_otp = serializers.CharField(help_text="The code a participant would read from the SMS (sandbox only).")


@extend_schema_view(
    create=extend_schema(
        parameters=IDEMPOTENT,
        request=SandboxPurchaseCreateSerializer,
        responses={201: SandboxPurchaseCreatedSerializer},
    ),
    confirm=extend_schema(
        parameters=IDEMPOTENT, request=PurchaseConfirmSerializer, responses={200: SandboxPurchaseSerializer}
    ),
    complete=extend_schema(parameters=IDEMPOTENT, request=None, responses={200: SandboxPurchaseSerializer}),
)
class SandboxPurchaseViewSet(PartnerAPIView):
    """The integration check: a test purchase without a card or money (docs/partner-api.md)."""

    not_found_code = "purchase_not_found"
    serializer_class = SandboxPurchaseSerializer

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = SandboxPurchaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check, code = integration_check_start(
            partner=partner_of(request), listing_id=serializer.validated_data["listing"]
        )
        body = dict(SandboxPurchaseSerializer(check).data, sandbox_otp=code)
        return Response(body, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    @idempotent
    def confirm(self, request: Request, pk: str) -> Response:
        serializer = PurchaseConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check = integration_check_confirm(
            partner=partner_of(request), check_id=pk, otp=serializer.validated_data["otp"]
        )
        return Response(SandboxPurchaseSerializer(check).data)

    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request: Request, pk: str) -> Response:
        check = integration_check_complete(partner=partner_of(request), check_id=pk)
        return Response(SandboxPurchaseSerializer(check).data)


__all__ = ["PartnerSignatureScheme", "PurchaseError"]
