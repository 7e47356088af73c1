import django_filters
from django.db.models import QuerySet

from courses.models import Course
from partners.models import Listing, Purchase, PurchaseStatus


class CatalogFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__slug")
    method = django_filters.CharFilter()
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
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Purchase
        fields = ("status", "updated_since")

    def filter_status(self, queryset: QuerySet[Purchase], name: str, value: str) -> QuerySet[Purchase]:
        # "redeemed" is a paid purchase whose redeem code the institution committed.
        if value == PurchaseStatus.REDEEMED:
            return queryset.filter(status=PurchaseStatus.PAID, redeem_code__status="used")
        if value == PurchaseStatus.PAID:
            return queryset.filter(status=PurchaseStatus.PAID).exclude(redeem_code__status="used")
        return queryset.filter(status=value)
