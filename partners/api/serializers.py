from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.models import Course, LearningMethod, Schedule
from partners.models import Listing, Purchase, PurchaseStatus
from partners.purchases.services.purchase_rules import PLATFORM_ACCOUNT_MAX_LENGTH
from partners.purchases.services.purchases import purchase_display_status


@extend_schema_field({"type": "string", "description": "An http(s) URL, or empty when there is none."})
class OptionalURLField(serializers.CharField):
    """A URL that may be empty: described as a plain string, since "" is not a "uri"."""

    url_validator = URLValidator(schemes=["http", "https"])

    def to_internal_value(self, data: Any) -> str:
        # Checked here, not through `validators`: the schema generator would describe a URL
        # validator as format "uri", which an empty string does not satisfy.
        value = str(super().to_internal_value(data))
        if value:
            try:
                self.url_validator(value)
            except DjangoValidationError as error:
                raise serializers.ValidationError("Enter a valid http(s) URL.") from error
        return value


# Prices fit a PostgreSQL bigint with room for sums: a rupiah amount beyond a trillion is a
# malformed request, not a course (an unbounded integer would reach the database and fail there).
MAX_RUPIAH = 10**12
MAX_ID = 2**63 - 1


class CatalogCourseSerializer(serializers.ModelSerializer[Course]):
    institution = serializers.CharField(source="institution.brand", read_only=True)
    category = serializers.CharField(source="category.slug", read_only=True)

    class Meta:
        model = Course
        fields = ("id", "code", "title", "institution", "category", "method", "total_hours", "price", "outside_price")
        read_only_fields = fields


class ScheduleSerializer(serializers.ModelSerializer[Schedule]):
    """A session of a webinar or offline course: send its id as the purchase's `schedule`."""

    method = serializers.ChoiceField(source="course.method", choices=LearningMethod.choices, read_only=True)
    location = serializers.CharField(read_only=True, help_text="Where an offline class meets; empty for webinars.")
    regency = serializers.CharField(
        source="course.regency.name", read_only=True, allow_null=True, help_text="Offline and hybrid courses."
    )
    province = serializers.CharField(
        source="course.province.name", read_only=True, allow_null=True, help_text="Offline and hybrid courses."
    )

    class Meta:
        model = Schedule
        fields = ("id", "code", "starts_at", "ends_at", "capacity", "method", "location", "regency", "province")
        read_only_fields = fields


class SessionSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class NewCourseSerializer(serializers.Serializer[Any]):
    """A course submitted for curation on behalf of one of the platform's institutions."""

    institution = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    learning_outcomes = serializers.CharField()
    category = serializers.SlugField(help_text="A category slug from the catalogue.")
    method = serializers.ChoiceField(choices=LearningMethod.choices)
    total_hours = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0.5"))
    price = serializers.IntegerField(min_value=1, max_value=MAX_RUPIAH, help_text="Price on Prakerja (Rp).")
    outside_price = serializers.IntegerField(
        min_value=1, max_value=MAX_RUPIAH, help_text="Price of the same course outside the programme."
    )
    trainer_name = serializers.CharField(max_length=150)
    trainer_profile = serializers.CharField(required=False, allow_blank=True, default="")
    sessions = SessionSerializer(many=True, required=False, default=list)
    session_plan = serializers.ListField(
        child=serializers.BooleanField(),
        min_length=1,
        max_length=100,
        help_text="The session plan: one entry per planned session, true when that session requires a "
        "practice task (tugas unjuk keterampilan). Completion needs every session attended and every "
        "such task assessed.",
    )
    min_duration_hours = serializers.IntegerField(
        min_value=1,
        max_value=10_000,
        required=False,
        allow_null=True,
        default=None,
        help_text="Self-paced courses: the least number of hours from the start to completion.",
    )


class ListingSerializer(serializers.ModelSerializer[Listing]):
    course = serializers.PrimaryKeyRelatedField(
        queryset=Course.objects.all(), required=False, help_text="An approved course (or send new_course)."
    )
    new_course = NewCourseSerializer(write_only=True, required=False)
    url = OptionalURLField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = Listing
        fields = (
            "id",
            "course",
            "new_course",
            "sku",
            "price",
            "is_active",
            "awaiting_approval",
            "affiliated",
            "withheld_for_disclosure",
            "url",
            "created_at",
        )
        read_only_fields = (
            "id",
            "is_active",
            "awaiting_approval",
            "affiliated",
            "withheld_for_disclosure",
            "created_at",
        )
        extra_kwargs = {"price": {"min_value": 1, "help_text": "Your price (Rp), at most the course's price."}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("course" in attrs) == ("new_course" in attrs):
            raise serializers.ValidationError("Send either course (an approved course) or new_course.")
        return attrs


_created_at = serializers.DateTimeField()


def listing_data(listing: Listing) -> dict[str, Any]:
    """What ListingSerializer shows of a listing (the same keys and formats), without building a
    serializer: the one listing of a signed GET."""
    return {
        "id": listing.pk,
        "course": listing.course_id,
        "sku": listing.sku,
        "price": listing.price,
        "is_active": listing.is_active,
        "awaiting_approval": listing.awaiting_approval,
        "affiliated": listing.affiliated,
        "withheld_for_disclosure": listing.withheld_for_disclosure,
        "url": listing.url,
        "created_at": _created_at.to_representation(listing.created_at),
    }


class ListingUpdateSerializer(serializers.Serializer[Listing]):
    sku = serializers.CharField(max_length=64, required=False)
    price = serializers.IntegerField(min_value=1, max_value=MAX_RUPIAH, required=False)
    is_active = serializers.BooleanField(required=False)
    url = serializers.URLField(required=False, allow_blank=True)


def platform_account_field(*, help_text: str) -> serializers.RegexField:
    """The platform's id of the buyer's account: printable ASCII without spaces, so that the
    same account never arrives in two spellings (partners.purchases.services.purchase_rules)."""
    return serializers.RegexField(
        rf"^[\x21-\x7e]{{1,{PLATFORM_ACCOUNT_MAX_LENGTH}}}$",
        max_length=PLATFORM_ACCOUNT_MAX_LENGTH,
        help_text=help_text,
        error_messages={"invalid": gettext_lazy("1 to 128 printable ASCII characters without spaces.")},
    )


class PurchaseCreateSerializer(serializers.Serializer[Any]):
    card_number = serializers.RegexField(r"^[0-9 ]{16,19}$", help_text="The participant's 16-digit card number.")
    platform_account_id = platform_account_field(
        help_text="Your own id of the buyer's account on your platform (opaque, 1 to 128 printable ASCII "
        "characters without spaces; the portal keeps only a keyed hash of it). The card's first paid purchase "
        "on your platform binds the card to this account: one platform account uses one card."
    )
    listing = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Your listing's id.")
    schedule = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="Required for webinar, offline and hybrid courses: a schedule id from "
        "GET /catalog/courses/{id}/schedules/.",
    )


class PurchaseConfirmSerializer(serializers.Serializer[Any]):
    otp = serializers.RegexField(r"^[0-9]{6}$", help_text="The 6-digit code the participant received by SMS.")


class PurchaseCompleteSerializer(serializers.Serializer[Any]):
    certificate_number = serializers.CharField(max_length=100)
    certificate_url = serializers.URLField(max_length=500)
    completed_at = serializers.DateTimeField()


class PurchaseSerializer(serializers.ModelSerializer[Purchase]):
    status = serializers.SerializerMethodField()
    course_code = serializers.CharField(source="course.code", read_only=True)
    card_number_last4 = serializers.SerializerMethodField()
    redeem_code = serializers.SerializerMethodField()
    certificate_url = OptionalURLField(read_only=True)

    class Meta:
        model = Purchase
        fields = (
            "id",
            "invoice_code",
            "status",
            "listing",
            "course_code",
            "schedule",
            "card_number_last4",
            "price",
            "commission_rate_bp",
            "commission_amount",
            "otp_expires_at",
            "voucher_code",
            "redeem_code",
            "certificate_number",
            "certificate_url",
            "completed_at",
            "confirmed_at",
            "cancelled_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=PurchaseStatus.choices))
    def get_status(self, purchase: Purchase) -> str:
        return str(purchase_display_status(purchase))

    def get_card_number_last4(self, purchase: Purchase) -> str:
        return purchase.card.number[-4:]

    def get_redeem_code(self, purchase: Purchase) -> str | None:
        return purchase.redeem_code.code if purchase.redeem_code else None
