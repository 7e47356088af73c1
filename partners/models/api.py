"""Partner API credentials and the idempotency record of POST requests."""

from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from partners.models.platform import Partner


class PartnerAPIKey(AbstractAPIKey):
    """An API key (stored hashed by the library) and its request-signing secret (stored
    encrypted: the portal needs it back to check signatures). Several may be active at once,
    so a partner can rotate without downtime."""

    partner = models.ForeignKey(Partner, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="api_keys")
    signing_secret_encrypted = models.BinaryField(_("signing secret (encrypted)"), editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"
        # Held instead of the model permissions, which no group holds (a credential model).
        permissions = [("issue_partnerapikey", "Can issue, list and revoke platform API keys")]


class IdempotencyRecord(models.Model):
    """The first response to a POST with a given Idempotency-Key, replayed for repeats."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    # NULL while the first request is still being handled.
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["partner", "key"], name="idempotency_partner_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return self.key


class ApiRequestLog(models.Model):
    """One partner API request: who, what, the answer's status and how long it took. Append
    only, in time order (a BRIN index on the time is enough); read by the evaluation's API error
    rate and by the platform's support staff. Kept for `API_LOG_RETENTION_DAYS`."""

    id = models.BigAutoField(primary_key=True)
    partner = models.ForeignKey(
        Partner, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    method = models.CharField(_("method"), max_length=7)
    route = models.CharField(_("endpoint"), max_length=60)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("API request")
        verbose_name_plural = _("API requests")
        indexes = [BrinIndex(fields=["at"], name="api_request_at_brin")]

    def __str__(self) -> str:
        return f"{self.method} {self.route} {self.status_code}"
