"""Which card each platform account uses (one platform account per card): read-only, written
only by the purchase flow. The account itself is never shown, only that a binding exists."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from partners.models import PlatformAccountBinding
from prakerja.core.admin_base import ReadOnlyAdmin
from prakerja.core.crypto import mask_identifier


@admin.register(PlatformAccountBinding)
class PlatformAccountBindingAdmin(ReadOnlyAdmin):
    list_display = ("card_masked", "partner", "bound_at", "purchase")
    list_filter = ("partner",)
    list_select_related = ("card", "partner", "purchase")
    ordering = ("-bound_at",)
    show_full_result_count = False
    fields = readonly_fields = ("card_masked", "partner", "purchase", "bound_at")

    @admin.display(description=_("card"))
    def card_masked(self, obj: PlatformAccountBinding) -> str:
        return mask_identifier(obj.card.number)
