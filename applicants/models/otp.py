from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OtpPurpose(models.TextChoices):
    PHONE_VERIFY = "phone_verify", _("Verify phone number")
    PURCHASE_CONFIRM = "purchase_confirm", _("Confirm a purchase")
    PAYOUT_ACCOUNT = "payout_account", _("Link a payout account")


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS. Only its hash is stored. Three wrong entries lock the
    purpose for an hour for that user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=20, choices=OtpPurpose.choices)
    target = models.CharField(_("sent to"), max_length=16)
    subject_ref = models.CharField(_("about"), max_length=64, blank=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["user", "purpose", "-created_at"], name="otp_user_purpose_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} for {self.user_id}"
