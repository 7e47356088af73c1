"""The scripted integration check of a platform in onboarding: in the sandbox API it makes a
test purchase (signed requests), confirms it with the sandbox code, completes it, and receives
the signed webhook. No card, no money: the sandbox purchase lives only here."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models.platform import Listing, Partner


class IntegrationCheck(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(
        Partner, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="integration_checks"
    )
    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.PROTECT, related_name="+")
    price = models.BigIntegerField(_("price (Rp)"))
    otp_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("test purchase made at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed with the code at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completion reported at"), null=True, blank=True)
    # The signed webhook sent when the test purchase was confirmed; delivered = step passed.
    webhook_event_id = models.UUIDField(_("webhook event"), null=True, blank=True)
    activated_at = models.DateTimeField(_("platform activated at"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("activated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("integration check")
        verbose_name_plural = _("integration checks")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.partner} {self.created_at:%Y-%m-%d %H:%M}"
