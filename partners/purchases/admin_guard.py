"""Cards whose purchase codes were typed wrong, across purchases and platforms: the PMO sees the
counts and the locks (read-only) and may lift a lock early with a reason, audited."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import CardCodeGuard
from partners.purchases.services.purchase_guard import card_confirmations_unlock
from prakerja.core.actor import Actor
from prakerja.core.admin_actions import action_form_or_page
from prakerja.core.crypto import mask_identifier


class LockedNowFilter(admin.SimpleListFilter):
    title = _("confirmations locked")
    parameter_name = "locked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", str(_("Locked now"))), ("ever", str(_("Locked at least once")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=timezone.now())
        if self.value() == "ever":
            return queryset.filter(lock_count__gt=0)
        return queryset


@admin.register(CardCodeGuard)
class CardCodeGuardAdmin(admin.ModelAdmin[CardCodeGuard]):
    list_display = (
        "card_masked",
        "failures",
        "failures_total",
        "lock_count",
        "locked_until",
        "last_failure_at",
        "last_failure_partner",
    )
    list_filter = (LockedNowFilter, "last_failure_partner")
    list_select_related = ("card", "last_failure_partner")
    ordering = ("-last_failure_at",)
    show_full_result_count = False
    fields = readonly_fields = (
        "card_masked",
        "failures",
        "failures_total",
        "lock_count",
        "locked_until",
        "last_failure_at",
        "last_failure_partner",
    )
    actions = ("unlock",)

    @admin.display(description=_("card"))
    def card_masked(self, obj: CardCodeGuard) -> str:
        return mask_identifier(obj.card.number)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change permission is for the unlock action only; the record itself is read-only.
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description=_("Lift the lock (with a reason)"), permissions=["change"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[CardCodeGuard]) -> HttpResponse | None:
        form = action_form_or_page(request, self, queryset, title=str(_("Lift the lock")))
        if isinstance(form, HttpResponse):
            return form
        for guard in queryset:
            card_confirmations_unlock(
                guard_id=guard.pk, actor=Actor.for_request(request), reason=form.cleaned_data["reason"]
            )
        self.message_user(request, _("%(count)d card(s) unlocked.") % {"count": queryset.count()}, messages.SUCCESS)
        return None
