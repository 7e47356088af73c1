import datetime as dt

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from courses.models import Course, LearningMethod
from partners.models import Listing, Purchase, PurchaseStatus


class CatalogFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__slug")
    method = django_filters.ChoiceFilter(choices=LearningMethod.choices)
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title contains")

    class Meta:
        model = Course
        fields = ("category", "method", "q")


class ListingFilter(django_filters.FilterSet):
    class Meta:
        model = Listing
        fields = ("is_active", "course")


class PurchaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PurchaseStatus.choices, method="filter_status")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", method="filter_updated_since")

    class Meta:
        model = Purchase
        fields = ("status", "updated_since")

    def filter_updated_since(self, queryset: QuerySet[Purchase], name: str, value: dt.datetime) -> QuerySet[Purchase]:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 parsers accept.
        try:
            moment = value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise ValidationError({"updated_since": _("Not a usable date and time.")}) from None
        return queryset.filter(updated_at__gte=moment)

    def filter_status(self, queryset: QuerySet[Purchase], name: str, value: str) -> QuerySet[Purchase]:
        # "redeemed" is a paid purchase whose redeem code the institution committed.
        if value == PurchaseStatus.REDEEMED:
            return queryset.filter(status=PurchaseStatus.PAID, redeem_code__status="used")
        if value == PurchaseStatus.PAID:
            return queryset.filter(status=PurchaseStatus.PAID).exclude(redeem_code__status="used")
        return queryset.filter(status=value)
