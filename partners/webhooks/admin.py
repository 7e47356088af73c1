"""Webhook endpoints (the secret shown once) and deliveries (redeliver)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from partners.models import (
    WebhookDelivery,
    WebhookEndpoint,
)
from partners.webhooks.services.webhooks import (
    WebhookError,
    webhook_endpoint_create,
    webhook_endpoint_set_active,
    webhook_redeliver,
    webhook_url_check,
)
from prakerja.core.actor import Actor
from prakerja.core.admin_base import domain_errors_reported, secret_shown_once


class WebhookEndpointForm(forms.ModelForm[WebhookEndpoint]):
    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        try:
            webhook_url_check(url)
        except WebhookError as error:
            raise forms.ValidationError(error.message) from error
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ("partner", "url", "is_active", "created_at")
    list_filter = ("is_active", "partner")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ("partner", "url", "is_active")
    form = WebhookEndpointForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("partner", "url") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        if change:
            # Only is_active may change here: through the service, so it is audited.
            if "is_active" in form.changed_data:
                with domain_errors_reported(self, request):
                    webhook_endpoint_set_active(
                        endpoint=WebhookEndpoint.objects.get(pk=obj.pk),
                        active=obj.is_active,
                        actor=Actor.for_request(request),
                    )
            return
        created = webhook_endpoint_create(
            partner=form.cleaned_data["partner"],
            url=form.cleaned_data["url"],
            actor=Actor.for_request(request),
        )
        obj.pk = created.endpoint.pk
        secret_shown_once(self, request, secrets=[("Signing secret", created.secret)])


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = ("event", "endpoint", "status", "attempts", "last_status_code", "next_attempt_at", "delivered_at")
    list_filter = ("status", "endpoint__partner")
    list_select_related = ("event", "endpoint")
    readonly_fields = ("event", "endpoint", "status", "attempts", "last_status_code", "last_error", "delivered_at")
    actions = ("redeliver",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Deliver again"), permissions=["change"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset:
            webhook_redeliver(delivery=delivery, actor=Actor.for_request(request))
        self.message_user(request, _("%(count)d delivery(ies) queued again.") % {"count": queryset.count()})
